package github

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v60/github"
)

const owner = "ghp_owner"

func small() *Scenario {
	sc := Generate(Params{Org: "acme", Members: 250, Owners: 2, Teams: 6, Repos: 12, Token: owner, Seed: 3})
	sc.Tokens = append(sc.Tokens, Token{Value: "ghp_member", Login: "user00010", Owner: false})
	return sc
}

func serve(t *testing.T, sc *Scenario, o Options) (*Fake, *httptest.Server) {
	t.Helper()
	f := New(sc, o)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func get(t *testing.T, url, tok string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp, []byte(b.String())
}

// TestPagingWithGoGithub: go-github follows the fake's Link headers to
// every member, at 100 a page.
func TestPagingWithGoGithub(t *testing.T) {
	f, srv := serve(t, small(), Options{})
	c := gh.NewClient(nil).WithAuthToken(owner)
	c, _ = c.WithEnterpriseURLs(srv.URL, srv.URL) // served under /api/v3 too
	var all []*gh.User
	opts := &gh.ListMembersOptions{ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		users, resp, err := c.Organizations.ListMembers(context.Background(), "acme", opts)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, users...)
		if resp.NextPage == 0 {
			if resp.Rate.Limit != 5000 || resp.Rate.Remaining != 5000-f.Requests() {
				t.Errorf("rate = %+v after %d requests", resp.Rate, f.Requests())
			}
			break
		}
		opts.Page = resp.NextPage
	}
	if len(all) != 250 || f.Count("GET /orgs/{org}/members") != 3 {
		t.Errorf("%d members in %d requests", len(all), f.Count("GET /orgs/{org}/members"))
	}
	if all[0].GetLogin() != "user00000" || all[249].GetLogin() != "user00249" {
		t.Errorf("order: %s … %s", all[0].GetLogin(), all[249].GetLogin())
	}
}

func TestLinkHeader(t *testing.T) {
	_, srv := serve(t, small(), Options{LoopPaths: []string{"/orgs/acme/teams"}})
	resp, _ := get(t, srv.URL+"/orgs/acme/members?per_page=100&page=2", owner)
	link := resp.Header.Get("Link")
	for _, want := range []string{`page=3&per_page=100>; rel="next"`, `page=3&per_page=100>; rel="last"`, `page=1&per_page=100>; rel="first"`, `page=1&per_page=100>; rel="prev"`, srv.URL + "/orgs/acme/members?"} {
		if !strings.Contains(link, want) {
			t.Errorf("Link %q lacks %q", link, want)
		}
	}
	resp, _ = get(t, srv.URL+"/orgs/acme/teams?per_page=100&page=2", owner)
	if l := resp.Header.Get("Link"); !strings.Contains(l, `page=2&per_page=100>; rel="next"`) {
		t.Errorf("loop path Link = %q", l)
	}
}

func TestPrimaryRateLimit(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	for _, status := range []int{http.StatusForbidden, http.StatusTooManyRequests} {
		f, srv := serve(t, small(), Options{Now: clock, RateLimit: 2, RateWindow: time.Minute, RateLimitStatus: status})
		for i := 0; i < 2; i++ {
			if resp, _ := get(t, srv.URL+"/orgs/acme", owner); resp.StatusCode != 200 {
				t.Fatalf("request %d: %d", i, resp.StatusCode)
			}
		}
		resp, body := get(t, srv.URL+"/orgs/acme", owner)
		if resp.StatusCode != status || resp.Header.Get("X-RateLimit-Remaining") != "0" ||
			resp.Header.Get("X-RateLimit-Reset") != strconv.FormatInt(now.Add(time.Minute).Unix(), 10) || !strings.Contains(string(body), "rate limit") {
			t.Errorf("exhausted: %d %v %s", resp.StatusCode, resp.Header, body)
		}
		if f.Limited() != 1 {
			t.Errorf("limited = %d", f.Limited())
		}
	}
}

