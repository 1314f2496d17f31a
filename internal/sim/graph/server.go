package graph

import (
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configures a Server.
type Options struct {
	// TLS serves HTTPS with a self-signed certificate (see CAFile); the
	// token endpoint is only served over TLS, as MSAL requires.
	TLS bool
	// ClientID and ClientSecret are the client credentials the fake
	// authority accepts.
	ClientID     string
	ClientSecret string
	// ClientCertificate, if set, lets the client authenticate with a
	// certificate: a client_assertion JWT signed (PS256 or RS256) by its
	// key.
	ClientCertificate *x509.Certificate
	// StaticTokens are bearer tokens Graph accepts without the authority
	// (for a client's pre-issued token method).
	StaticTokens []string
	// RequireAuth makes Graph answer 401 unless a request carries a token
	// the authority issued or a StaticToken.
	RequireAuth bool
	// SignInActivityMaxTop is the largest $top GET /users accepts when
	// signInActivity is selected; a larger one is a 400. Default 500:
	// "When signInActivity is selected or filtered on, the maximum page
	// size is 500" (Microsoft's v1.0 List users documentation since 2025,
	// https://learn.microsoft.com/en-us/graph/api/user-list; the limit was
	// 120 before, with larger $top values silently capped).
	SignInActivityMaxTop int
	// RequireRoleAssignmentFilter makes a list of role assignments without
	// $filter a 400, as Graph answered for years ("$filter is a required
	// operator for the LIST operation"); clients must cope with both.
	RequireRoleAssignmentFilter bool
	// Latency is added to every HTTP request to Graph, to make a
	// benchmark's round trips count as they do on a network.
	Latency time.Duration
}

// Server is a running fake Graph service.
type Server struct {
	// URL is the base URL (scheme://127.0.0.1:port); Graph is served under
	// URL+"/v1.0", the authority under URL+"/{tenant}".
	URL string

	opts   Options
	store  *store
	routes []*route
	hs     *httptest.Server

	mu     sync.Mutex
	faults []*faultState
	stats  Stats
	log    []string
	tokens map[string]bool
}

// Stats counts what a client asked for.
type Stats struct {
	// HTTPRequests counts HTTP requests to Graph; a $batch counts once.
	HTTPRequests int
	// Operations counts Graph operations: every GET, each one inside a
	// $batch included.
	Operations int
	Batches    int
	// TokenRequests counts token endpoint calls.
	TokenRequests int
	// Writes counts requests that were not reads (must stay 0 for an
	// audit tool).
	Writes int
	// ByRoute counts operations per route pattern.
	ByRoute map[string]int
}

// Fault is an injected failure. Faults are matched in the order added.
type Fault struct {
	// Path is a route pattern ("/groups/{id}/transitiveMembers") or a
	// request path ("/users"), without /v1.0 and query; "/$batch" matches
	// batch envelopes.
	Path string
	// Page limits the fault to the n-th page (1-based); 0 means any.
	Page int
	// Times limits how often the fault fires; 0 means always.
	Times int
	// Status and Code make the answer an OData error (429 with
	// RetryAfter for throttling, 503, 500, 403...).
	Status     int
	Code       string
	Message    string
	RetryAfter string
	// Malformed answers 200 with a truncated JSON body.
	Malformed bool
	// LoopNextLink answers the page normally but with an @odata.nextLink
	// pointing at the same page, forever.
	LoopNextLink bool
}

type faultState struct {
	Fault
	hits int
}

// New builds a server for sc; call Start to listen.
func New(sc *Scenario, opts Options) (*Server, error) {
	st, err := newStore(sc)
	if err != nil {
		return nil, err
	}
	if opts.SignInActivityMaxTop == 0 {
		opts.SignInActivityMaxTop = 500
	}
	srv := &Server{opts: opts, store: st, tokens: map[string]bool{}, stats: Stats{ByRoute: map[string]int{}}}
	srv.routes = srv.buildRoutes()
	for _, t := range opts.StaticTokens {
		srv.tokens[t] = true
	}
	return srv, nil
}

// Start listens on 127.0.0.1 (TLS if Options.TLS).
func (srv *Server) Start() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("graph: listen: %w", err)
	}
	hs := httptest.NewUnstartedServer(srv)
	hs.Listener.Close()
	hs.Listener = l
	if srv.opts.TLS {
		hs.StartTLS()
	} else {
		hs.Start()
	}
	srv.hs = hs
	srv.URL = hs.URL
	return nil
}

// Close stops the server.
func (srv *Server) Close() {
	if srv.hs != nil {
		srv.hs.Close()
	}
}

