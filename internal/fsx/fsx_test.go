package fsx_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/keyholder/keyholder/internal/fsx"
	"github.com/keyholder/keyholder/internal/fsx/fsxtest"
)

// Files 0600 in directories 0700, or on Windows an owner-only protected
// DACL on both (issue 16: "0600 has no meaning there").
func TestWriteFileModesAndAtomicity(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "out")
	path := filepath.Join(dir, "snapshot.json")
	if err := fsx.WriteFile(path, []byte("one")); err != nil {
		t.Fatal(err)
	}
	// Rename over an existing file (MoveFileEx with REPLACE_EXISTING on
	// Windows) replaces it.
	if err := fsx.WriteFile(path, []byte("two")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "two" {
		t.Fatalf("content %q", b)
	}
	fsxtest.AssertPrivate(t, path)
	fsxtest.AssertPrivate(t, dir)
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestExistingDirectoryKeepsItsAccess(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	before := fsxtest.Access(t, dir)
	if err := fsx.WriteFile(filepath.Join(dir, "r.html"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	if after := fsxtest.Access(t, dir); after != before {
		t.Fatalf("existing directory changed from %s to %s", before, after)
	}
	fsxtest.AssertPrivate(t, filepath.Join(dir, "r.html"))
	f := filepath.Join(dir, "file")
	os.WriteFile(f, nil, 0o600)
	if err := fsx.WriteFile(filepath.Join(f, "x"), []byte("x")); err == nil {
		t.Fatal("want an error writing under a file")
	}
}

func TestMkdirPrivateAndRestrict(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "history")
	if err := fsx.MkdirPrivate(dir); err != nil {
		t.Fatal(err)
	}
	fsxtest.AssertPrivate(t, dir)
	f := filepath.Join(dir, "keyholder.db")
	if err := os.WriteFile(f, nil, fsx.FileMode); err != nil {
		t.Fatal(err)
	}
	if err := fsx.Restrict(f, false); err != nil {
		t.Fatal(err)
	}
	fsxtest.AssertPrivate(t, f)
}
