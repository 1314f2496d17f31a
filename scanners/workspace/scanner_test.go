package workspace

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/silenttest"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

func TestConformance(t *testing.T) {
	h := newHarness(t, contoso(t))
	denied := contoso(t)
	denied.Denied = []string{"users"}
	hd := newHarness(t, denied)
	scannertest.Run(t, scannertest.Suite{
		New:              func(t *testing.T, env scanners.Env) scanners.Scanner { return h.scanner(env, h.target()) },
		Denied:           func(t *testing.T, env scanners.Env) scanners.Scanner { return hd.scanner(env, hd.target()) },
		DeniedCollection: "principals",
	})
}

// TestGolden compares the Contoso snapshot with testdata/golden (refresh
// with go test ./scanners/workspace -run TestGolden -update).
func TestGolden(t *testing.T) {
	h := newHarness(t, contoso(t))
	snap, _ := h.scan(h.target())
	snap.Systems[0].Endpoint = "http://workspace.fake/"
	var got bytes.Buffer
	if err := snap.Encode(&got); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "golden", "contoso.snapshot.json")
	if *update {
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("snapshot differs from %s (run with -update and review the diff)", path)
	}
}

// The facts the checks need, read through the real Admin SDK client.
func TestFacts(t *testing.T) {
	h := newHarness(t, contoso(t))
	snap, _ := h.scan(h.target())
	sys := snap.Systems[0]
	if sys.Kind != findings.SystemWorkspace || sys.NativeID != "C03contoso" || sys.Attributes["primary_domain"] != "contoso.com" {
		t.Errorf("system = %+v", sys)
	}
	if strings.Join(sys.Domains, ",") != "contoso.co.uk,contoso.com" {
		t.Errorf("domains = %v, want only the verified ones", sys.Domains)
	}
	if len(sys.Contacts) != 1 || sys.Contacts[0].Email != "it-support@acme-it.com" {
		t.Errorf("contacts = %+v, want the alternate e-mail", sys.Contacts)
	}

	level := func(login string) (findings.Level, []findings.Grant) {
		t.Helper()
		p := principalByLogin(snap, login)
		if p == nil {
			t.Fatalf("no principal %s", login)
		}
		var top findings.Level
		gs := grantsOf(snap, p.ID)
		for _, g := range gs {
			if g.Level.Rank() > top.Rank() {
				top = g.Level
			}
		}
		return top, gs
	}
	// An MSP super admin from the MSP's own domain.
	if l, _ := level("tech@acme-it.com"); l != findings.LevelSuperAdmin {
		t.Errorf("tech@acme-it.com level = %q, want super_admin", l)
	}
	tech := principalByLogin(snap, "tech@acme-it.com")
	if tech.Domain != "acme-it.com" || !strings.Contains(strings.Join(tech.Emails, ","), "acme@contoso.com") {
		t.Errorf("tech = %+v: want its domain and alias", tech)
	}
	// A customer super admin without 2SV (enforced but not enrolled).
	bob := principalByLogin(snap, "bob@contoso.com")
	if bob.MFA != findings.MFANone {
		t.Errorf("bob MFA = %q, want none (enforced but not enrolled)", bob.MFA)
	}
	if a := principalByLogin(snap, "alice@contoso.com"); a.MFA != findings.MFAEnforced {
		t.Errorf("alice MFA = %q, want enforced", a.MFA)
	}
	// A suspended super admin: not enabled.
	carol := principalByLogin(snap, "carol@contoso.com")
	if carol.Enabled || carol.Attributes["suspended"] != "true" {
		t.Errorf("carol = %+v, want disabled (suspended)", carol)
	}
	if carol.LastActivity != nil || !carol.LastActivityKnown {
		t.Errorf("carol never signed in: last activity %v known %v", carol.LastActivity, carol.LastActivityKnown)
	}
	// A delegated admin with user-management privileges via a group,
	// holding an MSP address directly and another through a nested group.
	var group findings.Grant
	for _, g := range snap.Grants {
		if g.Privilege == "User Management Admin" {
			group = g
		}
	}
	if group.Level != findings.LevelAdmin || !strings.HasPrefix(group.PrincipalID, "group:") {
		t.Fatalf("User Management Admin grant = %+v, want an admin grant on the group", group)
	}
	members := map[string]bool{}
	for _, m := range snap.Memberships {
		members[m.MemberID+"→"+m.GroupID] = true
	}
	dan := principalByLogin(snap, "dan@acme-it.com")
	frank := principalByLogin(snap, "frank@acme-it.com")
	if dan == nil || frank == nil {
		t.Fatalf("external members missing: dan %v frank %v", dan, frank)
	}
	if dan.Attributes["external"] != "true" || dan.HomeOrg != "acme-it.com" {
		t.Errorf("dan = %+v, want an external account of acme-it.com", dan)
	}
	if !members[dan.ID+"→group:gws:g-helpdesk"] || !members["group:gws:g-nested→group:gws:g-helpdesk"] || !members[frank.ID+"→group:gws:g-nested"] {
		t.Errorf("memberships = %v", members)
	}
	// Org-unit scope and expiry.
	_, erin := level("erin@contoso.com")
	if len(erin) != 1 || erin[0].Scope != "org_unit:id:Staff" || erin[0].Level != findings.LevelAdmin {
		t.Errorf("erin grants = %+v, want Help Desk Admin (password resets: admin) on the Staff org unit", erin)
	}
	_, techGrants := level("tech@acme-it.com")
	var timeBound bool
	for _, g := range techGrants {
		if g.Privilege == "Device Helper" {
			timeBound = g.Assignment == findings.AssignmentTimeBound && g.Expires != nil && g.Level == findings.LevelPrivileged
		}
	}
	if !timeBound {
		t.Errorf("tech grants = %+v, want a time-bound privileged Device Helper", techGrants)
	}
	// What the API cannot show is an unsupported gap, never silence.
	for _, c := range []string{gapReseller, gapBilling, gapDelegation, gapOAuthApps} {
		if g := gapOf(snap, c); g == nil || g.Reason != findings.GapUnsupported || g.Remedy == "" {
			t.Errorf("gap %s = %+v, want unsupported with a remedy", c, g)
		}
	}
}

