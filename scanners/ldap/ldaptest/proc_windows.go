//go:build windows

package ldaptest

import (
	"os/exec"
	"syscall"
)

// The test servers (slapd, Samba) do not run on Windows; these keep the
// package compiling there so the tests that import it build and skip.
func ownProcessGroup(*exec.Cmd) {}

func signalGroup(cmd *exec.Cmd, _ syscall.Signal) { _ = cmd.Process.Kill() }
