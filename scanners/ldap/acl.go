package ldap

import (
	"context"
	"fmt"
	"sort"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

// Control through ACLs: who, besides the defaults, may rewrite the
// permissions of the domain, of AdminSDHolder (whose DACL is stamped on
// every protected group and account every hour), of the Domain
// Controllers OU, or of a protected group, add members to a protected
// group, or replicate the domain's secrets (DCSync). Each is domain
// control whatever the principal's group memberships say, so each is a
// super_admin grant whose Via names the ACE.

// sdFlagsDACL asks for the DACL only (DACL_SECURITY_INFORMATION): an
// ordinary user may read it, while the owner/SACL parts need more.
const sdFlagsDACL = 0x4

// Schema and extended-right GUIDs (MS-ADTS, MS-ADA).
const (
	guidMember        = "bf9679c0-0de6-11d0-a285-00aa003049e2" // member attribute and Self-Membership validated write
	guidGetChanges    = "1131f6aa-9c07-11d1-f79f-00c04fc2dcd2" // DS-Replication-Get-Changes
	guidGetChangesAll = "1131f6ad-9c07-11d1-f79f-00c04fc2dcd2" // DS-Replication-Get-Changes-All
	guidGPLink        = "f30e3bbe-9ff0-11d1-b603-0000f80367c1" // gPLink attribute
)

// aclKind says what an object is, which decides which rights matter.
type aclKind int

const (
	aclDomain aclKind = iota
	aclAdminSDHolder
	aclDCOU
	aclGroup
	aclGPO
)

// aclTarget is one object whose DACL was read.
type aclTarget struct {
	kind  aclKind
	dn    string
	label string // "the domain", "AdminSDHolder", "Domain Admins", "GPO Default Domain Policy"
	aces  []ace
	// gpo evidence
	gpoName, fileSysPath, linkedTo string
}

// aclHolding is one right one trustee holds on one object.
type aclHolding struct {
	t     *aclTarget
	sid   string
	right string
	// inherited is true when every ACE that gives the right was
	// inherited from a parent.
	inherited bool
}

// defaultHolder reports whether sid holds these rights in every domain by
// design: the system, the built-in administrators, the domain and
// enterprise admins, and domain controllers (which replicate). Their
// members are judged through the privileged groups already.
func defaultHolder(sid, domainSID, rootSID string) bool {
	switch sid {
	case "S-1-5-18", // Local System
		"S-1-5-32-544", // Administrators
		"S-1-5-9",      // Enterprise Domain Controllers
		"S-1-3-0",      // Creator Owner
		"S-1-5-10":     // Principal Self
		return true
	}
	for _, d := range []string{domainSID, rootSID} {
		if d == "" {
			continue
		}
		switch sid {
		case d + "-512", d + "-519", d + "-516", d + "-521", d + "-498":
			// Domain Admins, Enterprise Admins, Domain Controllers,
			// Read-only Domain Controllers, Enterprise Read-only DCs.
			return true
		}
	}
	return false
}

// rightsOf names the dangerous rights one allow ACE gives on an object
// of kind k. DCSync halves are returned as "get_changes" and
// "get_changes_all" and combined per trustee by the caller.
func rightsOf(a ace, k aclKind) []string {
	m := a.mask
	var out []string
	all := m&rightGenericAll != 0 || m&fullControl == fullControl
	if all && a.objectType == "" {
		out = append(out, "GenericAll")
	}
	if !all || a.objectType != "" {
		if m&rightWriteDAC != 0 {
			out = append(out, "WriteDacl")
		}
		if m&rightWriteOwner != 0 {
			out = append(out, "WriteOwner")
		}
	}
	write := m&(rightDSWriteProp|rightGenericWrite) != 0
	switch {
	case all && a.objectType == "":
	case write && a.objectType == "":
		out = append(out, "GenericWrite")
	case write && k == aclGroup && a.objectType == guidMember:
		out = append(out, "AddMember")
	case write && (k == aclDomain || k == aclDCOU) && a.objectType == guidGPLink:
		out = append(out, "WriteGPLink")
	case write && k == aclGPO:
		out = append(out, "WriteProperty")
	}
	if k == aclGroup && !all && m&rightDSSelf != 0 && (a.objectType == "" || a.objectType == guidMember) {
		out = append(out, "AddSelf")
	}
	if k == aclDomain {
		if all || (m&rightDSControlAccess != 0 && a.objectType == "") {
			out = append(out, "get_changes", "get_changes_all")
		} else if m&rightDSControlAccess != 0 {
			switch a.objectType {
			case guidGetChanges:
				out = append(out, "get_changes")
			case guidGetChangesAll:
				out = append(out, "get_changes_all")
			}
		}
	}
	return out
}

// holdings returns the dangerous rights non-default trustees hold on t,
// deterministic and one per (trustee, right).
func holdings(t *aclTarget, domainSID, rootSID string) []aclHolding {
	type key struct{ sid, right string }
	got := map[key]*aclHolding{}
	for _, a := range t.aces {
		if !a.allow() || !a.appliesToObject() || defaultHolder(a.sid, domainSID, rootSID) {
			continue
		}
		for _, r := range rightsOf(a, t.kind) {
			if deniedToSID(t.aces, a, r) {
				continue
			}
			k := key{a.sid, r}
			if h := got[k]; h != nil {
				h.inherited = h.inherited && a.inherited()
				continue
			}
			got[k] = &aclHolding{t: t, sid: a.sid, right: r, inherited: a.inherited()}
		}
	}
	// DCSync needs both replication rights.
	for k, h := range got {
		if k.right != "get_changes" {
			continue
		}
		if all := got[key{k.sid, "get_changes_all"}]; all != nil {
			got[key{k.sid, "DCSync"}] = &aclHolding{t: t, sid: k.sid, right: "DCSync", inherited: h.inherited && all.inherited}
		}
	}
	var out []aclHolding
	for k, h := range got {
		if k.right == "get_changes" || k.right == "get_changes_all" {
			continue
		}
		out = append(out, *h)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].sid != out[j].sid {
			return out[i].sid < out[j].sid
		}
		return out[i].right < out[j].right
	})
	return out
}

