package policies

import (
	"context"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestRegoUnitTests runs the Rego tests under testdata/rego against the
// built-in modules with OPA's test runner, as `opa test` would.
func TestRegoUnitTests(t *testing.T) {
	modules := map[string]*ast.Module{}
	add := func(name, src string) {
		m, err := ast.ParseModuleWithOpts(name, src, ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
		if err != nil {
			t.Fatal(err)
		}
		modules[name] = m
	}
	err := fs.WalkDir(builtinFS, "checks", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".rego") {
			return err
		}
		b, err := builtinFS.ReadFile(path)
		if err == nil {
			add(path, string(b))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("testdata/rego/lib_test.rego")
	if err != nil {
		t.Fatal(err)
	}
	add("testdata/rego/lib_test.rego", string(b))

	ch, err := tester.NewRunner().SetModules(modules).EnableTracing(false).RunTests(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for r := range ch {
		n++
		if r.Error != nil {
			t.Errorf("%s.%s: %v", r.Package, r.Name, r.Error)
		} else if r.Fail {
			t.Errorf("%s.%s failed", r.Package, r.Name)
		}
	}
	if n < 5 {
		t.Fatalf("ran %d Rego tests, want at least 5", n)
	}
}
