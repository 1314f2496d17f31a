package entra

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	khttp "github.com/microsoft/kiota-http-go"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/httpx"
	"github.com/keyholder/keyholder/internal/sim/graph"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

// TestUnlicensed: a tenant without P1/P2 answers sign-in activity, the
// registration report and PIM with licence errors; each becomes an
// unlicensed gap and everything else is still collected.
func TestUnlicensed(t *testing.T) {
	sc := loadScenario(t)
	sc.Licence = "free"
	f := newFixture(t, sc, "")
	snap := f.scan(t)
	for _, c := range []string{"activity", "mfa", "grants/pim_eligibility", "grants/pim_assignment_schedules"} {
		g := gap(snap, c)
		if g == nil || g.Reason != findings.GapUnlicensed || g.Remedy == "" {
			t.Errorf("gap %s = %+v", c, g)
		}
	}
	if g := gap(snap, "activity"); g != nil && !strings.Contains(g.Error, "Authentication_RequestFromNonPremiumTenantOrB2CTenant") {
		t.Errorf("activity gap does not say what Graph answered: %q", g.Error)
	}
	// Users are still read (without sign-in activity), and grants too.
	alice := principal(snap, idAlice)
	if alice == nil || alice.LastActivityKnown || alice.LastActivity != nil || alice.MFA != findings.MFAUnknown {
		t.Fatalf("alice = %+v", alice)
	}
	// Without PIM schedules an active GA is "active", not "permanent".
	if g := findGrant(snap, idAlice, "Global Administrator", findings.AssignmentActive); g == nil || g.Level != findings.LevelSuperAdmin {
		t.Errorf("alice's GA = %+v", grantsOf(snap, idAlice))
	}
	if findGrant(snap, idCarol, "Global Administrator", findings.AssignmentEligible) != nil {
		t.Error("eligible grant without PIM")
	}
	if len(snap.Licences) != 3 || len(snap.Backups) != 2 || len(snap.Trusts) < 3 {
		t.Errorf("other collections missing: %d licences, %d backups, %d trusts", len(snap.Licences), len(snap.Backups), len(snap.Trusts))
	}
	// Users were listed twice at most: once with signInActivity (refused),
	// once without.
	if n := f.srv.Stats().ByRoute["/users"]; n != 2 {
		t.Errorf("/users requests = %d, want 2", n)
	}
}

// TestDenied: missing permissions become denied gaps naming the
// permission; the other collections are read.
func TestDenied(t *testing.T) {
	sc := loadScenario(t)
	sc.Permissions = []string{"User.Read.All", "GroupMember.Read.All", "Application.Read.All", "Organization.Read.All"}
	f := newFixture(t, sc, "")
	snap := f.scan(t)
	for c, perm := range map[string]string{
		"grants": "RoleManagement.Read.Directory", "activity": "AuditLog.Read.All", "mfa": "AuditLog.Read.All",
		"trusts/cross_tenant": "Policy.Read.All", "backups": "BackupRestore-Configuration.Read.All",
		"grants/delegated_permissions": "Directory.Read.All",
	} {
		g := gap(snap, c)
		if g == nil || g.Reason != findings.GapDenied || !strings.Contains(g.Remedy, perm) {
			t.Errorf("gap %s = %+v, want denied naming %s", c, g, perm)
		}
	}
	if len(snap.Principals) < 9 || len(snap.Licences) != 3 {
		t.Errorf("readable collections missing: %d principals, %d licences", len(snap.Principals), len(snap.Licences))
	}
	if g := findGrant(snap, idRMM, "RoleManagement.ReadWrite.Directory", findings.AssignmentActive); g == nil {
		t.Error("application permissions should still be read with Application.Read.All")
	}
}

// TestOrganizationDenied: without Organization.Read.All the system keeps
// the configured tenant id and the contacts (from the organization) and
// licences are gaps.
func TestOrganizationDenied(t *testing.T) {
	sc := loadScenario(t)
	sc.Permissions = []string{"User.Read.All", "RoleManagement.Read.Directory"}
	f := newFixture(t, sc, "")
	snap := f.scan(t)
	for _, c := range []string{"contacts", "licences", "principals/service_principals"} {
		if g := gap(snap, c); g == nil || g.Reason != findings.GapDenied {
			t.Errorf("gap %s = %+v", c, g)
		}
	}
	if g := gap(snap, "contacts"); g == nil || !strings.Contains(g.Error, "GET /organization") {
		t.Errorf("contacts gap does not name the call: %+v", g)
	}
	if sys := snap.Systems[0]; sys.NativeID != tenantID || len(sys.Contacts) != 0 {
		t.Errorf("system = %+v", sys)
	}
	if findGrant(snap, idAlice, "Global Administrator", findings.AssignmentPermanent) == nil {
		t.Error("grants not read")
	}
}

