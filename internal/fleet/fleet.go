package fleet

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/store"
)

// SchemaVersion is the version of the JSON document (fleet.schema.json).
const SchemaVersion = "1"

// DefaultStaleAfter flags runs older than this: a weekly schedule that
// missed one run.
const DefaultStaleAfter = 8 * 24 * time.Hour

// View is the portfolio view.
type View struct {
	SchemaVersion string    `json:"schema_version"`
	GeneratedAt   time.Time `json:"generated_at"`
	// StaleAfterHours is the age above which a run is flagged stale.
	StaleAfterHours float64 `json:"stale_after_hours"`
	// Verdict is the worst verdict of all estates ("" when there are none).
	Verdict findings.Verdict `json:"verdict"`
	// Verdicts counts estates by verdict.
	Verdicts  map[findings.Verdict]int `json:"verdicts"`
	Stale     int                      `json:"stale"`
	Estates   []Estate                 `json:"estates"`
	Providers []Provider               `json:"providers"`
}

// Estate is the latest run of one estate.
type Estate struct {
	Estate       string           `json:"estate"`
	Organization string           `json:"organization"`
	Profile      string           `json:"profile"`
	Run          int64            `json:"run"`
	Started      time.Time        `json:"started"`
	AgeHours     float64          `json:"age_hours"`
	Stale        bool             `json:"stale"`
	Verdict      findings.Verdict `json:"verdict"`
	// PreviousRun and PreviousVerdict describe the run before it; null
	// for an estate's first run.
	PreviousRun     *int64            `json:"previous_run"`
	PreviousVerdict *findings.Verdict `json:"previous_verdict"`
	// Trend is "first", "same", "better" or "worse" (verdict against the
	// previous run).
	Trend string `json:"trend"`
	// Changes is the number of changes against the previous run; null
	// when the run was not diffed.
	Changes          *int                      `json:"changes"`
	Failing          int                       `json:"failing"`
	Blockers         int                       `json:"blockers"`
	Unknown          int                       `json:"unknown"`
	Principals       int                       `json:"principals"`
	PrivilegedGrants int                       `json:"privileged_grants"`
	Systems          []store.SystemSummary     `json:"systems"`
	BlockerFindings  []store.BlockerSummary    `json:"blocker_findings"`
	Providers        []store.ProviderFootprint `json:"providers"`
	// ProviderPrincipals and ProviderPrivilegedGrants sum the footprint
	// of every provider in the estate.
	ProviderPrincipals       int `json:"provider_principals"`
	ProviderPrivilegedGrants int `json:"provider_privileged_grants"`
	// SummaryMissing is true for runs stored before summaries existed:
	// systems, blockers and providers are then not known here (keyholder
	// show RUN has them).
	SummaryMissing bool `json:"summary_missing,omitempty"`

	failing         map[findings.Severity]int
	unknownBlockers int
}

// Provider is one provider's footprint across all estates.
type Provider struct {
	Party string `json:"party"`
	// Estates counts the estates where the provider holds any principal.
	Estates    int         `json:"estates"`
	Of         int         `json:"of"`
	Privileges []Privilege `json:"privileges"`
}

// Privilege is one privilege a provider holds and where.
type Privilege struct {
	Privilege string   `json:"privilege"`
	Estates   []string `json:"estates"`
	// Sentence is the one-line reading: "Acme IT still holds Global
	// Administrator in 7 of 40 estates".
	Sentence string `json:"sentence"`
}

// Options tune Build.
type Options struct {
	Now        time.Time
	StaleAfter time.Duration // DefaultStaleAfter when zero
}

