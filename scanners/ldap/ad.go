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

// wellKnownGroup is an AD group found by SID (or, for DnsAdmins, by name).
type wellKnownGroup struct {
	name  string
	sid   string // full SID; empty when found by name
	level findings.Level
	basis string
	// protected groups are guarded by AdminSDHolder: their members get
	// adminCount=1.
	protected bool
	// grant is false for groups that only matter for adminCount.
	grant bool
}

// GroupGrade is the level keyholder gives a well-known AD group: what
// membership lets its holder become. Basis is "top" for the domain's top
// privilege itself, "takeover_route" for a tier-0 group whose members can
// make themselves Domain Admins (or act as a domain controller), and
// "role" otherwise; Source is the reference that documents it. The same
// table is published in policies/README.md ("Privilege levels").
type GroupGrade struct {
	Name string
	// RID is the group's relative id ("S-1-5-32-548" for builtin groups,
	// "-512" for domain groups, "-518" for forest-root groups, "" when
	// found by name).
	RID       string
	Level     findings.Level
	Basis     string
	Source    string
	protected bool // guarded by AdminSDHolder: members get adminCount=1
	grant     bool // false for groups that only matter for adminCount
	forest    bool // RID is relative to the forest root domain
}

const (
	srcAppendixB = "Microsoft, Active Directory security best practices, Appendix B: Privileged Accounts and Groups"
	srcTier0     = "Microsoft enterprise access model: tier 0 (identity control plane)"
)

// GroupGrades lists the well-known AD groups keyholder grades, by SID
// (API-NOTES §3.2). Domain Controllers, Read-only Domain Controllers and
// Replicator are protected but hold computer accounts; they only count
// for the orphaned-adminCount check.
var GroupGrades = []GroupGrade{
	{"Administrators", "S-1-5-32-544", findings.LevelSuperAdmin, "top", srcAppendixB, true, true, false},
	{"Domain Admins", "-512", findings.LevelSuperAdmin, "top", srcAppendixB, true, true, false},
	{"Enterprise Admins", "-519", findings.LevelSuperAdmin, "top", srcAppendixB, true, true, true},
	{"Account Operators", "S-1-5-32-548", findings.LevelSuperAdmin, "takeover_route", srcAppendixB + ": creates and changes most accounts and groups and logs on to domain controllers", true, true, false},
	{"Server Operators", "S-1-5-32-549", findings.LevelSuperAdmin, "takeover_route", srcAppendixB + ": changes services and files on domain controllers, so runs code as the DC", true, true, false},
	{"Print Operators", "S-1-5-32-550", findings.LevelSuperAdmin, "takeover_route", srcAppendixB + ": loads printer drivers on domain controllers, so runs code as the DC", true, true, false},
	{"Backup Operators", "S-1-5-32-551", findings.LevelSuperAdmin, "takeover_route", srcAppendixB + ": backs up and restores any file on domain controllers, the directory database included", true, true, false},
	{"Schema Admins", "-518", findings.LevelSuperAdmin, "takeover_route", srcAppendixB + ": changes the schema, including the default permissions of new objects", true, true, true},
	{"Key Admins", "-526", findings.LevelSuperAdmin, "takeover_route", srcTier0 + ": writes msDS-KeyCredentialLink, so can add a key credential to any account of the domain", true, true, false},
	{"Enterprise Key Admins", "-527", findings.LevelSuperAdmin, "takeover_route", srcTier0 + ": writes msDS-KeyCredentialLink across the forest", true, true, true},
	{"DnsAdmins", "", findings.LevelSuperAdmin, "takeover_route", srcTier0 + ": configures the DNS service, which runs on domain controllers and can load a plug-in DLL", false, true, false},
	{"Group Policy Creator Owners", "-520", findings.LevelAdmin, "takeover_route", srcAppendixB + ": creates group policy objects; linked to the Domain Controllers OU they run code there", false, true, false},
	{"Replicator", "S-1-5-32-552", findings.LevelPrivileged, "role", srcAppendixB, true, false, false},
	{"Domain Controllers", "-516", findings.LevelPrivileged, "role", srcAppendixB, true, false, false},
	{"Read-only Domain Controllers", "-521", findings.LevelPrivileged, "role", srcAppendixB, true, false, false},
}

