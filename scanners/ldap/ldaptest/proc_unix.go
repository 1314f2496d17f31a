//go:build !windows

package ldaptest

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup starts cmd in its own process group, so signalGroup
// reaches the daemons it forks.
func ownProcessGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// signalGroup sends sig to cmd's process group.
func signalGroup(cmd *exec.Cmd, sig syscall.Signal) { _ = syscall.Kill(-cmd.Process.Pid, sig) }
