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
// The result is canonical (Canonicalize). Merge copies the parts' items:
// the parts are not modified.
func Merge(parts ...*Snapshot) (*Snapshot, error) {
	return merge(parts, false)
}

// MergeOwned is Merge for parts the caller hands over: where only one part
// holds items of a collection, the result takes that part's slice instead
// of a copy (and canonicalises it in place), so merging a large scan costs
// no second copy of it (issue 21). The caller must not use the parts
// afterwards.
func MergeOwned(parts ...*Snapshot) (*Snapshot, error) {
	return merge(parts, true)
}

func merge(parts []*Snapshot, owned bool) (*Snapshot, error) {
	out := &Snapshot{SchemaVersion: SchemaVersion}
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
	}
	out.Systems = concat(parts, owned, func(s *Snapshot) []System { return s.Systems })
	out.Principals = concat(parts, owned, func(s *Snapshot) []Principal { return s.Principals })
	out.Memberships = concat(parts, owned, func(s *Snapshot) []Membership { return s.Memberships })
	out.Grants = concat(parts, owned, func(s *Snapshot) []Grant { return s.Grants })
	out.Licences = concat(parts, owned, func(s *Snapshot) []Licence { return s.Licences })
	out.Backups = concat(parts, owned, func(s *Snapshot) []Backup { return s.Backups })
	out.Trusts = concat(parts, owned, func(s *Snapshot) []Trust { return s.Trusts })
	out.Assets = concat(parts, owned, func(s *Snapshot) []Asset { return s.Assets })
	out.Attestations = concat(parts, owned, func(s *Snapshot) []Attestation { return s.Attestations })
	out.Gaps = concat(parts, owned, func(s *Snapshot) []Gap { return s.Gaps })
	// Canonicalize sorts every collection by id, stably: items sharing an
	// id end up next to each other in part order, so duplicates are found
	// without a set of every id.
	out.Canonicalize()
	var dups []string
	dups = adjacentDups(dups, "system", out.Systems, func(v System) (string, string) { return v.ID, v.ID })
	dups = adjacentDups(dups, "principal", out.Principals, func(v Principal) (string, string) { return v.ID, v.System })
	dups = adjacentDups(dups, "membership", out.Memberships, func(v Membership) (string, string) { return v.ID, v.System })
	dups = adjacentDups(dups, "grant", out.Grants, func(v Grant) (string, string) { return v.ID, v.System })
	dups = adjacentDups(dups, "licence", out.Licences, func(v Licence) (string, string) { return v.ID, v.System })
	dups = adjacentDups(dups, "backup", out.Backups, func(v Backup) (string, string) { return v.ID, v.System })
	dups = adjacentDups(dups, "trust", out.Trusts, func(v Trust) (string, string) { return v.ID, v.System })
	dups = adjacentDups(dups, "asset", out.Assets, func(v Asset) (string, string) { return v.ID, v.System })
	dups = adjacentDups(dups, "attestation", out.Attestations, func(v Attestation) (string, string) { return v.ID, v.System })
	dups = adjacentDups(dups, "gap", out.Gaps, func(v Gap) (string, string) { return v.ID, v.System })
	if len(dups) > 0 {
		sort.Strings(dups)
		return nil, fmt.Errorf("findings: merge: %d duplicate id(s): %s", len(dups), strings.Join(dups, "; "))
	}
	return out, nil
}

// concat joins one collection of every part in part order: the only
// non-empty part's own slice when owned, else one exactly sized copy.
func concat[T any](parts []*Snapshot, owned bool, get func(*Snapshot) []T) []T {
	n, holders := 0, 0
	var only []T
	for _, p := range parts {
		if p == nil {
			continue
		}
		if l := get(p); len(l) > 0 {
			n += len(l)
			holders++
			only = l
		}
	}
	if n == 0 {
		return nil
	}
	if owned && holders == 1 {
		return only
	}
	out := make([]T, 0, n)
	for _, p := range parts {
		if p != nil {
			out = append(out, get(p)...)
		}
	}
	return out
}

// adjacentDups reports every item of sorted whose id equals an earlier
// item's, naming the system of the first holder and its own.
func adjacentDups[T any](dups []string, collection string, sorted []T, key func(T) (id, system string)) []string {
	for i := 1; i < len(sorted); {
		id, first := key(sorted[i-1])
		j := i
		for ; j < len(sorted); j++ {
			next, system := key(sorted[j])
			if next != id {
				break
			}
			dups = append(dups, fmt.Sprintf("%s id %q (from system %q and %q)", collection, id, first, system))
		}
		i = j + 1
	}
	return dups
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