func TestSecondaryRateLimit(t *testing.T) {
	_, srv := serve(t, small(), Options{SecondaryLimitEvery: 2, SecondaryRetryAfter: 7 * time.Second})
	get(t, srv.URL+"/orgs/acme", owner)
	resp, body := get(t, srv.URL+"/orgs/acme", owner)
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Retry-After") != "7" || !strings.Contains(string(body), "secondary-rate-limits") {
		t.Errorf("secondary: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	// go-github recognises it.
	if err := gh.CheckResponse(&http.Response{StatusCode: 403, Header: resp.Header, Body: nopBody(body)}); err == nil {
		t.Error("no error")
	} else if _, ok := err.(*gh.AbuseRateLimitError); !ok {
		t.Errorf("go-github sees %T", err)
	}
}

// TestNonOwner: owner-only data is hidden or refused.
func TestNonOwner(t *testing.T) {
	_, srv := serve(t, small(), Options{})
	_, body := get(t, srv.URL+"/orgs/acme", "ghp_member")
	var org map[string]any
	json.Unmarshal(body, &org)
	for _, k := range []string{"billing_email", "plan", "two_factor_requirement_enabled", "default_repository_permission"} {
		if _, ok := org[k]; ok {
			t.Errorf("non-owner sees %s", k)
		}
	}
	_, body = get(t, srv.URL+"/orgs/acme", owner)
	org = nil
	json.Unmarshal(body, &org)
	if org["billing_email"] != "billing@acme.example" || org["plan"] == nil {
		t.Errorf("owner view: %v", org)
	}
	for path, want := range map[string]int{
		"/orgs/acme/members?filter=2fa_disabled":                  422,
		"/orgs/acme/invitations":                                  403,
		"/orgs/acme/installations":                                403,
		"/orgs/acme/hooks":                                        404,
		"/repos/acme/repo-00001/collaborators?affiliation=direct": 403,
		"/repos/acme/repo-00001/keys":                             404,
		"/orgs/acme/audit-log":                                    404, // not Enterprise Cloud
		"/orgs/acme/members":                                      200,
		"/orgs/acme/teams":                                        200,
		"/orgs/other/members":                                     404,
	} {
		if resp, _ := get(t, srv.URL+path, "ghp_member"); resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	if resp, _ := get(t, srv.URL+"/orgs/acme", ""); resp.StatusCode != 401 {
		t.Errorf("anonymous: %d", resp.StatusCode)
	}
	if resp, _ := get(t, srv.URL+"/orgs/acme", "ghp_nope"); resp.StatusCode != 401 {
		t.Errorf("bad token: %d", resp.StatusCode)
	}
}

func TestAuditLogCursor(t *testing.T) {
	sc := small()
	sc.Org.Enterprise = "acme-ent"
	base := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 150; i++ {
		sc.AuditLog = append(sc.AuditLog, AuditEvent{Action: "org.add_member", Actor: "user00000", User: "user" + strconv.Itoa(i), CreatedAt: base.Add(time.Duration(i) * time.Minute)})
	}
	sc.AuditLog = append(sc.AuditLog, AuditEvent{Action: "repo.create", Actor: "x", CreatedAt: base})
	_, srv := serve(t, sc, Options{})
	c := gh.NewClient(nil).WithAuthToken(owner)
	c, _ = c.WithEnterpriseURLs(srv.URL, srv.URL)
	opts := &gh.GetAuditLogOptions{Phrase: gh.String("action:org.add_member created:>=2026-09-01"), ListCursorOptions: gh.ListCursorOptions{PerPage: 100}}
	n, pages := 0, 0
	for {
		es, resp, err := c.Organizations.GetAuditLog(context.Background(), "acme", opts)
		if err != nil {
			t.Fatal(err)
		}
		n += len(es)
		pages++
		if pages == 1 && !es[0].CreatedAt.Time.Equal(base.Add(149*time.Minute)) {
			t.Errorf("newest first: %v", es[0].CreatedAt)
		}
		if resp.After == "" {
			break
		}
		opts.After = resp.After
	}
	if n != 150 || pages != 2 {
		t.Errorf("%d entries in %d pages", n, pages)
	}
}

func TestGraphQL(t *testing.T) {
	sc := small()
	sc.Users[0].VerifiedDomainEmails = []string{"u0@acme.example"}
	_, srv := serve(t, sc, Options{})
	post := func(tok, q string, vars map[string]any) map[string]any {
		b, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(string(b)))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return out
	}
	q := "query M($org: String!, $after: String) { organization(login: $org) { membersWithRole(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { role node { login databaseId organizationVerifiedDomainEmails(login: $org) } } } } }"
	out := post(owner, q, map[string]any{"org": "acme"})
	m := out["data"].(map[string]any)["organization"].(map[string]any)["membersWithRole"].(map[string]any)
	edges := m["edges"].([]any)
	if len(edges) != 100 || m["pageInfo"].(map[string]any)["hasNextPage"] != true {
		t.Fatalf("page: %d edges %v", len(edges), m["pageInfo"])
	}
	first := edges[0].(map[string]any)
	if first["role"] != "ADMIN" || !reflect.DeepEqual(first["node"].(map[string]any)["organizationVerifiedDomainEmails"], []any{"u0@acme.example"}) {
		t.Errorf("first edge = %v", first)
	}
	out = post("ghp_member", q, map[string]any{"org": "acme"})
	if errs, ok := out["errors"].([]any); !ok || errs[0].(map[string]any)["type"] != "FORBIDDEN" {
		t.Errorf("non-owner: %v", out["errors"])
	}
	out = post(owner, "mutation { deleteEverything }", nil)
	if out["errors"] == nil {
		t.Error("a mutation was not refused")
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	a := Generate(Params{Members: 300, Seed: 9})
	b := Generate(Params{Members: 300, Seed: 9})
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed, different scenarios")
	}
	if len(a.Users) != 315 || len(a.Teams) != 30 || len(a.Repos) != 150 {
		t.Errorf("sizes: %d users, %d teams, %d repos", len(a.Users), len(a.Teams), len(a.Repos))
	}
}

func TestScenarioYAML(t *testing.T) {
	sc, err := ParseScenario([]byte(`
org: {login: tiny, id: 1, plan: {name: free}}
users: [{login: a, id: 2, role: admin, two_factor: true}]
repos: [{id: 3, name: r, collaborators: [{login: a, permission: admin}]}]
tokens: [{value: t0k3n, login: a, owner: true}]
`))
	if err != nil {
		t.Fatal(err)
	}
	_, srv := serve(t, sc, Options{})
	resp, body := get(t, srv.URL+"/repos/tiny/r/collaborators", "t0k3n")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"role_name":"admin"`) {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
	if _, err := ParseScenario([]byte("org: {login: x}\nuserz: []\n")); err == nil {
		t.Error("unknown key accepted")
	}
}

func TestFailureHookAndCounters(t *testing.T) {
	f, srv := serve(t, small(), Options{})
	f.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/hooks") {
			w.WriteHeader(http.StatusBadGateway)
			return true
		}
		return false
	})
	if resp, _ := get(t, srv.URL+"/orgs/acme/hooks", owner); resp.StatusCode != 502 {
		t.Errorf("hook: %d", resp.StatusCode)
	}
	get(t, srv.URL+"/api/v3/orgs/acme/teams/team-0001/members", owner)
	if f.Count("GET /orgs/{org}/teams/{team_slug}/members") != 1 || f.Requests() != 2 {
		t.Errorf("counts %v", f.Counts())
	}
	if l := f.Log(); len(l) != 2 || l[1] != "GET /api/v3/orgs/acme/teams/team-0001/members" {
		t.Errorf("log %v", l)
	}
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/orgs/acme/members/user00001", nil)
	req.Header.Set("Authorization", "Bearer "+owner)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("DELETE answered %d", resp.StatusCode)
	}
}

type body struct{ *strings.Reader }

func (body) Close() error { return nil }

func nopBody(b []byte) body { return body{strings.NewReader(string(b))} }

// TestGraphQLCost: the score is GitHub's documented one — the requests
// needed to fill every connection at its first/last, parents assumed
// full, summed, divided by 100, rounded, at least 1 — and page sizes
// outside 1..100 are refused before the query runs.
func TestGraphQLCost(t *testing.T) {
	for _, c := range []struct {
		name string
		q    string
		vars map[string]any
		want int
	}{
		// GitHub's worked example: 1 + 100 + 100×50 = 5 101 requests → 51.
		{"documented example", `query { viewer { login repositories(first: 100) { edges { node { id issues(first: 50) { edges { node { id labels(first: 60) { edges { node { id name } } } } } } } } } } }`, nil, 51},
		{"one connection", `query { viewer { repositories(first: 100) { nodes { name } } } rateLimit { cost } }`, nil, 1},
		{"variables and aliases", `query T($org: String!, $n: Int) { organization(login: $org) { teams(first: $n) { nodes { members(first: 100, membership: IMMEDIATE) { totalCount } kids: members(first: 1) { totalCount } repositories(first: 100) { totalCount } } } } }`, map[string]any{"n": float64(100)}, 3},
		{"fragments", `query { organization(login: "a") { repositories(first: 100) { nodes { collaborators(first: 100) { edges { permissionSources { source { __typename ... on Repository { nameWithOwner } } } } } } } } }`, nil, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := gqlCost(c.q, c.vars)
			if err != nil || got != c.want {
				t.Errorf("cost = %d, %v; want %d", got, err, c.want)
			}
		})
	}
	if _, err := gqlCost(`query { viewer { repositories(first: 101) { nodes { name } } } }`, nil); err == nil || !strings.Contains(err.Error(), "exceeds the `first` limit of 100") {
		t.Errorf("first: 101 accepted: %v", err)
	}

	f, srv := serve(t, small(), Options{})
	post := func(q string) map[string]any {
		b, _ := json.Marshal(map[string]any{"query": q, "variables": map[string]any{"org": "acme"}})
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(string(b)))
		req.Header.Set("Authorization", "Bearer "+owner)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return out
	}
	out := post(`query R($org: String!) { organization(login: $org) { repositories(first: 500) { nodes { name } } } }`)
	if errs, ok := out["errors"].([]any); !ok || errs[0].(map[string]any)["type"] != "EXCESSIVE_PAGINATION" || out["data"] != nil {
		t.Errorf("first: 500 = %v", out)
	}
	if f.Points() != 0 {
		t.Errorf("a refused query was charged %d points", f.Points())
	}
	out = post(`query T($org: String!) { organization(login: $org) { teams(first: 100) { nodes { slug members(first: 100, membership: IMMEDIATE) { edges { role node { login } } } repositories(first: 100) { edges { permission } } } } } rateLimit { cost remaining resetAt } }`)
	rl, _ := out["data"].(map[string]any)["rateLimit"].(map[string]any)
	if rl["cost"] != float64(2) || rl["remaining"] != float64(4998) || f.Points() != 2 {
		t.Errorf("rateLimit = %v, points %d", rl, f.Points())
	}
}