// Build makes the view of the stored estates.
func Build(runs []store.EstateRun, opts Options) *View {
	stale := opts.StaleAfter
	if stale <= 0 {
		stale = DefaultStaleAfter
	}
	v := &View{SchemaVersion: SchemaVersion, GeneratedAt: opts.Now.UTC(), StaleAfterHours: stale.Hours(),
		Verdicts: map[findings.Verdict]int{}, Estates: []Estate{}, Providers: []Provider{}}
	type key struct{ party, priv string }
	held := map[key][]string{}
	present := map[string]int{}
	for _, er := range runs {
		r := er.Latest
		e := Estate{Estate: r.Estate, Organization: r.Organization, Profile: r.Profile, Run: r.ID, Started: r.Started.UTC(),
			Verdict: r.Verdict, Failing: r.Failing, Blockers: r.Blockers, Unknown: r.Unknown, Principals: r.Principals,
			PrivilegedGrants: r.PrivilegedGrants, Trend: "first",
			Systems: []store.SystemSummary{}, BlockerFindings: []store.BlockerSummary{}, Providers: []store.ProviderFootprint{}}
		age := opts.Now.Sub(r.Started)
		e.AgeHours = float64(age.Round(time.Minute)) / float64(time.Hour)
		e.Stale = age > stale
		if r.Changes >= 0 {
			n := r.Changes
			e.Changes = &n
		}
		if p := er.Previous; p != nil {
			id, pv := p.ID, p.Verdict
			e.PreviousRun, e.PreviousVerdict = &id, &pv
			switch d := rank(r.Verdict) - rank(pv); {
			case d > 0:
				e.Trend = "worse"
			case d < 0:
				e.Trend = "better"
			default:
				e.Trend = "same"
			}
		}
		if s := er.Summary; s != nil {
			e.Systems = append(e.Systems, s.Systems...)
			e.BlockerFindings = append(e.BlockerFindings, s.Blockers...)
			e.Providers = append(e.Providers, s.Providers...)
			e.failing, e.unknownBlockers = s.Failing, s.UnknownBlockers
			for _, p := range s.Providers {
				e.ProviderPrincipals += p.Principals
				e.ProviderPrivilegedGrants += p.PrivilegedGrants
				present[p.Party]++
				for _, pr := range p.Privileges {
					k := key{p.Party, pr}
					held[k] = append(held[k], e.Estate)
				}
			}
		} else {
			e.SummaryMissing = true
		}
		v.Verdicts[e.Verdict]++
		if e.Stale {
			v.Stale++
		}
		if rank(e.Verdict) > rank(v.Verdict) || v.Verdict == "" {
			v.Verdict = e.Verdict
		}
		v.Estates = append(v.Estates, e)
	}
	sort.SliceStable(v.Estates, func(i, j int) bool { return v.Estates[i].Estate < v.Estates[j].Estate })
	total := len(v.Estates)
	byParty := map[string]*Provider{}
	for k, estates := range held {
		p := byParty[k.party]
		if p == nil {
			p = &Provider{Party: k.party, Estates: present[k.party], Of: total}
			byParty[k.party] = p
		}
		sort.Strings(estates)
		p.Privileges = append(p.Privileges, Privilege{Privilege: k.priv, Estates: estates,
			Sentence: fmt.Sprintf("%s still holds %s in %d of %d estates", k.party, k.priv, len(estates), total)})
	}
	for party, n := range present {
		if byParty[party] == nil {
			byParty[party] = &Provider{Party: party, Estates: n, Of: total, Privileges: []Privilege{}}
		}
	}
	for _, p := range byParty {
		sort.Slice(p.Privileges, func(i, j int) bool {
			a, b := p.Privileges[i], p.Privileges[j]
			if len(a.Estates) != len(b.Estates) {
				return len(a.Estates) > len(b.Estates)
			}
			return a.Privilege < b.Privilege
		})
		v.Providers = append(v.Providers, *p)
	}
	sort.Slice(v.Providers, func(i, j int) bool { return v.Providers[i].Party < v.Providers[j].Party })
	return v
}

// rank orders verdicts, worst highest; unknown verdict strings rank as
// incomplete (never better than what is known).
func rank(v findings.Verdict) int {
	switch v {
	case findings.VerdictReady:
		return 0
	case findings.VerdictReadyWithActions:
		return 1
	case findings.VerdictIncomplete:
		return 2
	case findings.VerdictNotReady:
		return 3
	}
	return 2
}

// Exit codes, as review's: 3 failing, 4 incomplete, 0 otherwise.
const (
	ExitOK         = 0
	ExitFailing    = 3
	ExitIncomplete = 4
)

// ExitCode is the worst estate's exit code under failOn, as review's
// --fail-on: a not_ready verdict or a failing check at or above failOn
// makes 3 (and wins); otherwise an incomplete verdict or an unknown
// blocker makes 4. A run stored without a summary (older keyholder) with
// any failing check counts as failing: its severities are not known
// here, and a fleet view must not pass what it cannot see. failOn ""
// (--fail-on none) always gives 0.
func (v *View) ExitCode(failOn findings.Severity) int {
	if failOn == "" {
		return ExitOK
	}
	code := ExitOK
	for _, e := range v.Estates {
		failing := e.Verdict == findings.VerdictNotReady
		for sev, n := range e.failing {
			if n > 0 && sev.Rank() >= failOn.Rank() {
				failing = true
			}
		}
		if e.SummaryMissing && e.Failing > 0 {
			failing = true
		}
		incomplete := rank(e.Verdict) == 2 || e.unknownBlockers > 0
		switch {
		case failing:
			return ExitFailing
		case incomplete:
			code = ExitIncomplete
		}
	}
	return code
}

// ExitSummary explains the exit code in one line.
func (v *View) ExitSummary(failOn findings.Severity) string {
	var parts []string
	for _, verdict := range []findings.Verdict{findings.VerdictNotReady, findings.VerdictIncomplete, findings.VerdictReadyWithActions, findings.VerdictReady} {
		if n := v.Verdicts[verdict]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, verdict))
		}
	}
	s := fmt.Sprintf("%d estates: %s", len(v.Estates), strings.Join(parts, ", "))
	if v.Stale > 0 {
		s += fmt.Sprintf("; %d stale", v.Stale)
	}
	if failOn != "" {
		s += fmt.Sprintf(" (--fail-on %s)", failOn)
	}
	return s
}
