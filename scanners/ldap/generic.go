package ldap

import (
	"context"
	"fmt"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

// genericUserFilter selects accounts in a generic directory.
const genericUserFilter = "(|(objectClass=person)(objectClass=posixAccount)(objectClass=account))"

// collectGeneric reads a generic LDAP directory (OpenLDAP and others):
// users and groups in two paged searches, nesting expanded in memory
// (the in-chain rule silently returns nothing on OpenLDAP), admin groups
// from the config.
func (c *collector) collectGeneric(ctx context.Context) error {
	base, err := c.dse.baseDN(c.s.cfg.BaseDN)
	if err != nil {
		return err
	}
	c.setBase(base)
	if err := c.run(ctx, "principals", "grant the account read access to the user entries",
		query{what: "users", base: base, scope: goldap.ScopeWholeSubtree, filter: genericUserFilter, attrs: genericUserAttrs},
		func(e *goldap.Entry) error { c.genericUser(e); return nil }); err != nil {
		return err
	}
	if err := c.run(ctx, "grants", "grant the account read access to the group entries and their member attributes",
		query{what: "groups", base: base, scope: goldap.ScopeWholeSubtree, filter: genericGroupFilter, attrs: genericGroupAttrs},
		func(e *goldap.Entry) error { c.genericGroup(e); return nil }); err != nil {
		return err
	}
	c.link()
	// The member and memberOf values are resolved into members: on a
	// generic directory nothing reads them again.
	for _, o := range c.objs {
		o.parents, o.memberKeys, o.memberUIDs, o.uids = nil, nil, nil, nil
	}
	c.refs = nil
	c.cycleCount = c.markCycles()
	if c.cycleCount > 0 {
		c.sys.Attributes["membership_cycles"] = itoa(c.cycleCount)
	}
	if len(c.s.cfg.AdminGroups) == 0 {
		c.gap("grants/admin_groups", fmt.Errorf("a generic LDAP directory has no built-in admin groups and none are configured: %w", scanners.ErrUnsupported),
			"list the groups that carry admin rights in admin_groups")
	}
	done := map[*object]bool{}
	for _, ref := range c.s.cfg.AdminGroups {
		gs := c.findGroups(ref)
		if len(gs) == 0 {
			c.gap("grants/admin_groups", fmt.Errorf("admin group %q was not found under %s", ref, base),
				"check admin_groups: a group DN or cn under base_dn")
		}
		for _, g := range gs {
			if done[g] {
				continue
			}
			done[g] = true
			g.p.Attributes["admin_group"] = "configured"
			reached := c.grantClosure(g, privilege{name: g.p.DisplayName, id: g.p.DN, level: findings.LevelAdmin, source: "admin_groups"}, nil)
			c.unresolvedGap(g.p.DisplayName, reached)
		}
	}
	c.sensitiveGrants()
	c.missingGaps()
	c.referralGaps()
	return nil
}
