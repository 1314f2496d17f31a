package github

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options tune a Fake. Zero values take the defaults noted.
type Options struct {
	// Now is the fake's clock (rate-limit windows, token expiry, JWT
	// checks). Default time.Now.
	Now func() time.Time
	// RateLimit is the primary quota per token and window. Default 5000.
	RateLimit int
	// RateWindow is the quota window. Default one hour.
	RateWindow time.Duration
	// RateLimitStatus is the status of an exhausted quota: 403 (default)
	// or 429; GitHub uses both.
	RateLimitStatus int
	// SecondaryLimitEvery makes every Nth authenticated request answer a
	// secondary rate limit. 0 disables it.
	SecondaryLimitEvery int
	// SecondaryRetryAfter is the Retry-After of a secondary limit.
	// Default 1s.
	SecondaryRetryAfter time.Duration
	// SecondaryStatus is 403 (default) or 429.
	SecondaryStatus int
	// LoopPaths are request paths (without /api/v3, e.g.
	// "/orgs/contoso/teams") whose Link rel="next" always points to page
	// 2: a paging loop.
	LoopPaths []string
	// TokenTTL is the lifetime of installation tokens. Default one hour.
	TokenTTL time.Duration
	// Latency delays every answer (real time), to measure a scan as it
	// would run over a network. Default none.
	Latency time.Duration
	// NoVerifiedEmailsField makes GraphQL reject
	// User.organizationVerifiedDomainEmails, as schemas without it do.
	NoVerifiedEmailsField bool
	// MissingGraphQLFields are GraphQL field names the schema lacks, as
	// on an older GitHub Enterprise Server: a query naming one is
	// rejected with an undefinedField error (no data).
	MissingGraphQLFields []string
	// HiddenTeams are team slugs the caller cannot see (a secret team it
	// is not in): neither REST nor GraphQL lists them, but GitHub still
	// lists their members among the parent team's (REST, inherited) and
	// counts them among its CHILD_TEAM members (GraphQL).
	HiddenTeams []string
	// OmitInheritedFlag leaves "role" and "inherited" out of team member
	// entries, as GitHub Enterprise Server before those fields did.
	OmitInheritedFlag bool
	// FieldErrors maps logins to a GraphQL error type: in the
	// MemberProfiles and EnterpriseOwners answers the name of that user
	// comes back null with a field error of that type beside the data, as
	// GitHub answers when one field fails to resolve.
	FieldErrors map[string]string
}

// FailureHook inspects a request before the fake handles it. Returning true
// means the hook wrote the response and the fake does nothing more.
type FailureHook func(w http.ResponseWriter, r *http.Request) bool

// Fake is a simulated GitHub API. It is safe for concurrent use.
type Fake struct {
	sc *Scenario
	o  Options

	users     map[string]*User // by lower-case login
	usersByID []*User          // sorted by id
	teams     map[string]*Team // by slug
	repos     map[string]*Repo // by lower-case name
	children  map[string][]string
	apps      map[int64]*appKey // by app id

	mu       sync.Mutex
	hook     FailureHook
	requests int
	counts   map[string]int
	log      []string
	quotas   map[string]*quota
	issued   map[string]issuedToken
	nToken   int
	nAuthed  int
	limited  int
	points   int
}

type quota struct {
	used  int
	reset time.Time
}

type issuedToken struct {
	installation int64
	owner        bool
	expires      time.Time
}

// New returns a Fake serving sc. The scenario must not be changed while
// the fake serves it.
func New(sc *Scenario, o Options) *Fake {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RateLimit == 0 {
		o.RateLimit = 5000
	}
	if o.RateWindow == 0 {
		o.RateWindow = time.Hour
	}
	if o.RateLimitStatus == 0 {
		o.RateLimitStatus = http.StatusForbidden
	}
	if o.SecondaryRetryAfter == 0 {
		o.SecondaryRetryAfter = time.Second
	}
	if o.SecondaryStatus == 0 {
		o.SecondaryStatus = http.StatusForbidden
	}
	if o.TokenTTL == 0 {
		o.TokenTTL = time.Hour
	}
	f := &Fake{
		sc:       sc,
		o:        o,
		users:    map[string]*User{},
		teams:    map[string]*Team{},
		repos:    map[string]*Repo{},
		children: map[string][]string{},
		apps:     map[int64]*appKey{},
		counts:   map[string]int{},
		quotas:   map[string]*quota{},
		issued:   map[string]issuedToken{},
	}
	for i := range sc.Users {
		u := &sc.Users[i]
		f.users[strings.ToLower(u.Login)] = u
		f.usersByID = append(f.usersByID, u)
	}
	sort.Slice(f.usersByID, func(i, j int) bool { return f.usersByID[i].ID < f.usersByID[j].ID })
	for i := range sc.Teams {
		t := &sc.Teams[i]
		f.teams[t.Slug] = t
		if t.Parent != "" {
			f.children[t.Parent] = append(f.children[t.Parent], t.Slug)
		}
	}
	for i := range sc.Repos {
		r := &sc.Repos[i]
		f.repos[strings.ToLower(r.Name)] = r
	}
	for i := range sc.Apps {
		a := &sc.Apps[i]
		k, err := parsePublicKey(a.PublicKeyPEM)
		f.apps[a.AppID] = &appKey{app: a, key: k, err: err}
	}
	return f
}

