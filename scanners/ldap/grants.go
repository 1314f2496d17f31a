package ldap

import (
	"sort"
	"strings"

	"github.com/keyholder/keyholder/findings"
)

// privilege is what membership of a group carries.
type privilege struct {
	// name is the privilege as reported ("Domain Admins"; the group's own
	// name for configured groups).
	name string
	// id is the group's SID on AD, its DN elsewhere.
	id    string
	level findings.Level
	// basis is the GroupGrades basis of a well-known group ("top",
	// "takeover_route", "role"), recorded as the grant's level_basis.
	basis string
	// source says why the group counts: "well_known", "admin_groups" or
	// "sensitive".
	source    string
	sensitive []string
}

// grantClosure emits the grant on root, the group that holds it, and
// marks every object reachable through nesting for the snapshot: the
// memberships carry the access to them, and policies/access expands it
// with the chain (issue 21: group access is expanded in one place). extra
// adds objects the server reported as transitive members for which no
// chain could be rebuilt from the data read: no membership explains their
// access, so each gets a grant of its own naming root as the only hop
// (membership "in_chain_unresolved").
// It returns the reached objects, root included.
func (c *collector) grantClosure(root *object, pv privilege, extra []*object) []*object {
	scope := c.base
	base := map[string]string{"group": root.p.DisplayName, "source": pv.source}
	if pv.basis != "" {
		base["level_basis"] = pv.basis
	}
	if root.p.DN != "" {
		base["group_dn"] = root.p.DN
	}
	c.addGrant(root, pv, scope, nil, true, base, "")
	reached := append([]*object{root}, c.reach(root)...)
	seen := make(map[*object]bool, len(reached))
	for _, o := range reached {
		seen[o] = true
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i].p.ID < extra[j].p.ID })
	for _, o := range extra {
		if seen[o] {
			continue
		}
		seen[o] = true
		reached = append(reached, o)
		// The server says o is a transitive member, but the groups in
		// between could not be read: the chain is unknown.
		c.addGrant(o, pv, scope, []string{root.p.ID}, false, base, "in_chain_unresolved")
	}
	return reached
}

// reach returns every object nested in root (root itself not included)
// and marks each for the snapshot, so the memberships that carry root's
// grants to them are written: computers and foreign security principals
// are otherwise left out when they hold nothing.
func (c *collector) reach(root *object) []*object {
	out := reachable(root)
	for _, o := range out {
		o.emit = true
	}
	return out
}

func (c *collector) addGrant(o *object, pv privilege, scope string, via []string, direct bool, base map[string]string, how string) {
	o.emit = true
	attrs := make(map[string]string, len(base)+2)
	for k, v := range base {
		attrs[k] = v
	}
	if how != "" {
		attrs["membership"] = how
	}
	g := findings.Grant{
		ID:          findings.GrantID(c.sys.ID, o.p.ID, pv.name, scope, findings.AssignmentPermanent, via),
		System:      c.sys.ID,
		PrincipalID: o.p.ID,
		Privilege:   pv.name,
		PrivilegeID: pv.id,
		Level:       pv.level,
		Scope:       scope,
		Assignment:  findings.AssignmentPermanent,
		Via:         via,
		Direct:      direct,
		Sensitive:   pv.sensitive,
		Attributes:  attrs,
	}
	c.grants = append(c.grants, g)
}

// sensitiveGrants marks membership of the groups named by the config's
// sensitive segments (ldap_groups) with "limited" grants that carry the
// segment names, expanded like the privileged groups.
func (c *collector) sensitiveGrants() {
	if c.s.env.Config == nil {
		return
	}
	segs := map[*object][]string{}
	for _, seg := range c.s.env.Config.Sensitive {
		for _, ref := range seg.LDAPGroups {
			for _, g := range c.findGroups(ref) {
				segs[g] = append(segs[g], seg.Name)
			}
		}
	}
	groups := make([]*object, 0, len(segs))
	for g := range segs {
		groups = append(groups, g)
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].p.ID < groups[j].p.ID })
	for _, g := range groups {
		id := g.sid
		if id == "" {
			id = g.p.DN
		}
		c.grantClosure(g, privilege{
			name: g.p.DisplayName, id: id, level: findings.LevelLimited,
			source: "sensitive", sensitive: sortedUnique(segs[g]),
		}, nil)
	}
}

// findGroups returns the groups a config reference names: a DN (when it
// holds '='), else a name matched case-insensitively against
// sAMAccountName and cn.
func (c *collector) findGroups(ref string) []*object {
	ref = strings.TrimSpace(ref)
	if strings.Contains(ref, "=") {
		if o := c.byKey[dnKey(ref)]; o != nil && o.isGroup {
			return []*object{o}
		}
		return nil
	}
	var out []*object
	for _, o := range c.objs {
		if !o.isGroup {
			continue
		}
		for _, n := range o.names() {
			if strings.EqualFold(n, ref) {
				out = append(out, o)
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].p.ID < out[j].p.ID })
	return out
}
