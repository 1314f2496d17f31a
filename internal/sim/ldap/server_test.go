package ldapsim

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"

	goldap "github.com/go-ldap/ldap/v3"
	"github.com/google/go-cmp/cmp"
)

func small() *Scenario {
	return &Scenario{
		Domain:       "contoso.com",
		BindUser:     "svc-audit",
		BindPassword: "Audit!Passw0rd",
		OUs:          []string{"OU=Staff", "OU=Acme,OU=Vendors"},
		Users: []User{
			{SAM: "alice", Name: "Alice Admin", OU: "OU=Staff", Mail: "alice@contoso.com", LastLogonDaysAgo: IntPtr(2)},
			{SAM: "bob", Name: "Bob Builder", OU: "OU=Staff", Manager: "alice"},
			{SAM: "acme-tech1", Name: "Acme Tech One", OU: "OU=Acme,OU=Vendors", UPN: "acme-tech1@contoso.com"},
			{SAM: "acme-tech2", Name: "Acme Tech Two", OU: "OU=Acme,OU=Vendors", Disabled: true},
			{SAM: "svc-backup", Name: "svc-backup", OU: "OU=Staff", SPNs: []string{"MSSQLSvc/sql1.contoso.com:1433"}, PasswordNeverExpires: true},
		},
		Groups: []Group{
			{Name: "Acme Technicians", OU: "OU=Acme,OU=Vendors", Members: []string{"acme-tech1", "acme-tech2"}},
			{Name: "Domain Admins", Members: []string{"alice", "Acme Technicians"}},
			{Name: "Backup Operators", Members: []string{"svc-backup"}},
			{Name: "HR Share", Scope: "domain_local", Members: []string{"bob", "S-1-5-21-999-999-999-1105"}},
		},
		Computers: []Computer{{Name: "WS01"}},
		Trusts:    []Trust{{Partner: "acme-it.local", Direction: "inbound"}},
	}
}

func dial(t *testing.T, s *Server) *goldap.Conn {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CAPEM())
	tc := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	c, err := goldap.DialURL(s.URL, goldap.DialWithTLSConfig(tc))
	if err != nil {
		t.Fatal(err)
	}
	if s.opts.Mode == ModeStartTLS {
		if err := c.StartTLS(tc); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func bound(t *testing.T, s *Server) *goldap.Conn {
	t.Helper()
	c := dial(t, s)
	if err := c.Bind(s.BindDN, "Audit!Passw0rd"); err != nil {
		t.Fatal(err)
	}
	return c
}

func search(t *testing.T, c *goldap.Conn, base, filter string, attrs ...string) []*goldap.Entry {
	t.Helper()
	res, err := c.SearchWithPaging(goldap.NewSearchRequest(base, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false, filter, attrs, nil), 2)
	if err != nil {
		t.Fatalf("search %s: %v", filter, err)
	}
	return res.Entries
}

func names(es []*goldap.Entry, attr string) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.GetAttributeValue(attr))
	}
	sort.Strings(out)
	return out
}

