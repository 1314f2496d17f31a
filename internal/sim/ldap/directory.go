package ldapsim

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
)

// entry is one directory object.
type entry struct {
	dn  string
	key string // normalised DN
	// parentKey is the key of the parent entry ("" for the domain).
	parentKey string
	// attrs maps lower-case attribute names to values; names keeps the
	// canonical spelling in output order.
	attrs map[string][][]byte
	names []string
	// constructed attributes are returned only when asked for by name.
	constructed map[string][][]byte
	// category is the lDAPDisplayName of the objectCategory class.
	category string
	sid      string
	guid     []byte
	// members are keys of direct members (groups only).
	members []string
	// parents are keys of groups the entry is a direct member of.
	parents []string
	// sortKey orders entries parents first, like a tree walk.
	sortKey string
}

func (e *entry) set(name string, values ...[]byte) {
	l := strings.ToLower(name)
	if _, ok := e.attrs[l]; !ok {
		e.names = append(e.names, name)
	}
	e.attrs[l] = values
}

func (e *entry) setStr(name string, values ...string) {
	if len(values) == 0 {
		return
	}
	b := make([][]byte, len(values))
	for i, v := range values {
		b[i] = []byte(v)
	}
	e.set(name, b...)
}

func (e *entry) get(name string) [][]byte {
	l := strings.ToLower(name)
	if v, ok := e.attrs[l]; ok {
		return v
	}
	return nil
}

func (e *entry) first(name string) string {
	v := e.get(name)
	if len(v) == 0 {
		return ""
	}
	return string(v[0])
}

// directory is the built domain.
type directory struct {
	sc      *Scenario
	base    string
	baseKey string
	now     time.Time
	domSID  string
	netbios string

	entries []*entry
	byKey   map[string]*entry
	bySID   map[string]*entry
	byGUID  map[string]*entry
	bySAM   map[string]*entry // lower-case sAMAccountName

	// binds maps accepted bind names (lower-case DN, UPN, DOMAIN\sam) to
	// the password.
	binds   map[string]string
	rootDSE *entry
	nextRID int
}

// Well-known RIDs and SIDs.
const (
	ridAdministrator = 500
	ridGuest         = 501
	ridKrbtgt        = 502
	ridDomainAdmins  = 512
	ridDomainUsers   = 513
	ridDomainGuests  = 514
	ridDomainComps   = 515
	ridDomainCtrls   = 516
	ridSchemaAdmins  = 518
	ridEntAdmins     = 519
	ridGPCO          = 520
	ridRODC          = 521
	ridProtected     = 525
	ridKeyAdmins     = 526
	ridEntKeyAdmins  = 527
)

// groupType values (MS-ADTS 2.2.12).
const (
	gtGlobal      = -2147483646
	gtDomainLocal = -2147483644
	gtBuiltin     = -2147483643
	gtUniversal   = -2147483640
)

// userAccountControl bits.
const (
	uacDisable                 = 0x2
	uacNormal                  = 0x200
	uacWorkstation             = 0x1000
	uacServer                  = 0x2000
	uacDontExpire              = 0x10000
	uacSmartcard               = 0x40000
	uacTrustedDelegation       = 0x80000
	filetimeNever        int64 = 0x7FFFFFFFFFFFFFFF
)

type builtinGroup struct {
	name, container, desc string
	rid                   int
	sid                   string // for BUILTIN groups
	gtype                 int
	protected             bool
}

