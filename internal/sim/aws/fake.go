package awssim

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fake is a simulated AWS endpoint serving one Scenario. It is safe for
// concurrent use.
type Fake struct {
	mu        sync.Mutex
	sc        Scenario
	accounts  map[string]*Account
	creds     map[string]Credential
	counts    map[string]int
	throttled map[string]int // pattern -> calls answered with throttling so far
	reports   map[string]int // account -> GenerateCredentialReport calls
	requestNo int
	issued    int
}

// New returns a Fake serving sc. The scenario is copied; defaults are
// filled in (regions, ARNs, ids).
func New(sc Scenario) *Fake {
	sc = withDefaults(sc)
	f := &Fake{
		sc:        sc,
		accounts:  map[string]*Account{},
		creds:     map[string]Credential{},
		counts:    map[string]int{},
		throttled: map[string]int{},
		reports:   map[string]int{},
	}
	// The fake's own accounts: trust anchors get their generated
	// certificates here, never in the caller's scenario.
	f.sc.Accounts = slices.Clone(f.sc.Accounts)
	for i := range f.sc.Accounts {
		a := &f.sc.Accounts[i]
		a.TrustAnchors = slices.Clone(a.TrustAnchors)
		for j := range a.TrustAnchors {
			a.TrustAnchors[j].bundle()
		}
		// Signing keys get their private keys here, never in the
		// caller's scenario.
		a.Keys = slices.Clone(a.Keys)
		for j := range a.Keys {
			a.Keys[j].makeSigner()
		}
		f.accounts[a.ID] = a
	}
	for _, c := range f.sc.Credentials {
		f.creds[c.AccessKeyID] = c
	}
	return f
}

// Start serves sc on a new loopback httptest server. Close the server when
// done.
func Start(sc Scenario) (*Fake, *httptest.Server) {
	f := New(sc)
	return f, httptest.NewServer(f)
}

// Scenario returns the scenario being served, with defaults filled in.
func (f *Fake) Scenario() Scenario {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sc
}

// Counts returns how many requests each operation received
// ("iam:GetAccountAuthorizationDetails": 3), including denied, throttled
// and failed ones.
func (f *Fake) Counts() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.counts))
	for k, v := range f.counts {
		out[k] = v
	}
	return out
}

// Total returns the number of requests served.
func (f *Fake) Total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, v := range f.counts {
		n += v
	}
	return n
}

// Operations returns the sorted names of the operations served.
func (f *Fake) Operations() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, 0, len(f.counts))
	for k := range f.counts {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ResetCounts clears the request counters.
func (f *Fake) ResetCounts() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts = map[string]int{}
}

// Deny adds access-denied faults (see Faults.Deny).
func (f *Fake) Deny(patterns ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sc.Faults.Deny = append(f.sc.Faults.Deny, patterns...)
}

// Throttle answers the first n calls matching pattern with a throttling
// error.
func (f *Fake) Throttle(pattern string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sc.Faults.Throttle == nil {
		f.sc.Faults.Throttle = map[string]int{}
	}
	f.sc.Faults.Throttle[pattern] = n
}

// FailAssumeRole makes AssumeRole into the given accounts fail.
func (f *Fake) FailAssumeRole(accounts ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sc.Faults.FailAssumeRole = append(f.sc.Faults.FailAssumeRole, accounts...)
}

// Malform makes matching operations answer with a truncated body.
func (f *Fake) Malform(patterns ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sc.Faults.Malformed = append(f.sc.Faults.Malformed, patterns...)
}

// PageEndlessly makes matching operations send a new next token on every
// page (see Faults.EndlessPaging).
func (f *Fake) PageEndlessly(patterns ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sc.Faults.EndlessPaging = append(f.sc.Faults.EndlessPaging, patterns...)
}

// LoopPaging makes matching operations repeat the same page and token.
func (f *Fake) LoopPaging(patterns ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sc.Faults.PagingLoop = append(f.sc.Faults.PagingLoop, patterns...)
}

// protocol is a wire protocol family.
type protocol int

const (
	protoQuery protocol = iota
	protoJSON
	protoRESTJSON
	protoRESTXML
)

