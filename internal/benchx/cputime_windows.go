//go:build windows

package benchx

import (
	"time"

	"golang.org/x/sys/windows"
)

// CPUTime returns the CPU time (user and kernel) the process has used.
func CPUTime() time.Duration {
	var c, e, k, u windows.Filetime
	if err := windows.GetProcessTimes(windows.CurrentProcess(), &c, &e, &k, &u); err != nil {
		return 0
	}
	return filetime(k) + filetime(u)
}

// ThreadCPUTime would be the calling thread's CPU time: not measured on
// Windows (x/sys/windows has no GetThreadTimes); 0, as the benchmark
// expects where it is unknown.
func ThreadCPUTime() time.Duration { return 0 }

// filetime is a FILETIME duration (100 ns units).
func filetime(f windows.Filetime) time.Duration {
	return time.Duration(int64(f.HighDateTime)<<32|int64(f.LowDateTime)) * 100
}
