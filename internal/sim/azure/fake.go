package azure

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Options tune a Fake.
type Options struct {
	// StaticTokens are bearer tokens accepted without the token endpoint.
	StaticTokens []string
	// IgnoreExpand serves registration assignments without their
	// definitions even when $expandRegistrationDefinition=true is asked.
	IgnoreExpand bool
	// ReadBudget, when set, sends x-ms-ratelimit-remaining-subscription-reads
	// counting down from it by one per request (never below 0).
	ReadBudget int
}

// Fault makes requests whose path contains PathContains answer an ARM
// error (Status, Code) Times times (0: always); 429 carries RetryAfter.
type Fault struct {
	PathContains string
	// NextLink, when set, answers the page normally but with this
	// nextLink ("loop" repeats the request's own URL; anything else is
	// used as is, e.g. another host).
	NextLink   string
	Status     int
	Code       string
	RetryAfter string
	Times      int
	hits       int
}

// Fake is a simulated ARM endpoint. It is safe for concurrent use.
type Fake struct {
	sc   Scenario
	opts Options
	url  string

	subs   map[string]*Subscription // lower-case id
	mgs    map[string]*ManagementGroup
	custom map[string]*CustomRole

	mu      sync.Mutex
	tokens  map[string]bool
	faults  []*Fault
	counts  map[string]int
	total   int
	tokenRq int
}

// New returns a Fake serving sc.
func New(sc Scenario, opts Options) (*Fake, error) {
	if err := sc.validate(); err != nil {
		return nil, err
	}
	if sc.PageSize <= 0 {
		sc.PageSize = 100
	}
	f := &Fake{sc: sc, opts: opts, subs: map[string]*Subscription{}, mgs: map[string]*ManagementGroup{},
		custom: map[string]*CustomRole{}, tokens: map[string]bool{}, counts: map[string]int{}}
	for i := range f.sc.Subscriptions {
		s := &f.sc.Subscriptions[i]
		if s.State == "" {
			s.State = "Enabled"
		}
		if s.QuotaID == "" {
			s.QuotaID = "PayAsYouGo_2014-09-01"
		}
		f.subs[strings.ToLower(s.ID)] = s
	}
	for i := range f.sc.ManagementGroups {
		m := &f.sc.ManagementGroups[i]
		f.mgs[strings.ToLower(m.ID)] = m
	}
	for i := range f.sc.CustomRoles {
		c := &f.sc.CustomRoles[i]
		f.custom[strings.ToLower(c.ID)] = c
	}
	for _, t := range opts.StaticTokens {
		f.tokens[t] = true
	}
	return f, nil
}

// Server is a running Fake.
type Server struct {
	*Fake
	hs *httptest.Server
	// URL is the ARM endpoint (https://127.0.0.1:port).
	URL string
}

// TB is the part of testing.TB StartTest uses.
type TB interface {
	Helper()
	Fatal(args ...any)
	Cleanup(func())
}

// Start serves sc over TLS on loopback.
func Start(sc Scenario, opts Options) (*Server, error) {
	f, err := New(sc, opts)
	if err != nil {
		return nil, err
	}
	hs := httptest.NewTLSServer(f)
	f.url = hs.URL
	return &Server{Fake: f, hs: hs, URL: hs.URL}, nil
}

// StartTest starts a server and closes it when the test ends.
func StartTest(t TB, sc Scenario, opts Options) *Server {
	t.Helper()
	s, err := Start(sc, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Close stops the server.
func (s *Server) Close() { s.hs.Close() }

// Client returns an http.Client trusting the server's certificate.
func (s *Server) Client() *http.Client { return s.hs.Client() }

// CAFile writes the server's certificate as PEM into dir.
func (s *Server) CAFile(dir string) (string, error) {
	p := filepath.Join(dir, "arm-ca.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.hs.Certificate().Raw})
	return p, os.WriteFile(p, b, 0o600)
}

// AddFault injects a failure.
func (f *Fake) AddFault(ft Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, &ft)
}

// Counts returns the number of ARM requests served per route name.
func (f *Fake) Counts() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.counts))
	for k, v := range f.counts {
		out[k] = v
	}
	return out
}