// rightBits are the access mask bits a right rests on.
var rightBits = map[string]uint32{
	"GenericAll": fullControl, "WriteDacl": rightWriteDAC, "WriteOwner": rightWriteOwner,
	"GenericWrite": rightDSWriteProp, "AddMember": rightDSWriteProp, "WriteGPLink": rightDSWriteProp,
	"WriteProperty": rightDSWriteProp, "AddSelf": rightDSSelf,
	"get_changes": rightDSControlAccess, "get_changes_all": rightDSControlAccess,
}

// deniedToSID reports whether a deny ACE on the object, for the same
// trustee, removes right r that allow ACE a gives: it covers the bits r
// rests on (for every property, or for the one a names) and is evaluated
// first (explicit denies precede every allow, inherited ones only
// inherited allows). Denies through the trustee's groups are not
// evaluated: the right is then reported, never hidden.
func deniedToSID(aces []ace, a ace, r string) bool {
	bits := rightBits[r]
	for _, d := range aces {
		if d.allow() || !d.appliesToObject() || d.sid != a.sid {
			continue
		}
		if d.inherited() && !a.inherited() {
			continue
		}
		mask := d.mask
		if mask&rightGenericAll != 0 {
			mask |= fullControl
		}
		if mask&rightGenericWrite != 0 {
			mask |= rightDSWriteProp | rightDSSelf
		}
		if mask&bits != bits {
			continue
		}
		if d.objectType == "" || d.objectType == a.objectType {
			return true
		}
	}
	return false
}

