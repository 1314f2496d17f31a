package ldap

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

// sambaScanner returns a scanner bound as Administrator over LDAPS with
// the test CA.
func sambaScanner(t testing.TB, s *sambaEnv, extra ...string) *Scanner {
	t.Helper()
	env, _ := testEnv()
	lines := append([]string{"url: " + s.URL, "bind_dn: " + s.AdminUPN, "ca_file: " + s.CAFile, "tls_server_name: " + s.ServerName}, extra...)
	return newTestScanner(t, env, s.AdminPassword, lines...)
}

func TestSambaScan(t *testing.T) {
	s := seededSamba(t)
	sc := sambaScanner(t, s)
	snap := scan(t, sc)
	v := newView(t, snap)
	const da, admins = "Domain Admins", "Administrators"

	sys := snap.Systems[0]
	if sys.Flavour != FlavourAD || sys.NativeID != s.BaseDN || !slices.Equal(sys.Domains, []string{"corp.example.test"}) ||
		sys.Attributes["domain_sid"] != "S-1-5-21-1000000001-2000000002-3000000003" || sys.Attributes["tls"] != "ldaps" || len(sys.Insecure) != 0 {
		t.Errorf("system = %+v", sys)
	}

	t.Run("customer admin directly in Domain Admins", func(t *testing.T) {
		g := v.expectVia("alice", da, da)
		if g.Level != findings.LevelSuperAdmin || g.Direct || g.Attributes["membership"] != "direct" || g.PrivilegeID != "S-1-5-21-1000000001-2000000002-3000000003-512" {
			t.Errorf("grant = %+v", g)
		}
		a := v.principal("alice")
		if !strings.HasPrefix(a.ID, "user:corp:") || len(a.NativeID) != 36 || a.DN != "CN=Alice Admin,OU=Staff,DC=corp,DC=example,DC=test" {
			t.Errorf("alice's ids = %q %q %q", a.ID, a.NativeID, a.DN)
		}
		if !a.Enabled || a.MFA != findings.MFAUnknown || !a.LastActivityKnown || a.LastActivity == nil ||
			a.LastActivity.Format("2006-01-02") != "2025-11-19" || a.Created == nil {
			t.Errorf("alice = %+v", a)
		}
		if !slices.Equal(a.Emails, []string{"alice@corp.example.test"}) || a.Domain != "corp.example.test" || a.Attributes["ou"] != "OU=Staff,DC=corp,DC=example,DC=test" {
			t.Errorf("alice's mail/domain/ou = %v %q %q", a.Emails, a.Domain, a.Attributes["ou"])
		}
		// Transitively through Domain Admins, also in Administrators.
		v.expectVia("alice", admins, da, admins)
	})
	t.Run("MSP technician three groups deep", func(t *testing.T) {
		g := v.expectVia("tom.tech", da, "MSP Tier1", "MSP Tier2", "MSP Admins", da)
		if g.Level != findings.LevelSuperAdmin || g.Attributes["membership"] != "nested" || len(g.Via) != 4 {
			t.Errorf("grant = %+v", g)
		}
		tom := v.principal("tom.tech")
		if tom.Domain != "msp.example.net" || !slices.Equal(tom.Emails, []string{"tom.tech@msp.example.net", "tom@msp.example.net"}) ||
			tom.Attributes["manager"] != "CN=Alice Admin,OU=Staff,DC=corp,DC=example,DC=test" {
			t.Errorf("tom = %+v", tom)
		}
		for _, m := range [][2]string{{"tom.tech", "MSP Tier1"}, {"MSP Tier1", "MSP Tier2"}, {"MSP Tier2", "MSP Admins"}, {"MSP Admins", da}} {
			if !v.memberOf(m[0], m[1]) {
				t.Errorf("membership %s -> %s missing", m[0], m[1])
			}
		}
		v.expectVia("MSP Admins", da, da)
	})
	t.Run("disabled account still in Administrators", func(t *testing.T) {
		o := v.principal("old.admin")
		if o.Enabled || o.Attributes["user_account_control"] != "514" {
			t.Errorf("old.admin = %+v", o)
		}
		g := v.expectVia("old.admin", admins, admins)
		if g.Level != findings.LevelSuperAdmin {
			t.Errorf("grant = %+v", g)
		}
	})
	t.Run("service account in Backup Operators", func(t *testing.T) {
		p := v.principal("svc-backup")
		for k, want := range map[string]string{"password_never_expires": "true", "service_account": "true", "service_principal_names": "backup/nas1.corp.example.test", "description": "Backup agent"} {
			if p.Attributes[k] != want {
				t.Errorf("svc-backup %s = %q, want %q", k, p.Attributes[k], want)
			}
		}
		if len(p.Credentials) != 1 || p.Credentials[0].Kind != "password" || p.Credentials[0].Created == nil || p.Credentials[0].Expires != nil {
			t.Errorf("svc-backup credentials = %+v", p.Credentials)
		}
		g := v.expectVia("svc-backup", "Backup Operators", "Backup Operators")
		if g.Level != findings.LevelSuperAdmin || g.Attributes["level_basis"] != "takeover_route" || g.PrivilegeID != "S-1-5-32-551" {
			t.Errorf("grant = %+v", g)
		}
		if got := v.privileges("svc-backup"); !slices.Equal(got, []string{"Backup Operators"}) {
			t.Errorf("svc-backup holds %v", got)
		}
	})
	t.Run("orphaned adminCount", func(t *testing.T) {
		f := v.principal("former.admin")
		if f.Attributes["admin_count"] != "1" || f.Attributes["orphaned_admin_count"] != "true" || len(v.privileges("former.admin")) != 0 {
			t.Errorf("former.admin = %+v", f)
		}
		a := v.principal("Administrator")
		if a.Attributes["admin_count"] != "1" || a.Attributes["orphaned_admin_count"] != "" {
			t.Errorf("Administrator (protected) = %+v", a.Attributes)
		}
	})
	t.Run("primary group", func(t *testing.T) {
		g := v.expectVia("prim.user", da, da)
		if g.Attributes["membership"] != "primary_group" || v.principal("prim.user").Attributes["primary_group"] != da {
			t.Errorf("prim.user grant = %+v", g)
		}
	})
	t.Run("computer in Backup Operators", func(t *testing.T) {
		c := v.principal("SRV1$")
		if c.Kind != findings.PrincipalComputer {
			t.Errorf("SRV1$ = %+v", c)
		}
		v.expectVia("SRV1$", "Backup Operators", "Backup Operators")
		if v.has("DC1$") {
			t.Error("computers that hold nothing must not be listed")
		}
	})
	t.Run("trust and foreign principal", func(t *testing.T) {
		if len(snap.Trusts) != 1 {
			t.Fatalf("trusts = %+v", snap.Trusts)
		}
		tr := snap.Trusts[0]
		if tr.Kind != findings.TrustDirectory || tr.Counterparty != "msp.example.net" || tr.CounterpartyKind != "domain" ||
			tr.Attributes["direction"] != "outbound" || tr.Attributes["partner_accounts_allowed_in"] != "true" || tr.Attributes["forest_transitive"] != "true" {
			t.Errorf("trust = %+v", tr)
		}
		f := v.principal("S-1-5-21-1144201745-2289526357-3434785433-1107")
		if f.Kind != findings.PrincipalExternal || f.HomeOrg != "msp.example.net" || f.HomeOrgKind != "domain" {
			t.Errorf("foreign principal = %+v", f)
		}
		if g := v.expectVia(f.DisplayName, admins, admins); g.Level != findings.LevelSuperAdmin {
			t.Errorf("grant = %+v", g)
		}
	})
	t.Run("sensitive group", func(t *testing.T) {
		g := v.expectVia("tom.tech", "HR Share", "HR Share")
		if g.Level != findings.LevelLimited || !slices.Equal(g.Sensitive, []string{"HR"}) {
			t.Errorf("grant = %+v", g)
		}
	})
	t.Run("levels", func(t *testing.T) {
		for name, want := range map[string]findings.Level{
			da: findings.LevelSuperAdmin, "Enterprise Admins": findings.LevelSuperAdmin, admins: findings.LevelSuperAdmin,
			"Schema Admins": findings.LevelSuperAdmin, "Group Policy Creator Owners": findings.LevelAdmin,
			"Account Operators": findings.LevelSuperAdmin, "Server Operators": findings.LevelSuperAdmin, "Print Operators": findings.LevelSuperAdmin,
		} {
			if g := v.grant(name, name); g.Level != want || !g.Direct {
				t.Errorf("%s: %+v", name, g)
			}
		}
		if g := v.principal("Guest"); len(v.privileges("Guest")) != 0 || g.Enabled {
			t.Errorf("Guest = %+v", g)
		}
	})
	t.Run("searches", func(t *testing.T) {
		// rootDSE, domain, users, groups, privileged groups, one in-chain
		// search per privileged group present (9 on Samba), trusts, the
		// DACLs of the domain, AdminSDHolder, the DC OU and the protected
		// groups (one search), the linked GPOs (one search).
		st := sc.Stats()
		if st.Searches != 17 || st.Requests != 17 {
			t.Errorf("stats = %+v", st)
		}
	})
	t.Run("no gaps", func(t *testing.T) {
		if len(snap.Gaps) != 0 {
			t.Errorf("gaps = %+v", snap.Gaps)
		}
		if sys.Attributes["referrals_not_followed"] == "" {
			t.Error("the CN=Configuration referral should be recorded")
		}
	})
}

