package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/keyholder/keyholder/findings"
)

// Summary is what the portfolio view (keyholder fleet) needs of a run,
// stored compressed beside it so that listing the latest run of a
// thousand estates never decodes a snapshot or an assessment.
type Summary struct {
	Systems   []SystemSummary     `json:"systems"`
	Blockers  []BlockerSummary    `json:"blockers"`
	Providers []ProviderFootprint `json:"providers"`
	// Failing counts failing findings by severity; UnknownBlockers counts
	// blocker checks left unknown (for fleet's --fail-on exit code).
	Failing         map[findings.Severity]int `json:"failing,omitempty"`
	UnknownBlockers int                       `json:"unknown_blockers"`
}

// SystemSummary is one system's verdict and who holds its keys.
type SystemSummary struct {
	System    string           `json:"system"`
	Kind      string           `json:"kind"`
	Name      string           `json:"name,omitempty"`
	Verdict   findings.Verdict `json:"verdict"`
	HoldsKeys string           `json:"holds_keys"`
	Blockers  int              `json:"blockers"`
}

// BlockerSummary names one failing blocker finding.
type BlockerSummary struct {
	Check   string `json:"check"`
	Title   string `json:"title"`
	System  string `json:"system,omitempty"`
	Message string `json:"message"`
}

// ProviderFootprint is what one provider party (party kind msp) holds in
// the estate: its principals, its grants at privileged level or above,
// and the names of those privileges (sorted, distinct).
type ProviderFootprint struct {
	Party            string   `json:"party"`
	Principals       int      `json:"principals"`
	PrivilegedGrants int      `json:"privileged_grants"`
	SuperAdminGrants int      `json:"super_admin_grants"`
	Privileges       []string `json:"privileges"`
}

// Summarize computes the summary of an assessment (with its snapshot).
func Summarize(a *findings.Assessment) Summary {
	var s Summary
	for _, sv := range a.Systems {
		s.Systems = append(s.Systems, SystemSummary{System: sv.System, Kind: string(sv.Kind), Name: sv.Name,
			Verdict: sv.Verdict, HoldsKeys: sv.HoldsKeys, Blockers: sv.Blockers})
	}
	for _, f := range a.Findings {
		switch f.Status {
		case findings.StatusFail:
			if s.Failing == nil {
				s.Failing = map[findings.Severity]int{}
			}
			s.Failing[f.Severity]++
		case findings.StatusUnknown:
			if f.Severity == findings.SeverityBlocker {
				s.UnknownBlockers++
			}
		}
		if f.Status == findings.StatusFail && f.Severity == findings.SeverityBlocker {
			s.Blockers = append(s.Blockers, BlockerSummary{Check: f.Check, Title: f.Title, System: f.System, Message: f.Message})
		}
	}
	sort.SliceStable(s.Blockers, func(i, j int) bool {
		x, y := s.Blockers[i], s.Blockers[j]
		if x.Check != y.Check {
			return x.Check < y.Check
		}
		return x.System < y.System
	})
	party := map[string]string{}
	for _, p := range a.Parties {
		if p.PartyKind == "msp" {
			party[p.Subject] = p.Party
		}
	}
	fp := map[string]*ProviderFootprint{}
	privs := map[string]map[string]bool{}
	get := func(name string) *ProviderFootprint {
		if f, ok := fp[name]; ok {
			return f
		}
		f := &ProviderFootprint{Party: name}
		fp[name] = f
		privs[name] = map[string]bool{}
		return f
	}
	if a.Snapshot != nil {
		for _, p := range a.Snapshot.Principals {
			if name, ok := party[p.ID]; ok {
				get(name).Principals++
			}
		}
		// Grants a provider's people hold through groups count too: the
		// scanners put a grant on the group and leave its members to the
		// memberships (issue 21).
		for _, g := range findings.HeldGrants(a.Snapshot) {
			name, ok := party[g.PrincipalID]
			if !ok || g.Level.Rank() < findings.LevelPrivileged.Rank() {
				continue
			}
			f := get(name)
			f.PrivilegedGrants++
			if g.Level == findings.LevelSuperAdmin {
				f.SuperAdminGrants++
			}
			privs[name][g.Privilege] = true
		}
	}
	for name, f := range fp {
		for p := range privs[name] {
			f.Privileges = append(f.Privileges, p)
		}
		slices.Sort(f.Privileges)
		s.Providers = append(s.Providers, *f)
	}
	sort.Slice(s.Providers, func(i, j int) bool { return s.Providers[i].Party < s.Providers[j].Party })
	return s
}

// encodeSummary returns the summary's JSON and its compressed form.
func encodeSummary(s Summary) (raw, doc []byte, err error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, nil, err
	}
	doc, err = compress(b)
	return b, doc, err
}

func decodeSummary(doc []byte) (*Summary, error) {
	if doc == nil {
		return nil, nil
	}
	raw, err := decompress(doc, encodingGzip)
	if err != nil {
		return nil, err
	}
	var s Summary
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: summary: %v", ErrCorrupt, err)
	}
	return &s, nil
}
