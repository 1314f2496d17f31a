package policies

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// TestBuiltinsCompileStrict: the built-in modules pass OPA's strict mode
// (no unused variables, imports or shadowed names).
func TestBuiltinsCompileStrict(t *testing.T) {
	modules := map[string]*ast.Module{}
	err := fs.WalkDir(builtinFS, "checks", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".rego") {
			return err
		}
		src, err := builtinFS.ReadFile(path)
		if err != nil {
			return err
		}
		m, err := ast.ParseModuleWithOpts(path, string(src), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
		if err != nil {
			return err
		}
		modules[path] = m
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c := ast.NewCompiler().WithStrict(true).WithCapabilities(capabilities())
	if c.Compile(modules); c.Failed() {
		t.Fatal(formatErrors(c.Errors))
	}
}
