//go:build !windows

package fsxtest

import (
	"fmt"
	"os"
)

func ownerOnly(_ string, fi os.FileInfo) error {
	want := os.FileMode(0o600)
	if fi.IsDir() {
		want = 0o700
	}
	if got := fi.Mode().Perm(); got != want {
		return fmt.Errorf("mode %v, want %v", got, want)
	}
	return nil
}

func access(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	return fi.Mode().Perm().String(), nil
}

// UnderWine reports whether the process runs under Wine: never, here.
func UnderWine() bool { return false }