// TB is the part of testing.TB NewTest uses.
type TB interface {
	Helper()
	Fatal(args ...any)
	Cleanup(func())
}

// NewTest starts a server for sc and stops it when the test ends.
func NewTest(t TB, sc *Scenario, opts Options) *Server {
	t.Helper()
	srv, err := New(sc, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// GraphURL is the Graph base URL with its version, as a client's base URL.
func (srv *Server) GraphURL() string { return srv.URL + "/v1.0" }

// TenantID is the tenant the server serves.
func (srv *Server) TenantID() string { return srv.store.tenantID }

// CAFile writes the server's TLS certificate as PEM into dir and returns
// the file's path (for a client's CA file option).
func (srv *Server) CAFile(dir string) (string, error) {
	if srv.hs == nil || srv.hs.TLS == nil {
		return "", fmt.Errorf("graph: server is not serving TLS")
	}
	p := filepath.Join(dir, "graph-ca.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.hs.Certificate().Raw})
	if err := os.WriteFile(p, b, 0o600); err != nil {
		return "", err
	}
	return p, nil
}

// AddFault injects a failure.
func (srv *Server) AddFault(f Fault) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	srv.faults = append(srv.faults, &faultState{Fault: f})
}

// ClearFaults removes every injected failure.
func (srv *Server) ClearFaults() {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	srv.faults = nil
}

// Stats returns a copy of the counters.
func (srv *Server) Stats() Stats {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	s := srv.stats
	s.ByRoute = map[string]int{}
	for k, v := range srv.stats.ByRoute {
		s.ByRoute[k] = v
	}
	return s
}

// ResetStats zeroes the counters and the request log.
func (srv *Server) ResetStats() {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	srv.stats = Stats{ByRoute: map[string]int{}}
	srv.log = nil
}

// Requests returns every Graph operation served, as "path?query" with the
// query decoded, in arrival order.
func (srv *Server) Requests() []string {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return slices.Clone(srv.log)
}

// ServeHTTP serves Graph under /v1.0 and the authority elsewhere.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/v1.0/") {
		srv.serveGraph(w, r)
		return
	}
	srv.serveAuthority(w, r)
}

func (srv *Server) serveGraph(w http.ResponseWriter, r *http.Request) {
	srv.mu.Lock()
	srv.stats.HTTPRequests++
	srv.mu.Unlock()
	if srv.opts.Latency > 0 {
		time.Sleep(srv.opts.Latency)
	}
	if srv.opts.RequireAuth && !srv.authorized(r) {
		writeResponse(w, errorResponse(&odataError{Status: 401, Code: "InvalidAuthenticationToken", Message: "Access token is empty or invalid."}))
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/v1.0")
	if path == "/$batch" {
		if r.Method != http.MethodPost {
			writeResponse(w, errorResponse(&odataError{Status: 405, Code: "Request_BadRequest", Message: "$batch needs POST."}))
			return
		}
		srv.serveBatch(w, r)
		return
	}
	if r.Method != http.MethodGet {
		srv.mu.Lock()
		srv.stats.Writes++
		srv.mu.Unlock()
		writeResponse(w, errorResponse(&odataError{Status: 405, Code: "Request_BadRequest", Message: "The fake serves reads only."}))
		return
	}
	writeResponse(w, srv.get(path, r.URL.RawQuery))
}

func (srv *Server) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return false
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return srv.tokens[tok]
}

// response is one answer, of a plain request or of a batch item.
type response struct {
	status int
	header http.Header
	body   []byte
}

func writeResponse(w http.ResponseWriter, resp response) {
	for k, vs := range resp.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(resp.status)
	w.Write(resp.body)
}

func errorResponse(e *odataError) response {
	body, _ := json.Marshal(obj{"error": obj{
		"code": e.Code, "message": e.Message,
		"innerError": obj{"date": "2026-11-01T12:00:00", "request-id": "00000000-0000-0000-0000-000000000000",
			"client-request-id": "00000000-0000-0000-0000-000000000000"},
	}})
	h := http.Header{"Content-Type": {"application/json"}}
	if e.RetryAfter != "" {
		h.Set("Retry-After", e.RetryAfter)
	}
	return response{status: e.Status, header: h, body: body}
}

