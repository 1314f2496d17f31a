package fsxtest

import (
	"os"
	"testing"
)

// AssertPrivate fails t unless path (a file or a directory keyholder
// created) is readable by its owner only: mode 0600 for a file and 0700
// for a directory, or on Windows a DACL whose entries all grant access to
// the current user and nobody else (not checkable under Wine,
// which does not keep DACLs: see UnderWine).
func AssertPrivate(t testing.TB, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("fsxtest: %v", err)
	}
	if err := ownerOnly(path, fi); err != nil {
		t.Errorf("%s is not private to its owner: %v", path, err)
	}
}

// Access returns a description of who may read path: its mode, or on
// Windows its DACL in SDDL. Tests compare it before and after to show that
// keyholder left an existing folder's access as it was.
func Access(t testing.TB, path string) string {
	t.Helper()
	s, err := access(path)
	if err != nil {
		t.Fatalf("fsxtest: %v", err)
	}
	return s
}
