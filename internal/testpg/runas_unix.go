//go:build unix

package testpg

import (
	"os/exec"
	"syscall"
)

// apply makes cmd run as r.
func (r *runAs) apply(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(r.uid), Gid: uint32(r.gid)}}
}