// TestGDAPReadable: scanning a partner tenant, the relationship APIs
// answer; they become trusts and there is no GDAP gap.
func TestGDAPReadable(t *testing.T) {
	sc := loadScenario(t)
	end := date("2027-05-31T00:00:00Z")
	sc.DelegatedAdminRelationships = []graph.DelegatedAdminRelationship{{ID: "rel-1", DisplayName: "Fabrikam helpdesk",
		CustomerTenantID: "fab00000-0000-4000-8000-000000000001", CustomerName: "Fabrikam", Status: "active",
		RoleDefinitionIDs: []string{graph.RoleHelpdeskAdmin}, End: &end}}
	f := newFixture(t, sc, "")
	snap := f.scan(t)
	if g := gap(snap, "trusts/gdap"); g != nil {
		t.Fatalf("gap with a readable answer: %+v", g)
	}
	tr := trust(snap, findings.TrustEntraGDAP, "fab00000-0000-4000-8000-000000000001")
	if tr == nil || !slices.Equal(tr.Permissions, []string{"Helpdesk Administrator"}) || tr.Expires == nil || tr.Attributes["status"] != "active" {
		t.Fatalf("GDAP trust = %+v", tr)
	}
}

// TestGDAPDenied: a refused GDAP call is the same structural gap.
func TestGDAPDenied(t *testing.T) {
	sc := loadScenario(t)
	sc.Permissions = slices.DeleteFunc(graph.DefaultPermissions(), func(p string) bool { return p == "DelegatedAdminRelationship.Read.All" })
	f := newFixture(t, sc, "")
	snap := f.scan(t)
	g := gap(snap, "trusts/gdap")
	if g == nil || g.Reason != findings.GapUnsupported || !strings.Contains(g.Error, "403") {
		t.Fatalf("gap = %+v", g)
	}
}

// TestPaginationLoop: a nextLink that repeats stops the collection with a
// clear error; the scan finishes and reads the rest.
func TestPaginationLoop(t *testing.T) {
	f := newFixture(t, loadScenario(t), "page_size: 2")
	f.srv.AddFault(graph.Fault{Path: "/users", LoopNextLink: true})
	snap := f.scan(t)
	g := gap(snap, "principals/users")
	if g == nil || g.Reason != findings.GapFailed || !strings.Contains(g.Error, "pagination loop") || !strings.Contains(g.Error, "repeats @odata.nextLink") {
		t.Fatalf("users gap = %+v", g)
	}
	if n := f.srv.Stats().ByRoute["/users"]; n > 3 {
		t.Errorf("/users requested %d times; the loop was not stopped at the first repeat", n)
	}
	if findGrant(snap, idAlice, "Global Administrator", findings.AssignmentPermanent) == nil {
		t.Error("grants not collected")
	}
	// The first page (alice, bob) is kept; carol, on no page read, holds
	// an eligible role: she is a principal built from the expanded PIM
	// principal, marked partial.
	if p := principal(snap, idAlice); p == nil || p.Attributes["partial"] != "" {
		t.Errorf("alice = %+v", p)
	}
	if p := principal(snap, idCarol); p == nil || p.Attributes["partial"] != "true" || p.Login != "carol@contoso.example" {
		t.Errorf("carol = %+v", p)
	}
}

// TestMalformedPage: a page that is not JSON is a failed gap saying so.
func TestMalformedPage(t *testing.T) {
	f := newFixture(t, loadScenario(t), "page_size: 3")
	f.srv.AddFault(graph.Fault{Path: "/users", Page: 2, Malformed: true})
	snap := f.scan(t)
	g := gap(snap, "principals/users")
	if g == nil || g.Reason != findings.GapFailed || !strings.Contains(g.Error, "not valid JSON") {
		t.Fatalf("users gap = %+v", g)
	}
	if !strings.Contains(g.Error, "users") {
		t.Errorf("gap error does not name the collection: %q", g.Error)
	}
}

