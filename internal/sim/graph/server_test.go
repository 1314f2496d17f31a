package graph

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
)

const (
	u1 = "00000001-0000-4000-8000-000000000001"
	u2 = "00000001-0000-4000-8000-000000000002"
	u3 = "00000001-0000-4000-8000-000000000003"
	g1 = "00000002-0000-4000-8000-000000000001"
	g2 = "00000002-0000-4000-8000-000000000002"
)

func small() *Scenario {
	return &Scenario{
		Tenant: Tenant{ID: "11111111-1111-4111-8111-111111111111", DisplayName: "Contoso",
			Domains: []Domain{{Name: "contoso.example", Default: true}, {Name: "contoso.onmicrosoft.example", Initial: true}}},
		Users: []User{
			{ID: u1, DisplayName: "Alice", UserPrincipalName: "alice@contoso.example", MFAMethods: []string{"fido2"}},
			{ID: u2, DisplayName: "Bob", UserPrincipalName: "bob@contoso.example", Disabled: true},
			{ID: u3, DisplayName: "Tech", UserPrincipalName: "tech_msp.example#EXT#@contoso.onmicrosoft.example", UserType: "Guest"},
		},
		Groups:          []Group{{ID: g1, DisplayName: "Admins", RoleAssignable: true, Members: []string{u1, g2}}, {ID: g2, DisplayName: "Inner", Members: []string{u3}}},
		RoleAssignments: []RoleAssignment{{ID: "ra1", PrincipalID: u1, RoleDefinitionID: RoleGlobalAdmin}},
	}
}

func get(t *testing.T, c *http.Client, u string) (int, map[string]any) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("GET %s: body is not JSON: %v\n%s", u, err, b)
	}
	return resp.StatusCode, m
}

func errCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func TestPagingSelectAndDefaults(t *testing.T) {
	srv := NewTest(t, Generate(GenerateParams{Users: 250}), Options{})
	c := http.DefaultClient
	next := srv.GraphURL() + "/users?$select=id,userType&$top=100"
	var ids []string
	pages := 0
	for next != "" {
		st, m := get(t, c, next)
		if st != 200 {
			t.Fatalf("status %d: %v", st, m)
		}
		pages++
		for _, v := range m["value"].([]any) {
			u := v.(map[string]any)
			if _, ok := u["userType"]; !ok {
				t.Fatalf("selected property missing: %v", u)
			}
			if _, ok := u["displayName"]; ok {
				t.Fatalf("unselected property returned: %v", u)
			}
			ids = append(ids, u["id"].(string))
		}
		next, _ = m["@odata.nextLink"].(string)
		if next != "" && !strings.HasPrefix(next, srv.URL+"/v1.0/users?") {
			t.Fatalf("nextLink is not absolute to the server: %s", next)
		}
	}
	if pages != 3 || len(ids) != 250 {
		t.Fatalf("pages=%d users=%d, want 3 and 250", pages, len(ids))
	}
	// Without $select only the default set comes back: no userType.
	_, m := get(t, c, srv.GraphURL()+"/users?$top=1")
	if _, ok := m["value"].([]any)[0].(map[string]any)["userType"]; ok {
		t.Fatal("userType returned without $select")
	}
}

func TestQueryValidation(t *testing.T) {
	srv := NewTest(t, small(), Options{})
	for _, tc := range []struct{ q, code string }{
		{"/users?$select=id,nosuch", "BadRequest"},
		{"/users?$top=1000", "Request_UnsupportedQuery"},
		{"/users?$filter=startswith(displayName,'a')", "Request_UnsupportedQuery"},
		{"/users?$filter=displayName eq 'a'", "Request_UnsupportedQuery"},
		{"/users?$orderby=displayName", "BadRequest"},
		{"/roleManagement/directory/roleAssignments?$expand=roleDefinitionX", "BadRequest"},
		{"/nosuch", "BadRequest"},
	} {
		u := srv.GraphURL() + strings.Replace(tc.q, " ", "%20", -1)
		st, m := get(t, http.DefaultClient, u)
		if st != 400 || errCode(m) != tc.code {
			t.Errorf("%s: got %d %s, want 400 %s", tc.q, st, errCode(m), tc.code)
		}
	}
}

func TestExpandFilterAndMembers(t *testing.T) {
	srv := NewTest(t, small(), Options{})
	_, m := get(t, http.DefaultClient, srv.GraphURL()+"/roleManagement/directory/roleAssignments?$expand=principal")
	p := m["value"].([]any)[0].(map[string]any)["principal"].(map[string]any)
	if p["@odata.type"] != "#microsoft.graph.user" || p["userPrincipalName"] != "alice@contoso.example" {
		t.Fatalf("expanded principal = %v", p)
	}
	_, m = get(t, http.DefaultClient, srv.GraphURL()+"/groups?$filter=isAssignableToRole%20eq%20true")
	if n := len(m["value"].([]any)); n != 1 {
		t.Fatalf("role-assignable groups = %d, want 1", n)
	}
	_, m = get(t, http.DefaultClient, srv.GraphURL()+"/groups/"+g1+"/transitiveMembers?$select=id")
	var got []string
	for _, v := range m["value"].([]any) {
		got = append(got, v.(map[string]any)["id"].(string))
	}
	if !reflect.DeepEqual(got, []string{u1, g2, u3}) {
		t.Fatalf("transitive members = %v", got)
	}
	// Disabled users are not in the registration report.
	_, m = get(t, http.DefaultClient, srv.GraphURL()+"/reports/authenticationMethods/userRegistrationDetails")
	if n := len(m["value"].([]any)); n != 2 {
		t.Fatalf("registration details = %d, want 2 (disabled user left out)", n)
	}
}