// adACLs reads the DACLs of the domain object, AdminSDHolder, the Domain
// Controllers OU and the protected groups in one search (on indexed
// attributes), then the GPOs
// linked to the domain or the Domain Controllers OU in a second. The
// grants are built by aclGrants once memberships are linked.
func (c *collector) adACLs(ctx context.Context, domainNC, domainSID string, privs []*privGroup) error {
	const remedy = "let the account read the DACL (Read Permissions) of the domain object, AdminSDHolder, the Domain Controllers OU and the privileged groups; Authenticated Users can by default"
	want := map[string]*aclTarget{}
	var order []*aclTarget
	addT := func(kind aclKind, dn, label string) {
		k := dnKey(dn)
		if want[k] != nil {
			return
		}
		t := &aclTarget{kind: kind, dn: dn, label: label}
		want[k] = t
		order = append(order, t)
	}
	addT(aclDomain, domainNC, "the domain")
	addT(aclAdminSDHolder, "CN=AdminSDHolder,CN=System,"+domainNC, "AdminSDHolder")
	addT(aclDCOU, "OU=Domain Controllers,"+domainNC, "the Domain Controllers OU")
	for _, pg := range privs {
		if pg.protected && pg.o != nil && pg.o.p.DN != "" {
			addT(aclGroup, pg.o.p.DN, pg.name)
		}
	}
	// Indexed attributes only (objectSid, cn, ou): the results are
	// matched by DN, so a namesake elsewhere is ignored.
	terms := []string{"(cn=AdminSDHolder)", "(ou=Domain Controllers)"}
	if domainSID != "" {
		terms = append(terms, "(objectSid="+domainSID+")")
	} else {
		terms = append(terms, "(distinguishedName="+goldap.EscapeFilter(domainNC)+")")
	}
	for _, pg := range privs {
		if pg.protected && pg.o != nil && pg.o.p.DN != "" {
			if pg.o.sid != "" {
				terms = append(terms, "(objectSid="+pg.o.sid+")")
			} else {
				terms = append(terms, "(distinguishedName="+goldap.EscapeFilter(pg.o.p.DN)+")")
			}
		}
	}
	sdCtl := &goldap.ControlMicrosoftSDFlags{ControlValue: sdFlagsDACL}
	var links []gpLink
	got := map[*aclTarget]bool{}
	err := c.run(ctx, "grants/acl", remedy,
		query{what: "access control lists", base: domainNC, scope: goldap.ScopeWholeSubtree,
			filter: "(|" + strings.Join(terms, "") + ")", attrs: []string{"nTSecurityDescriptor", "gPLink"},
			controls: []goldap.Control{sdCtl}},
		func(e *goldap.Entry) error {
			t := want[dnKey(e.DN)]
			if t == nil {
				return nil
			}
			got[t] = true
			if t.kind == aclDomain || t.kind == aclDCOU {
				for _, l := range parseGPLink(e.GetAttributeValue("gPLink")) {
					l.linkedTo = t.label
					links = append(links, l)
				}
			}
			c.readDACL(e, t, "grants/acl")
			return nil
		})
	if err != nil {
		return err
	}
	_, failed := c.gapIndex[findings.GapID(c.sys.ID, "grants/acl")]
	var missing []string
	for _, t := range order {
		if !got[t] {
			missing = append(missing, t.dn)
		}
	}
	if len(missing) > 0 && !failed {
		c.gap("grants/acl", fmt.Errorf("%d object(s) whose DACL decides who controls the domain were not returned (%s): %w",
			len(missing), truncate(strings.Join(missing, "; "), 600), scanners.ErrDenied), remedy)
	}
	c.acls = append(c.acls, order...)
	return c.adGPOs(ctx, domainNC, links)
}

// readDACL parses the entry's security descriptor into t, recording a gap
// when it is absent (not readable) or unusable.
func (c *collector) readDACL(e *goldap.Entry, t *aclTarget, collection string) {
	if !c.need(e, "nTSecurityDescriptor", collection) {
		return
	}
	aces, ok, err := parseDACL(e.GetRawAttributeValue("nTSecurityDescriptor"))
	if err != nil {
		c.malformed(collection, "nTSecurityDescriptor", e.DN, err)
		return
	}
	if !ok {
		c.malformed(collection, "nTSecurityDescriptor", e.DN, fmt.Errorf("the descriptor carries no DACL (a NULL DACL lets everyone in, or the server ignored the SD flags control)"))
		return
	}
	t.aces = aces
}

