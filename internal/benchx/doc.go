// Package benchx measures what the benchmarks report besides time: the
// process's CPU time (less sensitive than wall time on a busy machine),
// the calling thread's CPU time where the platform says, and the peak
// resident set size. It is imported by _test.go benchmarks only.
package benchx
