package entra_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/scan"
	"github.com/keyholder/keyholder/internal/sim/graph"
	"github.com/keyholder/keyholder/scanners/all"
)

// TestScanRunner runs the entra target through the same runner and
// registry as `keyholder scan`, from a keyholder.yaml, against the fake
// tenant over TLS with the client-secret method.
func TestScanRunner(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "tenant.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := graph.ParseScenario(b)
	if err != nil {
		t.Fatal(err)
	}
	const clientID, secret = "c1e40000-0000-4000-8000-000000000abc", "runner-secret-4e9d1c"
	srv := graph.NewTest(t, sc, graph.Options{TLS: true, ClientID: clientID, ClientSecret: secret, RequireAuth: true})
	dir := t.TempDir()
	ca, err := srv.CAFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("KH_RUNNER_GRAPH_SECRET", secret)
	cfgText := fmt.Sprintf(`organization:
  name: Contoso Ltd
  domains: [contoso.example, contoso.onmicrosoft.example]
  entra_tenants: [%s]
providers:
  - name: MSP Ltd
    kind: msp
    domains: [msp.example]
    entra_tenants: [0e5b0000-0000-4000-8000-00000000beef]
targets:
  - type: entra
    name: m365
    tenant_id: %s
    graph_endpoint: %s
    authority_host: %s
    ca_file: %s
    auth: {method: client_secret, client_id: %s, secret_env: KH_RUNNER_GRAPH_SECRET}
`, srv.TenantID(), srv.TenantID(), srv.URL, srv.URL, ca, clientID)
	path := filepath.Join(dir, "keyholder.yaml")
	if err := os.WriteFile(path, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	snap, err := scan.Run(context.Background(), cfg, all.Registry(), scan.Options{Now: func() time.Time { return now }, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if errs := snap.Validate(); len(errs) > 0 {
		t.Fatalf("invalid snapshot: %v", errs)
	}
	var sys *findings.System
	for i := range snap.Systems {
		if snap.Systems[i].ID == "m365" {
			sys = &snap.Systems[i]
		}
	}
	if sys == nil || sys.NativeID != srv.TenantID() {
		t.Fatalf("entra system missing: %+v", snap.Systems)
	}
	for _, g := range snap.Gaps {
		if g.System == "m365" && g.Collection != "trusts/gdap" {
			t.Errorf("unexpected gap: %+v", g)
		}
	}
	super := 0
	for _, g := range snap.Grants {
		if g.System == "m365" && g.Level == findings.LevelSuperAdmin {
			super++
		}
	}
	if super < 6 {
		t.Errorf("super_admin grants = %d", super)
	}
	var out bytes.Buffer
	if err := snap.Encode(&out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), secret) {
		t.Error("secret in the snapshot")
	}
}