// SetHook installs a failure hook (nil removes it).
func (f *Fake) SetHook(h FailureHook) {
	f.mu.Lock()
	f.hook = h
	f.mu.Unlock()
}

// Requests returns the number of requests served.
func (f *Fake) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// Count returns the number of requests to a route, named like
// "GET /orgs/{org}/members" or "POST /graphql".
func (f *Fake) Count(route string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[route]
}

// Counts returns a copy of the per-route request counts.
func (f *Fake) Counts() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.counts))
	for k, v := range f.counts {
		out[k] = v
	}
	return out
}

// Points returns the GraphQL rate-limit points spent (each query's
// score, computed as GitHub documents it).
func (f *Fake) Points() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.points
}

// Limited returns the number of requests answered with a rate limit.
func (f *Fake) Limited() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.limited
}

// Log returns every request served as "METHOD /path?query", in order.
func (f *Fake) Log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

// ResetCounters clears the request counters and log.
func (f *Fake) ResetCounters() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = 0
	f.points = 0
	f.counts = map[string]int{}
	f.log = nil
}

// ServeHTTP serves one API request.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	f.log = append(f.log, r.Method+" "+r.URL.RequestURI())
	hook := f.hook
	f.mu.Unlock()

	if f.o.Latency > 0 {
		select {
		case <-time.After(f.o.Latency):
		case <-r.Context().Done():
			return
		}
	}
	rq := newRequest(r)
	f.count(rq)
	if hook != nil && hook(w, r) {
		return
	}
	if rq.graphql {
		f.serveGraphQL(w, rq)
		return
	}
	if _, ok := rq.params("/app/installations/{installation_id}/access_tokens"); ok && r.Method == http.MethodPost {
		f.serveAccessToken(w, rq)
		return
	}
	if r.Method != http.MethodGet {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
		return
	}
	who, ok := f.authenticate(w, rq)
	if !ok {
		return
	}
	if !f.limit(w, rq, who, "core") {
		return
	}
	f.route(w, rq, who)
}

func (f *Fake) count(rq *request) {
	f.mu.Lock()
	f.counts[rq.r.Method+" "+rq.route()]++
	f.mu.Unlock()
}

// caller is an authenticated caller.
type caller struct {
	key   string // the token (quota key)
	login string
	owner bool
	// app is true for GitHub App installation tokens (the only callers
	// GitHub lets list fine-grained personal access tokens).
	app bool
}

func (f *Fake) authenticate(w http.ResponseWriter, rq *request) (caller, bool) {
	tok := bearer(rq.r)
	if tok == "" {
		writeError(w, http.StatusUnauthorized, "Requires authentication", "https://docs.github.com/rest")
		return caller{}, false
	}
	for _, t := range f.sc.Tokens {
		if t.Value == tok {
			if t.Scopes != "" {
				w.Header().Set("X-OAuth-Scopes", t.Scopes)
			}
			return caller{key: tok, login: t.Login, owner: t.Owner}, true
		}
	}
	f.mu.Lock()
	it, ok := f.issued[tok]
	f.mu.Unlock()
	if ok {
		if !f.o.Now().Before(it.expires) {
			writeError(w, http.StatusUnauthorized, "Bad credentials", "https://docs.github.com/rest")
			return caller{}, false
		}
		return caller{key: tok, login: "installation-" + strconv.FormatInt(it.installation, 10) + "[bot]", owner: it.owner, app: true}, true
	}
	writeError(w, http.StatusUnauthorized, "Bad credentials", "https://docs.github.com/rest")
	return caller{}, false
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	for _, p := range []string{"Bearer ", "bearer ", "token "} {
		if strings.HasPrefix(h, p) {
			return strings.TrimSpace(h[len(p):])
		}
	}
	return ""
}

