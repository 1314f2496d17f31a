package github

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	ghsim "github.com/keyholder/keyholder/internal/sim/github"
)

// BenchmarkScanLargeOrg scans the README's reference organisation: 3 000
// members, 300 teams, 2 000 repositories (go test ./scanners/github
// -run '^$' -bench ScanLargeOrg -benchtime 3x).
//
// The "50ms" variant delays every answer by 50 ms, as a network would.
func BenchmarkScanLargeOrg(b *testing.B) {
	for _, c := range []struct {
		name    string
		latency time.Duration
	}{{"local", 0}, {"50ms", 50 * time.Millisecond}} {
		b.Run(c.name, func(b *testing.B) { benchLargeOrg(b, c.latency) })
	}
}

func benchLargeOrg(b *testing.B, latency time.Duration) {
	sc := ghsim.Generate(ghsim.Params{Org: "contoso", Members: 3000, Teams: 300, Repos: 2000, Token: ownerToken, Seed: 1})
	h := newHarness(b, sc, ghsim.Options{Latency: latency})
	target := h.target(ownerToken)
	var requests, points, principals, grants, trusts, memberships, size int
	var wall time.Duration
	for b.Loop() {
		// A new quota window for each run: one run uses about half of
		// GitHub's 5 000 requests an hour.
		h.clock.Advance(time.Hour)
		h.fake.ResetCounters()
		var logs bytes.Buffer
		s := h.scanner(h.env(&logs), target)
		start := time.Now()
		snap, err := s.Scan(context.Background())
		wall += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		requests, points = h.fake.Requests(), h.fake.Points()
		principals, grants, trusts, memberships = len(snap.Principals), len(snap.Grants), len(snap.Trusts), len(snap.Memberships)
		var enc bytes.Buffer
		if err := snap.Encode(&enc); err != nil {
			b.Fatal(err)
		}
		size = enc.Len()
	}
	b.ReportMetric(float64(requests), "requests/op")
	b.ReportMetric(float64(points), "points/op")
	b.ReportMetric(float64(principals), "principals")
	b.ReportMetric(float64(grants), "grants")
	b.ReportMetric(float64(trusts), "trusts")
	b.ReportMetric(float64(memberships), "memberships")
	b.ReportMetric(float64(size), "snapshot_bytes")
}

// TestRequestBudget pins the number of requests a scan makes: one listing
// per collection at 100 a page; members (with profiles), teams (with
// their members and repositories) and repositories (with their direct
// collaborators) by GraphQL, 100 a page, with no per-team, per-repository
// or per-member calls; one per app. It pins the GraphQL points too, as
// GitHub scores them (the simulator computes the documented score).
func TestRequestBudget(t *testing.T) {
	p := ghsim.Params{Org: "contoso", Members: 450, Owners: 3, OutsideCollaborators: 20, Teams: 40, Repos: 250, Installations: 3, Token: ownerToken, Seed: 7}
	sc := ghsim.Generate(p)
	h := newHarness(t, sc, ghsim.Options{})
	snap, _ := h.scan(h.target(ownerToken))
	pages := func(n int) int { return max(1, (n+99)/100) }
	want := map[string]int{
		"GET /orgs/{org}":                       1,
		"GET /orgs/{org}/members":               1, // 2fa_disabled only: members are listed by GraphQL
		"GET /orgs/{org}/outside_collaborators": 2, // list, 2fa_disabled
		// Members with profiles, teams with members and repositories,
		// repositories with collaborators, enterprise owners (issue 21).
		"POST /graphql":                 pages(p.Members) + pages(p.Teams) + pages(p.Repos) + 1,
		"GET /orgs/{org}/invitations":   1,
		"GET /orgs/{org}/installations": 1,
		"GET /apps/{app_slug}":          p.Installations,
		"GET /orgs/{org}/hooks":         1,
		"GET /orgs/{org}/audit-log":     1, // 404 outside Enterprise Cloud: one call
		// Issue 13: the role lists (users and teams per organisation
		// role; the generated organisation has none); fine-grained tokens
		// are not asked for with a token (GitHub lists them to apps only).
		"GET /orgs/{org}/organization-roles":      1,
		"GET /orgs/{org}/custom-repository-roles": 1,
		// Classic tokens authorised for SAML SSO: one call; GitHub
		// answers 404 to an organisation without SAML SSO, and the plan
		// (not enterprise) settles it without asking GraphQL.
		"GET /orgs/{org}/credential-authorizations": 1,
	}
	got := h.fake.Counts()
	total := 0
	for route, n := range want {
		total += n
		if got[route] != n {
			t.Errorf("%s: %d requests, want %d", route, got[route], n)
		}
	}
	if h.fake.Requests() != total {
		t.Errorf("%d requests in all, want %d: %v", h.fake.Requests(), total, got)
	}
	if g, ok := gapOf(snap, "trusts/deploy_keys"); !ok || g.Reason != "skipped" {
		t.Errorf("deploy keys of 250 repositories should be skipped by default: %+v", g)
	}
	// Points: a members page costs 1 (100 nodes), a teams page 3 (1 +
	// 100 teams × 3 nested connections = 301 requests), a repositories
	// page 1 (1 + 100 collaborator connections), enterprise owners 1.
	wantPoints := pages(p.Members)*1 + pages(p.Teams)*3 + pages(p.Repos)*1 + 1
	if got := h.fake.Points(); got != wantPoints {
		t.Errorf("%d GraphQL points, want %d", got, wantPoints)
	}
}

// TestIssue21ReferenceOrgBudget: the README's reference organisation
// (3 000 members, 300 teams, 2 000 repositories) is scanned in at most
// 100 HTTP requests and 100 GraphQL points (2 723 requests before issue
// 21), members are listed once (GraphQL, not REST too), and the
// snapshot holds team grants on the teams, not one per member, team and
// repository.
func TestIssue21ReferenceOrgBudget(t *testing.T) {
	sc := ghsim.Generate(ghsim.Params{Org: "contoso", Members: 3000, Teams: 300, Repos: 2000, Token: ownerToken, Seed: 1})
	h := newHarness(t, sc, ghsim.Options{})
	snap, logs := h.scan(h.target(ownerToken))
	// Each query's cost is logged at debug level (rateLimit { cost }).
	if n, want := strings.Count(logs, "github graphql cost"), h.fake.Count("POST /graphql"); n != want {
		t.Errorf("%d cost logs for %d GraphQL queries", n, want)
	}
	if !strings.Contains(logs, "query=OrgTeams cost=3") || !strings.Contains(logs, "query=OrgRepositories cost=1") {
		t.Errorf("no cost logged for the teams and repositories queries")
	}
	if n := h.fake.Requests(); n != 74 {
		t.Errorf("%d requests, want 74: %v", n, h.fake.Counts())
	}
	if n := h.fake.Points(); n != 60 {
		t.Errorf("%d GraphQL points, want 60", n)
	}
	if h.fake.Requests() > 100 || h.fake.Points() > 100 {
		t.Errorf("over the issue 21 budget of 100 requests and 100 points")
	}
	for _, l := range h.fake.Log() {
		if strings.Contains(l, "/members?") && !strings.Contains(l, "filter=2fa_disabled") {
			t.Errorf("members listed by REST as well as GraphQL: %s", l)
		}
	}
	if n := len(snap.Grants); n != 8460 {
		t.Errorf("%d grants, want 8460 (89 282 before issue 21)", n)
	}
}