// Total is the number of ARM requests served (token requests excluded).
func (f *Fake) Total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.total
}

// TenantID is the simulated tenant.
func (f *Fake) TenantID() string { return f.sc.TenantID }

type obj = map[string]any

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func armError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, obj{"error": obj{"code": code, "message": msg}})
}

// ServeHTTP serves ARM and, under /{tenant}/, the identity platform.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token") || strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration") {
		f.serveAuthority(w, r)
		return
	}
	f.mu.Lock()
	f.total++
	n := f.total
	f.mu.Unlock()
	if f.opts.ReadBudget > 0 {
		w.Header().Set("x-ms-ratelimit-remaining-subscription-reads", strconv.Itoa(max(f.opts.ReadBudget-n, 0)))
	}
	if r.Method != http.MethodGet {
		armError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "the fake ARM endpoint serves only GET")
		return
	}
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	ok := f.tokens[tok]
	f.mu.Unlock()
	if tok == "" || !ok {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer authorization_uri="https://login.microsoftonline.com/%s", error="invalid_token"`, f.sc.TenantID))
		armError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "The access token is invalid.")
		return
	}
	q := r.URL.Query()
	if q.Get("api-version") == "" {
		armError(w, http.StatusBadRequest, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
		return
	}
	if ft := f.takeFault(r.URL.Path); ft != nil && ft.NextLink != "" {
		link := ft.NextLink
		if link == "loop" {
			link = f.url + r.URL.RequestURI()
		}
		writeJSON(w, 200, obj{"value": []any{}, "nextLink": link})
		return
	} else if ft != nil {
		if ft.RetryAfter != "" {
			w.Header().Set("Retry-After", ft.RetryAfter)
		}
		armError(w, ft.Status, ft.Code, "injected fault")
		return
	}
	f.route(w, r, q)
}

func (f *Fake) takeFault(path string) *Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ft := range f.faults {
		if strings.Contains(strings.ToLower(path), strings.ToLower(ft.PathContains)) && (ft.Times == 0 || ft.hits < ft.Times) {
			ft.hits++
			c := *ft
			return &c
		}
	}
	return nil
}

func (f *Fake) count(route string) {
	f.mu.Lock()
	f.counts[route]++
	f.mu.Unlock()
}

// route dispatches an authenticated GET.
func (f *Fake) route(w http.ResponseWriter, r *http.Request, q url.Values) {
	p := strings.TrimSuffix(r.URL.Path, "/")
	lp := strings.ToLower(p)
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	ls := strings.Split(strings.TrimPrefix(lp, "/"), "/")
	switch {
	case lp == "/subscriptions":
		f.count("subscriptions")
		f.list(w, r, q, f.subscriptionList())
		return
	case len(ls) == 5 && ls[0] == "providers" && ls[1] == "microsoft.management" && ls[2] == "managementgroups" && ls[4] == "descendants":
		f.count("descendants")
		if f.sc.HierarchyDenied {
			armError(w, 403, "AuthorizationFailed", "The client does not have authorization to perform action 'Microsoft.Management/managementGroups/descendants/read'.")
			return
		}
		if !strings.EqualFold(segs[3], f.sc.TenantID) && f.mgs[ls[3]] == nil {
			armError(w, 404, "NotFound", "management group not found")
			return
		}
		f.list(w, r, q, f.descendants(segs[3]))
		return
	case strings.Contains(lp, "/providers/microsoft.authorization/roledefinitions/"):
		f.count("roleDefinitions")
		f.roleDefinition(w, p)
		return
	case len(ls) >= 2 && ls[0] == "subscriptions":
		f.subscriptionRoute(w, r, q, segs, ls)
		return
	}
	armError(w, 404, "InvalidResourceType", "The resource type could not be found in the namespace of the fake.")
}

func (f *Fake) subscriptionRoute(w http.ResponseWriter, r *http.Request, q url.Values, segs, ls []string) {
	id := ls[1]
	s := f.subs[id]
	if s == nil {
		if tenant, ok := f.foreignTenant(id); ok {
			f.count("foreignSubscription")
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer authorization_uri="https://login.microsoftonline.com/%s", error="invalid_token", error_description="The access token is from the wrong issuer."`, tenant))
			armError(w, 401, "InvalidAuthenticationTokenTenant", fmt.Sprintf("The access token is from the wrong issuer 'https://sts.windows.net/%s/'. It must match the tenant 'https://sts.windows.net/%s/' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/%s' to get the token.", f.sc.TenantID, tenant, tenant))
			return
		}
		armError(w, 404, "SubscriptionNotFound", fmt.Sprintf("The subscription '%s' could not be found.", segs[1]))
		return
	}
	if s.Unreadable {
		f.count("denied")
		armError(w, 403, "AuthorizationFailed", fmt.Sprintf("The client does not have authorization to perform action over scope '/subscriptions/%s' or the scope is invalid.", s.ID))
		return
	}
	rest := strings.Join(ls[2:], "/")
	switch {
	case rest == "":
		f.count("subscription")
		writeJSON(w, 200, f.subscriptionJSON(s))
	case rest == "providers/microsoft.authorization/roleassignments":
		f.count("roleAssignments")
		if s.denied("role_assignments") {
			armError(w, 403, "AuthorizationFailed", "The client does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/read'.")
			return
		}
		f.list(w, r, q, f.roleAssignments(s))
	case rest == "providers/microsoft.authorization/roleeligibilityschedules" || rest == "providers/microsoft.authorization/roleassignmentschedules":
		eligible := strings.HasSuffix(rest, "roleeligibilityschedules")
		if eligible {
			f.count("roleEligibilitySchedules")
		} else {
			f.count("roleAssignmentSchedules")
		}
		if f.sc.PIMUnlicensed {
			armError(w, 400, "AadPremiumLicenseRequired", "The tenant needs an Entra ID P2 or Governance licence to use Privileged Identity Management.")
			return
		}
		if s.denied("pim") {
			armError(w, 403, "AuthorizationFailed", "The client does not have authorization to perform action 'Microsoft.Authorization/roleEligibilitySchedules/read'.")
			return
		}
		f.list(w, r, q, f.schedules(s, eligible))
	case rest == "providers/microsoft.managedservices/registrationassignments":
		f.count("registrationAssignments")
		if f.rpProblem(w, s, "Microsoft.ManagedServices", "lighthouse") {
			return
		}
		expand := strings.EqualFold(q.Get("$expandRegistrationDefinition"), "true") && !f.opts.IgnoreExpand
		f.list(w, r, q, f.registrationAssignments(s, expand))
	case rest == "providers/microsoft.managedservices/registrationdefinitions":
		f.count("registrationDefinitions")
		if f.rpProblem(w, s, "Microsoft.ManagedServices", "lighthouse") {
			return
		}
		var out []any
		for _, o := range s.Lighthouse {
			out = append(out, f.definitionJSON(s, o))
		}
		f.list(w, r, q, out)
	case rest == "providers/microsoft.recoveryservices/vaults":
		f.count("recoveryServicesVaults")
		if f.rpProblem(w, s, "Microsoft.RecoveryServices", "recovery_services") {
			return
		}
		f.list(w, r, q, f.vaults(s, false))
	case rest == "providers/microsoft.dataprotection/backupvaults":
		f.count("backupVaults")
		if f.rpProblem(w, s, "Microsoft.DataProtection", "data_protection") {
			return
		}
		f.list(w, r, q, f.vaults(s, true))
	case strings.HasSuffix(rest, "/backupprotecteditems"):
		f.count("backupProtectedItems")
		v := f.vaultByPath(s, ls)
		if v == nil || v.Kind == "backup_vault" {
			armError(w, 404, "ResourceNotFound", "vault not found")
			return
		}
		var out []any
		for _, it := range v.ProtectedItems {
			props := obj{"protectedItemType": "Microsoft.Compute/virtualMachines", "friendlyName": it.Name, "protectionState": "Protected"}
			if it.LastRecoveryPoint != "" {
				props["lastRecoveryPoint"] = it.LastRecoveryPoint
			}
			out = append(out, obj{"id": vaultID(s, v) + "/backupFabrics/Azure/protectionContainers/c/protectedItems/" + it.Name, "name": it.Name,
				"type": "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems", "properties": props})
		}
		f.list(w, r, q, out)
	case strings.HasSuffix(rest, "/backupinstances") && len(ls) == 9:
		// .../backupVaults/{v}/backupInstances
		f.count("backupInstances")
		v := f.vaultByPath(s, ls)
		if v == nil || v.Kind != "backup_vault" {
			armError(w, 404, "ResourceNotFound", "vault not found")
			return
		}
		if s.denied("recovery_points") {
			armError(w, 403, "AuthorizationFailed", "The client does not have authorization to perform action 'Microsoft.DataProtection/backupVaults/backupInstances/read'.")
			return
		}
		var out []any
		for _, bi := range v.BackupInstances {
			out = append(out, f.backupInstanceJSON(s, v, bi))
		}
		f.list(w, r, q, out)
	case strings.HasSuffix(rest, "/recoverypoints") && len(ls) == 11 && ls[8] == "backupinstances":
		// .../backupVaults/{v}/backupInstances/{bi}/recoveryPoints
		f.count("recoveryPoints")
		v := f.vaultByPath(s, ls)
		var bi *BackupInstance
		if v != nil && v.Kind == "backup_vault" {
			for i := range v.BackupInstances {
				if strings.EqualFold(v.BackupInstances[i].Name, ls[9]) {
					bi = &v.BackupInstances[i]
				}
			}
		}
		if bi == nil {
			armError(w, 404, "ResourceNotFound", "backup instance not found")
			return
		}
		iid := vaultID(s, v) + "/backupInstances/" + bi.Name
		var out []any
		for i, t := range bi.RecoveryPoints {
			rp := fmt.Sprintf("%032x", i+1)
			out = append(out, obj{"id": iid + "/recoveryPoints/" + rp, "name": rp, "type": "Microsoft.DataProtection/backupVaults/backupInstances/recoveryPoints",
				"properties": obj{"objectType": "AzureBackupDiscreteRecoveryPoint", "recoveryPointId": rp, "recoveryPointTime": t,
					"recoveryPointType": "Full", "policyName": "daily", "retentionTagName": "Default"}})
		}
		f.list(w, r, q, out)
	case strings.HasSuffix(rest, "/backupresourceguardproxies"):
		f.count("backupResourceGuardProxies")
		v := f.vaultByPath(s, ls)
		if v == nil {
			armError(w, 404, "ResourceNotFound", "vault not found")
			return
		}
		var out []any
		if v.ResourceGuard != "" {
			out = append(out, obj{
				"id":   vaultID(s, v) + "/backupResourceGuardProxies/VaultProxy",
				"name": "VaultProxy", "type": vaultType(v) + "/backupResourceGuardProxies",
				"properties": obj{"resourceGuardResourceId": v.ResourceGuard, "lastUpdatedTime": "2026-10-01T10:00:00Z"},
			})
		}
		f.list(w, r, q, out)
	default:
		armError(w, 404, "InvalidResourceType", "The resource type could not be found in the namespace of the fake.")
	}
}