func TestRootDSEAndBind(t *testing.T) {
	s := NewTest(t, small(), Options{})
	c := dial(t, s)
	res, err := c.Search(goldap.NewSearchRequest("", goldap.ScopeBaseObject, goldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", nil, nil))
	if err != nil || len(res.Entries) != 1 {
		t.Fatalf("rootDSE: %v %v", res, err)
	}
	dse := res.Entries[0]
	if !slices.Contains(dse.GetAttributeValues("supportedCapabilities"), "1.2.840.113556.1.4.800") ||
		dse.GetAttributeValue("defaultNamingContext") != "DC=contoso,DC=com" || dse.GetAttributeValue("domainFunctionality") != "7" ||
		!slices.Contains(dse.GetAttributeValues("supportedControl"), goldap.ControlTypePaging) {
		t.Errorf("rootDSE = %v", dse.Attributes)
	}
	// Anonymous: nothing but the rootDSE.
	_, err = c.Search(goldap.NewSearchRequest(s.BaseDN, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false, "(objectClass=user)", nil, nil))
	if !goldap.IsErrorWithCode(err, goldap.LDAPResultOperationsError) {
		t.Errorf("anonymous search err = %v", err)
	}
	if err := c.Bind(s.BindDN, "wrong"); !goldap.IsErrorWithCode(err, goldap.LDAPResultInvalidCredentials) {
		t.Errorf("bad password err = %v", err)
	}
	for _, name := range []string{s.BindDN, "svc-audit@contoso.com", `CONTOSO\svc-audit`, strings.ToLower(s.BindDN)} {
		if err := c.Bind(name, "Audit!Passw0rd"); err != nil {
			t.Errorf("bind as %q: %v", name, err)
		}
	}
	if err := c.Bind("alice@contoso.com", "Audit!Passw0rd"); err == nil {
		t.Error("bind as another user with the audit password succeeded")
	}
}

func TestADQueries(t *testing.T) {
	s := NewTest(t, small(), Options{})
	c := bound(t, s)
	base := s.BaseDN
	da := "CN=Domain Admins,CN=Users," + base

	people := search(t, c, base, "(&(objectCategory=person)(objectClass=user))", "sAMAccountName")
	want := []string{"Administrator", "Guest", "acme-tech1", "acme-tech2", "alice", "bob", "krbtgt", "svc-audit", "svc-backup"}
	if d := cmp.Diff(want, names(people, "sAMAccountName")); d != "" {
		t.Errorf("people (-want +got):\n%s", d)
	}
	inChain := search(t, c, base, "(&(objectCategory=person)(objectClass=user)(memberOf:1.2.840.113556.1.4.1941:="+goldap.EscapeFilter(da)+"))", "sAMAccountName")
	if d := cmp.Diff([]string{"Administrator", "acme-tech1", "acme-tech2", "alice"}, names(inChain, "sAMAccountName")); d != "" {
		t.Errorf("transitive Domain Admins (-want +got):\n%s", d)
	}
	// Groups that contain acme-tech1 at any depth.
	tech1 := "CN=Acme Tech One,OU=Acme,OU=Vendors," + base
	groups := search(t, c, base, "(&(objectClass=group)(member:1.2.840.113556.1.4.1941:="+goldap.EscapeFilter(tech1)+"))", "cn")
	if d := cmp.Diff([]string{"Acme Technicians", "Administrators", "Domain Admins"}, names(groups, "cn")); d != "" {
		t.Errorf("groups of tech1 (-want +got):\n%s", d)
	}
	// String and binary SID filters.
	bySID := search(t, c, base, "(objectSid="+s.DomainSID()+"-512)", "cn")
	bin, _ := sidBytes(s.DomainSID() + "-512")
	byBin := search(t, c, base, "(objectSid="+escapeBytes(bin)+")", "cn")
	if names(bySID, "cn")[0] != "Domain Admins" || len(byBin) != 1 || byBin[0].GetAttributeValue("cn") != "Domain Admins" {
		t.Errorf("SID filters: %v %v", names(bySID, "cn"), names(byBin, "cn"))
	}
	builtin := search(t, c, base, "(objectSid=S-1-5-32-544)", "cn", "member")
	if len(builtin) != 1 || len(builtin[0].GetAttributeValues("member")) != 3 {
		t.Errorf("Administrators: %v", builtin)
	}
	disabled := search(t, c, base, "(&(objectCategory=person)(userAccountControl:1.2.840.113556.1.4.803:=2))", "sAMAccountName")
	if d := cmp.Diff([]string{"Guest", "acme-tech2", "krbtgt"}, names(disabled, "sAMAccountName")); d != "" {
		t.Errorf("disabled (-want +got):\n%s", d)
	}
	// memberOf back-links, adminCount on a nested member, binary objectSid.
	u := search(t, c, base, "(sAMAccountName=acme-tech1)", "memberOf", "adminCount", "objectSid", "primaryGroupID", "userPrincipalName", "msDS-User-Account-Control-Computed")[0]
	if d := cmp.Diff([]string{"CN=Acme Technicians,OU=Acme,OU=Vendors," + base}, u.GetAttributeValues("memberOf")); d != "" {
		t.Errorf("memberOf (-want +got):\n%s", d)
	}
	if sid, ok := sidString(u.GetRawAttributeValue("objectSid")); !ok || !strings.HasPrefix(sid, s.DomainSID()+"-") {
		t.Errorf("objectSid = %x", u.GetRawAttributeValue("objectSid"))
	}
	if u.GetAttributeValue("adminCount") != "1" || u.GetAttributeValue("primaryGroupID") != "513" || u.GetAttributeValue("msDS-User-Account-Control-Computed") != "0" {
		t.Errorf("attributes = %v", u.Attributes)
	}
	// Constructed attributes only by name; "*" gives the stored ones.
	star := search(t, c, base, "(sAMAccountName=bob)", "*")[0]
	if star.GetAttributeValue("msDS-User-Account-Control-Computed") != "" || star.GetAttributeValue("manager") != "CN=Alice Admin,OU=Staff,"+base {
		t.Errorf("bob with * = %v", star.Attributes)
	}
	if adm := search(t, c, base, "(sAMAccountName=bob)", "adminCount")[0]; adm.GetAttributeValue("adminCount") != "" {
		t.Error("bob has adminCount")
	}
	// Foreign principal, trust, computer, substring and presence filters.
	if f := search(t, c, "CN=ForeignSecurityPrincipals,"+base, "(objectClass=foreignSecurityPrincipal)", "cn", "memberOf"); len(f) != 3 {
		t.Errorf("foreign principals = %d", len(f))
	}
	tr := search(t, c, "CN=System,"+base, "(objectClass=trustedDomain)", "trustPartner", "trustDirection", "trustAttributes", "securityIdentifier")
	if len(tr) != 1 || tr[0].GetAttributeValue("trustDirection") != "1" || tr[0].GetAttributeValue("trustAttributes") != "4" {
		t.Errorf("trust = %v", tr)
	}
	if cs := search(t, c, base, "(objectCategory=computer)", "sAMAccountName"); len(cs) != 2 {
		t.Errorf("computers = %v", names(cs, "sAMAccountName"))
	}
	if sub := search(t, c, base, "(&(objectClass=user)(sAMAccountName=acme-*))", "sAMAccountName"); len(sub) != 2 {
		t.Errorf("substring = %v", names(sub, "sAMAccountName"))
	}
	if spn := search(t, c, base, "(&(objectCategory=person)(servicePrincipalName=*))", "sAMAccountName"); len(spn) != 1 {
		t.Errorf("spn = %v", names(spn, "sAMAccountName"))
	}
	// Base and one-level scopes, and <SID=> bases.
	one, err := c.Search(goldap.NewSearchRequest("OU=Vendors,"+base, goldap.ScopeSingleLevel, goldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", []string{"1.1"}, nil))
	if err != nil || len(one.Entries) != 1 || one.Entries[0].DN != "OU=Acme,OU=Vendors,"+base || len(one.Entries[0].Attributes) != 0 {
		t.Errorf("one level: %v %v", one, err)
	}
	sidBase, err := c.Search(goldap.NewSearchRequest("<SID="+s.DomainSID()+"-512>", goldap.ScopeBaseObject, goldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", []string{"cn"}, nil))
	if err != nil || len(sidBase.Entries) != 1 || sidBase.Entries[0].GetAttributeValue("cn") != "Domain Admins" {
		t.Errorf("<SID=> base: %v %v", sidBase, err)
	}
	_, err = c.Search(goldap.NewSearchRequest("OU=Nowhere,"+base, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", nil, nil))
	if !goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchObject) {
		t.Errorf("missing base err = %v", err)
	}
	_, err = c.Search(goldap.NewSearchRequest(base, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false, "(member:1.2.3.4:=x)", nil, nil))
	if !goldap.IsErrorWithCode(err, goldap.LDAPResultInappropriateMatching) {
		t.Errorf("unknown matching rule err = %v", err)
	}
	if st := s.Stats(); st.Writes != 0 || st.Searches == 0 || st.Entries == 0 {
		t.Errorf("stats = %+v", st)
	}
}

func escapeBytes(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		sb.WriteString("\\")
		sb.WriteString(strings.ToLower(string("0123456789ABCDEF"[c>>4]) + string("0123456789ABCDEF"[c&15])))
	}
	return sb.String()
}

func TestPagingAndLimits(t *testing.T) {
	sc := Generate(GenerateParams{Users: 120, Groups: 15, Seed: 3})
	sc.Faults.MaxPageSize = 25
	s := NewTest(t, sc, Options{})
	c := bound(t, s)
	s.ResetStats()
	res, err := c.SearchWithPaging(goldap.NewSearchRequest(s.BaseDN, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false,
		"(&(objectCategory=person)(objectClass=user))", []string{"sAMAccountName"}, nil), 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 120+3+3+1 { // generated, MSP technicians, built-in, bind user
		t.Errorf("paged entries = %d", len(res.Entries))
	}
	if st := s.Stats(); st.Searches != 6 {
		t.Errorf("pages = %d, want 6 (127 entries, server max page 25)", st.Searches)
	}
	seen := map[string]bool{}
	for _, e := range res.Entries {
		if seen[e.DN] {
			t.Errorf("%s twice", e.DN)
		}
		seen[e.DN] = true
	}
	// Unpaged search with a size limit.
	r2, err := c.Search(goldap.NewSearchRequest(s.BaseDN, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 7, 0, false, "(objectClass=user)", []string{"cn"}, nil))
	if !goldap.IsErrorWithCode(err, goldap.LDAPResultSizeLimitExceeded) || len(r2.Entries) != 7 {
		t.Errorf("size limit: %d entries, %v", len(r2.Entries), err)
	}
	// An unknown cookie is refused.
	p := goldap.NewControlPaging(10)
	p.SetCookie([]byte("bogus"))
	_, err = c.Search(goldap.NewSearchRequest(s.BaseDN, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false, "(objectClass=user)", nil, []goldap.Control{p}))
	if !goldap.IsErrorWithCode(err, goldap.LDAPResultUnwillingToPerform) {
		t.Errorf("bogus cookie err = %v", err)
	}
}

func TestWritesRefused(t *testing.T) {
	s := NewTest(t, small(), Options{})
	c := bound(t, s)
	add := goldap.NewAddRequest("CN=evil,CN=Users,"+s.BaseDN, nil)
	add.Attribute("objectClass", []string{"user"})
	if err := c.Add(add); !goldap.IsErrorWithCode(err, goldap.LDAPResultInsufficientAccessRights) {
		t.Errorf("add err = %v", err)
	}
	mod := goldap.NewModifyRequest("CN=Domain Admins,CN=Users,"+s.BaseDN, nil)
	mod.Add("member", []string{"CN=evil,CN=Users," + s.BaseDN})
	if err := c.Modify(mod); !goldap.IsErrorWithCode(err, goldap.LDAPResultInsufficientAccessRights) {
		t.Errorf("modify err = %v", err)
	}
	if err := c.Del(goldap.NewDelRequest("CN=Domain Admins,CN=Users,"+s.BaseDN, nil)); !goldap.IsErrorWithCode(err, goldap.LDAPResultInsufficientAccessRights) {
		t.Errorf("delete err = %v", err)
	}
	if st := s.Stats(); st.Writes != 3 {
		t.Errorf("writes = %d", st.Writes)
	}
	if n := len(search(t, c, s.BaseDN, "(cn=evil)")); n != 0 {
		t.Errorf("write took effect")
	}
}

func TestStartTLSModeAndHiddenAttributes(t *testing.T) {
	sc := small()
	sc.Faults.HiddenAttributes = []string{"lastLogonTimestamp"}
	s := NewTest(t, sc, Options{Mode: ModeStartTLS})
	if !strings.HasPrefix(s.URL, "ldap://127.0.0.1:") {
		t.Fatalf("URL = %s", s.URL)
	}
	plain, err := goldap.DialURL(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if err := plain.Bind(s.BindDN, "Audit!Passw0rd"); !goldap.IsErrorWithCode(err, goldap.LDAPResultStrongAuthRequired) {
		t.Errorf("plain bind err = %v", err)
	}
	c := bound(t, s) // dial does StartTLS in this mode
	a := search(t, c, s.BaseDN, "(sAMAccountName=alice)", "lastLogonTimestamp", "pwdLastSet")[0]
	if a.GetAttributeValue("lastLogonTimestamp") != "" || a.GetAttributeValue("pwdLastSet") == "" {
		t.Errorf("hidden attribute returned: %v", a.Attributes)
	}
}

func TestScenarioErrors(t *testing.T) {
	for name, mutate := range map[string]func(*Scenario){
		"unknown member":  func(sc *Scenario) { sc.Groups[0].Members = append(sc.Groups[0].Members, "nobody") },
		"duplicate user":  func(sc *Scenario) { sc.Users = append(sc.Users, User{SAM: "alice"}) },
		"missing OU":      func(sc *Scenario) { sc.Users[0].OU = "OU=Nowhere" },
		"bad domain SID":  func(sc *Scenario) { sc.DomainSID = "S-2-x" },
		"self member":     func(sc *Scenario) { sc.Groups[0].Members = []string{"Acme Technicians"} },
		"bad trust":       func(sc *Scenario) { sc.Trusts[0].Direction = "sideways" },
		"duplicate RID":   func(sc *Scenario) { sc.Users[0].RID, sc.Users[1].RID = 2000, 2000 },
		"bad group scope": func(sc *Scenario) { sc.Groups[0].Scope = "planetary" },
	} {
		sc := small()
		mutate(sc)
		if _, err := New(sc, Options{}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := ParseScenario([]byte("domain: x.com\nbogus: 1\n")); err == nil {
		t.Error("unknown key accepted")
	}
	var fe *filterError
	d, _ := build(small())
	if _, err := d.compile("(broken"); !errors.As(err, &fe) {
		t.Errorf("bad filter err = %v", err)
	}
}
