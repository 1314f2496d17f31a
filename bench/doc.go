// Package bench holds bench/run, the script a maintainer runs before and
// after a change: every scanner benchmark, the end-to-end and evaluation
// benchmarks, one table of requests, wall time, CPU and peak RSS (see
// README.md). The package has no code; its test checks the script's syntax
// and that it finds every benchmark it should. It must not run the
// benchmarks in `go test`: times are never asserted.
package bench
