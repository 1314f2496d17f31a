//go:build !unix

package testpg

import "os/exec"

// apply does nothing where processes have no Unix credentials: there the
// tests do not run as root, so no other user is needed.
func (r *runAs) apply(*exec.Cmd) {}
