package github

import (
	"bytes"
	"context"
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
	var requests, principals, grants, trusts, memberships int
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
		requests = h.fake.Requests()
		principals, grants, trusts, memberships = len(snap.Principals), len(snap.Grants), len(snap.Trusts), len(snap.Memberships)
	}
	b.ReportMetric(float64(requests), "requests/op")
	b.ReportMetric(float64(principals), "principals")
	b.ReportMetric(float64(grants), "grants")
	b.ReportMetric(float64(trusts), "trusts")
	b.ReportMetric(float64(memberships), "memberships")
}

// TestRequestBudget pins the number of requests a scan makes: one listing
// per collection at 100 a page, two per team, one per repository for
// collaborators, one per app; no per-member calls.
func TestRequestBudget(t *testing.T) {
	p := ghsim.Params{Org: "contoso", Members: 450, Owners: 3, OutsideCollaborators: 20, Teams: 40, Repos: 250, Installations: 3, Token: ownerToken, Seed: 7}
	sc := ghsim.Generate(p)
	h := newHarness(t, sc, ghsim.Options{})
	snap, _ := h.scan(h.target(ownerToken))
	pages := func(n int) int { return max(1, (n+99)/100) }
	want := map[string]int{
		"GET /orgs/{org}":                           1,
		"GET /orgs/{org}/members":                   pages(p.Owners) + pages(p.Members-p.Owners) + 1, // owners, members, 2fa_disabled
		"GET /orgs/{org}/outside_collaborators":     2,                                               // list, 2fa_disabled
		"POST /graphql":                             pages(p.Members) + 1,                            // profiles, enterprise owners
		"GET /orgs/{org}/invitations":               1,
		"GET /orgs/{org}/repos":                     pages(p.Repos),
		"GET /orgs/{org}/teams":                     1,
		"GET /orgs/{org}/teams/{team_slug}/members": teamMemberPages(sc),
		"GET /orgs/{org}/teams/{team_slug}/repos":   p.Teams,
		"GET /repos/{owner}/{repo}/collaborators":   p.Repos,
		"GET /orgs/{org}/installations":             1,
		"GET /apps/{app_slug}":                      p.Installations,
		"GET /orgs/{org}/hooks":                     1,
		"GET /orgs/{org}/audit-log":                 1, // 404 outside Enterprise Cloud: one call
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
}

// teamMemberPages counts the pages of team member listings: GitHub lists a
// team's members with those of its child teams.
func teamMemberPages(sc *ghsim.Scenario) int {
	children := map[string][]string{}
	direct := map[string][]string{}
	for _, t := range sc.Teams {
		children[t.Parent] = append(children[t.Parent], t.Slug)
		for _, m := range t.Members {
			direct[t.Slug] = append(direct[t.Slug], m.Login)
		}
	}
	total := 0
	for _, t := range sc.Teams {
		seen := map[string]bool{}
		var walk func(s string)
		walk = func(s string) {
			for _, l := range direct[s] {
				seen[l] = true
			}
			for _, c := range children[s] {
				walk(c)
			}
		}
		walk(t.Slug)
		total += max(1, (len(seen)+99)/100)
	}
	return total
}
