package entra

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/internal/sim/graph"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

// benchTenant is the tenant of the README's figures.
var benchTenant = graph.GenerateParams{Users: 20000, Guests: 2000, ServicePrincipals: 1500, RoleAssignments: 300}

// TestRequestBudget scans a generated tenant and checks the request count
// against what the API needs: pages of 500 users (Graph's documented cap
// with signInActivity; 120 until 2025), pages of 999 for the rest, 100 for
// role assignments and PIM schedules (no documented $top), $batch for
// follow-ups, and no per-user or per-app call. Issue 21 pins the total.
func TestRequestBudget(t *testing.T) {
	p := graph.GenerateParams{Users: 3000, Guests: 600, ServicePrincipals: 400, RoleAssignments: 90}
	srv := graph.NewTest(t, graph.Generate(p), graph.Options{StaticTokens: []string{testToken}, RequireAuth: true})
	t.Setenv("KH_TEST_GRAPH_TOKEN", testToken)
	f := newFixtureEnv(t, srv, scannertest.Env(&bytes.Buffer{}), &bytes.Buffer{}, "")
	snap := f.scan(t)
	st := srv.Stats()
	if len(snap.Gaps) != 1 { // GDAP only
		t.Fatalf("gaps: %+v", snap.Gaps)
	}
	users := p.Users + p.Guests
	if got := len(snap.Principals); got < users+p.ServicePrincipals {
		t.Errorf("principals = %d, want at least %d", got, users+p.ServicePrincipals)
	}
	wantUsers := (users + 499) / 500
	if got := st.ByRoute["/users"]; got != wantUsers {
		t.Errorf("/users pages = %d, want %d", got, wantUsers)
	}
	for route := range st.ByRoute {
		if strings.HasPrefix(route, "/users/") || route == "/servicePrincipals/{id}" || route == "/servicePrincipals/{id}/appRoleAssignments" {
			t.Errorf("per-object calls: %s %d", route, st.ByRoute[route])
		}
	}
	// Everything but users fits in a handful of requests.
	if other := st.HTTPRequests - st.ByRoute["/users"]; other > 30 {
		t.Errorf("%d requests besides users:\n%s", other, st.Summary())
	}
	if st.Batches == 0 || st.ByRoute["/groups/{id}/transitiveMembers"] == 0 {
		t.Errorf("group expansion did not use $batch:\n%s", st.Summary())
	}
	// Issue 13: PIM for Groups (2 lists per group holding a role) and the
	// names of foreign tenants (one per tenant) ride in $batch calls: 5
	// in all (members, resource apps, appRoleAssignedTo, PIM for Groups,
	// tenant names), whatever the number of groups and tenants below 20.
	groups := st.ByRoute["/groups/{id}/transitiveMembers"]
	if st.ByRoute["/identityGovernance/privilegedAccess/group/eligibilitySchedules"] != groups ||
		st.ByRoute["/identityGovernance/privilegedAccess/group/assignmentSchedules"] != groups ||
		st.ByRoute["/tenantRelationships/findTenantInformationByTenantId(tenantId='{tenantId}')"] == 0 || st.Batches != 5 {
		t.Errorf("PIM for Groups or tenant names not read once per object in $batch:\n%s", st.Summary())
	}
	// Issue 21: the total, pinned, and its distance from the minimum. The
	// minimum reads every collection once in pages of the documented
	// maximum and needs two rounds of $batch (the resource apps, then
	// their appRoleAssignedTo); everything else here is one page.
	batched := map[string]bool{
		"/groups/{id}/transitiveMembers":                                              true,
		"/identityGovernance/privilegedAccess/group/eligibilitySchedules":             true,
		"/identityGovernance/privilegedAccess/group/assignmentSchedules":              true,
		"/servicePrincipals(appId='{appId}')":                                         true,
		"/servicePrincipals/{id}/appRoleAssignedTo":                                   true,
		"/tenantRelationships/findTenantInformationByTenantId(tenantId='{tenantId}')": true,
	}
	minimum := 2
	for route, n := range st.ByRoute {
		if batched[route] {
			continue
		}
		want := 1
		switch route {
		case "/users":
			want = wantUsers
		case "/reports/authenticationMethods/userRegistrationDetails":
			want = (users + 998) / 999
		}
		if n > want {
			t.Errorf("%s: %d pages, want at most %d", route, n, want)
		}
		minimum += want
	}
	const wantTotal = 35 // 57 with pages of 120 users (before issue 21)
	if st.HTTPRequests != wantTotal || float64(st.HTTPRequests) > 1.1*float64(minimum) {
		t.Errorf("%d HTTP requests, want %d (minimum %d, at most 1.1x):\n%s", st.HTTPRequests, wantTotal, minimum, st.Summary())
	}
	t.Logf("%d principals, %d grants, %d requests (minimum %d)\n%s", len(snap.Principals), len(snap.Grants), st.HTTPRequests, minimum, st.Summary())
}

// BenchmarkScan scans the README's tenant: 20 000 users, 2 000 guests,
// 1 500 service principals, 300 role assignments. It reports HTTP
// requests and Graph operations per scan. With latency, each request to
// the fake takes that long, as a network round trip would; licence=free
// is a tenant without Entra ID P1/P2 (no sign-in activity, MFA report or
// PIM).
//
//	go test ./scanners/entra -run '^$' -bench Scan -benchtime 3x
func BenchmarkScan(b *testing.B) {
	for _, tc := range []struct {
		lat     time.Duration
		licence string
	}{{0, "p2"}, {30 * time.Millisecond, "p2"}, {0, "free"}} {
		b.Run(fmt.Sprintf("latency=%v/licence=%s", tc.lat, tc.licence), func(b *testing.B) {
			sc := graph.Generate(benchTenant)
			sc.Licence = tc.licence
			srv := graph.NewTest(b, sc, graph.Options{StaticTokens: []string{testToken}, RequireAuth: true, Latency: tc.lat})
			b.Setenv("KH_TEST_GRAPH_TOKEN", testToken)
			f := newFixtureEnv(b, srv, scannertest.Env(&bytes.Buffer{}), &bytes.Buffer{}, "")
			b.ResetTimer()
			var principals, grants int
			for i := 0; i < b.N; i++ {
				srv.ResetStats()
				snap, err := f.sc.Scan(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				principals, grants = len(snap.Principals), len(snap.Grants)
			}
			st := srv.Stats()
			b.ReportMetric(float64(st.HTTPRequests), "requests/op") // what bench/run reads
			b.ReportMetric(float64(st.HTTPRequests), "http-requests/scan")
			b.ReportMetric(float64(st.Operations), "graph-operations/scan")
			b.ReportMetric(float64(principals), "principals")
			b.ReportMetric(float64(grants), "grants")
			b.Logf("%s", st.Summary())
		})
	}
}