var builtinGroups = []builtinGroup{
	{"Domain Admins", "CN=Users", "Designated administrators of the domain", ridDomainAdmins, "", gtGlobal, true},
	{"Domain Users", "CN=Users", "All domain users", ridDomainUsers, "", gtGlobal, false},
	{"Domain Guests", "CN=Users", "All domain guests", ridDomainGuests, "", gtGlobal, false},
	{"Domain Computers", "CN=Users", "All workstations and servers joined to the domain", ridDomainComps, "", gtGlobal, false},
	{"Domain Controllers", "CN=Users", "All domain controllers in the domain", ridDomainCtrls, "", gtGlobal, true},
	{"Schema Admins", "CN=Users", "Designated administrators of the schema", ridSchemaAdmins, "", gtUniversal, true},
	{"Enterprise Admins", "CN=Users", "Designated administrators of the enterprise", ridEntAdmins, "", gtUniversal, true},
	{"Group Policy Creator Owners", "CN=Users", "Members in this group can modify group policy for the domain", ridGPCO, "", gtGlobal, false},
	{"Read-only Domain Controllers", "CN=Users", "Members of this group are Read-Only Domain Controllers in the domain", ridRODC, "", gtGlobal, true},
	{"Protected Users", "CN=Users", "Members of this group are afforded additional protections against authentication security threats", ridProtected, "", gtGlobal, false},
	{"Key Admins", "CN=Users", "Members of this group can perform administrative actions on key objects within the domain.", ridKeyAdmins, "", gtGlobal, true},
	{"Enterprise Key Admins", "CN=Users", "Members of this group can perform administrative actions on key objects within the forest.", ridEntKeyAdmins, "", gtUniversal, true},
	{"DnsAdmins", "CN=Users", "DNS Administrators Group", 1101, "", gtDomainLocal, false},
	{"DnsUpdateProxy", "CN=Users", "DNS clients who are permitted to perform dynamic updates on behalf of some other clients (such as DHCP servers).", 1102, "", gtGlobal, false},
	{"Administrators", "CN=Builtin", "Administrators have complete and unrestricted access to the computer/domain", 0, "S-1-5-32-544", gtBuiltin, true},
	{"Users", "CN=Builtin", "Users are prevented from making accidental or intentional system-wide changes", 0, "S-1-5-32-545", gtBuiltin, false},
	{"Guests", "CN=Builtin", "Guests have the same access as members of the Users group by default", 0, "S-1-5-32-546", gtBuiltin, false},
	{"Account Operators", "CN=Builtin", "Members can administer domain user and group accounts", 0, "S-1-5-32-548", gtBuiltin, true},
	{"Server Operators", "CN=Builtin", "Members can administer domain servers", 0, "S-1-5-32-549", gtBuiltin, true},
	{"Print Operators", "CN=Builtin", "Members can administer printers installed on domain controllers", 0, "S-1-5-32-550", gtBuiltin, true},
	{"Backup Operators", "CN=Builtin", "Backup Operators can override security restrictions for the sole purpose of backing up or restoring files", 0, "S-1-5-32-551", gtBuiltin, true},
	{"Replicator", "CN=Builtin", "Supports file replication in a domain", 0, "S-1-5-32-552", gtBuiltin, true},
	{"Remote Desktop Users", "CN=Builtin", "Members in this group are granted the right to logon remotely", 0, "S-1-5-32-555", gtBuiltin, false},
}

// build turns a scenario into a directory.
func build(sc *Scenario) (*directory, error) {
	if sc.Domain == "" {
		sc.Domain = DefaultDomain
	}
	if sc.DomainSID == "" {
		sc.DomainSID = DefaultDomainSID
	}
	if _, err := sidBytes(sc.DomainSID); err != nil {
		return nil, fmt.Errorf("ldapsim: domain_sid: %w", err)
	}
	if sc.NetBIOS == "" {
		sc.NetBIOS = strings.ToUpper(strings.SplitN(sc.Domain, ".", 2)[0])
	}
	if sc.FunctionalLevel == 0 {
		sc.FunctionalLevel = 7
	}
	if sc.DCName == "" {
		sc.DCName = "dc1"
	}
	if sc.Now.IsZero() {
		sc.Now = DefaultNow
	}
	labels := strings.Split(sc.Domain, ".")
	parts := make([]string, len(labels))
	for i, l := range labels {
		parts[i] = "DC=" + l
	}
	d := &directory{
		sc: sc, base: strings.Join(parts, ","), now: sc.Now.UTC(), domSID: sc.DomainSID, netbios: sc.NetBIOS,
		byKey: map[string]*entry{}, bySID: map[string]*entry{}, byGUID: map[string]*entry{}, bySAM: map[string]*entry{},
		binds: map[string]string{}, nextRID: 1103,
	}
	d.baseKey = normDN(d.base)
	if err := d.populate(); err != nil {
		return nil, err
	}
	if err := d.securityDescriptors(); err != nil {
		return nil, err
	}
	d.finish()
	return d, nil
}

func (d *directory) schemaDN(class string) string {
	return "CN=" + class + ",CN=Schema,CN=Configuration," + d.base
}

