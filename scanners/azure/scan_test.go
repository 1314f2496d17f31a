package azure

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
)

// TestGolden compares the whole snapshot of testdata/tenant.yaml with the
// golden file (go test ./scanners/azure -run TestGolden -update).
func TestGolden(t *testing.T) {
	f := newFixture(t, loadScenario(t), "")
	snap := f.scan(t)
	var buf bytes.Buffer
	if err := snap.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	// The fake listens on a random port; the golden file holds a fixed one.
	got := strings.ReplaceAll(buf.String(), f.srv.URL, "https://arm.example")
	path := filepath.Join("testdata", "golden", "tenant.json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("snapshot differs from %s (run with -update and review the diff)", path)
	}
	_ = findings.SchemaVersion
}