// call is one request being served.
type call struct {
	f       *Fake
	r       *http.Request
	service string // SigV4 signing name
	region  string
	proto   protocol
	op      string // "service:Operation"
	name    string // Operation
	cred    Credential
	acct    *Account // caller's account; nil when it is not in the scenario
	form    url.Values
	in      map[string]any // JSON input
	loop    bool
	endless bool
	parts   []string // REST path parts
}

// response is what a handler answers.
type response struct {
	status int
	ctype  string
	header map[string]string
	body   []byte
}

// apiError is an error answer in the protocol's error shape.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

var serviceProtocol = map[string]protocol{
	"iam":             protoQuery,
	"sts":             protoQuery,
	"organizations":   protoJSON,
	"sso":             protoJSON,
	"identitystore":   protoJSON,
	"kms":             protoJSON,
	"ssm":             protoJSON,
	"rolesanywhere":   protoRESTJSON,
	"license-manager": protoJSON,
	"backup":          protoRESTJSON,
	"account":         protoRESTJSON,
	"s3":              protoRESTXML,
}

// ServeHTTP answers one AWS API request.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	c := &call{f: f, r: r}
	key, region, service := parseAuth(r.Header.Get("Authorization"))
	c.service, c.region = service, region
	proto, ok := serviceProtocol[service]
	if !ok {
		writeResponse(w, protoRESTJSON, "", errResponse(protoRESTJSON, errorf(400, "UnknownService", "awssim: unknown service %q in the credential scope", service), "0"))
		return
	}
	c.proto = proto
	if apiErr := c.parseOp(body); apiErr != nil {
		writeResponse(w, proto, c.service, errResponse(proto, apiErr, "0"))
		return
	}
	c.op = service + ":" + c.name

	f.mu.Lock()
	f.counts[c.op]++
	f.requestNo++
	reqID := fmt.Sprintf("00000000-0000-4000-8000-%012d", f.requestNo)
	cred, known := f.creds[key]
	var resp response
	var apiErr *apiError
	if !known {
		apiErr = unknownKeyError(proto, key)
	} else {
		c.cred = cred
		c.acct = f.accounts[cred.Account]
		apiErr = f.faultLocked(c)
		if apiErr == nil {
			resp, apiErr = c.dispatch()
		}
	}
	malformed := apiErr == nil && f.matchLocked(f.sc.Faults.Malformed, c)
	f.mu.Unlock()

	if apiErr != nil {
		resp = errResponse(proto, apiErr, reqID)
	}
	if malformed && len(resp.body) > 0 {
		resp.body = resp.body[:len(resp.body)/2]
	}
	if resp.header == nil {
		resp.header = map[string]string{}
	}
	resp.header["x-amzn-RequestId"] = reqID
	resp.header["x-amz-request-id"] = reqID
	writeResponse(w, proto, c.service, resp)
}

