package fsx

import (
	"fmt"
	"os"
	"path/filepath"
)

// File and directory modes for everything keyholder writes: reports and
// snapshots describe who holds the keys, so only the owner may read them.
// On Windows, where a mode is only the read-only attribute, new files and
// directories get an owner-only, non-inherited ACL instead (acl_windows.go).
const (
	FileMode os.FileMode = 0o600
	DirMode  os.FileMode = 0o700
)

// MkdirPrivate creates dir (and missing parents) with mode 0700. An
// existing directory is left as it is: restricting it could lock others
// out of a shared folder such as the current directory, and every file
// keyholder writes into it is 0600 anyway.
func MkdirPrivate(dir string) error {
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("create %s: not a directory", dir)
		}
		return nil
	}
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	// MkdirAll applies the umask; make the leaf exactly 0700.
	if err := os.Chmod(dir, DirMode); err != nil {
		return fmt.Errorf("restrict %s: %w", dir, err)
	}
	// On Windows the mode means nothing: an owner-only ACL instead.
	return restrict(dir, true)
}

// WriteFile writes data to path atomically (temporary file and rename)
// with mode 0600, creating its directory with mode 0700.
func WriteFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := MkdirPrivate(dir); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	name := tmp.Name()
	defer os.Remove(name) // no-op after a successful rename
	if err := tmp.Chmod(FileMode); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := restrict(name, false); err != nil { // Windows: owner-only ACL
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Restrict gives path an owner-only ACL on Windows (dir: inherited by what
// is created inside) and does nothing elsewhere, where the 0600/0700 mode
// the caller created it with already does that. For files not written
// through WriteFile, such as the run history database.
func Restrict(path string, dir bool) error { return restrict(path, dir) }
