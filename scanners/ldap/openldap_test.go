package ldap

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/ldap/ldaptest"
)

// slapdAdminGroups names one admin group by DN and one by name.
const slapdAdminGroups = `admin_groups: ["cn=ldap-admins,ou=groups,dc=example,dc=test", "unix-admins"]`

// slapdScanner returns a scanner bound as the rootdn over StartTLS.
func slapdScanner(t testing.TB, s *ldaptest.Slapd, extra ...string) *Scanner {
	t.Helper()
	env, _ := testEnv()
	lines := append([]string{"url: " + s.URL, "bind_dn: " + s.AdminDN, "ca_file: " + s.CAFile, slapdAdminGroups}, extra...)
	return newTestScanner(t, env, s.AdminPassword, lines...)
}

func TestOpenLDAPScan(t *testing.T) {
	s := seededSlapd(t)
	sc := slapdScanner(t, s)
	snap := scan(t, sc)
	v := newView(t, snap)

	sys := snap.Systems[0]
	if sys.ID != "corp" || sys.Kind != findings.SystemLDAP || sys.Flavour != FlavourOpenLDAP || sys.NativeID != "dc=example,dc=test" {
		t.Errorf("system = %+v", sys)
	}
	if len(sys.Insecure) != 0 || sys.Attributes["tls"] != "starttls" {
		t.Errorf("StartTLS scan: insecure %v, tls %q", sys.Insecure, sys.Attributes["tls"])
	}

	t.Run("direct member of the admin group", func(t *testing.T) {
		g := v.expectVia("carol", "ldap-admins", "ldap-admins")
		if g.Level != findings.LevelAdmin || g.Direct || g.Attributes["membership"] != "direct" || g.Scope != "dc=example,dc=test" {
			t.Errorf("carol's grant = %+v", g)
		}
		carol := v.principal("carol")
		if carol.ID != "user:corp:uid=carol,ou=people,dc=example,dc=test" || carol.MFA != findings.MFAUnknown || carol.LastActivityKnown {
			t.Errorf("carol = %+v", carol)
		}
		if !slices.Equal(carol.Emails, []string{"carol@example.test"}) || carol.Domain != "example.test" || carol.Created == nil {
			t.Errorf("carol's mail, domain or creation: %+v", carol)
		}
	})
	t.Run("MSP technician through nested groupOfNames", func(t *testing.T) {
		g := v.expectVia("dave", "ldap-admins", "msp-techs", "msp-admins", "ldap-admins")
		if g.Direct || g.Attributes["membership"] != "nested" || len(g.Via) != 3 {
			t.Errorf("dave's grant = %+v", g)
		}
		v.expectVia("msp-techs", "ldap-admins", "msp-admins", "ldap-admins")
		if d := v.principal("dave"); d.Domain != "msp.example.net" || d.Attributes["employee_type"] != "contractor" {
			t.Errorf("dave = %+v", d)
		}
	})
	t.Run("membership cycle", func(t *testing.T) {
		v.expectVia("cycle-a", "ldap-admins", "ldap-admins")
		v.expectVia("cycle-b", "ldap-admins", "cycle-a", "ldap-admins")
		v.expectVia("erin", "ldap-admins", "cycle-b", "cycle-a", "ldap-admins")
		for _, g := range []string{"cycle-a", "cycle-b"} {
			if v.principal(g).Attributes["membership_cycle"] != "true" {
				t.Errorf("%s not flagged as on a cycle", g)
			}
		}
		if v.principal("ldap-admins").Attributes["membership_cycle"] != "" {
			t.Error("ldap-admins is not on a cycle")
		}
		if sys.Attributes["membership_cycles"] != "1" {
			t.Errorf("membership_cycles = %q", sys.Attributes["membership_cycles"])
		}
		if !v.memberOf("cycle-a", "cycle-b") || !v.memberOf("cycle-b", "cycle-a") {
			t.Error("cycle memberships missing")
		}
	})
	t.Run("locked admin", func(t *testing.T) {
		f := v.principal("frank")
		if f.Enabled || f.Attributes["locked_by_admin"] != "true" {
			t.Errorf("frank = %+v", f)
		}
		v.expectVia("frank", "ldap-admins", "ldap-admins")
	})
	t.Run("posixGroup by name, memberUid and primary gid", func(t *testing.T) {
		v.expectVia("heidi", "unix-admins", "unix-admins")
		g := v.expectVia("ivan", "unix-admins", "unix-admins")
		if g.Attributes["membership"] != "primary_group" {
			t.Errorf("ivan's grant = %+v", g)
		}
		if !v.memberOf("heidi", "wheel") {
			t.Error("heidi's primary group wheel (gidNumber) missing")
		}
	})
	t.Run("group principals hold the grant directly", func(t *testing.T) {
		g := v.grant("ldap-admins", "ldap-admins")
		if !g.Direct || len(g.Via) != 0 || g.PrivilegeID != "cn=ldap-admins,ou=groups,dc=example,dc=test" {
			t.Errorf("ldap-admins' own grant = %+v", g)
		}
	})
	t.Run("no grant for ordinary accounts", func(t *testing.T) {
		for _, who := range []string{"limited", "staff", "wheel"} {
			if got := v.privileges(who); len(got) != 0 {
				t.Errorf("%s holds %v", who, got)
			}
		}
		if got := v.privileges("erin"); !slices.Equal(got, []string{"ldap-admins"}) {
			t.Errorf("erin holds %v", got)
		}
	})
	t.Run("sensitive segment", func(t *testing.T) {
		g := v.expectVia("dave", "hr-share", "hr-share")
		if g.Level != findings.LevelLimited || !slices.Equal(g.Sensitive, []string{"HR"}) {
			t.Errorf("dave's hr-share grant = %+v", g)
		}
		if !v.memberOf("dave", "hr-share") {
			t.Error("uniqueMember with #'0101'B not resolved")
		}
	})
	t.Run("dangling member is a gap", func(t *testing.T) {
		g := v.gap("grants/ldap_admins")
		if g == nil || g.Reason != findings.GapDenied || !strings.Contains(g.Error, "uid=ghost,ou=people,dc=example,dc=test") {
			t.Errorf("gap = %+v", g)
		}
		if len(snap.Gaps) != 1 {
			t.Errorf("gaps = %+v", snap.Gaps)
		}
	})
	t.Run("few searches", func(t *testing.T) {
		st := sc.Stats()
		if st.Searches != 3 || st.Requests != 3 {
			t.Errorf("stats = %+v, want rootDSE + users + groups in one page each", st)
		}
	})
}

