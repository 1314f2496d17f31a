package github_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/scan"
	ghsim "github.com/keyholder/keyholder/internal/sim/github"
	"github.com/keyholder/keyholder/scanners/all"
)

// TestScanPipeline runs what `keyholder scan` runs (the registry, the
// runner, strict config loading from a file, the token from the
// environment) against the fake, next to a second target that fails.
func TestScanPipeline(t *testing.T) {
	sc, err := ghsim.LoadScenario(filepath.Join("testdata", "contoso.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(ghsim.New(sc, ghsim.Options{Now: func() time.Time { return now }}))
	defer srv.Close()
	t.Setenv("KEYHOLDER_TEST_GH_TOKEN", "ghp_owner_contoso_0123456789abcdef")

	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "keyholder.yaml")
	doc := `organization: {name: Contoso Ltd, domains: [contoso.com], github_orgs: [contoso]}
providers:
  - {name: Acme IT, kind: msp, domains: [acme-it.com], github_orgs: [acme-it]}
sensitive:
  - {name: HR, github_repos: [contoso/payroll]}
targets:
  - type: github
    name: gh
    org: contoso
    api_url: ` + srv.URL + `
    token_env: KEYHOLDER_TEST_GH_TOKEN
  - type: github
    name: gh-other
    org: other
    api_url: ` + srv.URL + `
    token_env: KEYHOLDER_TEST_GH_TOKEN
`
	if err := os.WriteFile(cfgPath, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	red := &config.Redactor{}
	snap, err := scan.Run(context.Background(), cfg, all.Registry(), scan.Options{Now: func() time.Time { return now }, Redactor: red, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	systems := map[string]bool{}
	for _, s := range snap.Systems {
		systems[s.ID] = true
	}
	if !systems["gh"] || !systems["gh-other"] {
		t.Fatalf("systems: %+v", snap.Systems)
	}
	owner := findings.PrincipalID(findings.PrincipalUser, "gh", "201")
	found := false
	for _, g := range snap.Grants {
		if g.PrincipalID == owner && g.Privilege == "owner" && g.Level == findings.LevelSuperAdmin {
			found = true
		}
	}
	if !found {
		t.Error("the MSP owner's grant is missing from the merged snapshot")
	}
	// The unknown organisation failed alone, as a gap on its system.
	failed := false
	for _, g := range snap.Gaps {
		if g.System == "gh-other" {
			failed = true
		}
		if g.System == "gh" && g.Collection != "credentials/personal_access_tokens" {
			t.Errorf("gap on the good target: %+v", g)
		}
	}
	if !failed {
		t.Errorf("no gap for the failed target: %+v", snap.Gaps)
	}
	if len(red.Secrets()) == 0 {
		t.Error("the token was not registered with the redactor")
	}
}