// aceLabel names an ACE for Via and evidence.
func aceLabel(h aclHolding) string {
	inh := ""
	if h.inherited {
		inh = " (inherited)"
	}
	return fmt.Sprintf("ACE on %s: allow %s to %s%s", h.t.dn, h.right, h.sid, inh)
}

// aclGrants turns the DACLs read into super_admin grants on the trustees;
// the members of a trustee group hold them through its memberships.
func (c *collector) aclGrants(domainSID, rootSID string) {
	for _, t := range c.acls {
		for _, h := range holdings(t, domainSID, rootSID) {
			o := c.bySID[h.sid]
			if o == nil {
				o = c.sidPrincipal(h.sid)
			}
			name := h.right + " on " + t.label
			if t.kind == aclGPO {
				name = "Edit GPO " + t.gpoName + " (" + h.right + ", linked to " + t.linkedTo + ")"
			}
			source := "acl"
			if t.kind == aclGPO {
				source = "gpo"
			}
			attrs := map[string]string{"source": source, "right": h.right, "object_dn": t.dn, "trustee_sid": h.sid}
			if h.inherited {
				attrs["inherited"] = "true"
			}
			if t.kind == aclGPO {
				attrs["gpo"] = t.gpoName
				attrs["linked_to"] = t.linkedTo
				setIf(attrs, "gpc_file_sys_path", t.fileSysPath)
			}
			label := aceLabel(h)
			pv := privilege{name: name, id: h.right, level: findings.LevelSuperAdmin, source: source}
			// On the trustee only: its members reach it through the
			// memberships, and policies/access names the chain, then
			// the ACE.
			c.addGrantVia(o, pv, []string{label}, attrs)
			c.reach(o)
		}
	}
}

func (c *collector) addGrantVia(o *object, pv privilege, via []string, attrs map[string]string) {
	o.emit = true
	a := make(map[string]string, len(attrs))
	for k, v := range attrs {
		a[k] = v
	}
	c.grants = append(c.grants, findings.Grant{
		ID:          findings.GrantID(c.sys.ID, o.p.ID, pv.name, c.base, findings.AssignmentPermanent, via),
		System:      c.sys.ID,
		PrincipalID: o.p.ID,
		Privilege:   pv.name,
		PrivilegeID: pv.id,
		Level:       pv.level,
		Scope:       c.base,
		Assignment:  findings.AssignmentPermanent,
		Via:         via,
		Direct:      false,
		Attributes:  a,
	})
}

// sidPrincipal returns an external principal for a trustee SID that
// matches no object read: a well-known SID, an account of another domain,
// a deleted account, or one this account cannot see. Nobody has vouched
// for it, so it stays of unknown party unless the config names it.
func (c *collector) sidPrincipal(sid string) *object {
	o := &object{key: "sid:" + strings.ToLower(sid), kindForeign: true, sid: sid}
	if old := c.byKey[o.key]; old != nil {
		return old
	}
	name := wellKnownSIDs[sid]
	attrs := map[string]string{"object_sid": sid, "unresolved_sid": "true"}
	setIf(attrs, "well_known", name)
	o.p = &findings.Principal{
		ID:          findings.PrincipalID(findings.PrincipalExternal, c.sys.ID, sid),
		System:      c.sys.ID,
		Kind:        findings.PrincipalExternal,
		NativeID:    sid,
		DisplayName: firstNonEmpty(name, sid),
		Enabled:     true,
		MFA:         findings.MFAUnknown,
		Attributes:  attrs,
	}
	// An account of a trusted domain: its home is that domain, which
	// the config can attribute (a provider's own forest).
	if dom, _, ok := sidRID(sid); ok {
		if partner := c.trustSIDs[dom]; partner != "" {
			o.p.HomeOrg, o.p.HomeOrgKind, o.p.Domain = partner, "domain", partner
		}
	}
	return c.add(o)
}