// A delegation grant without the role-management scope: roles and
// assignments are denied gaps naming the call; super admins are still
// known from isAdmin.
func TestMissingScopeIsGap(t *testing.T) {
	sc := contoso(t)
	sc.DelegatedScopes = []string{scopeCustomer, scopeDomain, scopeGroup, scopeUser}
	h := newHarness(t, sc)
	snap, _ := h.scan(h.target())
	for _, c := range []string{gapRoles, gapAssignments} {
		g := gapOf(snap, c)
		if g == nil || g.Reason != findings.GapDenied || !strings.Contains(g.Error, "rolemanagement.readonly") {
			t.Errorf("gap %s = %+v, want denied naming the scope", c, g)
		}
	}
	alice := principalByLogin(snap, "alice@contoso.com")
	gs := grantsOf(snap, alice.ID)
	if len(gs) != 1 || gs[0].Level != findings.LevelSuperAdmin || gs[0].Attributes["source"] != "isAdmin" {
		t.Errorf("alice grants = %+v, want Super Admin from isAdmin", gs)
	}
	if _, tok := h.fake.Requests(); tok != 6 {
		t.Errorf("token requests = %d, want 6 (all scopes refused, then one per scope)", tok)
	}
}

// An admin whose role lacks a privilege: 403 Not Authorized is a denied gap
// with the exact call.
func TestDeniedPrivilegeNamesCall(t *testing.T) {
	sc := contoso(t)
	sc.Denied = []string{"roleassignments"}
	h := newHarness(t, sc)
	snap, _ := h.scan(h.target())
	g := gapOf(snap, gapAssignments)
	if g == nil || g.Reason != findings.GapDenied ||
		!strings.Contains(g.Error, "GET admin/directory/v1/customer/my_customer/roleassignments") || !strings.Contains(g.Error, "403") {
		t.Fatalf("gap = %+v", g)
	}
}

// 429 rateLimitExceeded is retried after Retry-After; when it persists the
// collection is a throttled (failed) gap, and the scan goes on.
func TestThrottling(t *testing.T) {
	sc := contoso(t)
	sc.Throttle = 2
	h := newHarness(t, sc)
	snap, _ := h.scan(h.target())
	if len(snap.Gaps) != 4 {
		t.Errorf("gaps = %+v, want only the four unsupported ones after retries", snap.Gaps)
	}
	sc = contoso(t)
	sc.Throttle = 100
	h = newHarness(t, sc)
	snap, _ = h.scan(h.target())
	g := gapOf(snap, gapUsers)
	if g == nil || !strings.Contains(g.Error, "throttled") {
		t.Errorf("users gap = %+v, want throttled", g)
	}
}

