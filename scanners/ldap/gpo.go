package ldap

import (
	"context"
	"fmt"
	"sort"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/keyholder/keyholder/scanners"
)

// Group Policy: a GPO linked to the domain or to the Domain Controllers
// OU runs on the domain controllers as SYSTEM, so whoever may edit the
// GPO object controls the domain. The GPO's files live at gPCFileSysPath
// in SYSVOL; their NTFS permissions are not readable over LDAP and are
// reported as evidence only.

// gpLink is one enabled link from an OU or domain to a GPO.
type gpLink struct {
	dn       string
	linkedTo string
}

// parseGPLink reads a gPLink value: "[LDAP://cn={GUID},cn=policies,...;0]"
// entries, each with options (1 = link disabled, 2 = enforced). Disabled
// links are skipped: the GPO does not apply through them.
func parseGPLink(v string) []gpLink {
	var out []gpLink
	for _, part := range strings.Split(v, "]") {
		part = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(part), "["))
		if part == "" {
			continue
		}
		dn, opts, _ := strings.Cut(part, ";")
		if len(dn) < 7 || !strings.EqualFold(dn[:7], "ldap://") {
			continue
		}
		dn = dn[7:]
		if n := strings.TrimSpace(opts); n != "" && n != "0" && n != "2" {
			// 1 and 3 are disabled links; anything else is not a
			// documented value and is kept (it may apply).
			if n == "1" || n == "3" {
				continue
			}
		}
		out = append(out, gpLink{dn: dn})
	}
	return out
}

// adGPOs reads the linked GPOs' DACLs, display names and file paths in
// one search under CN=Policies.
func (c *collector) adGPOs(ctx context.Context, domainNC string, links []gpLink) error {
	if len(links) == 0 {
		return nil
	}
	const remedy = "let the account read the DACL (Read Permissions) of the group policy objects under CN=Policies,CN=System"
	byDN := map[string]*aclTarget{}
	var order []*aclTarget
	var terms []string
	for _, l := range links {
		k := dnKey(l.dn)
		if t := byDN[k]; t != nil {
			if !strings.Contains(t.linkedTo, l.linkedTo) {
				t.linkedTo += " and " + l.linkedTo
			}
			continue
		}
		t := &aclTarget{kind: aclGPO, dn: l.dn, linkedTo: l.linkedTo}
		byDN[k] = t
		order = append(order, t)
		// cn (the GPO's GUID) is indexed; results are matched by DN.
		terms = append(terms, "(cn="+goldap.EscapeFilter(firstRDNValue(l.dn))+")")
	}
	got := map[*aclTarget]bool{}
	err := c.run(ctx, "grants/gpo", remedy,
		query{what: "group policy objects", base: "CN=Policies,CN=System," + domainNC, scope: goldap.ScopeSingleLevel,
			filter:   "(&(objectClass=groupPolicyContainer)(|" + strings.Join(terms, "") + "))",
			attrs:    []string{"nTSecurityDescriptor", "displayName", "gPCFileSysPath"},
			controls: []goldap.Control{&goldap.ControlMicrosoftSDFlags{ControlValue: sdFlagsDACL}}},
		func(e *goldap.Entry) error {
			t := byDN[dnKey(e.DN)]
			if t == nil {
				return nil
			}
			got[t] = true
			t.gpoName = firstNonEmpty(e.GetAttributeValue("displayName"), firstRDNValue(e.DN))
			t.fileSysPath = e.GetAttributeValue("gPCFileSysPath")
			t.label = "GPO " + t.gpoName
			c.readDACL(e, t, "grants/gpo")
			return nil
		})
	if err != nil {
		return err
	}
	var missing []string
	for _, t := range order {
		if !got[t] {
			missing = append(missing, t.dn)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		c.gap("grants/gpo", fmt.Errorf("%d linked group policy object(s) were not returned (%s): who may edit them is unknown: %w",
			len(missing), truncate(strings.Join(missing, "; "), 600), scanners.ErrDenied), remedy)
	}
	c.acls = append(c.acls, order...)
	return nil
}