func (f *Fake) foreignTenant(sub string) (string, bool) {
	for k, v := range f.sc.ForeignSubscriptions {
		if strings.EqualFold(k, sub) {
			return v, true
		}
	}
	return "", false
}

func (f *Fake) rpProblem(w http.ResponseWriter, s *Subscription, ns, deny string) bool {
	if s.denied(deny) {
		armError(w, 403, "AuthorizationFailed", fmt.Sprintf("The client does not have authorization to perform action '%s/*/read' over scope '/subscriptions/%s'.", ns, s.ID))
		return true
	}
	if s.unregistered(ns) {
		armError(w, 409, "MissingSubscriptionRegistration", fmt.Sprintf("The subscription is not registered to use namespace '%s'.", ns))
		return true
	}
	return false
}

// list writes items page by page: $skiptoken is the offset.
func (f *Fake) list(w http.ResponseWriter, r *http.Request, q url.Values, items []any) {
	start := 0
	if t := q.Get("$skiptoken"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 || n > len(items) {
			armError(w, 400, "InvalidSkipToken", "The skip token is invalid.")
			return
		}
		start = n
	}
	end := min(start+f.sc.PageSize, len(items))
	page := items[start:end]
	if page == nil {
		page = []any{}
	}
	out := obj{"value": page}
	if end < len(items) {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("$skiptoken", strconv.Itoa(end))
		out["nextLink"] = f.url + r.URL.Path + "?" + nq.Encode()
	}
	writeJSON(w, 200, out)
}