// Rejected credentials (a subject the delegation does not allow) fail the
// target with an authentication error; an unreachable endpoint says so.
func TestTargetFailures(t *testing.T) {
	h := newHarness(t, contoso(t))
	var logs bytes.Buffer
	s := h.scanner(scannertest.Env(&logs), strings.Replace(h.target(), "subject: "+subject, "subject: nobody@contoso.com", 1))
	_, err := s.Scan(context.Background())
	if !errors.Is(err, errAuth) || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("wrong subject: err = %v, want authentication failed (invalid_grant)", err)
	}
	dead := httptestDeadURL(t)
	sa, _ := h.fake.WriteServiceAccount(t.TempDir(), dead)
	s = h.scanner(scannertest.Env(&logs), "    endpoint: "+dead+"\n    auth: {method: service_account, key_file: "+sa+", subject: "+subject+"}\n    timeout: 2s\n")
	_, err = s.Scan(context.Background())
	if !errors.Is(err, errUnreachable) {
		t.Errorf("dead endpoint: err = %v, want unreachable", err)
	}
	if strings.Contains(logs.String(), "PRIVATE KEY") {
		t.Error("the key leaked into the logs")
	}
}

// The request count for the Contoso customer is the minimum the API allows:
// one token, customer, domains, roles, assignments, users, and a get plus a
// member listing per role-holding group (two groups).
func TestRequestBudget(t *testing.T) {
	h := newHarness(t, contoso(t))
	h.scan(h.target())
	api, tok := h.fake.Requests()
	if tok != 1 || api != 9 {
		t.Errorf("requests = %d API + %d token, want 9 + 1", api, tok)
	}
}

func TestGrade(t *testing.T) {
	for _, c := range []struct {
		super bool
		privs []string
		want  findings.Level
	}{
		{true, nil, findings.LevelSuperAdmin},
		{false, []string{"USERS_ALL"}, findings.LevelAdmin},
		{false, []string{"USERS_RETRIEVE", "USERS_RESET_PASSWORD"}, findings.LevelAdmin},
		{false, []string{"MANAGE_SECURITY_SETTINGS"}, findings.LevelAdmin},
		{false, []string{"DOMAIN_MANAGEMENT"}, findings.LevelAdmin},
		{false, []string{"GROUPS_ALL"}, findings.LevelPrivileged},
		{false, []string{"MANAGE_DEVICES"}, findings.LevelPrivileged},
		{false, []string{"GROUPS_RETRIEVE", "USERS_RETRIEVE"}, findings.LevelRead},
		{false, []string{"REPORTS_AUDIT"}, findings.LevelLimited},
	} {
		if got := Grade(c.super, c.privs); got != c.want {
			t.Errorf("Grade(%v, %v) = %q, want %q", c.super, c.privs, got, c.want)
		}
	}
}

func TestPagesLoop(t *testing.T) {
	p := newPages("users (GET x)", 10)
	if more, err := p.next("a"); !more || err != nil {
		t.Fatal(more, err)
	}
	if _, err := p.next("a"); !errors.Is(err, scanners.ErrMalformed) || !strings.Contains(err.Error(), "users (GET x)") {
		t.Errorf("repeated token: %v", err)
	}
	p = newPages("roles", 2)
	p.next("a")
	if _, err := p.next("b"); !errors.Is(err, scanners.ErrMalformed) {
		t.Errorf("max pages: %v", err)
	}
}

// auth.method application_default with a credentials file (here the
// service account's own key, as GOOGLE_APPLICATION_CREDENTIALS would name
// it; an external_account file for workload identity federation takes the
// same path) and a subject reads the customer like service_account.
func TestApplicationDefaultCredentialsFile(t *testing.T) {
	h := newHarness(t, contoso(t))
	target := "    endpoint: " + h.srv.URL + "\n    auth: {method: application_default, key_file: " + h.key + ", subject: " + subject + "}\n"
	snap, _ := h.scan(target)
	if p := principalByLogin(snap, "alice@contoso.com"); p == nil || p.MFA != findings.MFAEnforced {
		t.Fatalf("application_default scan did not read the users: %+v", p)
	}
	if _, tok := h.fake.Requests(); tok != 1 {
		t.Errorf("token requests = %d, want 1", tok)
	}
}

// TestSilentAPIIsUnreachableNotThrottled: an Admin SDK endpoint that takes
// the connection and never answers is asked twice and reported as
// unreachable, not as throttling (the retry budget ran out on no answer).
func TestSilentAPIIsUnreachableNotThrottled(t *testing.T) {
	h := newHarness(t, contoso(t))
	silent := silenttest.HTTP(t)
	var logs bytes.Buffer
	s := h.scanner(scannertest.Env(&logs), "    endpoint: "+silent.URL+"\n    auth: {method: service_account, key_file: "+h.key+", subject: "+subject+"}\n    timeout: 200ms\n")
	_, err := s.Scan(context.Background())
	silent.WantGaveUp(t, err)
}