// adWellKnownGroups returns GroupGrades with SIDs made absolute; groups
// relative to a SID that is not known are left out.
func adWellKnownGroups(domainSID, rootSID string) []wellKnownGroup {
	var out []wellKnownGroup
	for _, g := range GroupGrades {
		sid := g.RID
		switch {
		case strings.HasPrefix(sid, "-") && g.forest:
			if rootSID == "" {
				continue
			}
			sid = rootSID + sid
		case strings.HasPrefix(sid, "-"):
			if domainSID == "" {
				continue
			}
			sid = domainSID + sid
		}
		out = append(out, wellKnownGroup{name: g.Name, sid: sid, level: g.Level, basis: g.Basis, protected: g.protected, grant: g.grant})
	}
	return out
}

// adminRIDs are accounts protected by AdminSDHolder themselves.
var adminRIDs = map[uint32]bool{500: true, 502: true} // Administrator, krbtgt

// privGroup is a privileged group found in the directory.
type privGroup struct {
	wellKnownGroup
	o *object
	// inChain are the transitive members the server reported.
	inChain []*object
}

// collectAD reads an Active Directory domain.
func (c *collector) collectAD(ctx context.Context) error {
	base, err := c.dse.baseDN(c.s.cfg.BaseDN)
	if err != nil {
		return err
	}
	c.setBase(base)
	domainNC := firstNonEmpty(c.dse.defaultNC, base)
	rootNC := firstNonEmpty(c.dse.rootDomainNC, domainNC)
	domain := dnsDomainFromDN(domainNC)
	if domain != "" {
		c.sys.Domains = []string{domain}
		c.sys.Attributes["dns_domain"] = domain
	}
	c.sys.Attributes["domain_dn"] = domainNC
	if !strings.EqualFold(rootNC, domainNC) {
		c.sys.Attributes["forest_root_dn"] = rootNC
	}

	domainSID, err := c.adDomainSID(ctx, domainNC, "grants/domain_sid")
	if err != nil {
		return err
	}
	rootSID := domainSID
	if !strings.EqualFold(rootNC, domainNC) {
		if rootSID, err = c.adDomainSID(ctx, rootNC, "grants/forest_root_sid"); err != nil {
			return err
		}
	}
	setIf(c.sys.Attributes, "domain_sid", domainSID)

	if err := c.run(ctx, "principals", "grant the account List Contents and Read Property on the user objects",
		query{what: "users", base: base, scope: goldap.ScopeWholeSubtree,
			filter: "(|(objectClass=user)(objectClass=foreignSecurityPrincipal))", attrs: adAccountAttrs},
		func(e *goldap.Entry) error { c.adAccount(e); return nil }); err != nil {
		return err
	}
	if err := c.run(ctx, "principals/groups", "grant the account List Contents and Read Property on the group objects",
		query{what: "groups", base: base, scope: goldap.ScopeWholeSubtree, filter: "(objectClass=group)", attrs: adGroupAttrs},
		func(e *goldap.Entry) error { c.adGroup(e); return nil }); err != nil {
		return err
	}
	wk := adWellKnownGroups(domainSID, rootSID)
	privs, err := c.adPrivilegedGroups(ctx, domainNC, wk)
	if err != nil {
		return err
	}
	c.adPrimaryGroups(domainSID)
	c.link()
	for _, pg := range privs {
		if pg.grant {
			if err := c.adInChain(ctx, pg); err != nil {
				return err
			}
		}
	}
	if err := c.adTrusts(ctx, domainNC); err != nil {
		return err
	}
	if err := c.adACLs(ctx, domainNC, domainSID, privs); err != nil {
		return err
	}
	c.finish(privs)
	c.aclGrants(domainSID, rootSID)
	return nil
}