func unknownKeyError(p protocol, key string) *apiError {
	switch p {
	case protoQuery:
		return errorf(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
	case protoRESTXML:
		return errorf(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
	}
	return errorf(400, "UnrecognizedClientException", "The security token included in the request is invalid.")
}

// faultLocked applies deny and throttle faults.
func (f *Fake) faultLocked(c *call) *apiError {
	if f.matchLocked(f.sc.Faults.Deny, c) {
		return deniedError(c)
	}
	for _, p := range sortedKeys(f.sc.Faults.Throttle) {
		n := f.sc.Faults.Throttle[p]
		if f.matchOne(p, c) && f.throttled[p] < n {
			f.throttled[p]++
			return throttleError(c.proto, c.service)
		}
	}
	c.loop = f.matchLocked(f.sc.Faults.PagingLoop, c)
	c.endless = f.matchLocked(f.sc.Faults.EndlessPaging, c)
	return nil
}

func (f *Fake) matchLocked(patterns []string, c *call) bool {
	for _, p := range patterns {
		if f.matchOne(p, c) {
			return true
		}
	}
	return false
}

func (f *Fake) matchOne(p string, c *call) bool {
	if base, params, ok := strings.Cut(p, "?"); ok {
		want, err := url.ParseQuery(params)
		if err != nil {
			return false
		}
		for k := range want {
			if c.form.Get(k) != want.Get(k) && c.r.URL.Query().Get(k) != want.Get(k) {
				return false
			}
		}
		p = base
	}
	if base, nth, ok := strings.Cut(p, "#"); ok {
		n, err := strconv.Atoi(nth)
		if err != nil || f.counts[c.op] != n {
			return false
		}
		p = base
	}
	if acct, rest, ok := strings.Cut(p, "/"); ok {
		if acct != c.cred.Account {
			return false
		}
		p = rest
	}
	ok, _ := path.Match(strings.ToLower(p), strings.ToLower(c.op))
	return ok
}

func deniedError(c *call) *apiError {
	who := c.cred.ARN
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s", who, c.op)
	switch c.proto {
	case protoQuery, protoRESTXML:
		return errorf(403, "AccessDenied", "%s", msg)
	case protoRESTJSON:
		return errorf(403, "AccessDeniedException", "%s", msg)
	}
	return errorf(400, "AccessDeniedException", "%s", msg)
}

func throttleError(p protocol, service string) *apiError {
	switch p {
	case protoQuery:
		return errorf(400, "Throttling", "Rate exceeded")
	case protoRESTXML:
		return errorf(503, "SlowDown", "Please reduce your request rate.")
	case protoRESTJSON:
		return errorf(429, "ThrottlingException", "Rate exceeded")
	}
	if service == "organizations" {
		return errorf(400, "TooManyRequestsException", "AWS Organizations can't complete your request because another request is already in progress.")
	}
	return errorf(400, "ThrottlingException", "Rate exceeded")
}

// parseAuth reads the access key id, region and service from a SigV4
// Authorization header.
func parseAuth(h string) (key, region, service string) {
	i := strings.Index(h, "Credential=")
	if i < 0 {
		return "", "", ""
	}
	scope := h[i+len("Credential="):]
	if j := strings.IndexAny(scope, ", "); j >= 0 {
		scope = scope[:j]
	}
	p := strings.Split(scope, "/")
	if len(p) < 5 {
		return "", "", ""
	}
	return p[0], p[2], p[3]
}

// parseOp finds the operation name and decodes the input.
func (c *call) parseOp(body []byte) *apiError {
	switch c.proto {
	case protoQuery:
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return errorf(400, "MalformedQueryString", "%v", err)
		}
		c.form = form
		c.name = form.Get("Action")
		if c.name == "" {
			return errorf(400, "MissingAction", "Action is required")
		}
	case protoJSON:
		t := c.r.Header.Get("X-Amz-Target")
		_, name, ok := strings.Cut(t, ".")
		if !ok {
			return errorf(400, "UnknownOperationException", "missing X-Amz-Target")
		}
		c.name = name
		c.in = map[string]any{}
		if len(bytes.TrimSpace(body)) > 0 {
			if err := json.Unmarshal(body, &c.in); err != nil {
				return errorf(400, "SerializationException", "%v", err)
			}
		}
	case protoRESTJSON:
		c.in = map[string]any{}
		if len(bytes.TrimSpace(body)) > 0 {
			if err := json.Unmarshal(body, &c.in); err != nil {
				return errorf(400, "SerializationException", "%v", err)
			}
		}
		c.parts = splitPath(c.r.URL.Path)
		c.name = restOperation(c.service, c.r.Method, c.parts)
		if c.name == "" {
			return errorf(404, "UnknownOperationException", "no operation for %s %s", c.r.Method, c.r.URL.Path)
		}
	case protoRESTXML:
		c.parts = splitPath(c.r.URL.Path)
		c.name = s3Operation(c.r.Method, c.parts, c.r.URL.Query())
		if c.name == "" {
			return errorf(400, "NotImplemented", "no operation for %s %s", c.r.Method, c.r.URL.String())
		}
	}
	return nil
}

func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s == "" {
			continue
		}
		if u, err := url.PathUnescape(s); err == nil {
			s = u
		}
		out = append(out, s)
	}
	return out
}