// TestMalformedBatch: a $batch answer that is not JSON fails the group
// expansion, not the scan.
func TestMalformedBatch(t *testing.T) {
	f := newFixture(t, loadScenario(t), "")
	f.srv.AddFault(graph.Fault{Path: "/groups/{id}/transitiveMembers", Malformed: true})
	snap := f.scan(t)
	g := gap(snap, "grants/group_members")
	if g == nil || !strings.Contains(g.Error, "malformed") {
		t.Fatalf("group members gap = %+v", g)
	}
	// The group's own grant stays; its members get none through it.
	if findGrant(snap, idTier0, "Global Administrator", findings.AssignmentPermanent) == nil {
		t.Error("group grant lost")
	}
	if findGrant(snap, idBob, "Global Administrator", findings.AssignmentPermanent) != nil {
		t.Error("member grant invented without the expansion")
	}
}

// TestThrottling: 429 with Retry-After is retried by httpx alone, waiting
// what the server asked; a collection still throttled after the attempts
// is a gap, and the number of attempts shows there is one retry layer.
func TestThrottling(t *testing.T) {
	f := newFixture(t, loadScenario(t), "")
	f.srv.AddFault(graph.Fault{Path: "/organization", Times: 2, Status: 429, Code: "TooManyRequests", RetryAfter: "7"})
	f.srv.AddFault(graph.Fault{Path: "/subscribedSkus", Status: 429, Code: "TooManyRequests", RetryAfter: "1"})
	snap := f.scan(t)
	if snap.Systems[0].Name != "Contoso Ltd" {
		t.Fatalf("organization not read after throttling: %+v", snap.Systems[0])
	}
	waits := f.sleeps.all()
	if n := count(waits, 7*time.Second); n != 2 {
		t.Errorf("waits = %v, want two of 7s (Retry-After honoured)", waits)
	}
	// maxAttempts is 3 in tests: exactly 3 requests. kiota's retry handler
	// stacked on httpx would make it 3 x 4 = 12.
	if n := f.srv.Stats().ByRoute["/subscribedSkus"]; n != 3 {
		t.Errorf("/subscribedSkus requested %d times, want 3 (one retry layer)", n)
	}
	g := gap(snap, "licences/subscribed_skus")
	if g == nil || !strings.Contains(g.Error, "throttled") {
		t.Errorf("throttled gap = %+v", g)
	}
}

func count(ds []time.Duration, d time.Duration) int {
	n := 0
	for _, x := range ds {
		if x == d {
			n++
		}
	}
	return n
}

func TestNoKiotaRetryHandler(t *testing.T) {
	for _, m := range middlewares() {
		switch m.(type) {
		case *khttp.RetryHandler, khttp.RetryHandler:
			t.Fatal("kiota's RetryHandler is in the chain: two retry layers")
		case *khttp.CompressionHandler:
			t.Fatal("compression handler in the chain")
		}
	}
}

// TestBatchItemThrottled: a throttled item inside a $batch is sent again
// after its Retry-After.
func TestBatchItemThrottled(t *testing.T) {
	f := newFixture(t, loadScenario(t), "")
	f.srv.AddFault(graph.Fault{Path: "/groups/{id}/transitiveMembers", Times: 1, Status: 429, Code: "TooManyRequests", RetryAfter: "5"})
	snap := f.scan(t)
	if gap(snap, "grants/group_members") != nil {
		t.Fatalf("gap after a retried batch item: %+v", snap.Gaps)
	}
	if findGrant(snap, idBob, "Global Administrator", findings.AssignmentPermanent) == nil {
		t.Error("member grant missing after the retry")
	}
	if !slices.Contains(f.sleeps.all(), 5*time.Second) {
		t.Errorf("waits = %v, want 5s", f.sleeps.all())
	}
	if n := f.srv.Stats().ByRoute["/groups/{id}/transitiveMembers"]; n != 2 {
		t.Errorf("transitiveMembers served %d times, want 2", n)
	}
}

// TestServerError: a 500 on one collection is a failed gap.
func TestServerError(t *testing.T) {
	f := newFixture(t, loadScenario(t), "")
	f.srv.AddFault(graph.Fault{Path: "/policies/crossTenantAccessPolicy/partners", Status: 500, Code: "InternalServerError"})
	snap := f.scan(t)
	if g := gap(snap, "trusts/cross_tenant"); g == nil || g.Reason != findings.GapFailed || !strings.Contains(g.Error, "HTTP 500") {
		t.Fatalf("gap = %+v", g)
	}
}

