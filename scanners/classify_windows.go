//go:build windows

package scanners

import (
	"syscall"

	"golang.org/x/sys/windows"
)

// On Windows the net package's errors carry Winsock's error numbers, which
// are not the POSIX ones syscall.ECONNREFUSED and friends stand for there.
var (
	errsRefused = []error{syscall.ECONNREFUSED, windows.WSAECONNREFUSED}
	errsNoRoute = []error{syscall.EHOSTUNREACH, syscall.ENETUNREACH, windows.WSAEHOSTUNREACH, windows.WSAENETUNREACH}
	errsTimeout = []error{syscall.ETIMEDOUT, windows.WSAETIMEDOUT}
)