func (f *Fake) subscriptionJSON(s *Subscription) obj {
	var mbt []any
	for _, t := range s.ManagedByTenants {
		mbt = append(mbt, obj{"tenantId": t})
	}
	if mbt == nil {
		mbt = []any{}
	}
	return obj{
		"id": "/subscriptions/" + s.ID, "subscriptionId": s.ID, "displayName": s.Name, "state": s.State,
		"tenantId": f.sc.TenantID, "managedByTenants": mbt, "authorizationSource": "RoleBased",
		"subscriptionPolicies": obj{"quotaId": s.QuotaID, "spendingLimit": "Off", "locationPlacementId": "Public_2014-09-01"},
	}
}

func (f *Fake) subscriptionList() []any {
	var out []any
	for i := range f.sc.Subscriptions {
		s := &f.sc.Subscriptions[i]
		if !s.Unreadable {
			out = append(out, f.subscriptionJSON(s))
		}
	}
	return out
}

func mgID(id string) string { return "/providers/Microsoft.Management/managementGroups/" + id }

// descendants lists every group and subscription below root (parents
// first), as the descendants API does.
func (f *Fake) descendants(root string) []any {
	under := map[string]bool{strings.ToLower(root): true}
	var out []any
	parentOf := func(p string) string {
		if p == "" {
			return f.sc.TenantID
		}
		return p
	}
	for _, m := range f.sc.ManagementGroups {
		if under[strings.ToLower(parentOf(m.Parent))] {
			under[strings.ToLower(m.ID)] = true
			out = append(out, obj{"id": mgID(m.ID), "type": "Microsoft.Management/managementGroups", "name": m.ID,
				"properties": obj{"displayName": m.Name, "parent": obj{"id": mgID(parentOf(m.Parent))}}})
		}
	}
	for _, s := range f.sc.Subscriptions {
		if under[strings.ToLower(parentOf(s.ManagementGroup))] {
			out = append(out, obj{"id": "/subscriptions/" + s.ID, "type": "/subscriptions", "name": s.ID,
				"properties": obj{"displayName": s.Name, "parent": obj{"id": mgID(parentOf(s.ManagementGroup))}}})
		}
	}
	return out
}

