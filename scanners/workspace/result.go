package workspace

import (
	"sync"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/scanners"
)

// result accumulates the snapshot fragment of one scan; safe for
// concurrent use, the same fact added twice is kept once.
type result struct {
	sys string
	red *config.Redactor

	mu          sync.Mutex
	principals  map[string]findings.Principal
	memberships map[string]findings.Membership
	grants      map[string]findings.Grant
	gaps        map[string]findings.Gap
}

func newResult(sys string, red *config.Redactor) *result {
	return &result{sys: sys, red: red, principals: map[string]findings.Principal{},
		memberships: map[string]findings.Membership{}, grants: map[string]findings.Grant{}, gaps: map[string]findings.Gap{}}
}

func (r *result) principal(p findings.Principal) {
	if p.MFA == "" {
		p.MFA = findings.MFAUnknown
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.principals[p.ID]; !ok {
		r.principals[p.ID] = p
	}
}

// replace adds p, replacing a principal with the same id (a fuller record
// of a group first seen as a role holder).
func (r *result) replace(p findings.Principal) {
	if p.MFA == "" {
		p.MFA = findings.MFAUnknown
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.principals[p.ID] = p
}

func (r *result) membership(memberID, groupID string) {
	m := findings.Membership{ID: findings.ObjectID("membership", r.sys, memberID, groupID), System: r.sys,
		MemberID: memberID, GroupID: groupID}
	r.mu.Lock()
	r.memberships[m.ID] = m
	r.mu.Unlock()
}

func (r *result) grant(g findings.Grant) {
	g.System = r.sys
	g.ID = findings.GrantID(r.sys, g.PrincipalID, g.Privilege, g.Scope, g.Assignment, g.Via)
	r.mu.Lock()
	if _, ok := r.grants[g.ID]; !ok {
		r.grants[g.ID] = g
	}
	r.mu.Unlock()
}

// gap records a gap; the first error per collection is kept.
func (r *result) gap(collection string, err error, remedy string) {
	r.add(scanners.GapFromError(r.sys, collection, err, remedy, r.red))
}

// gapAs records a gap with a fixed reason (unsupported collections).
func (r *result) gapAs(collection string, reason findings.GapReason, msg, remedy string) {
	r.add(findings.Gap{ID: findings.GapID(r.sys, collection), System: r.sys, Collection: collection,
		Reason: reason, Error: msg, Remedy: remedy})
}

func (r *result) add(g findings.Gap) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.gaps[g.ID]; !ok {
		r.gaps[g.ID] = g
	}
}

func (r *result) snapshot(sys findings.System) *findings.Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(sys.Attributes) == 0 {
		sys.Attributes = nil
	}
	s := &findings.Snapshot{Systems: []findings.System{sys}}
	for _, p := range r.principals {
		s.Principals = append(s.Principals, p)
	}
	for _, m := range r.memberships {
		s.Memberships = append(s.Memberships, m)
	}
	for _, g := range r.grants {
		s.Grants = append(s.Grants, g)
	}
	for _, g := range r.gaps {
		s.Gaps = append(s.Gaps, g)
	}
	s.Canonicalize()
	return s
}