func TestOpenLDAPPaging(t *testing.T) {
	s := seededSlapd(t)
	big := scan(t, slapdScanner(t, s))
	before := s.SearchCount()
	sc := slapdScanner(t, s, "page_size: 2")
	small := scan(t, sc)
	a, _ := big.CanonicalJSON()
	b, _ := small.CanonicalJSON()
	if string(a) != string(b) {
		t.Fatalf("page size 2 gives a different snapshot:\n%s", firstLineDiff(a, b))
	}
	st := sc.Stats()
	// rootDSE, 7 users in pages of 2, 9 groups in pages of 2.
	if st.Searches != 3 || st.Requests < 1+4+5 || st.Entries != 1+7+9 {
		t.Errorf("stats = %+v", st)
	}
	if got := s.SearchCount() - before; got != st.Requests {
		t.Errorf("slapd logged %d search requests, the scanner counted %d", got, st.Requests)
	}
}

func TestOpenLDAPTLS(t *testing.T) {
	s := seededSlapd(t)
	otherCA, err := ldaptest.NewCA("some other CA")
	if err != nil {
		t.Fatal(err)
	}
	otherCAFile := filepath.Join(t.TempDir(), "other.pem")
	if err := otherCA.WriteCert(otherCAFile); err != nil {
		t.Fatal(err)
	}
	base := func(url string) []string { return []string{"url: " + url, "bind_dn: " + s.AdminDN, slapdAdminGroups} }
	tests := []struct {
		name     string
		lines    []string
		tls      string
		insecure []string
		errHas   []string
	}{
		{name: "StartTLS with the test CA", lines: append(base(s.URL), "ca_file: "+s.CAFile), tls: "starttls"},
		{name: "LDAPS with the test CA", lines: append(base(s.LDAPSURL), "ca_file: "+s.CAFile), tls: "ldaps"},
		{name: "StartTLS, wrong CA", lines: append(base(s.URL), "ca_file: "+otherCAFile), errHas: []string{"TLS handshake", "unknown authority", "set ca_file"}},
		{name: "StartTLS, system roots", lines: base(s.URL), errHas: []string{"unknown authority"}},
		{name: "LDAPS, wrong server name", lines: append(base(s.LDAPSURL), "ca_file: "+s.CAFile, "tls_server_name: dc9.example.test"), errHas: []string{"dc9.example.test", "tls_server_name"}},
		{name: "skip verify is flagged", lines: append(base(s.URL), "insecure_skip_verify: true"), tls: "starttls", insecure: []string{"tls_skip_verify"}},
		{name: "plain text is flagged", lines: append(base(s.URL), "insecure_plaintext: true"), tls: "none", insecure: []string{"plaintext_ldap"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _ := testEnv()
			sc := newTestScanner(t, env, s.AdminPassword, tt.lines...)
			snap, err := sc.Scan(context.Background())
			if len(tt.errHas) > 0 {
				if err == nil {
					t.Fatal("scan succeeded, want a TLS error")
				}
				for _, w := range tt.errHas {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				if snap != nil {
					t.Errorf("a scan that could not connect returned a snapshot")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sys := snap.Systems[0]
			if sys.Attributes["tls"] != tt.tls || !slices.Equal(sys.Insecure, tt.insecure) {
				t.Errorf("tls %q insecure %v; want %q %v", sys.Attributes["tls"], sys.Insecure, tt.tls, tt.insecure)
			}
			if len(snap.Grants) == 0 {
				t.Error("no grants read")
			}
		})
	}
}

func TestOpenLDAPWrongPassword(t *testing.T) {
	s := seededSlapd(t)
	env, logs := testEnv()
	const wrong = "Not-The-Password-42"
	sc := newTestScanner(t, env, wrong, "url: "+s.URL, "bind_dn: "+s.AdminDN, "ca_file: "+s.CAFile)
	snap, err := sc.Scan(context.Background())
	if err == nil || snap != nil {
		t.Fatalf("scan = %v, %v; want a bind error and no snapshot", snap, err)
	}
	if !errors.Is(err, scanners.ErrDenied) || !strings.Contains(err.Error(), "LDAP 49 Invalid Credentials") || !strings.Contains(err.Error(), s.AdminDN) {
		t.Errorf("error = %v", err)
	}
	if strings.Contains(err.Error(), wrong) || strings.Contains(logs.String(), wrong) {
		t.Error("the password leaked into the error or logs")
	}
}

func TestOpenLDAPDeniedMembers(t *testing.T) {
	s := seededSlapd(t)
	env, _ := testEnv()
	sc := newTestScanner(t, env, limitedPassword, "url: "+s.URL, "bind_dn: "+limitedDN, "ca_file: "+s.CAFile, slapdAdminGroups)
	snap := scan(t, sc)
	v := newView(t, snap)
	g := v.gap("grants/member")
	if g == nil || g.Reason != findings.GapDenied || !strings.Contains(g.Error, "6 of 6") {
		t.Fatalf("gap = %+v; gaps %+v", g, snap.Gaps)
	}
	if g := v.gap("grants/uniqueMember"); g == nil || g.Reason != findings.GapDenied {
		t.Errorf("uniqueMember gap = %+v", g)
	}
	// memberOf is still readable: direct memberships still give grants.
	v.expectVia("carol", "ldap-admins", "ldap-admins")
	v.expectVia("dave", "ldap-admins", "msp-techs", "msp-admins", "ldap-admins")
}

// TestOpenLDAPReferrals runs a second slapd whose tree refers to the
// seeded one (ou=a) and to itself in a loop (ou=b).
func TestOpenLDAPReferrals(t *testing.T) {
	seed := seededSlapd(t)
	ca, err := testCA()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ref, err := ldaptest.StartSlapd(ldaptest.SlapdOptions{Dir: dir, TLS: ca})
	ldaptest.Need(t, err)
	t.Cleanup(ref.Stop)
	ldif := fmt.Sprintf(`dn: dc=example,dc=test
objectClass: dcObject
objectClass: organization
dc: example
o: Referrals

dn: ou=a,dc=example,dc=test
objectClass: organizationalUnit
ou: a

dn: uid=rita,ou=a,dc=example,dc=test
objectClass: inetOrgPerson
uid: rita
cn: Rita Referral
sn: Referral

dn: ou=remote,ou=a,dc=example,dc=test
objectClass: referral
objectClass: extensibleObject
ou: remote
ref: %[1]s/ou=msp,dc=example,dc=test

dn: ou=b,dc=example,dc=test
objectClass: organizationalUnit
ou: b

dn: ou=loop1,ou=b,dc=example,dc=test
objectClass: referral
objectClass: extensibleObject
ou: loop1
ref: %[2]s/ou=loop2,ou=b,dc=example,dc=test

dn: ou=loop2,ou=b,dc=example,dc=test
objectClass: referral
objectClass: extensibleObject
ou: loop2
ref: %[2]s/ou=loop1,ou=b,dc=example,dc=test
`, seed.URL, ref.URL)
	f := filepath.Join(dir, "ref.ldif")
	if err := os.WriteFile(f, []byte(ldif), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := ref.Add(f, "-M"); err != nil {
		t.Fatal(err)
	}
	seedHost := strings.TrimPrefix(strings.TrimPrefix(seed.URL, "ldaps://"), "ldap://")
	scanAt := func(t *testing.T, base string, follow bool, extra ...string) (*findings.Snapshot, *Scanner) {
		env, _ := testEnv()
		lines := []string{"url: " + ref.URL, "bind_dn: " + ref.AdminDN, "ca_file: " + ref.CAFile,
			"base_dn: " + base, fmt.Sprintf("follow_referrals: %v", follow), `admin_groups: ["msp-techs"]`}
		if follow && len(extra) == 0 {
			extra = []string{"referral_hosts: [" + strconv.Quote(seedHost) + "]"}
		}
		sc := newTestScanner(t, env, ref.AdminPassword, append(lines, extra...)...)
		return scan(t, sc), sc
	}
	t.Run("recorded, not followed", func(t *testing.T) {
		snap, _ := scanAt(t, "ou=a,dc=example,dc=test", false)
		v := newView(t, snap)
		g := v.gap("principals/referrals")
		if g == nil || g.Reason != findings.GapSkipped || !strings.Contains(g.Error, seed.URL+"/ou=msp,dc=example,dc=test") {
			t.Fatalf("gap = %+v", g)
		}
		if !v.has("rita") || v.has("dave") {
			t.Error("want rita only")
		}
	})
	t.Run("followed to another server", func(t *testing.T) {
		snap, sc := scanAt(t, "ou=a,dc=example,dc=test", true)
		v := newView(t, snap)
		if !v.has("rita") || !v.has("dave") {
			t.Fatalf("principals = %v", snap.Principals)
		}
		if d := v.principal("dave"); d.Domain != "msp.example.net" {
			t.Errorf("dave (read from the referred server) = %+v", d)
		}
		if v.gap("principals/referrals") != nil || sc.Stats().Referrals == 0 {
			t.Errorf("gaps %+v, stats %+v", snap.Gaps, sc.Stats())
		}
	})
	// Issue 13: a referral to a host not in referral_hosts is a gap, and
	// the password is not sent there.
	t.Run("unlisted host is not followed", func(t *testing.T) {
		snap, _ := scanAt(t, "ou=a,dc=example,dc=test", true, `referral_hosts: ["dc9.corp.example.test"]`)
		v := newView(t, snap)
		g := v.gap("principals/referrals")
		if g == nil || !strings.Contains(g.Error, "not in referral_hosts") || !strings.Contains(g.Error, seed.URL+"/ou=msp,dc=example,dc=test") {
			t.Fatalf("gap = %+v", g)
		}
		if !v.has("rita") || v.has("dave") {
			t.Error("want rita only")
		}
	})
	t.Run("loop is a clear gap", func(t *testing.T) {
		snap, _ := scanAt(t, "ou=b,dc=example,dc=test", true)
		v := newView(t, snap)
		g := v.gap("principals")
		if g == nil || g.Reason != findings.GapFailed || !strings.Contains(g.Error, "referral loop") || !strings.Contains(g.Error, "ou=loop1,ou=b") {
			t.Fatalf("gap = %+v", g)
		}
	})
}

func firstLineDiff(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, al[i], bl[i])
		}
	}
	return "lengths differ"
}

func TestOpenLDAPAnonymous(t *testing.T) {
	s := seededSlapd(t)
	env, _ := testEnv()
	sc := newTestScanner(t, env, "", "url: "+s.URL, "ca_file: "+s.CAFile, slapdAdminGroups)
	snap := scan(t, sc)
	if snap.Systems[0].Attributes["bind"] != "anonymous" {
		t.Errorf("system attributes = %v", snap.Systems[0].Attributes)
	}
	newView(t, snap).expectVia("dave", "ldap-admins", "msp-techs", "msp-admins", "ldap-admins")
}

func TestOpenLDAPSizeLimit(t *testing.T) {
	s := seededSlapd(t)
	snap := scan(t, slapdScanner(t, s, "size_limit: 3"))
	v := newView(t, snap)
	g := v.gap("principals")
	if g == nil || g.Reason != findings.GapFailed || !strings.Contains(g.Error, "Size Limit Exceeded") || !strings.Contains(g.Error, "size_limit 3") {
		t.Fatalf("gap = %+v", g)
	}
	users := 0
	for _, p := range snap.Principals {
		if p.Kind == findings.PrincipalUser {
			users++
		}
	}
	if users != 3 {
		t.Errorf("%d users kept, want the 3 received", users)
	}
}