// ancestors returns the group ids above s, nearest first, root last.
func (f *Fake) ancestors(s *Subscription) []string {
	var out []string
	cur := s.ManagementGroup
	for cur != "" {
		out = append(out, cur)
		m := f.mgs[strings.ToLower(cur)]
		if m == nil {
			break
		}
		cur = m.Parent
	}
	return append(out, f.sc.TenantID)
}

// RoleID returns the GUID of a built-in role name or a custom role id.
func RoleID(role string) string {
	if id, ok := BuiltinRoles[role]; ok {
		return id
	}
	return role
}

func (f *Fake) scopeOf(s *Subscription, scope string) string {
	base := "/subscriptions/" + s.ID
	switch {
	case scope == "":
		return base
	case strings.HasPrefix(scope, "rg/"):
		return base + "/resourceGroups/" + strings.TrimPrefix(scope, "rg/")
	case strings.HasPrefix(scope, "vault/"):
		name := strings.TrimPrefix(scope, "vault/")
		for i := range s.Vaults {
			if s.Vaults[i].Name == name {
				return vaultID(s, &s.Vaults[i])
			}
		}
	}
	return base + "/" + scope
}

func assignmentName(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "|")))
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (f *Fake) assignmentJSON(scope, roleDefScope string, a RoleAssignment) obj {
	name := a.Name
	if name == "" {
		name = assignmentName(scope, a.PrincipalID, a.Role)
	}
	props := obj{
		"roleDefinitionId": roleDefScope + "/providers/Microsoft.Authorization/roleDefinitions/" + RoleID(a.Role),
		"principalId":      a.PrincipalID, "principalType": a.PrincipalType, "scope": scope,
		"createdOn": "2025-01-10T09:00:00Z", "updatedOn": "2025-01-10T09:00:00Z",
	}
	if a.Condition != "" {
		props["condition"] = a.Condition
		props["conditionVersion"] = "2.0"
	}
	return obj{"id": scope + "/providers/Microsoft.Authorization/roleAssignments/" + name, "name": name,
		"type": "Microsoft.Authorization/roleAssignments", "properties": props}
}