// TestWrongTenant: a token for another tenant fails the target.
func TestWrongTenant(t *testing.T) {
	sc := loadScenario(t)
	f := newFixture(t, sc, "")
	f.sc.cfg.TenantID = "99990000-0000-4000-8000-000000000000"
	_, err := f.sc.Scan(context.Background())
	if !errors.Is(err, errWrongTenant) {
		t.Fatalf("err = %v, want wrong tenant", err)
	}
}

// TestBadToken: a rejected token fails the target as a whole.
func TestBadToken(t *testing.T) {
	f := newFixture(t, loadScenario(t), "")
	t.Setenv("KH_TEST_GRAPH_TOKEN", "not-the-right-token")
	snap, err := f.sc.Scan(context.Background())
	if !errors.Is(err, errAuthentication) || snap == nil || len(snap.Systems) != 1 {
		t.Fatalf("err = %v, snap = %+v", err, snap)
	}
	if strings.Contains(err.Error(), "not-the-right-token") || strings.Contains(f.logs.String(), "not-the-right-token") {
		t.Error("token leaked")
	}
}

// TestNextLinkElsewhere: a nextLink to another host is refused and the
// token is never sent there.
func TestNextLinkElsewhere(t *testing.T) {
	f := newFixture(t, loadScenario(t), "")
	c, err := newClient(f.sc.cfg, f.env, f.sc.deps)
	if err != nil {
		t.Fatal(err)
	}
	err = c.checkNextLink("users", "https://evil.example/v1.0/users?$skiptoken=x", 1, map[string]bool{})
	if !errors.Is(err, scanners.ErrMalformed) {
		t.Fatalf("err = %v", err)
	}
}