// get serves one GET operation: path without /v1.0, raw query.
func (srv *Server) get(path, rawQuery string) response {
	values, err := url.ParseQuery(rawQuery)
	dec := path
	if q, e := url.QueryUnescape(rawQuery); e == nil && q != "" {
		dec += "?" + q
	}
	srv.mu.Lock()
	srv.stats.Operations++
	srv.log = append(srv.log, dec)
	srv.mu.Unlock()
	if err != nil {
		return errorResponse(badRequest("BadRequest", "Invalid query string."))
	}
	var rt *route
	var params map[string]string
	for _, r := range srv.routes {
		if p, ok := r.match(path); ok {
			rt, params = r, p
			break
		}
	}
	if rt == nil {
		return errorResponse(badRequest("BadRequest", "Resource not found for the segment '%s'.", strings.TrimPrefix(path, "/")))
	}
	srv.mu.Lock()
	srv.stats.ByRoute[rt.pattern]++
	srv.mu.Unlock()

	q, qerr := parseQuery(values)
	if qerr != nil {
		return errorResponse(qerr)
	}
	size := q.top
	if size == 0 {
		size = 100
	}
	fault := srv.takeFault(rt.pattern, path, q.skip/max(size, 1)+1)
	if fault != nil && fault.Status != 0 {
		return errorResponse(&odataError{Status: fault.Status, Code: or(fault.Code, http.StatusText(fault.Status)),
			Message: or(fault.Message, "Injected failure."), RetryAfter: fault.RetryAfter})
	}
	if e := srv.authorize(rt); e != nil {
		return errorResponse(e)
	}
	if e := validate(rt, q); e != nil {
		return errorResponse(e)
	}
	if rt.check != nil {
		pageCap, e := rt.check(q)
		if e != nil {
			return errorResponse(e)
		}
		if pageCap > 0 && size > pageCap {
			size = pageCap
		}
	}
	if rt.pageMax > 0 && size > rt.pageMax {
		size = rt.pageMax
	}
	items, lerr := rt.list(srv.store, params)
	if lerr != nil {
		return errorResponse(lerr)
	}
	if len(q.filter) > 0 {
		var kept []obj
		for _, o := range items {
			ok := true
			for _, t := range q.filter {
				ok = ok && t.match(o)
			}
			if ok {
				kept = append(kept, o)
			}
		}
		items = kept
	}
	if rt.single {
		body, _ := json.Marshal(srv.render(rt, q, items[0], true))
		return response{status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: body}
	}
	start := min(q.skip, len(items))
	end := min(start+size, len(items))
	page := make([]obj, 0, end-start)
	for _, o := range items[start:end] {
		page = append(page, srv.render(rt, q, o, rt.typed))
	}
	out := obj{"@odata.context": srv.URL + "/v1.0/$metadata#" + strings.TrimPrefix(path, "/"), "value": page}
	next := ""
	if end < len(items) {
		v := cloneValues(q.raw)
		v.Set("$skiptoken", skipToken(end))
		next = srv.URL + "/v1.0" + path + "?" + v.Encode()
	}
	if fault != nil && fault.LoopNextLink {
		next = srv.URL + "/v1.0" + path
		if rawQuery != "" {
			next += "?" + rawQuery
		}
	}
	if next != "" {
		out["@odata.nextLink"] = next
	}
	body, _ := json.Marshal(out)
	if fault != nil && fault.Malformed {
		body = body[:len(body)/2]
	}
	return response{status: 200, header: http.Header{"Content-Type": {"application/json;odata.metadata=minimal"}}, body: body}
}