// newEntry registers an entry at dn with the given object classes.
func (d *directory) newEntry(dn, category, categoryCN string, classes ...string) (*entry, error) {
	key := normDN(dn)
	if key == "" {
		return nil, fmt.Errorf("ldapsim: invalid DN %q", dn)
	}
	if _, dup := d.byKey[key]; dup {
		return nil, fmt.Errorf("ldapsim: duplicate object %s", dn)
	}
	e := &entry{dn: dn, key: key, attrs: map[string][][]byte{}, constructed: map[string][][]byte{}, category: category}
	if key != d.baseKey {
		e.parentKey = parentKey(key)
		if _, ok := d.byKey[e.parentKey]; !ok {
			return nil, fmt.Errorf("ldapsim: %s: parent does not exist", dn)
		}
	}
	e.sortKey = reverseKey(key)
	e.setStr("objectClass", classes...)
	rdn := dn
	if i := indexUnescaped(dn, ','); i >= 0 {
		rdn = dn[:i]
	}
	if _, v, ok := strings.Cut(rdn, "="); ok {
		v = unescapeRDN(v)
		switch strings.ToUpper(rdn[:2]) {
		case "CN":
			e.setStr("cn", v)
		case "OU":
			e.setStr("ou", v)
		case "DC":
			e.setStr("dc", v)
		}
		e.setStr("name", v)
	}
	e.setStr("distinguishedName", dn)
	e.setStr("objectCategory", d.schemaDN(categoryCN))
	e.guid = d.guidFor(key)
	e.set("objectGUID", e.guid)
	e.setStr("whenCreated", genTime(d.now.AddDate(-3, 0, 0)))
	e.setStr("whenChanged", genTime(d.now.AddDate(0, 0, -1)))
	d.entries = append(d.entries, e)
	d.byKey[key] = e
	d.byGUID[string(e.guid)] = e
	return e, nil
}

func (d *directory) guidFor(key string) []byte {
	sum := sha256.Sum256([]byte(d.domSID + "\x00" + key))
	g := sum[:16]
	g[7] = g[7]&0x0f | 0x40
	g[8] = g[8]&0x3f | 0x80
	return slices.Clone(g)
}

func (d *directory) setSID(e *entry, sid string) error {
	b, err := sidBytes(sid)
	if err != nil {
		return fmt.Errorf("ldapsim: %s: %w", e.dn, err)
	}
	if _, dup := d.bySID[sid]; dup {
		return fmt.Errorf("ldapsim: duplicate SID %s", sid)
	}
	e.sid = sid
	e.set("objectSid", b)
	d.bySID[sid] = e
	return nil
}

func (d *directory) rid(r int) string { return d.domSID + "-" + strconv.Itoa(r) }

func (d *directory) allocRID(want int) int {
	if want > 0 {
		return want
	}
	for {
		r := d.nextRID
		d.nextRID++
		if _, used := d.bySID[d.rid(r)]; !used {
			return r
		}
	}
}

// ouDN resolves a scenario location ("OU=Staff", "" for a default
// container) to a full DN.
func (d *directory) ouDN(ou, def string) string {
	if ou == "" {
		ou = def
	}
	return ou + "," + d.base
}

