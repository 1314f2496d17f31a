package workspace

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The read-only scopes the Directory API endpoints accept.
const (
	ScopeUser     = "https://www.googleapis.com/auth/admin.directory.user.readonly"
	ScopeRoles    = "https://www.googleapis.com/auth/admin.directory.rolemanagement.readonly"
	ScopeGroup    = "https://www.googleapis.com/auth/admin.directory.group.readonly"
	ScopeCustomer = "https://www.googleapis.com/auth/admin.directory.customer.readonly"
	ScopeDomain   = "https://www.googleapis.com/auth/admin.directory.domain.readonly"
)

// ReadScopes lists every read-only scope the fake knows.
func ReadScopes() []string {
	return []string{ScopeCustomer, ScopeDomain, ScopeGroup, ScopeRoles, ScopeUser}
}

// Options tune a Fake.
type Options struct {
	// Now is the token endpoint's clock (JWT expiry). Default time.Now.
	Now func() time.Time
	// Subject is the admin the service account must impersonate (the JWT's
	// sub claim). Empty accepts any subject.
	Subject string
}

// Fake is a simulated Admin SDK Directory API plus OAuth token endpoint.
// It is an http.Handler; serve it with httptest.NewServer.
type Fake struct {
	sc   *Scenario
	opts Options
	key  *rsa.PrivateKey

	mu       sync.Mutex
	tokens   map[string][]string // access token → scopes
	requests map[string]int      // "GET /path" → count (API calls only)
	tokenReq int
	throttle map[string]int
}

// New returns a fake serving sc. It panics on an inconsistent scenario
// (a programming error in a test).
func New(sc *Scenario, opts Options) *Fake {
	if err := sc.validate(); err != nil {
		panic(err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return &Fake{sc: sc, opts: opts, key: key, tokens: map[string][]string{}, requests: map[string]int{}, throttle: map[string]int{}}
}

// ServiceAccountJSON returns a service-account key file whose token_uri is
// the fake's token endpoint at baseURL. The private key is the fake's own.
func (f *Fake) ServiceAccountJSON(baseURL string) []byte {
	der := x509.MarshalPKCS1PrivateKey(f.key)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der})
	email := f.sc.ServiceAccount
	if email == "" {
		email = "keyholder-audit@keyholder-sim.iam.gserviceaccount.com"
	}
	b, _ := json.MarshalIndent(map[string]string{
		"type": "service_account", "project_id": "keyholder-sim", "private_key_id": "sim-key-1",
		"private_key": string(pemKey), "client_email": email, "client_id": "100000000000000000001",
		"token_uri": strings.TrimRight(baseURL, "/") + "/token",
	}, "", "  ")
	return b
}

// PrivateKeyPEM returns the service account's private key (for checks
// that it never leaks).
func (f *Fake) PrivateKeyPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(f.key)}))
}

// WriteServiceAccount writes ServiceAccountJSON into dir (0600) and returns
// its path.
func (f *Fake) WriteServiceAccount(dir, baseURL string) (string, error) {
	p := filepath.Join(dir, "workspace-sa.json")
	return p, os.WriteFile(p, f.ServiceAccountJSON(baseURL), 0o600)
}

// Requests returns the number of API requests served (token requests not
// included), and the token requests separately.
func (f *Fake) Requests() (api, token int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range f.requests {
		api += n
	}
	return api, f.tokenReq
}

