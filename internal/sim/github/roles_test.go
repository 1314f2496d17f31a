package github

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestIssue13WireShapes checks the simulator's organisation roles, role
// assignments, fine-grained token grants and SSO credential authorisations
// against the required
// properties of GitHub's OpenAPI description (installed with Prism by
// scanners/github/testdata/install-prism.sh).
func TestIssue13WireShapes(t *testing.T) {
	dir := os.Getenv("KEYHOLDER_PRISM_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", ".cache", "prism")
	}
	raw, err := os.ReadFile(filepath.Join(dir, "node_modules", "@octokit", "openapi", "generated", "api.github.com.json"))
	if err != nil {
		if os.Getenv("KEYHOLDER_REQUIRE_SERVERS") == "1" {
			t.Fatal(err)
		}
		t.Skip("GitHub's OpenAPI description is not installed: ", err)
	}
	var spec struct {
		Components struct {
			Schemas map[string]struct {
				Required []string `json:"required"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	sc, err := LoadScenario(filepath.Join("..", "..", "..", "scanners", "github", "testdata", "contoso.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	f, srv := serve(t, sc, Options{})
	root := srv.URL
	check := func(schema string, v any) {
		t.Helper()
		b, _ := json.Marshal(v)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", schema, err)
		}
		req := spec.Components.Schemas[schema].Required
		if len(req) == 0 {
			t.Fatalf("schema %s not in the description", schema)
		}
		for _, k := range req {
			if _, ok := m[k]; !ok {
				t.Errorf("%s: required property %q missing in %s", schema, k, b)
			}
		}
	}
	for i := range sc.OrgRoles {
		check("organization-role", f.orgRole(root, &sc.OrgRoles[i]))
	}
	for i := range sc.PATs {
		check("organization-programmatic-access-grant", f.patObj(root, &sc.PATs[i], false))
	}
	for i := range sc.PATRequests {
		check("organization-programmatic-access-grant-request", f.patObj(root, &sc.PATRequests[i], true))
	}
	for _, path := range []string{"/orgs/contoso/organization-roles/8001/users", "/orgs/contoso/organization-roles/8002/teams"} {
		resp, body := get(t, root+path, "ghp_owner_contoso_0123456789abcdef")
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		var items []map[string]any
		if err := json.Unmarshal(body, &items); err != nil || len(items) != 1 {
			t.Fatalf("%s: %v %s", path, err, body)
		}
		schema := "user-role-assignment"
		if filepath.Base(path) == "teams" {
			schema = "team-role-assignment"
		}
		check(schema, items[0])
	}
	// Only an app's installation token may list tokens.
	if resp, _ := get(t, root+"/orgs/contoso/personal-access-tokens", "ghp_owner_contoso_0123456789abcdef"); resp.StatusCode != 403 {
		t.Errorf("tokens listed to a personal token: %d", resp.StatusCode)
	}
	// SSO credential authorisations: the credential-authorization shape to
	// owners, 403 to members, 404 without SAML SSO.
	resp, body := get(t, root+"/orgs/contoso/credential-authorizations", "ghp_owner_contoso_0123456789abcdef")
	var auths []map[string]any
	if resp.StatusCode != 200 || json.Unmarshal(body, &auths) != nil || len(auths) != len(sc.CredentialAuthorizations) {
		t.Fatalf("credential authorizations: %d %s", resp.StatusCode, body)
	}
	// The endpoint is Enterprise Cloud only: its schema is in the GHEC
	// description, not api.github.com's.
	ghec, err := os.ReadFile(filepath.Join(dir, "node_modules", "@octokit", "openapi", "generated", "ghec.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(ghec, &spec); err != nil {
		t.Fatal(err)
	}
	for _, a := range auths {
		check("credential-authorization", a)
	}
	if auths[0]["credential_type"] != "personal access token" || auths[0]["token_last_eight"] != "a1b2c3d4" || auths[2]["credential_type"] != "SSH key" {
		t.Errorf("credential authorizations = %s", body)
	}
	if resp, _ := get(t, root+"/orgs/contoso/credential-authorizations", "ghp_member_contoso_0123456789abcdef"); resp.StatusCode != 403 {
		t.Errorf("credential authorizations to a member: %d", resp.StatusCode)
	}
	sc.Org.SAMLSSO = false
	_, srv2 := serve(t, sc, Options{})
	if resp, _ := get(t, srv2.URL+"/orgs/contoso/credential-authorizations", "ghp_owner_contoso_0123456789abcdef"); resp.StatusCode != 404 {
		t.Errorf("credential authorizations without SAML SSO: %d, want 404", resp.StatusCode)
	}
}
