package main

import (
	"github.com/keyholder/keyholder/internal/progress"
	"github.com/keyholder/keyholder/scanners"
)

// startProgress shows scan progress on stderr when it is a terminal (and
// logs are not JSON). While it runs, log lines are printed above it. The
// returned stop erases it; call it before writing anything else.
func (a *app) startProgress() (scanners.Progress, func()) {
	if a.jsonLogs.Load() {
		return scanners.NopProgress{}, func() {}
	}
	prog, stop := progress.New(a.stderr)
	d, ok := prog.(*progress.Display)
	if !ok {
		return prog, stop
	}
	a.logw.set(d)
	return d, func() {
		stop()
		a.logw.set(a.stderr)
	}
}