// ServeHTTP implements http.Handler.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/token" {
		f.serveToken(w, r)
		return
	}
	if r.Method != http.MethodGet {
		gerror(w, http.StatusMethodNotAllowed, "Method not allowed", "badRequest", "INVALID_ARGUMENT")
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/admin/directory/v1/")
	if path == r.URL.Path {
		gerror(w, http.StatusNotFound, "Not Found", "notFound", "NOT_FOUND")
		return
	}
	f.mu.Lock()
	f.requests["GET /"+path]++
	n := f.throttle[path]
	f.throttle[path]++
	f.mu.Unlock()
	if n < f.sc.Throttle {
		w.Header().Set("Retry-After", "1")
		gerror(w, http.StatusTooManyRequests, "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user'", "rateLimitExceeded", "RESOURCE_EXHAUSTED")
		return
	}
	scopes, ok := f.auth(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/"`)
		gerror(w, http.StatusUnauthorized, "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.", "authError", "UNAUTHENTICATED")
		return
	}
	parts := strings.Split(path, "/")
	q := r.URL.Query()
	switch {
	case len(parts) == 2 && parts[0] == "customers":
		f.serve(w, scopes, "customer", []string{ScopeCustomer}, func() any { return f.customer() })
	case len(parts) == 3 && parts[0] == "customer" && parts[2] == "domains":
		f.serve(w, scopes, "domains", []string{ScopeDomain}, func() any { return f.domains() })
	case len(parts) == 3 && parts[0] == "customer" && parts[2] == "roles":
		f.servePage(w, q, scopes, "roles", []string{ScopeRoles}, 100, "items", "admin#directory#roles", f.rolesJSON())
	case len(parts) == 3 && parts[0] == "customer" && parts[2] == "roleassignments":
		f.servePage(w, q, scopes, "roleassignments", []string{ScopeRoles}, 200, "items", "admin#directory#roleAssignments", f.assignmentsJSON(q))
	case len(parts) == 1 && parts[0] == "users":
		if q.Get("customer") == "" && q.Get("domain") == "" {
			gerror(w, http.StatusBadRequest, "Bad Request", "badRequest", "INVALID_ARGUMENT")
			return
		}
		f.servePage(w, q, scopes, "users", []string{ScopeUser}, 500, "users", "admin#directory#users", f.usersJSON(q))
	case len(parts) == 2 && parts[0] == "groups":
		g := f.group(parts[1])
		if g == nil {
			gerror(w, http.StatusNotFound, "Resource Not Found: groupKey", "notFound", "NOT_FOUND")
			return
		}
		f.serve(w, scopes, "groups", []string{ScopeGroup}, func() any { return groupJSON(g) })
	case len(parts) == 3 && parts[0] == "groups" && parts[2] == "members":
		g := f.group(parts[1])
		if g == nil {
			gerror(w, http.StatusNotFound, "Resource Not Found: groupKey", "notFound", "NOT_FOUND")
			return
		}
		f.servePage(w, q, scopes, "members", []string{ScopeGroup, "https://www.googleapis.com/auth/admin.directory.group.member.readonly"}, 200, "members", "admin#directory#members", f.membersJSON(g))
	default:
		gerror(w, http.StatusNotFound, "Not Found", "notFound", "NOT_FOUND")
	}
}

// serve answers a single resource after the scope and privilege checks.
func (f *Fake) serve(w http.ResponseWriter, have []string, coll string, need []string, body func() any) {
	if !f.allowed(w, have, coll, need) {
		return
	}
	writeJSON(w, body())
}

// servePage answers one page of items under key, honouring maxResults
// (capped at max, as Google does) and pageToken (an opaque offset).
func (f *Fake) servePage(w http.ResponseWriter, q url.Values, have []string, coll string, need []string, max int, key, kind string, items []map[string]any) {
	if !f.allowed(w, have, coll, need) {
		return
	}
	size := max
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			gerror(w, http.StatusBadRequest, "Invalid value for maxResults", "invalid", "INVALID_ARGUMENT")
			return
		}
		size = min(n, max)
	}
	off := 0
	if t := q.Get("pageToken"); t != "" {
		b, err := base64.RawURLEncoding.DecodeString(t)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "o:"))
		if err != nil || err2 != nil || n < 0 || n > len(items) {
			gerror(w, http.StatusBadRequest, "Invalid page token", "invalid", "INVALID_ARGUMENT")
			return
		}
		off = n
	}
	end := min(off+size, len(items))
	out := map[string]any{"kind": kind, "etag": `"sim"`}
	if end > off {
		out[key] = items[off:end]
	}
	if end < len(items) {
		out["nextPageToken"] = base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(end)))
	}
	writeJSON(w, out)
}

func (f *Fake) allowed(w http.ResponseWriter, have []string, coll string, need []string) bool {
	ok := false
	for _, s := range need {
		if slices.Contains(have, s) {
			ok = true
		}
	}
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/", error="insufficient_scope"`)
		gerror(w, http.StatusForbidden, "Request had insufficient authentication scopes.", "insufficientPermissions", "PERMISSION_DENIED")
		return false
	}
	if slices.Contains(f.sc.Denied, coll) {
		gerror(w, http.StatusForbidden, "Not Authorized to access this resource/api", "forbidden", "")
		return false
	}
	return true
}

func (f *Fake) auth(r *http.Request) ([]string, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return nil, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.tokens[tok]
	return s, ok
}

