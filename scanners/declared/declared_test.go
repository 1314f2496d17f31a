package declared

import (
	"bytes"
	"context"
	"flag"
	"github.com/keyholder/keyholder/findings"
	"os"
	"path/filepath"
	"testing"

	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func load(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Load(filepath.Join("testdata", "keyholder.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func newFromConfig(t *testing.T, env scanners.Env) scanners.Scanner {
	env.Config = load(t)
	s, err := Factory().New(config.Target{Type: Type, Name: SystemID}, env)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	scannertest.Run(t, scannertest.Suite{New: newFromConfig, RunnerSystems: []string{"m365"}})
}

func TestGolden(t *testing.T) {
	var logs bytes.Buffer
	snap, err := newFromConfig(t, scannertest.Env(&logs)).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got, err := snap.CanonicalJSON()
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "snapshot.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("snapshot differs from %s; run go test ./scanners/declared -update and review the diff", golden)
	}
}

func TestItemsPlacedAndDated(t *testing.T) {
	var logs bytes.Buffer
	snap, err := newFromConfig(t, scannertest.Env(&logs)).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Licences) != 2 || len(snap.Backups) != 2 || len(snap.Trusts) != 1 || len(snap.Assets) != 4 || len(snap.Attestations) != 1 {
		t.Fatalf("counts: %d licences %d backups %d trusts %d assets %d attestations", len(snap.Licences), len(snap.Backups), len(snap.Trusts), len(snap.Assets), len(snap.Attestations))
	}
	for _, l := range snap.Licences {
		switch l.Product {
		case "Microsoft 365 E3":
			if l.System != "m365" || l.Renews == nil || l.Renews.Format("2006-01-02") != "2027-06-30" || l.Notice == nil || l.Notice.NoEarlierThanDays != 180 || l.Channel != "declared" || l.OwnerOfRecord != "Acme IT" {
				t.Errorf("licence: %+v", l)
			}
		case "Adobe Acrobat":
			if l.System != SystemID || l.Notice != nil {
				t.Errorf("licence: %+v", l)
			}
		}
	}
	tr := snap.Trusts[0]
	if tr.System != "m365" || tr.Verified == nil || tr.Verified.Format("2006-01-02") != "2026-11-01" || tr.CounterpartyKind != "entra_tenant" || tr.Provider != "Acme IT" || tr.Attributes["relationship_kind"] != "gdap" {
		t.Errorf("relationship: %+v", tr)
	}
	for _, b := range snap.Backups {
		if b.Name == "NAS" && (len(b.Copies) != 1 || b.Copies[0].Owner != "Acme IT" || !b.Immutable) {
			t.Errorf("backup: %+v", b)
		}
	}
	// Issue 13: declared tools attribute remote-management agents.
	tools := 0
	for _, a := range snap.Assets {
		if a.Kind != findings.AssetToolDeclaration {
			continue
		}
		tools++
		switch a.Name {
		case "NinjaOne":
			if a.Provider != "Acme IT" || a.OwnerOfRecord != "Acme IT" || a.Attributes["instance"] != "acme.rmmservice.eu" || a.Attributes["allowed"] != "false" {
				t.Errorf("tool: %+v", a)
			}
		case "TeamViewer":
			if a.Provider != "customer" || a.Attributes["allowed"] != "true" {
				t.Errorf("tool: %+v", a)
			}
		}
	}
	if tools != 2 {
		t.Errorf("%d tool declarations, want 2", tools)
	}
	if snap.Attestations[0].Date.Format("2006-01-02") != "2026-01-15" {
		t.Errorf("attestation: %+v", snap.Attestations[0])
	}
}