func restOperation(service, method string, p []string) string {
	if method != http.MethodGet && method != http.MethodPost {
		return ""
	}
	switch service {
	case "account":
		if len(p) == 1 {
			switch p[0] {
			case "getAlternateContact":
				return "GetAlternateContact"
			case "getContactInformation":
				return "GetContactInformation"
			case "getPrimaryEmail":
				return "GetPrimaryEmail"
			case "listRegions":
				return "ListRegions"
			}
		}
	case "rolesanywhere":
		if len(p) == 1 && p[0] == "trustanchors" && method == http.MethodGet {
			return "ListTrustAnchors"
		}
	case "backup":
		switch {
		case len(p) == 1 && p[0] == "backup-vaults":
			return "ListBackupVaults"
		case len(p) == 3 && p[0] == "backup-vaults" && p[2] == "access-policy":
			return "GetBackupVaultAccessPolicy"
		case len(p) == 3 && p[0] == "backup-vaults" && p[2] == "recovery-points":
			return "ListRecoveryPointsByBackupVault"
		case len(p) == 2 && p[0] == "backup" && p[1] == "plans":
			return "ListBackupPlans"
		case len(p) == 2 && p[0] == "tags":
			return "ListTags"
		case len(p) == 3 && p[0] == "backup" && p[1] == "plans":
			return "GetBackupPlan"
		}
	}
	return ""
}

// dispatch calls the handler of c's operation. f.mu is held.
func (c *call) dispatch() (response, *apiError) {
	h, ok := handlers[c.op]
	if !ok {
		return response{}, errorf(400, "InvalidAction", "awssim does not implement %s", c.op)
	}
	return h(c)
}

type handler func(c *call) (response, *apiError)

var handlers map[string]handler

func init() {
	handlers = map[string]handler{}
	for k, v := range iamHandlers {
		handlers[k] = v
	}
	for _, m := range []map[string]handler{stsHandlers, orgHandlers, accountHandlers, ssoHandlers, identityStoreHandlers, kmsHandlers, licenseHandlers, backupHandlers, s3Handlers, ssmHandlers, rolesAnywhereHandlers} {
		for k, v := range m {
			handlers[k] = v
		}
	}
}

// now is the fake's clock.
func (f *Fake) now() time.Time { return f.sc.Now }

// account returns the scenario account with id, or nil.
func (f *Fake) account(id string) *Account { return f.accounts[id] }

// region returns r or the scenario's default region.
func (f *Fake) region(r string) string {
	if r == "" {
		return f.sc.Region
	}
	return r
}

// paginate returns the window [start,end) of n items for a page of at most
// max items after token, and the next token ("" on the last page). With
// the paging-loop fault it always returns the first page and the same
// token; with the endless-paging fault the first page and a new token
// each time. f.mu is held.
func (c *call) paginate(n int, token string, max, defaultMax int) (int, int, string, *apiError) {
	if max <= 0 {
		max = defaultMax
	}
	for _, p := range sortedKeys(c.f.sc.PageSize) {
		if size := c.f.sc.PageSize[p]; size > 0 && size < max && c.f.matchOne(p, c) {
			max = size
		}
	}
	if c.loop {
		end := min(n, max)
		return 0, end, "awssim-loop-token", nil
	}
	if c.endless {
		end := min(n, max)
		return 0, end, fmt.Sprintf("awssim-endless-%08d", c.f.requestNo), nil
	}
	start := 0
	if token != "" {
		var ok bool
		start, ok = parseToken(token)
		if !ok || start > n {
			return 0, 0, "", errorf(400, invalidTokenCode(c), "invalid pagination token")
		}
	}
	end := min(n, start+max)
	next := ""
	if end < n {
		next = makeToken(end)
	}
	return start, end, next, nil
}

func invalidTokenCode(c *call) string {
	switch c.proto {
	case protoQuery:
		return "InvalidInput"
	case protoRESTXML:
		return "InvalidArgument"
	}
	return "InvalidNextTokenException"
}

func makeToken(off int) string { return fmt.Sprintf("awssim-%08d", off) }

func parseToken(t string) (int, bool) {
	var n int
	if _, err := fmt.Sscanf(t, "awssim-%08d", &n); err != nil {
		return 0, false
	}
	return n, true
}

// id returns a deterministic id of n hex characters derived from parts.
func id(n int, parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	s := hex.EncodeToString(sum[:])
	for len(s) < n {
		s += s
	}
	return s[:n]
}

// upperID returns an IAM-style unique id: prefix plus 17 upper-case
// alphanumerics.
func upperID(prefix string, parts ...string) string {
	return prefix + strings.ToUpper(id(17, parts...))
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (c *call) str(key string) string {
	if v, ok := c.in[key].(string); ok {
		return v
	}
	return ""
}

func (c *call) num(key string) int {
	if v, ok := c.in[key].(float64); ok {
		return int(v)
	}
	return 0
}