func (d *directory) populate() error {
	sc := d.sc
	dom, err := d.newEntry(d.base, "domainDNS", "Domain-DNS", "top", "domain", "domainDNS")
	if err != nil {
		return err
	}
	if err := d.setSID(dom, d.domSID); err != nil {
		return err
	}
	dom.setStr("msDS-Behavior-Version", strconv.Itoa(sc.FunctionalLevel))
	dom.setStr("ms-DS-MachineAccountQuota", "10")
	dom.setStr("minPwdLength", "7")
	dom.setStr("nTMixedDomain", "0")
	for _, c := range []string{"CN=Users", "CN=Computers", "CN=Builtin", "CN=System", "CN=ForeignSecurityPrincipals", "CN=Program Data"} {
		classes, cat, catCN := []string{"top", "container"}, "container", "Container"
		if c == "CN=Builtin" {
			classes, cat, catCN = []string{"top", "builtinDomain"}, "builtinDomain", "Builtin-Domain"
		}
		if _, err := d.newEntry(c+","+d.base, cat, catCN, classes...); err != nil {
			return err
		}
	}
	if _, err := d.newEntry("OU=Domain Controllers,"+d.base, "organizationalUnit", "Organizational-Unit", "top", "organizationalUnit"); err != nil {
		return err
	}
	if _, err := d.newEntry("CN=AdminSDHolder,CN=System,"+d.base, "container", "Container", "top", "container"); err != nil {
		return err
	}
	if err := d.addGPOs(); err != nil {
		return err
	}
	// Scenario OUs, parents first.
	ous := map[string]bool{}
	var ouList []string
	for _, ou := range sc.OUs {
		comps := splitDN(ou)
		for i := len(comps) - 1; i >= 0; i-- {
			p := strings.Join(comps[i:], ",")
			if !ous[strings.ToLower(p)] {
				ous[strings.ToLower(p)] = true
				ouList = append(ouList, p)
			}
		}
	}
	for _, ou := range ouList {
		if !strings.HasPrefix(strings.ToUpper(ou), "OU=") {
			return fmt.Errorf("ldapsim: ou %q: want OU=... relative to the domain", ou)
		}
		if _, err := d.newEntry(ou+","+d.base, "organizationalUnit", "Organizational-Unit", "top", "organizationalUnit"); err != nil {
			return err
		}
	}

	groups := map[string]*entry{} // lower-case name
	protected := map[string]bool{}
	for _, bg := range builtinGroups {
		e, err := d.newEntry("CN="+escapeRDN(bg.name)+","+bg.container+","+d.base, "group", "Group", "top", "group")
		if err != nil {
			return err
		}
		sid := bg.sid
		if sid == "" {
			sid = d.rid(bg.rid)
		}
		if err := d.setSID(e, sid); err != nil {
			return err
		}
		d.groupAttrs(e, bg.name, bg.desc, bg.gtype)
		e.setStr("isCriticalSystemObject", "TRUE")
		groups[strings.ToLower(bg.name)] = e
		protected[e.key] = bg.protected
	}

	// Built-in accounts.
	builtinUsers := []User{
		{SAM: "Administrator", Description: "Built-in account for administering the computer/domain", RID: ridAdministrator, PasswordNeverExpires: true, LastLogonDaysAgo: IntPtr(3)},
		{SAM: "Guest", Description: "Built-in account for guest access to the computer/domain", RID: ridGuest, Disabled: true, PasswordNeverExpires: true},
		{SAM: "krbtgt", Description: "Key Distribution Center Service Account", RID: ridKrbtgt, Disabled: true},
	}
	users := append(builtinUsers, sc.Users...)
	if sc.BindUser != "" && !slices.ContainsFunc(users, func(u User) bool { return strings.EqualFold(u.SAM, sc.BindUser) }) {
		users = append(users, User{SAM: sc.BindUser, Name: sc.BindUser, Description: "keyholder read-only audit account", PasswordNeverExpires: true, LastLogonDaysAgo: IntPtr(1)})
	}
	// Users in order, RIDs assigned after the explicit ones are known.
	for _, u := range users {
		if u.RID > 0 {
			if _, used := d.bySID[d.rid(u.RID)]; used {
				return fmt.Errorf("ldapsim: user %s: RID %d used twice", u.SAM, u.RID)
			}
			d.bySID[d.rid(u.RID)] = nil // reserve
		}
	}
	for _, g := range sc.Groups {
		if g.RID > 0 {
			d.bySID[d.rid(g.RID)] = nil
		}
	}
	for _, c := range sc.Computers {
		if c.RID > 0 {
			d.bySID[d.rid(c.RID)] = nil
		}
	}
	unreserve := func(r int) {
		if r > 0 && d.bySID[d.rid(r)] == nil {
			delete(d.bySID, d.rid(r))
		}
	}
	managers := map[*entry]string{}
	for _, u := range users {
		if u.SAM == "" {
			return fmt.Errorf("ldapsim: a user has no sam")
		}
		if _, dup := d.bySAM[strings.ToLower(u.SAM)]; dup {
			return fmt.Errorf("ldapsim: user %s defined twice", u.SAM)
		}
		unreserve(u.RID)
		e, err := d.addUser(u)
		if err != nil {
			return err
		}
		if u.Manager != "" {
			managers[e] = u.Manager
		}
	}
	for e, m := range managers {
		me := d.bySAM[strings.ToLower(m)]
		if me == nil {
			return fmt.Errorf("ldapsim: %s: manager %q is not a user", e.dn, m)
		}
		e.setStr("manager", me.dn)
	}
	dcs := []Computer{{Name: strings.ToUpper(sc.DCName), RID: 1000, DomainController: true}}
	for _, c := range append(dcs, sc.Computers...) {
		unreserve(c.RID)
		if err := d.addComputer(c); err != nil {
			return err
		}
	}
	// Scenario groups: new ones first, so members can name each other.
	for _, g := range sc.Groups {
		if groups[strings.ToLower(g.Name)] != nil {
			continue
		}
		unreserve(g.RID)
		gt := gtGlobal
		switch g.Scope {
		case "", "global":
		case "domain_local":
			gt = gtDomainLocal
		case "universal":
			gt = gtUniversal
		default:
			return fmt.Errorf("ldapsim: group %s: scope %q (want global, domain_local or universal)", g.Name, g.Scope)
		}
		e, err := d.newEntry("CN="+escapeRDN(g.Name)+","+d.ouDN(g.OU, "CN=Users"), "group", "Group", "top", "group")
		if err != nil {
			return err
		}
		if err := d.setSID(e, d.rid(d.allocRID(g.RID))); err != nil {
			return err
		}
		d.groupAttrs(e, g.Name, g.Description, gt)
		groups[strings.ToLower(g.Name)] = e
		d.bySAM[strings.ToLower(g.Name)] = e
	}
	for name, e := range groups {
		if d.bySAM[name] == nil {
			d.bySAM[name] = e
		}
	}
	// Default memberships of a fresh domain.
	add := func(group string, member *entry) {
		g := groups[strings.ToLower(group)]
		if !slices.Contains(g.members, member.key) {
			g.members = append(g.members, member.key)
		}
	}
	admin := d.bySAM["administrator"]
	for _, g := range []string{"Domain Admins", "Enterprise Admins", "Schema Admins", "Group Policy Creator Owners", "Administrators"} {
		add(g, admin)
	}
	add("Administrators", groups["domain admins"])
	add("Administrators", groups["enterprise admins"])
	add("Guests", d.bySAM["guest"])
	add("Guests", groups["domain guests"])
	add("Users", groups["domain users"])
	for _, sid := range []string{"S-1-5-4", "S-1-5-11"} {
		fsp, err := d.foreign(sid)
		if err != nil {
			return err
		}
		add("Users", fsp)
	}
	for _, g := range sc.Groups {
		ge := groups[strings.ToLower(g.Name)]
		for _, m := range g.Members {
			var me *entry
			if strings.HasPrefix(strings.ToUpper(m), "S-1-") {
				if me = d.bySID[m]; me == nil {
					if me, err = d.foreign(m); err != nil {
						return err
					}
				}
			} else if me = d.bySAM[strings.ToLower(m)]; me == nil {
				me = d.bySAM[strings.ToLower(m)+"$"]
			}
			if me == nil {
				return fmt.Errorf("ldapsim: group %s: member %q is not a user, computer or group of the scenario", g.Name, m)
			}
			if me == ge {
				return fmt.Errorf("ldapsim: group %s lists itself as a member", g.Name)
			}
			if !slices.Contains(ge.members, me.key) {
				ge.members = append(ge.members, me.key)
			}
		}
	}
	for _, t := range sc.Trusts {
		if err := d.addTrust(t); err != nil {
			return err
		}
	}
	d.sdprop(protected)
	// Bind names.
	if sc.BindUser != "" {
		u := d.bySAM[strings.ToLower(sc.BindUser)]
		for _, n := range []string{u.dn, u.first("userPrincipalName"), d.netbios + `\` + u.first("sAMAccountName")} {
			d.binds[strings.ToLower(n)] = sc.BindPassword
		}
		d.binds[normDN(u.dn)] = sc.BindPassword
	}
	return nil
}

func (d *directory) groupAttrs(e *entry, name, desc string, gtype int) {
	e.setStr("sAMAccountName", name)
	e.setStr("groupType", strconv.Itoa(gtype))
	sat := "268435456" // SAM_GROUP_OBJECT
	if gtype == gtDomainLocal || gtype == gtBuiltin {
		sat = "536870912" // SAM_ALIAS_OBJECT
	}
	e.setStr("sAMAccountType", sat)
	if desc != "" {
		e.setStr("description", desc)
	}
	e.setStr("instanceType", "4")
}

func (d *directory) addUser(u User) (*entry, error) {
	name := u.Name
	if name == "" {
		name = u.SAM
	}
	e, err := d.newEntry("CN="+escapeRDN(name)+","+d.ouDN(u.OU, "CN=Users"), "person", "Person", "top", "person", "organizationalPerson", "user")
	if err != nil {
		return nil, err
	}
	if err := d.setSID(e, d.rid(d.allocRID(u.RID))); err != nil {
		return nil, err
	}
	e.setStr("sAMAccountName", u.SAM)
	e.setStr("sAMAccountType", "805306368")
	upn := u.UPN
	if upn == "" {
		upn = u.SAM + "@" + d.sc.Domain
	}
	e.setStr("userPrincipalName", upn)
	e.setStr("displayName", name)
	if u.Mail != "" {
		e.setStr("mail", u.Mail)
	}
	if u.Description != "" {
		e.setStr("description", u.Description)
	}
	uac := uacNormal
	if u.Disabled {
		uac |= uacDisable
	}
	if u.PasswordNeverExpires {
		uac |= uacDontExpire
	}
	if u.SmartcardRequired {
		uac |= uacSmartcard
	}
	e.setStr("userAccountControl", strconv.Itoa(uac))
	e.constructed["msds-user-account-control-computed"] = [][]byte{[]byte("0")}
	e.setStr("primaryGroupID", strconv.Itoa(ridDomainUsers))
	created := u.CreatedDaysAgo
	if created == 0 {
		created = 400
	}
	e.setStr("whenCreated", genTime(d.now.AddDate(0, 0, -created)))
	pwd := 30
	if u.PasswordSetDaysAgo != nil {
		pwd = *u.PasswordSetDaysAgo
	}
	pwdSet := d.now.AddDate(0, 0, -pwd)
	e.setStr("pwdLastSet", filetime(pwdSet))
	expiry := filetimeNever
	if uac&uacDontExpire == 0 {
		expiry = filetimeInt(pwdSet.AddDate(0, 0, 42))
	}
	e.constructed["msds-userpasswordexpirytimecomputed"] = [][]byte{[]byte(strconv.FormatInt(expiry, 10))}
	if u.LastLogonDaysAgo != nil {
		e.setStr("lastLogonTimestamp", filetime(d.now.Add(-time.Duration(*u.LastLogonDaysAgo)*24*time.Hour)))
	}
	if u.ExpiresInDays != nil {
		e.setStr("accountExpires", filetime(d.now.AddDate(0, 0, *u.ExpiresInDays)))
	} else {
		e.setStr("accountExpires", strconv.FormatInt(filetimeNever, 10))
	}
	if len(u.SPNs) > 0 {
		e.setStr("servicePrincipalName", u.SPNs...)
	}
	if u.AdminCount {
		e.setStr("adminCount", "1")
	}
	e.setStr("instanceType", "4")
	d.bySAM[strings.ToLower(u.SAM)] = e
	return e, nil
}

func (d *directory) addComputer(c Computer) error {
	ou, uac, pg := "CN=Computers", uacWorkstation, ridDomainComps
	if c.DomainController {
		ou, uac, pg = "OU=Domain Controllers", uacServer|uacTrustedDelegation, ridDomainCtrls
	}
	if c.OU != "" {
		ou = c.OU
	}
	e, err := d.newEntry("CN="+escapeRDN(c.Name)+","+ou+","+d.base, "computer", "Computer", "top", "person", "organizationalPerson", "user", "computer")
	if err != nil {
		return err
	}
	if err := d.setSID(e, d.rid(d.allocRID(c.RID))); err != nil {
		return err
	}
	sam := strings.ToUpper(c.Name) + "$"
	e.setStr("sAMAccountName", sam)
	e.setStr("sAMAccountType", "805306369")
	e.setStr("dNSHostName", strings.ToLower(c.Name)+"."+d.sc.Domain)
	e.setStr("userAccountControl", strconv.Itoa(uac))
	e.setStr("primaryGroupID", strconv.Itoa(pg))
	e.setStr("pwdLastSet", filetime(d.now.AddDate(0, 0, -12)))
	e.setStr("lastLogonTimestamp", filetime(d.now.AddDate(0, 0, -2)))
	e.setStr("operatingSystem", "Windows Server 2022 Standard")
	d.bySAM[strings.ToLower(sam)] = e
	return nil
}

// foreign returns the foreign security principal for sid, creating it.
func (d *directory) foreign(sid string) (*entry, error) {
	if e := d.bySID[sid]; e != nil {
		return e, nil
	}
	e, err := d.newEntry("CN="+sid+",CN=ForeignSecurityPrincipals,"+d.base, "foreignSecurityPrincipal", "Foreign-Security-Principal", "top", "foreignSecurityPrincipal")
	if err != nil {
		return nil, err
	}
	return e, d.setSID(e, sid)
}

func (d *directory) addTrust(t Trust) error {
	if t.Partner == "" {
		return fmt.Errorf("ldapsim: a trust has no partner")
	}
	e, err := d.newEntry("CN="+escapeRDN(t.Partner)+",CN=System,"+d.base, "trustedDomain", "Trusted-Domain", "top", "leaf", "trustedDomain")
	if err != nil {
		return err
	}
	flat := t.FlatName
	if flat == "" {
		flat = strings.ToUpper(strings.SplitN(t.Partner, ".", 2)[0])
	}
	dir := 3
	switch t.Direction {
	case "", "bidirectional":
	case "inbound":
		dir = 1
	case "outbound":
		dir = 2
	default:
		return fmt.Errorf("ldapsim: trust %s: direction %q (want inbound, outbound or bidirectional)", t.Partner, t.Direction)
	}
	attrs := 0
	if t.Forest {
		attrs |= 0x8 // FOREST_TRANSITIVE
	} else if !t.NoSIDFiltering {
		attrs |= 0x4 // QUARANTINED_DOMAIN
	}
	e.setStr("trustPartner", t.Partner)
	e.setStr("flatName", flat)
	e.setStr("trustDirection", strconv.Itoa(dir))
	e.setStr("trustType", "2")
	e.setStr("trustAttributes", strconv.Itoa(attrs))
	sid := t.SID
	if sid == "" {
		sum := sha256.Sum256([]byte(t.Partner))
		sid = fmt.Sprintf("S-1-5-21-%d-%d-%d", binary.BigEndian.Uint32(sum[0:4])>>1, binary.BigEndian.Uint32(sum[4:8])>>1, binary.BigEndian.Uint32(sum[8:12])>>1)
	}
	b, err := sidBytes(sid)
	if err != nil {
		return fmt.Errorf("ldapsim: trust %s: %w", t.Partner, err)
	}
	e.set("securityIdentifier", b)
	days := t.CreatedDaysAgo
	if days == 0 {
		days = 700
	}
	e.setStr("whenCreated", genTime(d.now.AddDate(0, 0, -days)))
	return nil
}

// sdprop sets adminCount=1 on protected groups and everything nested in
// them, as AD's SDProp does.
func (d *directory) sdprop(protected map[string]bool) {
	seen := map[string]bool{}
	var walk func(key string)
	walk = func(key string) {
		if seen[key] {
			return
		}
		seen[key] = true
		e := d.byKey[key]
		if e.category != "foreignSecurityPrincipal" {
			e.setStr("adminCount", "1")
		}
		for _, m := range e.members {
			walk(m)
		}
	}
	keys := make([]string, 0, len(protected))
	for k, p := range protected {
		if p {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		walk(k)
	}
	d.bySAM["krbtgt"].setStr("adminCount", "1")
}

// finish writes member/memberOf, sorts entries and builds the rootDSE.
func (d *directory) finish() {
	for _, e := range d.entries {
		if len(e.members) == 0 {
			continue
		}
		sort.Strings(e.members)
		dns := make([]string, len(e.members))
		for i, m := range e.members {
			me := d.byKey[m]
			dns[i] = me.dn
			me.parents = append(me.parents, e.key)
		}
		e.setStr("member", dns...)
	}
	for _, e := range d.entries {
		if len(e.parents) == 0 {
			continue
		}
		sort.Strings(e.parents)
		dns := make([]string, len(e.parents))
		for i, p := range e.parents {
			dns[i] = d.byKey[p].dn
		}
		e.setStr("memberOf", dns...)
	}
	for _, h := range d.sc.Faults.HiddenAttributes {
		l := strings.ToLower(h)
		for _, e := range d.entries {
			if _, ok := e.attrs[l]; ok {
				delete(e.attrs, l)
				e.names = slices.DeleteFunc(e.names, func(n string) bool { return strings.EqualFold(n, h) })
			}
			delete(e.constructed, l)
		}
	}
	sort.SliceStable(d.entries, func(i, j int) bool { return d.entries[i].sortKey < d.entries[j].sortKey })

	r := &entry{attrs: map[string][][]byte{}, constructed: map[string][][]byte{}}
	host := strings.ToLower(d.sc.DCName) + "." + d.sc.Domain
	cfg := "CN=Configuration," + d.base
	lvl := strconv.Itoa(d.sc.FunctionalLevel)
	r.setStr("currentTime", genTime(d.now))
	r.setStr("subschemaSubentry", "CN=Aggregate,CN=Schema,"+cfg)
	r.setStr("dsServiceName", "CN=NTDS Settings,CN="+strings.ToUpper(d.sc.DCName)+",CN=Servers,CN=Default-First-Site-Name,CN=Sites,"+cfg)
	r.setStr("namingContexts", d.base, cfg, "CN=Schema,"+cfg, "DC=DomainDnsZones,"+d.base, "DC=ForestDnsZones,"+d.base)
	r.setStr("defaultNamingContext", d.base)
	r.setStr("rootDomainNamingContext", d.base)
	r.setStr("configurationNamingContext", cfg)
	r.setStr("schemaNamingContext", "CN=Schema,"+cfg)
	r.setStr("serverName", "CN="+strings.ToUpper(d.sc.DCName)+",CN=Servers,CN=Default-First-Site-Name,CN=Sites,"+cfg)
	r.setStr("supportedControl", supportedControls...)
	r.setStr("supportedLDAPVersion", "3", "2")
	r.setStr("supportedLDAPPolicies", "MaxPoolThreads", "MaxPageSize", "MaxQueryDuration", "MaxResultSetSize")
	r.setStr("supportedSASLMechanisms", "GSSAPI", "GSS-SPNEGO", "EXTERNAL", "DIGEST-MD5")
	r.setStr("supportedCapabilities", "1.2.840.113556.1.4.800", "1.2.840.113556.1.4.1670", "1.2.840.113556.1.4.1791",
		"1.2.840.113556.1.4.1935", "1.2.840.113556.1.4.2080", "1.2.840.113556.1.4.2237")
	r.setStr("dnsHostName", host)
	r.setStr("ldapServiceName", d.sc.Domain+":"+strings.ToLower(d.sc.DCName)+"$@"+strings.ToUpper(d.sc.Domain))
	r.setStr("isSynchronized", "TRUE")
	r.setStr("isGlobalCatalogReady", "TRUE")
	r.setStr("domainFunctionality", lvl)
	r.setStr("forestFunctionality", lvl)
	r.setStr("domainControllerFunctionality", lvl)
	d.rootDSE = r
}

var supportedControls = []string{
	"1.2.840.113556.1.4.319",  // paged results
	"1.2.840.113556.1.4.801",  // SD flags
	"1.2.840.113556.1.4.473",  // server sort
	"1.2.840.113556.1.4.528",  // notification
	"1.2.840.113556.1.4.417",  // show deleted
	"1.2.840.113556.1.4.1339", // domain scope
	"1.2.840.113556.1.4.1340", // search options
	"1.2.840.113556.1.4.841",  // DirSync
	"2.16.840.1.113730.3.4.9", // VLV
}

// Helpers for DNs, SIDs and times.

// normDN returns a canonical, lower-cased form of a DN ("" if invalid).
func normDN(dn string) string {
	p, err := goldap.ParseDN(dn)
	if err != nil || len(p.RDNs) == 0 {
		return ""
	}
	parts := make([]string, len(p.RDNs))
	for i, rdn := range p.RDNs {
		as := make([]string, len(rdn.Attributes))
		for j, a := range rdn.Attributes {
			as[j] = strings.ToLower(a.Type) + "=" + escapeRDN(strings.ToLower(a.Value))
		}
		sort.Strings(as)
		parts[i] = strings.Join(as, "+")
	}
	return strings.Join(parts, ",")
}

// parentKey drops the first component of a normalised DN.
func parentKey(key string) string {
	if i := indexUnescaped(key, ','); i >= 0 {
		return key[i+1:]
	}
	return ""
}

func reverseKey(key string) string {
	parts := splitDN(key)
	slices.Reverse(parts)
	return strings.Join(parts, "\x00")
}

func splitDN(dn string) []string {
	var out []string
	for {
		i := indexUnescaped(dn, ',')
		if i < 0 {
			return append(out, strings.TrimSpace(dn))
		}
		out = append(out, strings.TrimSpace(dn[:i]))
		dn = dn[i+1:]
	}
}

func indexUnescaped(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case c:
			return i
		}
	}
	return -1
}

func escapeRDN(v string) string {
	var b strings.Builder
	for i, r := range v {
		switch {
		case strings.ContainsRune(`,+"\<>;=`, r), r == '#' && i == 0:
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func unescapeRDN(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// sidBytes encodes a string SID in the binary form AD stores.
func sidBytes(sid string) ([]byte, error) {
	parts := strings.Split(sid, "-")
	if len(parts) < 3 || parts[0] != "S" || parts[1] != "1" {
		return nil, fmt.Errorf("invalid SID %q", sid)
	}
	auth, err := strconv.ParseUint(parts[2], 10, 48)
	if err != nil {
		return nil, fmt.Errorf("invalid SID %q: %w", sid, err)
	}
	subs := parts[3:]
	if len(subs) > 15 {
		return nil, fmt.Errorf("invalid SID %q: too many sub-authorities", sid)
	}
	b := make([]byte, 8+4*len(subs))
	b[0] = 1
	b[1] = byte(len(subs))
	for i := 0; i < 6; i++ {
		b[2+i] = byte(auth >> (8 * (5 - i)))
	}
	for i, s := range subs {
		v, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("invalid SID %q: %w", sid, err)
		}
		binary.LittleEndian.PutUint32(b[8+4*i:], uint32(v))
	}
	return b, nil
}

// sidString decodes a binary SID.
func sidString(b []byte) (string, bool) {
	if len(b) < 8 || b[0] != 1 || len(b) != 8+4*int(b[1]) {
		return "", false
	}
	var auth uint64
	for i := 0; i < 6; i++ {
		auth = auth<<8 | uint64(b[2+i])
	}
	var s strings.Builder
	fmt.Fprintf(&s, "S-1-%d", auth)
	for i := 0; i < int(b[1]); i++ {
		fmt.Fprintf(&s, "-%d", binary.LittleEndian.Uint32(b[8+4*i:]))
	}
	return s.String(), true
}

const filetimeEpoch = 116444736000000000

func filetimeInt(t time.Time) int64 { return t.UnixNano()/100 + filetimeEpoch }

func filetime(t time.Time) string { return strconv.FormatInt(filetimeInt(t), 10) }

func genTime(t time.Time) string { return t.UTC().Format("20060102150405") + ".0Z" }