// roleAssignments lists what ARM returns for a subscription without a
// filter: inherited assignments of its management groups, its own, and
// those below it.
func (f *Fake) roleAssignments(s *Subscription) []any {
	var out []any
	sub := "/subscriptions/" + s.ID
	for _, g := range f.ancestors(s) {
		var as []RoleAssignment
		if strings.EqualFold(g, f.sc.TenantID) {
			as = f.sc.RootRoleAssignments
		} else if m := f.mgs[strings.ToLower(g)]; m != nil {
			as = m.RoleAssignments
		}
		for _, a := range as {
			out = append(out, f.assignmentJSON(mgID(g), "", a))
		}
	}
	for _, a := range s.RoleAssignments {
		out = append(out, f.assignmentJSON(f.scopeOf(s, a.Scope), sub, a))
	}
	return out
}

func (f *Fake) schedules(s *Subscription, eligible bool) []any {
	list := s.Schedules
	kind := "roleAssignmentSchedules"
	if eligible {
		list, kind = s.Eligible, "roleEligibilitySchedules"
	}
	var out []any
	for _, e := range list {
		scope := f.scopeOf(s, e.Scope)
		name := assignmentName(kind, scope, e.PrincipalID, e.Role)
		props := obj{
			"principalId": e.PrincipalID, "principalType": e.PrincipalType, "scope": scope,
			"roleDefinitionId": "/subscriptions/" + s.ID + "/providers/Microsoft.Authorization/roleDefinitions/" + RoleID(e.Role),
			"memberType":       "Direct", "status": "Provisioned", "startDateTime": "2025-01-10T09:00:00Z",
		}
		if e.End != "" {
			props["endDateTime"] = e.End
		}
		if !eligible {
			at := e.AssignmentType
			if at == "" {
				at = "Assigned"
			}
			props["assignmentType"] = at
		}
		out = append(out, obj{"id": scope + "/providers/Microsoft.Authorization/" + kind + "/" + name, "name": name,
			"type": "Microsoft.Authorization/" + kind, "properties": props})
	}
	return out
}

func (f *Fake) roleDefinition(w http.ResponseWriter, p string) {
	guid := strings.ToLower(p[strings.LastIndexByte(p, '/')+1:])
	for name, id := range BuiltinRoles {
		if id == guid {
			writeJSON(w, 200, obj{"id": p, "name": id, "type": "Microsoft.Authorization/roleDefinitions",
				"properties": obj{"roleName": name, "type": "BuiltInRole", "permissions": []any{obj{"actions": []string{"*"}, "notActions": []string{}}}}})
			return
		}
	}
	c := f.custom[guid]
	if c == nil {
		armError(w, 404, "RoleDefinitionDoesNotExist", "The specified role definition with ID '"+guid+"' does not exist.")
		return
	}
	na := c.NotActions
	if na == nil {
		na = []string{}
	}
	writeJSON(w, 200, obj{"id": p, "name": c.ID, "type": "Microsoft.Authorization/roleDefinitions",
		"properties": obj{"roleName": c.Name, "type": "CustomRole", "permissions": []any{obj{"actions": c.Actions, "notActions": na}}}})
}