// adDomainSID reads the objectSid of a naming context's head object.
func (c *collector) adDomainSID(ctx context.Context, nc, collection string) (string, error) {
	var sid string
	err := c.run(ctx, collection, "grant the account Read Property on the domain object",
		query{what: "domain object", base: nc, scope: goldap.ScopeBaseObject, filter: "(objectClass=*)", attrs: []string{"objectSid"}, unpaged: true},
		func(e *goldap.Entry) error {
			if raw := e.GetRawAttributeValue("objectSid"); len(raw) > 0 {
				s, err := parseSID(raw)
				if err != nil {
					return err
				}
				sid = s
			}
			return nil
		})
	if err != nil {
		return "", err
	}
	if sid == "" {
		if _, had := c.gapIndex[findings.GapID(c.sys.ID, collection)]; !had {
			err := fmt.Errorf("the objectSid of %s was not returned, so the groups named by its SID cannot be found: %w", nc, scanners.ErrDenied)
			remedy := "grant the account Read Property on the domain object"
			if collection == "grants/forest_root_sid" {
				// A DC of a child domain refers the forest root elsewhere.
				err = fmt.Errorf("the objectSid of the forest root %s was not returned (this server does not hold it, or the account cannot read it), so Enterprise Admins, Schema Admins and Enterprise Key Admins cannot be found", nc)
				remedy = "scan the forest root domain as its own target"
			}
			c.gap(collection, err, remedy)
		}
	}
	return sid, nil
}

