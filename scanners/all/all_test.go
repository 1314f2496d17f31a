package all

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEveryScannerIsComplete is the meta-test of CONTRIBUTING.md: each
// registered scanner has a README with its read-only permissions, testdata,
// and a conformance run, and documents at least one permission or says it
// needs none.
func TestEveryScannerIsComplete(t *testing.T) {
	reg := Registry()
	if len(reg.Types()) == 0 {
		t.Fatal("no scanner registered")
	}
	for _, typ := range reg.Types() {
		t.Run(typ, func(t *testing.T) {
			dir := filepath.Join("..", typ)
			readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
			if err != nil {
				t.Fatalf("scanner %q has no README.md: %v", typ, err)
			}
			if !regexp.MustCompile(`(?m)^## Permissions`).Match(readme) {
				t.Errorf("scanners/%s/README.md has no \"## Permissions\" section", typ)
			}
			if fi, err := os.Stat(filepath.Join(dir, "testdata")); err != nil || !fi.IsDir() {
				t.Errorf("scanners/%s has no testdata/ folder", typ)
			}
			tests, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
			found := false
			for _, f := range tests {
				b, _ := os.ReadFile(f)
				if strings.Contains(string(b), "scannertest.Run(") {
					found = true
				}
			}
			if !found {
				t.Errorf("scanners/%s has no test calling scannertest.Run", typ)
			}
			f, _ := reg.Lookup(typ)
			p := f.Permissions()
			if p.Type != typ {
				t.Errorf("Permissions().Type = %q, want %q", p.Type, typ)
			}
			if len(p.Items) == 0 && p.Summary == "" {
				t.Errorf("scanner %q documents no permissions", typ)
			}
			if f.Summary == "" {
				t.Errorf("scanner %q has no summary", typ)
			}
		})
	}
}
