package progress

import (
	"io"
	"os"
	"sync"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/keyholder/keyholder/scanners"
)

// Display shows one line per target with its current step on a terminal.
type Display struct {
	mu   sync.Mutex
	p    *mpb.Progress
	bars map[string]*bar
}

type bar struct {
	b    *mpb.Bar
	step string
}

// New returns a progress display writing to w when w is a terminal, or a
// no-op when it is not (piped output, CI logs, files).
func New(w io.Writer) (scanners.Progress, func()) {
	f, ok := w.(*os.File)
	if !ok || !IsTerminal(f) {
		return scanners.NopProgress{}, func() {}
	}
	d := newDisplay(w)
	return d, d.stop
}

func newDisplay(w io.Writer) *Display {
	return &Display{p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(24)), bars: map[string]*bar{}}
}

// IsTerminal reports whether f is a character device (a terminal).
func IsTerminal(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	return fi.Mode()&os.ModeCharDevice != 0
}

// Step updates target's line.
func (d *Display) Step(target, step string, done, total int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	b, ok := d.bars[target]
	if !ok {
		b = &bar{step: step}
		name := target
		b.b = d.p.New(0, mpb.SpinnerStyle(),
			mpb.PrependDecorators(decor.Name(name, decor.WCSyncSpaceR)),
			mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
				d.mu.Lock()
				defer d.mu.Unlock()
				return b.step
			})),
			mpb.BarFillerClearOnComplete(),
		)
		d.bars[target] = b
	}
	b.step = step
	if total > 0 {
		b.b.SetTotal(int64(total), false)
		b.b.SetCurrent(int64(done))
		if done >= total && (step == "done" || step == "failed") {
			b.b.SetTotal(int64(total), true)
		}
	}
}

func (d *Display) stop() {
	d.mu.Lock()
	for _, b := range d.bars {
		if !b.b.Completed() {
			b.b.Abort(false)
		}
	}
	d.mu.Unlock()
	d.p.Wait()
}
