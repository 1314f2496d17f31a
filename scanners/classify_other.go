//go:build !windows

package scanners

import "syscall"

// The system error numbers Classify recognises (classify_windows.go adds
// Winsock's).
var (
	errsRefused = []error{syscall.ECONNREFUSED}
	errsNoRoute = []error{syscall.EHOSTUNREACH, syscall.ENETUNREACH}
	errsTimeout = []error{syscall.ETIMEDOUT}
)