// serveToken is the OAuth 2.0 JWT-bearer grant (RFC 7523) a service account
// uses: it verifies the assertion's signature with the fake's key, its
// audience, expiry, issuer and subject, and the requested scopes against
// the domain-wide delegation grant.
func (f *Fake) serveToken(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.tokenReq++
	f.mu.Unlock()
	tokErr := func(code, desc string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
	}
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		tokErr("invalid_request", "POST a form")
		return
	}
	if r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		tokErr("unsupported_grant_type", "Invalid grant_type: "+r.PostForm.Get("grant_type"))
		return
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(r.PostForm.Get("assertion"), claims, func(t *jwt.Token) (any, error) {
		if _, ok := t.Method.(*jwt.SigningMethodRSA); !ok {
			return nil, fmt.Errorf("unexpected signing method")
		}
		return &f.key.PublicKey, nil
	}, jwt.WithTimeFunc(f.opts.Now))
	if err != nil {
		tokErr("invalid_grant", "Invalid JWT Signature.")
		return
	}
	email := f.sc.ServiceAccount
	if email == "" {
		email = "keyholder-audit@keyholder-sim.iam.gserviceaccount.com"
	}
	if iss, _ := claims["iss"].(string); iss != email {
		tokErr("invalid_grant", "Invalid issuer")
		return
	}
	sub, _ := claims["sub"].(string)
	if sub == "" {
		// Without impersonation a service account is no admin: Google
		// issues a token, and every Directory call answers 403.
		sub = "(service account)"
	} else if f.opts.Subject != "" && !strings.EqualFold(sub, f.opts.Subject) {
		tokErr("invalid_grant", "Invalid email or User ID")
		return
	}
	scopeClaim, _ := claims["scope"].(string)
	scopes := strings.Fields(scopeClaim)
	granted := f.sc.DelegatedScopes
	if len(granted) == 0 {
		granted = ReadScopes()
	}
	for _, s := range scopes {
		if !slices.Contains(granted, s) {
			tokErr("unauthorized_client", "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.")
			return
		}
	}
	var b [24]byte
	_, _ = rand.Read(b[:])
	tok := "ya29.sim-" + base64.RawURLEncoding.EncodeToString(b[:])
	if sub == "(service account)" {
		scopes = nil
	}
	f.mu.Lock()
	f.tokens[tok] = scopes
	f.mu.Unlock()
	writeJSON(w, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3599})
}

// Token registers and returns an access token with scopes, for tests that
// use a static token source.
func (f *Fake) Token(scopes ...string) string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	tok := "ya29.static-" + base64.RawURLEncoding.EncodeToString(b[:])
	f.mu.Lock()
	f.tokens[tok] = scopes
	f.mu.Unlock()
	return tok
}

func (f *Fake) customer() map[string]any {
	c := f.sc.Customer
	out := map[string]any{"kind": "admin#directory#customer", "id": c.ID, "customerDomain": c.PrimaryDomain,
		"alternateEmail": c.AlternateEmail, "language": nz(c.Language, "en")}
	if !c.Created.IsZero() {
		out["customerCreationTime"] = c.Created.UTC().Format(time.RFC3339Nano)
	}
	if c.OrgName != "" {
		out["postalAddress"] = map[string]any{"organizationName": c.OrgName}
	}
	return out
}

func (f *Fake) domains() map[string]any {
	var ds []map[string]any
	for _, d := range f.sc.Domains {
		ds = append(ds, map[string]any{"kind": "admin#directory#domain", "domainName": d.Name, "isPrimary": d.Primary, "verified": d.Verified})
	}
	return map[string]any{"kind": "admin#directory#domains", "domains": ds}
}

func (f *Fake) rolesJSON() []map[string]any {
	var out []map[string]any
	for _, r := range f.sc.roles() {
		var privs []map[string]any
		for _, p := range r.Privileges {
			privs = append(privs, map[string]any{"privilegeName": p, "serviceId": nz(r.Service, "00haapch16h1ysv")})
		}
		out = append(out, map[string]any{"kind": "admin#directory#role", "roleId": strconv.FormatInt(r.ID, 10),
			"roleName": r.Name, "roleDescription": r.Description, "isSystemRole": r.System,
			"isSuperAdminRole": r.SuperAdmin, "rolePrivileges": privs})
	}
	return out
}

func (f *Fake) roleID(name string) int64 {
	for _, r := range f.sc.roles() {
		if r.Name == name || r.Description == name {
			return r.ID
		}
	}
	return 0
}

// idOf returns the id of the user or group with e-mail email.
func (f *Fake) idOf(email string) (id, typ string) {
	for _, u := range f.sc.Users {
		if strings.EqualFold(u.Email, email) {
			return u.ID, "user"
		}
	}
	for _, g := range f.sc.Groups {
		if strings.EqualFold(g.Email, email) {
			return g.ID, "group"
		}
	}
	return "", ""
}

