package github

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestIssue13WireShapes checks the simulator's organisation roles, role
// assignments and fine-grained token grants against the required
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
}
