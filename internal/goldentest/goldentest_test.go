package goldentest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records failures instead of stopping.
type recorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Errorf(f string, a ...any) { r.failed = true; r.msg = f }
func (r *recorder) Fatalf(f string, a ...any) { r.failed = true; r.msg = f; panic(r) }
func (r *recorder) Fatal(a ...any)            { r.failed = true; panic(r) }

func check(t *testing.T, path string, got string, update bool) *recorder {
	r := &recorder{TB: t}
	func() {
		defer func() {
			if p := recover(); p != nil && p != r {
				panic(p)
			}
		}()
		Check(r, path, []byte(got), update)
	}()
	return r
}

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "x.golden")
	if r := check(t, path, "one\n", false); !r.failed || !strings.Contains(r.msg, "-update") {
		t.Fatalf("missing golden file passed: %+v", r)
	}
	if r := check(t, path, "one\n", true); r.failed {
		t.Fatalf("update failed: %s", r.msg)
	}
	if b, _ := os.ReadFile(path); string(b) != "one\n" {
		t.Fatalf("written %q", b)
	}
	if r := check(t, path, "one\n", false); r.failed {
		t.Fatalf("same content failed: %s", r.msg)
	}
	if r := check(t, path, "two\n", false); !r.failed {
		t.Fatal("a difference passed")
	}
}