func (f *Fake) definitionJSON(s *Subscription, o LighthouseOffer) obj {
	var auths, elig []any
	for _, a := range o.Authorizations {
		m := obj{"principalId": a.PrincipalID, "principalIdDisplayName": a.DisplayName, "roleDefinitionId": RoleID(a.Role)}
		if len(a.DelegatedRoles) > 0 {
			var ids []string
			for _, d := range a.DelegatedRoles {
				ids = append(ids, RoleID(d))
			}
			m["delegatedRoleDefinitionIds"] = ids
		}
		auths = append(auths, m)
	}
	for _, e := range o.EligibleAuthorizations {
		d := e.MaxDuration
		if d == "" {
			d = "PT8H"
		}
		mfa := e.MFA
		if mfa == "" {
			mfa = "Azure"
		}
		pol := obj{"multiFactorAuthProvider": mfa, "maximumActivationDuration": d}
		if len(e.Approvers) > 0 {
			var ap []any
			for _, a := range e.Approvers {
				ap = append(ap, obj{"principalId": a})
			}
			pol["managedByTenantApprovers"] = ap
		}
		elig = append(elig, obj{"principalId": e.PrincipalID, "principalIdDisplayName": e.DisplayName,
			"roleDefinitionId": RoleID(e.Role), "justInTimeAccessPolicy": pol})
	}
	if auths == nil {
		auths = []any{}
	}
	props := obj{"registrationDefinitionName": o.Name, "description": o.Name, "managedByTenantId": o.ManagedByTenantID,
		"managedByTenantName": o.ManagedByTenantName, "authorizations": auths, "provisioningState": "Succeeded"}
	if elig != nil {
		props["eligibleAuthorizations"] = elig
	}
	return obj{"id": "/subscriptions/" + s.ID + "/providers/Microsoft.ManagedServices/registrationDefinitions/" + o.DefinitionID,
		"name": o.DefinitionID, "type": "Microsoft.ManagedServices/registrationDefinitions", "properties": props}
}

func (f *Fake) registrationAssignments(s *Subscription, expand bool) []any {
	var out []any
	for _, o := range s.Lighthouse {
		scope := "/subscriptions/" + s.ID
		if o.ResourceGroup != "" {
			scope += "/resourceGroups/" + o.ResourceGroup
		}
		name := assignmentName("lighthouse", scope, o.DefinitionID)
		props := obj{"registrationDefinitionId": "/subscriptions/" + s.ID + "/providers/Microsoft.ManagedServices/registrationDefinitions/" + o.DefinitionID,
			"provisioningState": "Succeeded"}
		if expand {
			d := f.definitionJSON(s, o)
			props["registrationDefinition"] = obj{"id": d["id"], "name": d["name"], "type": d["type"], "properties": d["properties"]}
		}
		out = append(out, obj{"id": scope + "/providers/Microsoft.ManagedServices/registrationAssignments/" + name, "name": name,
			"type": "Microsoft.ManagedServices/registrationAssignments", "properties": props})
	}
	return out
}

func (f *Fake) backupInstanceJSON(s *Subscription, v *Vault, bi BackupInstance) obj {
	dt := bi.DatasourceType
	if dt == "" {
		dt = "Microsoft.Compute/disks"
	}
	src := "/subscriptions/" + s.ID + "/resourceGroups/rg-data/providers/" + dt + "/" + bi.Name
	return obj{"id": vaultID(s, v) + "/backupInstances/" + bi.Name, "name": bi.Name, "type": "Microsoft.DataProtection/backupVaults/backupInstances",
		"properties": obj{"objectType": "BackupInstance", "friendlyName": bi.Name, "currentProtectionState": "ProtectionConfigured",
			"protectionStatus": obj{"status": "ProtectionConfigured"}, "provisioningState": "Succeeded",
			"dataSourceInfo": obj{"objectType": "Datasource", "datasourceType": dt, "resourceID": src, "resourceName": bi.Name, "resourceLocation": "westeurope"},
			"policyInfo":     obj{"policyId": vaultID(s, v) + "/backupPolicies/daily"}}}
}

func vaultType(v *Vault) string {
	if v.Kind == "backup_vault" {
		return "Microsoft.DataProtection/backupVaults"
	}
	return "Microsoft.RecoveryServices/vaults"
}

func vaultID(s *Subscription, v *Vault) string {
	rg := v.ResourceGroup
	if rg == "" {
		rg = "rg-backup"
	}
	return "/subscriptions/" + s.ID + "/resourceGroups/" + rg + "/providers/" + vaultType(v) + "/" + v.Name
}

