package findings

import (
	"fmt"
	"sort"
	"strings"
)

// Merge combines per-scanner results into one snapshot. Every id must be
// unique across all parts within its collection; a duplicate is an error
// naming the id and both collections' sources, and nothing is merged.
// Header fields (tool, times, config hash) are taken from the first part.
func Merge(parts ...*Snapshot) (*Snapshot, error) {
	out := &Snapshot{SchemaVersion: SchemaVersion}
	seen := map[string]string{} // "collection\x00id" -> system of first holder
	var dups []string
	check := func(collection, id, system string) bool {
		key := collection + "\x00" + id
		if first, ok := seen[key]; ok {
			dups = append(dups, fmt.Sprintf("%s id %q (from system %q and %q)", collection, id, first, system))
			return false
		}
		seen[key] = system
		return true
	}
	for i, p := range parts {
		if p == nil {
			continue
		}
		if i == 0 || out.Tool.Name == "" {
			out.Tool = p.Tool
			out.StartedAt = p.StartedAt
			out.FinishedAt = p.FinishedAt
			out.ConfigHash = p.ConfigHash
		}
		out.Partial = out.Partial || p.Partial
		for _, v := range p.Systems {
			if check("system", v.ID, v.ID) {
				out.Systems = append(out.Systems, v)
			}
		}
		for _, v := range p.Principals {
			if check("principal", v.ID, v.System) {
				out.Principals = append(out.Principals, v)
			}
		}
		for _, v := range p.Memberships {
			if check("membership", v.ID, v.System) {
				out.Memberships = append(out.Memberships, v)
			}
		}
		for _, v := range p.Grants {
			if check("grant", v.ID, v.System) {
				out.Grants = append(out.Grants, v)
			}
		}
		for _, v := range p.Licences {
			if check("licence", v.ID, v.System) {
				out.Licences = append(out.Licences, v)
			}
		}
		for _, v := range p.Backups {
			if check("backup", v.ID, v.System) {
				out.Backups = append(out.Backups, v)
			}
		}
		for _, v := range p.Trusts {
			if check("trust", v.ID, v.System) {
				out.Trusts = append(out.Trusts, v)
			}
		}
		for _, v := range p.Assets {
			if check("asset", v.ID, v.System) {
				out.Assets = append(out.Assets, v)
			}
		}
		for _, v := range p.Attestations {
			if check("attestation", v.ID, v.System) {
				out.Attestations = append(out.Attestations, v)
			}
		}
		for _, v := range p.Gaps {
			if check("gap", v.ID, v.System) {
				out.Gaps = append(out.Gaps, v)
			}
		}
	}
	if len(dups) > 0 {
		sort.Strings(dups)
		return nil, fmt.Errorf("findings: merge: %d duplicate id(s): %s", len(dups), strings.Join(dups, "; "))
	}
	out.Canonicalize()
	return out, nil
}

// Validate checks the internal consistency of s: every item names a known
// system, grants, memberships and trusts reference principals that exist,
// ids are unique, and enumerations hold known values. It returns every
// problem, not just the first.
func (s *Snapshot) Validate() []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	systems := map[string]bool{}
	for _, v := range s.Systems {
		if v.ID == "" {
			add("system with empty id")
		}
		if systems[v.ID] {
			add("duplicate system id %q", v.ID)
		}
		systems[v.ID] = true
	}
	principals := map[string]bool{}
	for _, p := range s.Principals {
		if principals[p.ID] {
			add("duplicate principal id %q", p.ID)
		}
		principals[p.ID] = true
		if !systems[p.System] {
			add("principal %q: unknown system %q", p.ID, p.System)
		}
		switch p.MFA {
		case MFAUnknown, MFANone, MFARegistered, MFAEnforced:
		default:
			add("principal %q: invalid mfa %q", p.ID, p.MFA)
		}
	}
	for _, m := range s.Memberships {
		if !principals[m.MemberID] {
			add("membership %q: unknown member %q", m.ID, m.MemberID)
		}
		if !principals[m.GroupID] {
			add("membership %q: unknown group %q", m.ID, m.GroupID)
		}
	}
	ids := map[string]bool{}
	for _, g := range s.Grants {
		if ids[g.ID] {
			add("duplicate grant id %q", g.ID)
		}
		ids[g.ID] = true
		if !systems[g.System] {
			add("grant %q: unknown system %q", g.ID, g.System)
		}
		if !principals[g.PrincipalID] {
			add("grant %q: unknown principal %q", g.ID, g.PrincipalID)
		}
		if g.Level.Rank() == 0 {
			add("grant %q: invalid level %q", g.ID, g.Level)
		}
		switch g.Assignment {
		case AssignmentActive, AssignmentEligible, AssignmentPermanent, AssignmentTimeBound:
		default:
			add("grant %q: invalid assignment %q", g.ID, g.Assignment)
		}
	}
	for _, t := range s.Trusts {
		if !systems[t.System] {
			add("trust %q: unknown system %q", t.ID, t.System)
		}
		if t.PrincipalID != "" && !principals[t.PrincipalID] {
			add("trust %q: unknown principal %q", t.ID, t.PrincipalID)
		}
	}
	for _, l := range s.Licences {
		if !systems[l.System] {
			add("licence %q: unknown system %q", l.ID, l.System)
		}
	}
	for _, b := range s.Backups {
		if !systems[b.System] {
			add("backup %q: unknown system %q", b.ID, b.System)
		}
	}
	for _, g := range s.Gaps {
		if !systems[g.System] {
			add("gap %q: unknown system %q", g.ID, g.System)
		}
		switch g.Reason {
		case GapDenied, GapUnlicensed, GapUnsupported, GapFailed, GapSkipped:
		default:
			add("gap %q: invalid reason %q", g.ID, g.Reason)
		}
	}
	return errs
}
