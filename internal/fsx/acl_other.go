//go:build !windows

package fsx

// restrict is a no-op where the file mode (0600/0700) already keeps
// everyone but the owner out.
func restrict(string, bool) error { return nil }