func TestCancelled(t *testing.T) {
	f := newFixture(t, loadScenario(t), "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.sc.Scan(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

// TestConformance runs the foundation's suite. One fake serves every scan
// (it is read-only), so snapshots can be compared byte for byte.
func TestConformance(t *testing.T) {
	sc := loadScenario(t)
	srv := graph.NewTest(t, sc, graph.Options{StaticTokens: []string{testToken}, RequireAuth: true})
	denied := loadScenario(t)
	denied.Permissions = []string{"User.Read.All", "Application.Read.All", "Organization.Read.All"}
	deniedSrv := graph.NewTest(t, denied, graph.Options{StaticTokens: []string{testToken}, RequireAuth: true})
	t.Setenv("KH_TEST_GRAPH_TOKEN", testToken)
	scannertest.Run(t, scannertest.Suite{
		New: func(t *testing.T, env scanners.Env) scanners.Scanner {
			return newFixtureEnv(t, srv, env, &bytes.Buffer{}, "").sc
		},
		Secrets: []string{testToken},
		Denied: func(t *testing.T, env scanners.Env) scanners.Scanner {
			return newFixtureEnv(t, deniedSrv, env, &bytes.Buffer{}, "").sc
		},
		DeniedCollection: "grants",
	})
}

// TestUnreachable: an endpoint that does not answer fails the target
// (after httpx's attempts), with what was collected so far.
func TestUnreachable(t *testing.T) {
	f := newFixture(t, loadScenario(t), "")
	f.srv.Close()
	snap, err := f.sc.Scan(context.Background())
	if err == nil || isHTTPAnswer(err) {
		t.Fatalf("err = %v, want a transport failure; gaps %+v", err, snap.Gaps)
	}
	if snap == nil || len(snap.Systems) != 1 || snap.Systems[0].NativeID != tenantID {
		t.Fatalf("snapshot = %+v", snap)
	}
}

// TestRoleAssignmentsNeedFilter: when Graph refuses an unfiltered list of
// role assignments, they are read per role definition through $batch.
func TestRoleAssignmentsNeedFilter(t *testing.T) {
	srv := graph.NewTest(t, loadScenario(t), graph.Options{StaticTokens: []string{testToken}, RequireAuth: true, RequireRoleAssignmentFilter: true})
	t.Setenv("KH_TEST_GRAPH_TOKEN", testToken)
	f := newFixtureEnv(t, srv, scannertest.Env(&bytes.Buffer{}), &bytes.Buffer{}, "")
	snap := f.scan(t)
	if g := gap(snap, "grants"); g != nil {
		t.Fatalf("gap: %+v", g)
	}
	for _, c := range []struct {
		id, role string
		a        findings.Assignment
	}{
		{idAlice, "Global Administrator", findings.AssignmentPermanent},
		{idBob, "Global Administrator", findings.AssignmentPermanent},
		{idDave, "User Administrator", findings.AssignmentActive},
		{idRMM, "Application Administrator", findings.AssignmentActive},
	} {
		if findGrant(snap, c.id, c.role, c.a) == nil {
			t.Errorf("%s: no %s %s grant", c.id, c.a, c.role)
		}
	}
	st := srv.Stats()
	if st.ByRoute["/roleManagement/directory/roleAssignments"] != 1+len(graph.BuiltinRoles()) {
		t.Errorf("role assignment operations = %d, want 1 refused + one per role (%d)", st.ByRoute["/roleManagement/directory/roleAssignments"], len(graph.BuiltinRoles()))
	}
}

// TestPagingFailureNamesPage: a failure on a later page names the page,
// and what the earlier pages gave is kept.
func TestPagingFailureNamesPage(t *testing.T) {
	f := newFixture(t, loadScenario(t), "page_size: 2")
	f.srv.AddFault(graph.Fault{Path: "/users", Page: 2, Status: 500, Code: "InternalServerError"})
	snap := f.scan(t)
	g := gap(snap, "principals/users")
	if g == nil || g.Reason != findings.GapFailed || !strings.Contains(g.Error, "entra: users (GET /users): page 2: HTTP 500") {
		t.Fatalf("users gap = %+v", g)
	}
	// Page one (alice, bob) is kept in full.
	for _, id := range []string{idAlice, idBob} {
		if p := principal(snap, id); p == nil || p.Attributes["partial"] != "" {
			t.Errorf("%s = %+v", id, p)
		}
	}

	// A failure of the first page is the collection's failure: no page
	// number.
	f = newFixture(t, loadScenario(t), "page_size: 2")
	f.srv.AddFault(graph.Fault{Path: "/users", Page: 1, Status: 500, Code: "InternalServerError"})
	snap = f.scan(t)
	if g := gap(snap, "principals/users"); g == nil || !strings.Contains(g.Error, "entra: users (GET /users): HTTP 500") {
		t.Fatalf("users gap = %+v", g)
	}
}

// TestRetryBudgetClassified: httpx wraps the last transport error when its
// attempts run out without any HTTP answer (unreachable, whatever the
// transport error: refused, TLS...); an exhausted budget on HTTP answers
// (429, 503) is throttling.
func TestRetryBudgetClassified(t *testing.T) {
	f := newFixture(t, loadScenario(t), "")
	c, err := newClient(f.sc.cfg, f.env, f.sc.deps)
	if err != nil {
		t.Fatal(err)
	}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tlsErr := x509.UnknownAuthorityError{}
	for _, cause := range []error{refused, tlsErr} {
		// As httpx reports it, and as net/http wraps it on the way up.
		budget := fmt.Errorf("httpx: GET https://graph/v1.0/users: still error after 3 attempts: %w: %w", httpx.ErrRetryBudget, fmt.Errorf("httpx: GET https://graph/v1.0/users: %w", cause))
		got := c.classify(context.Background(), "users", &url.Error{Op: "Get", URL: "https://graph/v1.0/users", Err: budget})
		if errors.Is(got, scanners.ErrThrottled) || !strings.Contains(got.Error(), "entra: users (GET /users): Graph unreachable") || isHTTPAnswer(got) {
			t.Errorf("%T: %v", cause, got)
		}
	}
	for _, msg := range []string{"still 429 Too Many Requests after 3 attempts", "503 Service Unavailable asks to wait 10m0s, beyond the 2m0s budget"} {
		budget := fmt.Errorf("httpx: GET https://graph/v1.0/users: %s: %w", msg, httpx.ErrRetryBudget)
		got := c.classify(context.Background(), "users", &url.Error{Op: "Get", URL: "https://graph/v1.0/users", Err: budget})
		if !errors.Is(got, scanners.ErrThrottled) || strings.Contains(got.Error(), "unreachable") {
			t.Errorf("%s: %v", msg, got)
		}
	}
}
