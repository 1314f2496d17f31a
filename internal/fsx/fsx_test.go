package fsx

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileModesAndAtomicity(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "out")
	path := filepath.Join(dir, "snapshot.json")
	if err := WriteFile(path, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("two")); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	fi, _ := os.Stat(path)
	di, _ := os.Stat(dir)
	if string(b) != "two" || fi.Mode().Perm() != FileMode || di.Mode().Perm() != DirMode {
		t.Fatalf("content %q file %v dir %v", b, fi.Mode().Perm(), di.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestExistingDirectoryKeepsItsMode(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	if err := WriteFile(filepath.Join(dir, "r.html"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	di, _ := os.Stat(dir)
	if di.Mode().Perm() != 0o755 {
		t.Fatalf("existing directory changed to %v", di.Mode().Perm())
	}
	f := filepath.Join(dir, "file")
	os.WriteFile(f, nil, 0o600)
	if err := WriteFile(filepath.Join(f, "x"), []byte("x")); err == nil {
		t.Fatal("want an error writing under a file")
	}
}