func (srv *Server) render(rt *route, q *query, o obj, withType bool) obj {
	out := project(o, q.selected, rt.defaults, withType)
	for _, e := range q.expand {
		out[e.name] = rt.expands[e.name](srv.store, o, e.selest)
	}
	return out
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

func (srv *Server) takeFault(pattern, path string, page int) *Fault {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	for _, f := range srv.faults {
		if f.Path != pattern && f.Path != path {
			continue
		}
		if f.Page != 0 && f.Page != page {
			continue
		}
		if f.Times != 0 && f.hits >= f.Times {
			continue
		}
		f.hits++
		c := f.Fault
		return &c
	}
	return nil
}

// authorize checks the caller's permissions and the tenant's licence.
func (srv *Server) authorize(rt *route) *odataError {
	held := false
	for _, p := range rt.perms {
		held = held || srv.store.perms[p]
	}
	if len(rt.perms) > 0 && !held {
		return &odataError{Status: 403, Code: "Authorization_RequestDenied", Message: "Insufficient privileges to complete the operation."}
	}
	switch {
	case rt.licence == "p2" && srv.store.licence != "p2":
		return &odataError{Status: 400, Code: "AadPremiumLicenseRequired", Message: "The tenant needs an AAD Premium 2 license."}
	case rt.licence == "p1" && srv.store.licence == "free":
		return &odataError{Status: 403, Code: "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
			Message: "Neither tenant is B2C or tenant doesn't have premium license"}
	}
	return nil
}

// validate rejects query options the resource does not support, as Graph
// does, so that a client with a typo in $select fails here too.
func validate(rt *route, q *query) *odataError {
	if rt.props != nil {
		for _, p := range q.selected {
			if !slices.Contains(rt.props, p) {
				return badRequest("BadRequest", "Parsing OData Select and Expand failed: Could not find a property named '%s' on type 'microsoft.graph.%s'.", p, rt.typeName)
			}
		}
	}
	for _, e := range q.expand {
		if rt.expands[e.name] == nil {
			return badRequest("BadRequest", "Parsing OData Select and Expand failed: Could not find a property named '%s' on type 'microsoft.graph.%s'.", e.name, rt.typeName)
		}
		for _, p := range e.selest {
			if !slices.Contains(dirObjectProps, p) {
				return badRequest("BadRequest", "Parsing OData Select and Expand failed: Could not find a property named '%s' on type 'microsoft.graph.directoryObject'.", p)
			}
		}
	}
	for _, t := range q.filter {
		if !slices.Contains(rt.filters, t.prop) {
			return badRequest("Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property '%s' of resource '%s'.", t.prop, rt.typeName)
		}
	}
	if q.top > rt.maxTop {
		return badRequest("Request_UnsupportedQuery", "Invalid page size specified: '%d'. Must be between 1 and %d inclusive.", q.top, rt.maxTop)
	}
	if rt.single && (q.top > 0 || len(q.filter) > 0) {
		return badRequest("BadRequest", "Query options $top and $filter are not allowed on a single %s.", rt.typeName)
	}
	return nil
}

// batchRequest is the JSON $batch envelope.
type batchRequest struct {
	Requests []struct {
		ID      string            `json:"id"`
		Method  string            `json:"method"`
		URL     string            `json:"url"`
		Headers map[string]string `json:"headers"`
	} `json:"requests"`
}

// MaxBatch is the most requests one $batch may carry.
const MaxBatch = 20

func (srv *Server) serveBatch(w http.ResponseWriter, r *http.Request) {
	srv.mu.Lock()
	srv.stats.Batches++
	srv.mu.Unlock()
	if f := srv.takeFault("/$batch", "/$batch", 0); f != nil && f.Status != 0 {
		writeResponse(w, errorResponse(&odataError{Status: f.Status, Code: or(f.Code, http.StatusText(f.Status)),
			Message: or(f.Message, "Injected failure."), RetryAfter: f.RetryAfter}))
		return
	}
	var body io.Reader = r.Body
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			writeResponse(w, errorResponse(badRequest("BadRequest", "Invalid gzip body.")))
			return
		}
		body = zr
	}
	var br batchRequest
	if err := json.NewDecoder(body).Decode(&br); err != nil {
		writeResponse(w, errorResponse(badRequest("BadRequest", "Invalid batch payload format.")))
		return
	}
	if len(br.Requests) == 0 || len(br.Requests) > MaxBatch {
		writeResponse(w, errorResponse(badRequest("BadRequest", "The batch must hold 1 to %d requests, got %d.", MaxBatch, len(br.Requests))))
		return
	}
	seen := map[string]bool{}
	var out bytes.Buffer
	out.WriteString(`{"responses":[`)
	// Graph answers batch items in any order; answer in reverse so a
	// client that assumes request order fails here.
	for i := len(br.Requests) - 1; i >= 0; i-- {
		it := br.Requests[i]
		var resp response
		switch {
		case it.ID == "" || seen[it.ID]:
			resp = errorResponse(badRequest("BadRequest", "Batch request ids must be present and unique."))
		case !strings.EqualFold(it.Method, http.MethodGet):
			srv.mu.Lock()
			srv.stats.Writes++
			srv.mu.Unlock()
			resp = errorResponse(&odataError{Status: 405, Code: "Request_BadRequest", Message: "The fake serves reads only."})
		case strings.Contains(it.URL, "://"):
			resp = errorResponse(badRequest("BadRequest", "Batch request URLs must be relative."))
		default:
			u := "/" + strings.TrimPrefix(strings.TrimPrefix(it.URL, "/"), "v1.0/")
			p, rq, _ := strings.Cut(u, "?")
			if up, err := url.PathUnescape(p); err == nil {
				p = up
			}
			resp = srv.get(p, rq)
		}
		seen[it.ID] = true
		if i != len(br.Requests)-1 {
			out.WriteByte(',')
		}
		hdr := map[string]string{}
		for k := range resp.header {
			hdr[k] = resp.header.Get(k)
		}
		hb, _ := json.Marshal(hdr)
		idb, _ := json.Marshal(it.ID)
		fmt.Fprintf(&out, `{"id":%s,"status":%d,"headers":%s,"body":`, idb, resp.status, hb)
		out.Write(resp.body)
		out.WriteByte('}')
	}
	out.WriteString(`]}`)
	writeResponse(w, response{status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: out.Bytes()})
}