func TestPermissionsAndLicences(t *testing.T) {
	sc := small()
	sc.Licence = "free"
	sc.Permissions = []string{"User.Read.All"}
	srv := NewTest(t, sc, Options{})
	for _, tc := range []struct {
		q      string
		status int
		code   string
	}{
		{"/users?$select=id", 200, ""},
		{"/users?$select=id,signInActivity", 403, "Authorization_RequestDenied"},
		{"/roleManagement/directory/roleAssignments", 403, "Authorization_RequestDenied"},
	} {
		st, m := get(t, http.DefaultClient, srv.GraphURL()+tc.q)
		if st != tc.status || errCode(m) != tc.code {
			t.Errorf("%s: got %d %q, want %d %q", tc.q, st, errCode(m), tc.status, tc.code)
		}
	}
	sc.Permissions = nil
	srv = NewTest(t, sc, Options{})
	for _, tc := range []struct {
		q      string
		status int
		code   string
	}{
		{"/users?$select=id,signInActivity", 403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant"},
		{"/roleManagement/directory/roleEligibilitySchedules", 400, "AadPremiumLicenseRequired"},
		{"/roleManagement/directory/roleAssignments", 200, ""},
	} {
		st, m := get(t, http.DefaultClient, srv.GraphURL()+tc.q)
		if st != tc.status || errCode(m) != tc.code {
			t.Errorf("%s: got %d %q, want %d %q", tc.q, st, errCode(m), tc.status, tc.code)
		}
	}
}

// TestSignInActivityPageCapIssue21: with signInActivity selected, GET
// /users serves pages of up to 500 users (Microsoft's current v1.0
// documentation; 120 until 2025) and refuses a larger $top; without it,
// 999.
func TestSignInActivityPageCapIssue21(t *testing.T) {
	srv := NewTest(t, Generate(GenerateParams{Users: 1200}), Options{})
	for _, tc := range []struct {
		q      string
		status int
		n      int
	}{
		{"/users?$select=id,signInActivity&$top=500", 200, 500},
		{"/users?$select=id,signInActivity", 200, 100},
		{"/users?$select=id,signInActivity&$top=501", 400, 0},
		{"/users?$select=id,signInActivity&$top=999", 400, 0},
		{"/users?$select=id&$top=999", 200, 999},
	} {
		st, m := get(t, http.DefaultClient, srv.GraphURL()+tc.q)
		if st != tc.status {
			t.Errorf("%s: status %d, want %d", tc.q, st, tc.status)
			continue
		}
		if st == 200 {
			if n := len(m["value"].([]any)); n != tc.n {
				t.Errorf("%s: page of %d users, want %d", tc.q, n, tc.n)
			}
		} else if errCode(m) != "Request_UnsupportedQuery" {
			t.Errorf("%s: error %q, want Request_UnsupportedQuery", tc.q, errCode(m))
		}
	}
}

// TestRoleListsPageAt100Issue21: the role assignment and PIM schedule
// lists document no $top; whatever $top a client sends, pages hold at most
// Graph's default 100, so a request count measured here holds on Graph.
func TestRoleListsPageAt100Issue21(t *testing.T) {
	srv := NewTest(t, Generate(GenerateParams{Users: 400, RoleAssignments: 250}), Options{})
	for _, p := range []string{"/roleManagement/directory/roleAssignments", "/roleManagement/directory/roleEligibilitySchedules", "/roleManagement/directory/roleAssignmentSchedules"} {
		st, m := get(t, http.DefaultClient, srv.GraphURL()+p+"?$top=999")
		if st != 200 {
			t.Fatalf("%s: status %d", p, st)
		}
		if n := len(m["value"].([]any)); n > 100 || n == 0 {
			t.Errorf("%s?$top=999: page of %d, want 1..100", p, n)
		}
		if n := len(m["value"].([]any)); n == 100 && m["@odata.nextLink"] == nil {
			t.Errorf("%s: full page without a nextLink", p)
		}
	}
	st, m := get(t, http.DefaultClient, srv.GraphURL()+"/roleManagement/directory/roleAssignments?$top=1")
	if st != 200 || len(m["value"].([]any)) != 1 {
		t.Errorf("$top=1 (the probe's request) should still give one item: %d", st)
	}
}

func TestBatch(t *testing.T) {
	srv := NewTest(t, small(), Options{})
	body := `{"requests":[{"id":"1","method":"GET","url":"/groups/` + g1 + `/transitiveMembers?$select=id"},{"id":"2","method":"GET","url":"/groups/nosuch/transitiveMembers"}]}`
	resp, err := http.Post(srv.GraphURL()+"/$batch", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Responses []struct {
			ID     string
			Status int
			Body   json.RawMessage
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if len(out.Responses) != 2 || out.Responses[0].ID != "2" || out.Responses[0].Status != 404 || out.Responses[1].Status != 200 {
		t.Fatalf("batch responses = %+v", out.Responses)
	}
	var reqs []string
	for i := 0; i < 21; i++ {
		reqs = append(reqs, `{"id":"`+string(rune('a'+i))+`","method":"GET","url":"/users"}`)
	}
	resp2, _ := http.Post(srv.GraphURL()+"/$batch", "application/json", strings.NewReader(`{"requests":[`+strings.Join(reqs, ",")+`]}`))
	resp2.Body.Close()
	if resp2.StatusCode != 400 {
		t.Fatalf("21-request batch: status %d, want 400", resp2.StatusCode)
	}
	if s := srv.Stats(); s.Batches != 2 || s.Operations != 2 || s.Writes != 0 {
		t.Fatalf("stats = %+v", s)
	}
}

func TestFaults(t *testing.T) {
	srv := NewTest(t, Generate(GenerateParams{Users: 30}), Options{})
	srv.AddFault(Fault{Path: "/users", Times: 1, Status: 429, Code: "TooManyRequests", RetryAfter: "2"})
	resp, _ := http.Get(srv.GraphURL() + "/users")
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("throttle fault: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if st, _ := get(t, http.DefaultClient, srv.GraphURL()+"/users"); st != 200 {
		t.Fatalf("fault fired more than Times: %d", st)
	}
	srv.AddFault(Fault{Path: "/users", Page: 2, Malformed: true})
	_, m := get(t, http.DefaultClient, srv.GraphURL()+"/users?$top=10")
	resp, _ = http.Get(m["@odata.nextLink"].(string))
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if json.Valid(b) {
		t.Fatalf("page 2 should be malformed: %s", b)
	}
	srv.ClearFaults()
	srv.AddFault(Fault{Path: "/groups", LoopNextLink: true})
	u := srv.GraphURL() + "/groups?$top=1"
	_, m = get(t, http.DefaultClient, u)
	if m["@odata.nextLink"] != u {
		t.Fatalf("loop nextLink = %v, want %s", m["@odata.nextLink"], u)
	}
}

func TestAuthority(t *testing.T) {
	sc := small()
	srv := NewTest(t, sc, Options{TLS: true, ClientID: "cid", ClientSecret: "s3cret-value", RequireAuth: true})
	ca, err := srv.CAFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, _ := os.ReadFile(ca)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemBytes)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	st, m := get(t, c, srv.URL+"/"+srv.TenantID()+"/v2.0/.well-known/openid-configuration")
	if st != 200 || !strings.HasPrefix(m["token_endpoint"].(string), srv.URL) {
		t.Fatalf("openid configuration: %d %v", st, m)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"cid"}, "client_secret": {"wrong"}, "scope": {srv.URL + "/.default"}}
	resp, err := c.PostForm(m["token_endpoint"].(string), form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("wrong secret: %d", resp.StatusCode)
	}
	form.Set("client_secret", "s3cret-value")
	resp, _ = c.PostForm(m["token_endpoint"].(string), form)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if st, _ := get(t, c, srv.GraphURL()+"/organization"); st != 401 {
		t.Fatalf("no token: %d, want 401", st)
	}
	req, _ := http.NewRequest("GET", srv.GraphURL()+"/organization", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("with token: %d", resp.StatusCode)
	}
}

func TestScenarioYAML(t *testing.T) {
	sc, err := ParseScenario([]byte(`
tenant: {id: 22222222-2222-4222-8222-222222222222, display_name: Fabrikam, domains: [{name: fabrikam.example, initial: true}]}
licence: p1
users:
  - {id: 00000001-0000-4000-8000-000000000001, display_name: A, upn: a@fabrikam.example, last_sign_in: 2026-09-01T10:00:00Z}
role_assignments:
  - {id: r1, principal_id: 00000001-0000-4000-8000-000000000001, role_definition_id: 62e90394-69f5-4237-9190-012177145e10}
`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(sc, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseScenario([]byte("tenant: {idd: x}\n")); err == nil {
		t.Fatal("unknown key accepted")
	}
	sc.RoleAssignments[0].PrincipalID = "nosuch"
	if _, err := New(sc, Options{}); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Fatalf("dangling reference not reported: %v", err)
	}
}

func TestGenerateDeterministic(t *testing.T) {
	p := GenerateParams{Users: 100, Guests: 20, ServicePrincipals: 40, RoleAssignments: 30}
	a, b := Generate(p), Generate(p)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("Generate is not deterministic")
	}
	if _, err := New(a, Options{}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	json.NewEncoder(&buf).Encode(a)
	if !strings.Contains(buf.String(), "msp.example#EXT#") {
		t.Fatal("no MSP guest generated")
	}
}