// adPrivilegedGroups reads the privileged groups in one search over the
// whole domain (they live in CN=Users and CN=Builtin, which base_dn may
// exclude), with their member attribute: the authoritative list of direct
// members, which also reveals members this account cannot see.
func (c *collector) adPrivilegedGroups(ctx context.Context, domainNC string, wk []wellKnownGroup) ([]*privGroup, error) {
	var terms []string
	for _, w := range wk {
		if w.sid != "" {
			terms = append(terms, "(objectSid="+w.sid+")")
		} else {
			terms = append(terms, "(sAMAccountName="+goldap.EscapeFilter(w.name)+")")
		}
	}
	for _, ref := range c.s.cfg.AdminGroups {
		terms = append(terms, refFilter(ref))
	}
	filter := "(&(objectClass=group)(|" + strings.Join(terms, "") + "))"
	attrs := append(append([]string(nil), adGroupAttrs...), "member")
	type ranged struct {
		o   *object
		dn  string
		end int
	}
	var more []ranged
	err := c.run(ctx, "grants", "grant the account Read Property on the privileged groups (member)",
		query{what: "privileged groups", base: domainNC, scope: goldap.ScopeWholeSubtree, filter: filter, attrs: attrs},
		func(e *goldap.Entry) error {
			c.adGroup(e)
			o := c.byKey[dnKey(e.DN)]
			o.memberKeys = o.memberKeys[:0]
			for _, m := range e.GetAttributeValues("member") {
				o.memberKeys = append(o.memberKeys, c.ref(m))
			}
			if vals, end, ok := rangeValues(e, "member"); ok {
				for _, m := range vals {
					o.memberKeys = append(o.memberKeys, c.ref(m))
				}
				if end >= 0 {
					more = append(more, ranged{o: o, dn: e.DN, end: end})
				}
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	for _, r := range more {
		if err := c.adRangedMembers(ctx, r.o, r.dn, r.end); err != nil {
			return nil, err
		}
	}
	var out []*privGroup
	var missing []string
	for _, w := range wk {
		var o *object
		if w.sid != "" {
			o = c.bySID[w.sid]
		} else if gs := c.findGroups(w.name); len(gs) == 1 {
			o = gs[0]
		}
		if o == nil {
			c.ss.log.Debug("ldap: privileged group not present", "group", w.name, "sid", w.sid)
			if mustExist(w, domainSIDOf(wk)) {
				missing = append(missing, w.name+" ("+w.sid+")")
			}
			continue
		}
		o.p.Attributes["well_known"] = w.name
		out = append(out, &privGroup{wellKnownGroup: w, o: o})
	}
	if len(missing) > 0 {
		// Every domain has these two: not seeing them means this account
		// may not read them (or base_dn hides them), and who holds the
		// keys through them is unknown.
		c.gap("grants/admin_groups", fmt.Errorf("%s not returned by the privileged groups search: their members hold the domain's keys and are unknown: %w",
			strings.Join(missing, " and "), scanners.ErrDenied),
			"grant the account Read Property on CN=Builtin and CN=Users (the Administrators and Domain Admins groups)")
	}
	for _, ref := range c.s.cfg.AdminGroups {
		gs := c.findGroups(ref)
		if len(gs) == 0 {
			c.gap("grants/admin_groups", fmt.Errorf("admin group %q was not found", ref), "check admin_groups: a group DN, sAMAccountName or cn")
		}
		for _, o := range gs {
			if isListed(out, o) {
				continue
			}
			out = append(out, &privGroup{wellKnownGroup: wellKnownGroup{name: o.p.DisplayName, sid: o.sid, level: findings.LevelPrivileged, grant: true}, o: o})
			o.p.Attributes["admin_group"] = "configured"
		}
	}
	return out, nil
}

// mustExist reports whether w is a group every AD domain has and that
// holds the keys: Administrators, and Domain Admins when the domain SID is
// known (else it cannot be looked for, and the domain SID gap says so).
func mustExist(w wellKnownGroup, domainSID string) bool {
	return w.sid == "S-1-5-32-544" || (domainSID != "" && w.sid == domainSID+"-512")
}

// domainSIDOf returns the domain SID the well-known groups were built
// with ("" when it was not known).
func domainSIDOf(wk []wellKnownGroup) string {
	for _, w := range wk {
		if w.name == "Domain Admins" {
			return strings.TrimSuffix(w.sid, "-512")
		}
	}
	return ""
}

func isListed(ps []*privGroup, o *object) bool {
	for _, p := range ps {
		if p.o == o {
			return true
		}
	}
	return false
}

// refFilter matches a configured group reference: a DN, or a name.
func refFilter(ref string) string {
	ref = strings.TrimSpace(ref)
	if strings.Contains(ref, "=") {
		return "(distinguishedName=" + goldap.EscapeFilter(ref) + ")"
	}
	e := goldap.EscapeFilter(ref)
	return "(|(sAMAccountName=" + e + ")(cn=" + e + "))"
}

// rangeValues returns the values of a ranged attribute ("member;range=0-1499")
// and the upper bound of the range, or -1 when it was the last ("-*").
func rangeValues(e *goldap.Entry, attr string) ([]string, int, bool) {
	prefix := strings.ToLower(attr) + ";range="
	for _, a := range e.Attributes {
		name := strings.ToLower(a.Name)
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		r := name[len(prefix):]
		i := strings.IndexByte(r, '-')
		if i < 0 {
			return a.Values, -1, true
		}
		if r[i+1:] == "*" {
			return a.Values, -1, true
		}
		var end int
		if _, err := fmt.Sscanf(r[i+1:], "%d", &end); err != nil {
			return a.Values, -1, true
		}
		return a.Values, end, true
	}
	return nil, 0, false
}

// adRangedMembers reads the rest of a privileged group's member attribute
// with range retrieval (AD returns 1500 values per read). A read that
// stops before the last range ("-*") loses the members beyond it: that is
// a grants gap naming the group, and the members read so far are kept.
func (c *collector) adRangedMembers(ctx context.Context, o *object, dn string, end int) error {
	const remedy = "grant the account Read Property on the privileged groups (member)"
	name := firstNonEmpty(o.p.DisplayName, dn)
	for reads := 0; end >= 0; reads++ {
		if reads >= c.s.maxRangeReads {
			c.gap("grants", fmt.Errorf("members of %s: range retrieval of member did not end after %d ranged reads (%d values read; the rest are unknown): %w",
				name, reads, end+1, scanners.ErrMalformed), "")
			return nil
		}
		attr := fmt.Sprintf("member;range=%d-*", end+1)
		next := -1
		got := false
		failed, err := c.runReport(ctx, "grants", remedy,
			query{what: "members of " + name + " (range)", base: dn, scope: goldap.ScopeBaseObject, filter: "(objectClass=*)", attrs: []string{attr}, unpaged: true},
			func(e *goldap.Entry) error {
				vals, n, ok := rangeValues(e, "member")
				if !ok || got {
					return nil
				}
				got, next = true, n
				if n >= 0 && n <= end {
					return nil // does not advance: reported below
				}
				for _, m := range vals {
					o.memberKeys = append(o.memberKeys, c.ref(m))
				}
				return nil
			})
		if err != nil {
			return err
		}
		switch {
		case failed:
			// run recorded the failed search as a grants gap; say what it
			// cost.
			c.gap("grants", fmt.Errorf("members of %s beyond the first %d were not read", name, end+1), remedy)
			return nil
		case !got:
			c.gap("grants", fmt.Errorf("members of %s: the server did not return %s (%d values read; the rest are unknown): %w",
				name, attr, end+1, scanners.ErrDenied), remedy)
			return nil
		case next >= 0 && next <= end:
			c.gap("grants", fmt.Errorf("members of %s: range retrieval does not advance (asked for %s, got a range ending at %d; %d values read, the rest are unknown): %w",
				name, attr, next, end+1, scanners.ErrMalformed), "")
			return nil
		}
		end = next
	}
	return nil
}

// adPrimaryGroups adds each account's primary group (primaryGroupID, a
// RID in the domain) as a membership: AD lists it in neither member nor
// memberOf, and the in-chain rule does not see it either.
func (c *collector) adPrimaryGroups(domainSID string) {
	if domainSID == "" {
		return
	}
	for _, o := range c.objs {
		if o.primaryRID == 0 {
			continue
		}
		g := c.bySID[fmt.Sprintf("%s-%d", domainSID, o.primaryRID)]
		if g == nil {
			continue
		}
		o.primaryKey = g.key
		o.parents = append(o.parents, g.key)
		// Domain Users, Guests and Computers are the defaults; anything
		// else is worth seeing.
		if o.primaryRID != 513 && o.primaryRID != 514 && o.primaryRID != 515 && o.p.Attributes != nil {
			o.p.Attributes["primary_group"] = g.p.DisplayName
		}
	}
}

// adInChain asks the server for the transitive members of one privileged
// group with the in-chain matching rule (one search per group). Members
// the data read cannot reach are kept with an unresolved chain; members
// this account cannot see at all are counted in a gap.
func (c *collector) adInChain(ctx context.Context, pg *privGroup) error {
	filter := "(memberOf:" + oidInChain + ":=" + goldap.EscapeFilter(pg.o.p.DN) + ")"
	hidden := 0
	var example string
	collection := "grants/" + slug(pg.name)
	err := c.run(ctx, collection, "grant the account Read Property on memberOf",
		query{what: "in-chain members of " + pg.name, base: c.base, scope: goldap.ScopeWholeSubtree, filter: filter, attrs: []string{"objectGUID"}},
		func(e *goldap.Entry) error {
			var o *object
			if raw := e.GetRawAttributeValue("objectGUID"); len(raw) > 0 {
				if g, err := parseGUID(raw); err == nil {
					o = c.byGUID[g]
				}
			}
			if o == nil {
				o = c.byKey[dnKey(e.DN)]
			}
			if o == nil {
				hidden++
				if example == "" || e.DN < example {
					example = e.DN
				}
				return nil
			}
			pg.inChain = append(pg.inChain, o)
			return nil
		})
	if err != nil {
		return err
	}
	if hidden > 0 {
		c.gap(collection, fmt.Errorf("%d transitive member(s) of %s were returned by the in-chain search but not by the user and group searches (for example %s): %w",
			hidden, pg.name, truncate(example, 300), scanners.ErrDenied), "grant the account read access to the OUs that hold them")
	}
	return nil
}

// finish builds grants, flags orphaned adminCount and records gaps.
func (c *collector) finish(privs []*privGroup) {
	c.foreignHomes()
	c.cycleCount = c.markCycles()
	if c.cycleCount > 0 {
		c.sys.Attributes["membership_cycles"] = itoa(c.cycleCount)
	}
	protected := map[*object]bool{}
	for _, pg := range privs {
		var reached []*object
		if pg.grant {
			id := pg.o.sid
			if id == "" {
				id = pg.o.p.DN
			}
			source := "well_known"
			if pg.o.p.Attributes["admin_group"] == "configured" {
				source = "admin_groups"
			}
			reached = c.grantClosure(pg.o, privilege{name: pg.name, id: id, level: pg.level, basis: pg.basis, source: source}, pg.inChain)
			c.unresolvedGap(pg.name, reached)
			if len(pg.inChain) > 0 {
				c.unresolvedChains(pg)
			}
		} else {
			reached = append([]*object{pg.o}, reachedObjects(pg.o)...)
		}
		if pg.protected {
			for _, o := range reached {
				protected[o] = true
			}
		}
	}
	c.sensitiveGrants()
	c.logonGap()
	for _, o := range c.objs {
		if !o.adminCount || protected[o] {
			continue
		}
		if _, rid, ok := sidRID(o.sid); ok && adminRIDs[rid] {
			continue
		}
		o.p.Attributes["orphaned_admin_count"] = "true"
	}
	c.memberOfGaps(privs)
	c.missingGaps()
	c.referralGaps()
}

// logonGap: a bind is a logon, so at least the scanning account carries
// lastLogonTimestamp. When no account does, the attribute is not readable
// and last activity is unknown rather than "never".
func (c *collector) logonGap() {
	accounts := 0
	for _, o := range c.objs {
		if !o.isGroup && !o.kindForeign {
			accounts++
		}
	}
	if accounts == 0 || c.withLogon > 0 {
		return
	}
	for _, o := range c.objs {
		o.p.LastActivityKnown = false
	}
	c.gap("activity/lastLogonTimestamp", fmt.Errorf("none of %d accounts carries lastLogonTimestamp, not even the one this scan bound as: the account cannot read it: %w",
		accounts, scanners.ErrDenied), "grant the scanning account read access to lastLogonTimestamp")
}

func reachedObjects(root *object) []*object { return reachable(root) }

// unresolvedGap records members of a privileged group, or of the groups
// nested in it, that match no object read: hidden from this account, or
// outside base_dn.
func (c *collector) unresolvedGap(name string, groups []*object) {
	var list []string
	for _, g := range groups {
		list = append(list, g.unresolved...)
	}
	list = sortedUnique(list)
	if len(list) == 0 {
		return
	}
	total := len(list)
	more := ""
	if len(list) > 5 {
		more = fmt.Sprintf(" and %d more", len(list)-5)
		list = list[:5]
	}
	for i := range list {
		list[i] = truncate(list[i], 300)
	}
	c.gap("grants/"+slug(name), fmt.Errorf("%s has %d member(s) that are not readable by this account or lie outside base_dn: %s%s: %w",
		name, total, strings.Join(list, "; "), more, scanners.ErrDenied),
		"grant the account read access to those objects, or widen base_dn")
}

// unresolvedChains records in-chain members whose nesting chain the data
// read cannot explain (some group in between is hidden).
func (c *collector) unresolvedChains(pg *privGroup) {
	reach := map[*object]bool{pg.o: true}
	for _, o := range reachable(pg.o) {
		reach[o] = true
	}
	var missing []string
	for _, o := range pg.inChain {
		if !reach[o] {
			missing = append(missing, o.p.DN)
		}
	}
	if len(missing) == 0 {
		return
	}
	sort.Strings(missing)
	c.gap("grants/"+slug(pg.name), fmt.Errorf("%d member(s) of %s reach it through groups this account cannot read (for example %s): %w",
		len(missing), pg.name, truncate(missing[0], 300), scanners.ErrDenied), "grant the account Read Property on memberOf and member")
}

// memberOfGaps spots objects whose memberOf hides a membership that a
// privileged group's member attribute shows: memberOf is not readable on
// them, so their other memberships may be missing too.
func (c *collector) memberOfGaps(privs []*privGroup) {
	n, example := 0, ""
	for _, pg := range privs {
		for _, mk := range pg.o.memberKeys {
			m := c.byKey[mk]
			if m == nil {
				continue
			}
			if !containsString(m.parents, pg.o.key) {
				n++
				if example == "" || m.p.DN < example {
					example = m.p.DN
				}
			}
		}
	}
	if n > 0 {
		c.gap("grants/memberOf", fmt.Errorf("memberOf of %d object(s) omits a privileged group that lists them as member (for example %s): the account cannot read memberOf there, so nesting through them may be missing: %w",
			n, truncate(example, 300), scanners.ErrDenied), "grant the account Read Property on memberOf")
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// slug turns a group name into a gap collection segment.
func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "_"):
			b.WriteByte('_')
		}
	}
	return strings.TrimSuffix(b.String(), "_")
}