// serveAuthority serves the OpenID configuration and the token endpoint
// of the fake Microsoft identity platform: /{tenant}/v2.0/.well-known/
// openid-configuration and /{tenant}/oauth2/v2.0/token.
func (srv *Server) serveAuthority(w http.ResponseWriter, r *http.Request) {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	tenant := segs[0]
	rest := strings.Join(segs[1:], "/")
	writeJSON := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}
	if tenant != srv.store.tenantID {
		writeJSON(400, obj{"error": "invalid_tenant", "error_description": "AADSTS90002: Tenant '" + tenant + "' not found.", "error_codes": []int{90002}})
		return
	}
	switch {
	case rest == "v2.0/.well-known/openid-configuration" && r.Method == http.MethodGet:
		base := srv.URL + "/" + tenant
		writeJSON(200, obj{
			"token_endpoint":                        base + "/oauth2/v2.0/token",
			"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
			"issuer":                                base + "/v2.0",
			"jwks_uri":                              base + "/discovery/v2.0/keys",
			"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
			"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
			"tenant_region_scope":                   "EU",
		})
	case rest == "oauth2/v2.0/token" && r.Method == http.MethodPost:
		srv.mu.Lock()
		srv.stats.TokenRequests++
		srv.mu.Unlock()
		if err := r.ParseForm(); err != nil {
			writeJSON(400, obj{"error": "invalid_request", "error_description": "AADSTS900144: malformed body."})
			return
		}
		f := r.PostForm
		switch {
		case f.Get("grant_type") != "client_credentials":
			writeJSON(400, obj{"error": "unsupported_grant_type", "error_description": "AADSTS70003: grant type not supported by the fake."})
		case f.Get("client_id") != srv.opts.ClientID || !srv.clientAuthenticated(f):
			writeJSON(401, obj{"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided.", "error_codes": []int{7000215}})
		case !slices.ContainsFunc(strings.Fields(f.Get("scope")), func(s string) bool { return strings.HasSuffix(s, "/.default") }):
			writeJSON(400, obj{"error": "invalid_scope", "error_description": "AADSTS1002012: The provided value for scope is not valid."})
		default:
			b := make([]byte, 24)
			rand.Read(b)
			tok := "fake." + hex.EncodeToString(b)
			srv.mu.Lock()
			srv.tokens[tok] = true
			srv.mu.Unlock()
			writeJSON(200, obj{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": tok})
		}
	default:
		http.NotFound(w, r)
	}
}

// clientAuthenticated checks a client secret or a certificate assertion.
func (srv *Server) clientAuthenticated(f url.Values) bool {
	if a := f.Get("client_assertion"); a != "" {
		return srv.opts.ClientCertificate != nil &&
			f.Get("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" &&
			verifyAssertion(a, srv.opts.ClientCertificate, srv.opts.ClientID) == nil
	}
	return srv.opts.ClientSecret != "" && f.Get("client_secret") == srv.opts.ClientSecret
}

// verifyAssertion checks a client assertion's signature against cert and
// that it names the client as issuer and subject.
func verifyAssertion(jwt string, cert *x509.Certificate, clientID string) error {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return fmt.Errorf("not a JWT")
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	var claims struct {
		Iss string `json:"iss"`
		Sub string `json:"sub"`
	}
	for i, v := range []any{&hdr, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, v); err != nil {
			return err
		}
	}
	if claims.Iss != clientID || claims.Sub != clientID {
		return fmt.Errorf("assertion is for %q", claims.Sub)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return err
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("only RSA certificates are supported")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	switch hdr.Alg {
	case "PS256":
		return rsa.VerifyPSS(pub, crypto.SHA256, sum[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
	case "RS256":
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
	}
	return fmt.Errorf("unsupported alg %q", hdr.Alg)
}

// Summary returns the stats as sorted "route count" lines, for logs.
func (s Stats) Summary() string {
	keys := make([]string, 0, len(s.ByRoute))
	for k := range s.ByRoute {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "http=%d operations=%d batches=%d tokens=%d writes=%d\n", s.HTTPRequests, s.Operations, s.Batches, s.TokenRequests, s.Writes)
	for _, k := range keys {
		b.WriteString("  " + k + " " + strconv.Itoa(s.ByRoute[k]) + "\n")
	}
	return b.String()
}
