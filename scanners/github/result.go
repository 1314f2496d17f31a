package github

import (
	"slices"
	"strings"
	"sync"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/scanners"
)

// result accumulates the snapshot fragment of one scan. It is safe for
// concurrent use; adding the same fact twice keeps one.
type result struct {
	sys string
	red *config.Redactor

	mu          sync.Mutex
	principals  map[string]*findings.Principal
	memberships map[string]findings.Membership
	grants      map[string]findings.Grant
	byHolder    map[string][]string // principal id → grant ids
	trusts      map[string]findings.Trust
	licences    map[string]findings.Licence
	gaps        map[string]findings.Gap
}

func newResult(sys string, red *config.Redactor) *result {
	return &result{
		sys: sys, red: red,
		principals:  map[string]*findings.Principal{},
		memberships: map[string]findings.Membership{},
		grants:      map[string]findings.Grant{},
		byHolder:    map[string][]string{},
		trusts:      map[string]findings.Trust{},
		licences:    map[string]findings.Licence{},
		gaps:        map[string]findings.Gap{},
	}
}

// principal adds p (its ID must be set) unless a principal with that ID
// exists, and returns the stored one. Callers holding the returned pointer
// must change it only through update.
func (r *result) principal(p findings.Principal) *findings.Principal {
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.principals[p.ID]; ok {
		return old
	}
	cp := p
	if cp.MFA == "" {
		cp.MFA = findings.MFAUnknown
	}
	r.principals[p.ID] = &cp
	return &cp
}

// update runs fn on the stored principal id, if any, under the lock.
func (r *result) update(id string, fn func(p *findings.Principal)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p, ok := r.principals[id]; ok {
		fn(p)
	}
}

func (r *result) has(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.principals[id]
	return ok
}

func (r *result) membership(memberID, groupID string) {
	m := findings.Membership{
		ID:     findings.ObjectID("membership", r.sys, shortPID(memberID), shortPID(groupID)),
		System: r.sys, MemberID: memberID, GroupID: groupID,
	}
	r.mu.Lock()
	r.memberships[m.ID] = m
	r.mu.Unlock()
}

// shortPID drops the system part of a principal id ("team:gh:42" →
// "team/42") so membership ids stay short and readable.
func shortPID(id string) string {
	kind, rest, _ := strings.Cut(id, ":")
	_, native, _ := strings.Cut(rest, ":")
	return kind + "/" + native
}

// grant adds g, computing its id.
func (r *result) grant(g findings.Grant) {
	g.System = r.sys
	if g.Assignment == "" {
		g.Assignment = findings.AssignmentActive
	}
	g.ID = findings.GrantID(r.sys, g.PrincipalID, g.Privilege, g.Scope, g.Assignment, g.Via)
	g.Sensitive = uniqueSorted(g.Sensitive)
	r.mu.Lock()
	if _, ok := r.grants[g.ID]; !ok {
		r.byHolder[g.PrincipalID] = append(r.byHolder[g.PrincipalID], g.ID)
	}
	r.grants[g.ID] = g
	r.mu.Unlock()
}

func (r *result) trust(t findings.Trust) {
	t.System = r.sys
	r.mu.Lock()
	r.trusts[t.ID] = t
	r.mu.Unlock()
}

func (r *result) licence(l findings.Licence) {
	l.System = r.sys
	r.mu.Lock()
	r.licences[l.ID] = l
	r.mu.Unlock()
}

// gap records a gap for collection; the first error per collection is
// kept.
func (r *result) gap(collection string, err error, remedy string) {
	g := scanners.GapFromError(r.sys, collection, err, remedy, r.red)
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.gaps[g.ID]; !ok {
		r.gaps[g.ID] = g
	}
}

// skipped records a collection deliberately not read.
func (r *result) skipped(collection, why string) {
	g := findings.Gap{ID: findings.GapID(r.sys, collection), System: r.sys, Collection: collection,
		Reason: findings.GapSkipped, Error: why}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.gaps[g.ID]; !ok {
		r.gaps[g.ID] = g
	}
}

// hasGap reports whether a gap was recorded for collection.
func (r *result) hasGap(collection string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.gaps[findings.GapID(r.sys, collection)]
	return ok
}

// grantsOf returns the grants held by principal id.
func (r *result) grantsOf(id string) []findings.Grant {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []findings.Grant
	for _, gid := range r.byHolder[id] {
		out = append(out, r.grants[gid])
	}
	return out
}

func (r *result) snapshot(sys findings.System) *findings.Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(sys.Attributes) == 0 {
		sys.Attributes = nil
	}
	s := &findings.Snapshot{Systems: []findings.System{sys}}
	for _, p := range r.principals {
		s.Principals = append(s.Principals, *p)
	}
	for _, m := range r.memberships {
		s.Memberships = append(s.Memberships, m)
	}
	for _, g := range r.grants {
		s.Grants = append(s.Grants, g)
	}
	for _, t := range r.trusts {
		s.Trusts = append(s.Trusts, t)
	}
	for _, l := range r.licences {
		s.Licences = append(s.Licences, l)
	}
	for _, g := range r.gaps {
		s.Gaps = append(s.Gaps, g)
	}
	s.Canonicalize()
	return s
}

func uniqueSorted(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := slices.Clone(in)
	slices.Sort(out)
	return slices.Compact(out)
}