// limit applies the secondary and primary rate limits and sets the
// X-RateLimit headers. It returns false when it answered the request.
func (f *Fake) limit(w http.ResponseWriter, rq *request, who caller, resource string) bool {
	return f.limitCost(w, rq, who, resource, 1)
}

// limitCost is limit for a request that spends cost points of the quota
// (a GraphQL query's score; 1 for REST).
func (f *Fake) limitCost(w http.ResponseWriter, rq *request, who caller, resource string, cost int) bool {
	now := f.o.Now()
	f.mu.Lock()
	f.nAuthed++
	secondary := f.o.SecondaryLimitEvery > 0 && f.nAuthed%f.o.SecondaryLimitEvery == 0
	key := who.key + "\x00" + resource
	q := f.quotas[key]
	if q == nil || !now.Before(q.reset) {
		q = &quota{reset: now.Add(f.o.RateWindow)}
		f.quotas[key] = q
	}
	exhausted := q.used+cost > f.o.RateLimit
	if !exhausted && !secondary {
		q.used += cost
		if resource == "graphql" {
			f.points += cost
		}
	}
	if exhausted || secondary {
		f.limited++
	}
	used, reset := q.used, q.reset
	f.mu.Unlock()

	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(f.o.RateLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(f.o.RateLimit-used))
	h.Set("X-RateLimit-Used", strconv.Itoa(used))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", resource)
	switch {
	case exhausted:
		writeError(w, f.o.RateLimitStatus, "API rate limit exceeded for user "+who.login+".",
			"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits")
		return false
	case secondary:
		h.Set("Retry-After", strconv.Itoa(int(f.o.SecondaryRetryAfter/time.Second)))
		writeError(w, f.o.SecondaryStatus, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
			"https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
		return false
	}
	return true
}

// request is a parsed request: path segments without the /api/v3 prefix.
type request struct {
	r       *http.Request
	prefix  string // "" or "/api/v3"
	segs    []string
	graphql bool
}

func newRequest(r *http.Request) *request {
	p := r.URL.Path
	rq := &request{r: r}
	if strings.HasPrefix(p, "/api/v3/") || p == "/api/v3" {
		rq.prefix = "/api/v3"
		p = strings.TrimPrefix(p, "/api/v3")
	}
	if r.Method == http.MethodPost && (p == "/graphql" || r.URL.Path == "/api/graphql") {
		rq.graphql = true
	}
	for _, s := range strings.Split(strings.Trim(p, "/"), "/") {
		if s != "" {
			rq.segs = append(rq.segs, s)
		}
	}
	return rq
}

// path is the request path without the /api/v3 prefix.
func (rq *request) path() string { return "/" + strings.Join(rq.segs, "/") }

// route names the request for counters, with parameters templated
// ("/orgs/{org}/members"); unknown paths are returned as they are.
func (rq *request) route() string {
	if rq.graphql {
		return "/graphql"
	}
	for _, rt := range routes {
		if _, ok := rq.params(rt.pattern); ok {
			return rt.pattern
		}
	}
	return rq.path()
}

// params matches the path against a pattern such as
// "/orgs/{org}/teams/{team_slug}/members" and returns the parameters.
func (rq *request) params(pattern string) (map[string]string, bool) {
	ps := strings.Split(strings.Trim(pattern, "/"), "/")
	if len(ps) != len(rq.segs) {
		return nil, false
	}
	out := map[string]string{}
	for i, p := range ps {
		if strings.HasPrefix(p, "{") {
			out[p[1:len(p)-1]] = rq.segs[i]
			continue
		}
		if p != rq.segs[i] {
			return nil, false
		}
	}
	return out, true
}

// apiRoot is the URL prefix of API links in responses.
func (rq *request) apiRoot() string {
	scheme := "http"
	if rq.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + rq.r.Host + rq.prefix
}

type errorBody struct {
	Message          string `json:"message"`
	DocumentationURL string `json:"documentation_url"`
	Status           string `json:"status,omitempty"`
}

func writeError(w http.ResponseWriter, status int, msg, doc string) {
	writeJSON(w, status, errorBody{Message: msg, DocumentationURL: doc, Status: strconv.Itoa(status)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-GitHub-Media-Type", "github.v3; format=json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}