func (f *Fake) vaultByPath(s *Subscription, ls []string) *Vault {
	// subscriptions/{s}/resourcegroups/{rg}/providers/{ns}/{type}/{name}/backupresourceguardproxies
	if len(ls) < 9 {
		return nil
	}
	name := ls[7]
	for i := range s.Vaults {
		if strings.EqualFold(s.Vaults[i].Name, name) {
			return &s.Vaults[i]
		}
	}
	return nil
}

func (f *Fake) vaults(s *Subscription, backupVaults bool) []any {
	var out []any
	for i := range s.Vaults {
		v := &s.Vaults[i]
		if (v.Kind == "backup_vault") != backupVaults {
			continue
		}
		loc := v.Location
		if loc == "" {
			loc = "westeurope"
		}
		imm := v.Immutability
		if imm == "" {
			imm = "Disabled"
		}
		var props obj
		if backupVaults {
			sd := v.SoftDelete
			if sd == "" {
				sd = "On"
			}
			crr := "Disabled"
			if v.CrossRegionRestore {
				crr = "Enabled"
			}
			props = obj{
				"provisioningState": "Succeeded",
				"securitySettings": obj{"softDeleteSettings": obj{"state": sd, "retentionDurationInDays": 14},
					"immutabilitySettings": obj{"state": imm}},
				"featureSettings": obj{"crossRegionRestoreSettings": obj{"state": crr}},
				"storageSettings": []any{obj{"datastoreType": "VaultStore", "type": "GeoRedundant"}},
			}
		} else {
			sd := v.SoftDelete
			if sd == "" {
				sd = "Enabled"
			}
			mua := v.MUA
			if mua == "" {
				mua = "Disabled"
				if v.ResourceGuard != "" {
					mua = "Enabled"
				}
			}
			props = obj{
				"provisioningState": "Succeeded",
				"securitySettings": obj{"softDeleteSettings": obj{"softDeleteState": sd, "softDeleteRetentionPeriodInDays": 14},
					"immutabilitySettings": obj{"state": imm}, "multiUserAuthorization": mua},
				"redundancySettings": obj{"standardTierStorageRedundancy": "GeoRedundant", "crossRegionRestore": map[bool]string{true: "Enabled", false: "Disabled"}[v.CrossRegionRestore]},
			}
		}
		out = append(out, obj{"id": vaultID(s, v), "name": v.Name, "type": vaultType(v), "location": loc, "properties": props})
	}
	return out
}

// serveAuthority is a minimal identity platform: client credentials with
// the scenario's client secret.
func (f *Fake) serveAuthority(w http.ResponseWriter, r *http.Request) {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(segs) == 0 || !strings.EqualFold(segs[0], f.sc.TenantID) {
		writeJSON(w, 400, obj{"error": "invalid_tenant", "error_description": "AADSTS90002: Tenant not found."})
		return
	}
	if strings.HasSuffix(r.URL.Path, "openid-configuration") {
		base := f.url + "/" + f.sc.TenantID
		writeJSON(w, 200, obj{"token_endpoint": base + "/oauth2/v2.0/token", "authorization_endpoint": base + "/oauth2/v2.0/authorize",
			"issuer": base + "/v2.0", "jwks_uri": base + "/discovery/v2.0/keys", "tenant_region_scope": "EU",
			"response_types_supported": []string{"code"}, "token_endpoint_auth_methods_supported": []string{"client_secret_post"}})
		return
	}
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		writeJSON(w, 400, obj{"error": "invalid_request"})
		return
	}
	fm := r.PostForm
	f.mu.Lock()
	f.tokenRq++
	f.mu.Unlock()
	if f.sc.ClientSecret == "" || fm.Get("client_id") != f.sc.ClientID || fm.Get("client_secret") != f.sc.ClientSecret {
		writeJSON(w, 401, obj{"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."})
		return
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	tok := "arm." + hex.EncodeToString(b)
	f.mu.Lock()
	f.tokens[tok] = true
	f.mu.Unlock()
	writeJSON(w, 200, obj{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": tok})
}
