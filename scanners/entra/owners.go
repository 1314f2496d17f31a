package entra

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/keyholder/keyholder/findings"
)

// Paths to the top that run through objects a principal owns or may join:
//
//   - an owner of a role-assignable group adds itself as a member and holds
//     the group's roles;
//   - a principal eligible (PIM for Groups) for membership or ownership of
//     such a group activates it and holds the roles, so it is an eligible
//     holder of them;
//   - an owner of an application or service principal adds a secret and
//     acts as the app, with its application permissions and roles.
//
// Each becomes a grant of the owned object's privilege to the owner or
// eligible principal, with Via naming the object, so that the policy
// layer judges the path like any other.

// groupPaths adds the grants that owners and PIM for Groups principals of
// group hold through g, a role grant on the group.
func (b *builder) groupPaths(groupID string, g findings.Grant) {
	r := b.r
	gr := r.dir.groups[groupID]
	if gr != nil {
		for _, o := range gr.owners {
			b.pathGrant(g, o.id, o, "group_owner", findings.AssignmentActive, nil)
		}
	}
	var members map[string]bool
	if exp := r.expansions[groupID]; exp != nil && exp.err == nil {
		members = map[string]bool{}
		for _, m := range exp.members {
			members[m.id] = true
		}
	}
	for _, a := range r.pimGroup.access {
		if a.groupID != groupID {
			continue
		}
		path := "pim_group_member"
		if a.owner {
			path = "pim_group_owner"
		}
		as := findings.AssignmentActive
		switch {
		case a.eligible:
			as = findings.AssignmentEligible
			path = strings.Replace(path, "pim_group_", "pim_group_eligible_", 1)
		case a.end != nil:
			as = findings.AssignmentTimeBound
		case !a.owner && members != nil && members[a.principalID]:
			continue // an active member is already a member of the expansion
		}
		b.pathGrant(g, a.principalID, a.principal, path, as, a.end)
	}
}

// pathGrant adds g's privilege to holder through the object g is held by.
// The assignment is the weaker of g's and the path's: eligible beats
// time-bound beats active; the earlier end wins.
func (b *builder) pathGrant(g findings.Grant, holder string, ref *dirRef, path string, as findings.Assignment, end *time.Time) {
	if holder == "" || holder == nativeOf(g.PrincipalID) {
		return
	}
	pg := g
	pg.Attributes = maps.Clone(g.Attributes)
	pg.Attributes["path"] = path
	pg.Attributes["via_object"] = nativeOf(g.PrincipalID)
	if p := b.principals[nativeOf(g.PrincipalID)]; p != nil && p.DisplayName != "" {
		pg.Attributes["via_name"] = p.DisplayName
	}
	pg.PrincipalID = b.pid(holder, ref)
	pg.Direct = false
	pg.Via = []string{g.PrincipalID}
	switch {
	case g.Assignment == findings.AssignmentEligible || as == findings.AssignmentEligible:
		pg.Assignment = findings.AssignmentEligible
	case as == findings.AssignmentTimeBound:
		pg.Assignment = findings.AssignmentTimeBound
	}
	if end != nil {
		e := end.UTC()
		if pg.Expires == nil || e.Before(*pg.Expires) {
			pg.Expires = &e
		}
	}
	b.grant(pg)
}

// appOwnerPaths gives the owners of a service principal (or of its app
// registration) every admin-level privilege the service principal holds:
// application permissions and directory roles.
func (b *builder) appOwnerPaths() {
	r := b.r
	owners := map[string][]*dirRef{} // service principal id -> owners
	for id, sp := range r.dir.sps {
		owners[id] = append(owners[id], sp.owners...)
	}
	byApp := map[string]string{}
	for id, sp := range r.dir.sps {
		byApp[strings.ToLower(sp.appID)] = id
	}
	for _, a := range r.dir.apps {
		if id, ok := byApp[strings.ToLower(a.appID)]; ok {
			owners[id] = append(owners[id], a.owners...)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(b.grants)) {
		g := b.grants[id]
		if g.Level.Rank() < findings.LevelAdmin.Rank() || len(g.Via) > 0 || g.Attributes["permission_type"] == "delegated" {
			continue
		}
		p := b.principals[nativeOf(g.PrincipalID)]
		if p == nil || p.Kind != findings.PrincipalServicePrincipal {
			continue
		}
		for _, o := range owners[p.NativeID] {
			b.pathGrant(g, o.id, o, "app_owner", findings.AssignmentActive, nil)
		}
	}
}