func TestSambaStartTLS(t *testing.T) {
	s := seededSamba(t)
	env, _ := testEnv()
	sc := newTestScanner(t, env, s.AdminPassword, "url: "+s.StartTLSURL, "bind_dn: "+s.AdminUPN, "ca_file: "+s.CAFile, "tls_server_name: "+s.ServerName)
	snap := scan(t, sc)
	v := newView(t, snap)
	if snap.Systems[0].Attributes["tls"] != "starttls" {
		t.Errorf("tls = %q", snap.Systems[0].Attributes["tls"])
	}
	v.expectVia("tom.tech", "Domain Admins", "MSP Tier1", "MSP Tier2", "MSP Admins", "Domain Admins")
}

func TestSambaRefusesPlainBind(t *testing.T) {
	s := seededSamba(t)
	env, _ := testEnv()
	sc := newTestScanner(t, env, s.AdminPassword, "url: "+s.StartTLSURL, "bind_dn: "+s.AdminUPN, "insecure_plaintext: true")
	_, err := sc.Scan(context.Background())
	if err == nil || !strings.Contains(err.Error(), "Strong Auth Required") || !strings.Contains(err.Error(), "encrypted connection") {
		t.Fatalf("err = %v", err)
	}
}

func TestSambaWrongPassword(t *testing.T) {
	s := seededSamba(t)
	env, logs := testEnv()
	const wrong = "Wrong!Passw0rd9"
	sc := newTestScanner(t, env, wrong, "url: "+s.URL, "bind_dn: auditor@corp.example.test", "ca_file: "+s.CAFile, "tls_server_name: "+s.ServerName)
	snap, err := sc.Scan(context.Background())
	if err == nil || snap != nil {
		t.Fatalf("scan = %v, %v", snap, err)
	}
	for _, want := range []string{"data 52e", "invalid credentials", "auditor@corp.example.test", "LDAP 49"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if !errors.Is(err, scanners.ErrDenied) {
		t.Errorf("not ErrDenied: %v", err)
	}
	if strings.Contains(err.Error(), wrong) || strings.Contains(logs.String(), wrong) {
		t.Error("password leaked")
	}
}

// TestSambaNonAdminBind binds as an ordinary domain user that the seed
// denies reading userAccountControl under OU=MSP.
func TestSambaNonAdminBind(t *testing.T) {
	s := seededSamba(t)
	env, _ := testEnv()
	sc := newTestScanner(t, env, auditorPassword, "url: "+s.URL, "bind_dn: auditor@corp.example.test", "ca_file: "+s.CAFile, "tls_server_name: "+s.ServerName)
	snap := scan(t, sc)
	v := newView(t, snap)
	g := v.gap("principals/userAccountControl")
	// Tom, ops.msp and the four accounts of the hidden-path cases live in OU=MSP.
	if g == nil || g.Reason != findings.GapDenied || !strings.Contains(g.Error, ",OU=MSP,") || !strings.Contains(g.Error, "6 of") {
		t.Fatalf("gap = %+v; all gaps: %+v", g, snap.Gaps)
	}
	tom := v.principal("tom.tech")
	if !tom.Enabled || tom.Attributes["enabled_unknown"] != "true" {
		t.Errorf("tom (state unreadable) = %+v", tom)
	}
	// Everything else an ordinary user can read is still collected.
	v.expectVia("tom.tech", "Domain Admins", "MSP Tier1", "MSP Tier2", "MSP Admins", "Domain Admins")
	if o := v.principal("old.admin"); o.Enabled || o.Attributes["enabled_unknown"] != "" {
		t.Errorf("old.admin = %+v", o)
	}
	v.expectVia("svc-backup", "Backup Operators", "Backup Operators")
	if len(snap.Trusts) != 1 {
		t.Errorf("trusts = %+v", snap.Trusts)
	}
	// Samba does not let an ordinary user read memberOf on foreign
	// security principals; the member attribute of Administrators still
	// shows the MSP account, and the blind spot is reported.
	if g := v.gap("grants/memberOf"); g == nil || g.Reason != findings.GapDenied || !strings.Contains(g.Error, "ForeignSecurityPrincipals") {
		t.Errorf("memberOf gap = %+v", g)
	}
	v.expectVia("S-1-5-21-1144201745-2289526357-3434785433-1107", "Administrators", "Administrators")
	// The seed denies the auditor the DACL of the Default Domain
	// Controllers Policy (TestIssue13SambaControlThroughACLs).
	if v.gap("grants/gpo/nTSecurityDescriptor") == nil || len(snap.Gaps) != 3 {
		t.Errorf("gaps = %+v", snap.Gaps)
	}
}

// TestSambaPaging: Samba answers every page of a search with the same
// paging cookie; small pages still give the whole directory, not a paging
// loop.
func TestSambaPaging(t *testing.T) {
	s := seededSamba(t)
	big := scan(t, sambaScanner(t, s))
	sc := sambaScanner(t, s, "page_size: 3")
	small := scan(t, sc)
	for _, g := range small.Gaps {
		if strings.Contains(g.Error, "paging loop") {
			t.Fatalf("paging loop on Samba: %+v", g)
		}
	}
	a, _ := big.CanonicalJSON()
	b, _ := small.CanonicalJSON()
	if string(a) != string(b) {
		t.Fatalf("page size 3 gives a different snapshot:\n%s", firstLineDiff(a, b))
	}
	if st := sc.Stats(); st.Requests <= st.Searches+5 {
		t.Errorf("stats = %+v: the searches were not paged", st)
	}
}