func (f *Fake) assignmentsJSON(q url.Values) []map[string]any {
	var out []map[string]any
	for i, a := range f.sc.Assignments {
		id, typ := f.idOf(a.To)
		if uk := q.Get("userKey"); uk != "" && uk != id && !strings.EqualFold(uk, a.To) {
			continue
		}
		rid := f.roleID(a.Role)
		if v := q.Get("roleId"); v != "" && v != strconv.FormatInt(rid, 10) {
			continue
		}
		aid := a.ID
		if aid == 0 {
			aid = int64(5000 + i)
		}
		m := map[string]any{"kind": "admin#directory#roleAssignment", "roleAssignmentId": strconv.FormatInt(aid, 10),
			"roleId": strconv.FormatInt(rid, 10), "assignedTo": id, "assigneeType": typ, "scopeType": "CUSTOMER"}
		if a.OrgUnit != "" {
			m["scopeType"] = "ORG_UNIT"
			m["orgUnitId"] = "id:" + strings.Trim(strings.ReplaceAll(a.OrgUnit, "/", "-"), "-")
		}
		if a.Condition != "" {
			m["condition"] = a.Condition
		}
		if a.Expires != nil {
			m["expirationDetails"] = map[string]any{"expireTime": a.Expires.UTC().Format(time.RFC3339)}
		}
		out = append(out, m)
	}
	return out
}

// superAdmins are users holding a super-admin role directly.
func (f *Fake) superAdmins() map[string]bool {
	out := map[string]bool{}
	for _, a := range f.sc.Assignments {
		for _, r := range f.sc.roles() {
			if (r.Name == a.Role || r.Description == a.Role) && r.SuperAdmin {
				out[strings.ToLower(a.To)] = true
			}
		}
	}
	return out
}

func (f *Fake) usersJSON(q url.Values) []map[string]any {
	supers := f.superAdmins()
	delegated := map[string]bool{}
	for _, a := range f.sc.Assignments {
		delegated[strings.ToLower(a.To)] = true
	}
	query := q.Get("query")
	var out []map[string]any
	users := slices.Clone(f.sc.Users)
	sort.SliceStable(users, func(i, j int) bool { return users[i].Email < users[j].Email })
	for _, u := range users {
		isAdmin := u.SuperAdmin || supers[strings.ToLower(u.Email)]
		isDelegated := !isAdmin && delegated[strings.ToLower(u.Email)]
		switch query {
		case "":
		case "isAdmin=true":
			if !isAdmin {
				continue
			}
		case "isDelegatedAdmin=true":
			if !isDelegated {
				continue
			}
		}
		last := "1970-01-01T00:00:00.000Z"
		if u.LastLogin != nil {
			last = u.LastLogin.UTC().Format("2006-01-02T15:04:05.000Z")
		}
		m := map[string]any{"kind": "admin#directory#user", "id": u.ID, "primaryEmail": u.Email,
			"name": map[string]any{"fullName": u.Name}, "isAdmin": isAdmin, "isDelegatedAdmin": isDelegated,
			"lastLoginTime": last, "creationTime": u.Created.UTC().Format("2006-01-02T15:04:05.000Z"),
			"agreedToTerms": true, "suspended": u.Suspended, "archived": u.Archived, "changePasswordAtNextLogin": false,
			"ipWhitelisted": false, "isMailboxSetup": true, "isEnrolledIn2Sv": u.Enrolled, "isEnforcedIn2Sv": u.Enforced,
			"includeInGlobalAddressList": true, "orgUnitPath": nz(u.OrgUnit, "/"), "customerId": f.sc.Customer.ID}
		if len(u.Aliases) > 0 {
			m["aliases"] = u.Aliases
		}
		out = append(out, m)
	}
	return out
}

func (f *Fake) group(key string) *Group {
	for i := range f.sc.Groups {
		g := &f.sc.Groups[i]
		if g.ID == key || strings.EqualFold(g.Email, key) {
			return g
		}
	}
	return nil
}

func groupJSON(g *Group) map[string]any {
	return map[string]any{"kind": "admin#directory#group", "id": g.ID, "email": g.Email, "name": g.Name,
		"directMembersCount": strconv.Itoa(len(g.Members)), "adminCreated": true}
}

func (f *Fake) membersJSON(g *Group) []map[string]any {
	var out []map[string]any
	for _, m := range g.Members {
		id, typ := f.idOf(m)
		if id == "" {
			// A member outside the domain: Google lists it with its
			// e-mail and type USER but an id of its own account.
			id, typ = "ext-"+strings.ReplaceAll(m, "@", "-"), "user"
		}
		out = append(out, map[string]any{"kind": "admin#directory#member", "id": id, "email": m,
			"role": "MEMBER", "type": strings.ToUpper(typ), "status": "ACTIVE"})
	}
	return out
}

func gerror(w http.ResponseWriter, code int, msg, reason, status string) {
	e := map[string]any{"code": code, "message": msg,
		"errors": []map[string]any{{"message": msg, "domain": "global", "reason": reason}}}
	if status != "" {
		e["status"] = status
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": e})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_ = json.NewEncoder(w).Encode(v)
}

func nz(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
