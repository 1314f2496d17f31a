//go:build !windows

package benchx

import (
	"syscall"
	"time"
)

// CPUTime returns the CPU time (user and system) the process has used:
// on a shared machine it says more than wall time.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ThreadCPUTime returns the CPU time of the calling OS thread (Linux
// RUSAGE_THREAD), or 0.
func ThreadCPUTime() time.Duration {
	const rusageThread = 1
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
