package progress

import (
	"bytes"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/keyholder/keyholder/scanners"
)

// Display shows one line per target with its current step on a terminal.
// It is safe for concurrent use; see the package contract.
type Display struct {
	w     io.Writer
	width func() int

	mu      sync.Mutex
	order   []string
	lines   map[string]*line
	pending bytes.Buffer // log output to print above the block
	closed  bool

	wake    chan struct{}
	quit    chan struct{}
	stopped chan struct{}
	once    sync.Once

	// drawn is the number of block lines on screen; renderer only.
	drawn int
	frame int
}

type line struct {
	step        string
	done, total int
	final       bool // "done" or "failed…": no spinner
}

// interval is the redraw rate; stopWait bounds Stop.
const (
	interval = 120 * time.Millisecond
	stopWait = 500 * time.Millisecond
	// maxPending bounds log output held for a stalled terminal.
	maxPending = 1 << 20
)

// New returns a progress display writing to w when w is a terminal, or a
// no-op when it is not (piped output, CI logs, files). The stop function
// erases the display; it is safe to call more than once.
func New(w io.Writer) (scanners.Progress, func()) {
	f, ok := w.(*os.File)
	if !ok || !IsTerminal(f) {
		return scanners.NopProgress{}, func() {}
	}
	d := Start(w, func() int {
		if c, _, err := term.GetSize(int(f.Fd())); err == nil && c > 0 {
			return c
		}
		return 80
	})
	return d, d.Stop
}

// Start starts a display on w (assumed to be a terminal) whose width is
// given by width.
func Start(w io.Writer, width func() int) *Display {
	d := &Display{
		w: w, width: width, lines: map[string]*line{},
		wake: make(chan struct{}, 1), quit: make(chan struct{}), stopped: make(chan struct{}),
	}
	go d.run()
	return d
}

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd()))
}

// Step updates target's line. It never blocks on output.
func (d *Display) Step(target, step string, done, total int) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	l, ok := d.lines[target]
	if !ok {
		l = &line{}
		d.lines[target] = l
		d.order = append(d.order, target)
	}
	l.step, l.done, l.total = step, done, total
	l.final = step == "done" || strings.HasPrefix(step, "failed") || strings.HasPrefix(step, "cancelled")
	d.mu.Unlock()
	d.poke()
}

// Write prints p (log lines) above the progress block. It never blocks on
// the terminal; after Stop it writes straight through.
func (d *Display) Write(p []byte) (int, error) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return d.w.Write(p)
	}
	if d.pending.Len()+len(p) <= maxPending {
		d.pending.Write(p)
	}
	d.mu.Unlock()
	d.poke()
	return len(p), nil
}

func (d *Display) poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Stop erases the block and stops the renderer. It waits at most a short
// bounded time for a terminal that does not take output.
func (d *Display) Stop() {
	d.once.Do(func() {
		close(d.quit)
		select {
		case <-d.stopped:
		case <-time.After(stopWait):
		}
		d.mu.Lock()
		d.closed = true
		d.mu.Unlock()
	})
}

// Lines returns the current text of every target's line, in first-seen
// order (for tests).
func (d *Display) Lines() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]string, 0, len(d.order))
	for _, t := range d.order {
		out = append(out, d.text(t, d.lines[t], 0))
	}
	return out
}

var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

func (d *Display) run() {
	defer close(d.stopped)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	last := time.Time{}
	for {
		select {
		case <-d.quit:
			d.render(true)
			return
		case <-d.wake:
			// Coalesce bursts: at most one redraw per interval, except
			// that log lines are printed at once.
			d.mu.Lock()
			hasLog := d.pending.Len() > 0
			d.mu.Unlock()
			if !hasLog && time.Since(last) < interval {
				continue
			}
		case <-tick.C:
			d.frame++
		}
		d.render(false)
		last = time.Now()
	}
}

// render draws the block; final erases it instead. Only the renderer
// goroutine calls it; the lock is held only to copy the state.
func (d *Display) render(final bool) {
	width := d.width()
	d.mu.Lock()
	logs := d.pending.String()
	d.pending.Reset()
	var block []string
	if !final {
		for _, t := range d.order {
			block = append(block, fit(d.text(t, d.lines[t], d.frame), width))
		}
	}
	d.mu.Unlock()

	var b strings.Builder
	if d.drawn > 0 {
		b.WriteString("\r")
		if d.drawn > 1 {
			b.WriteString("\x1b[" + itoa(d.drawn-1) + "A")
		}
		b.WriteString("\x1b[J") // clear to end of screen
	}
	if logs != "" {
		b.WriteString(logs)
		if !strings.HasSuffix(logs, "\n") {
			b.WriteString("\n")
		}
	}
	for i, l := range block {
		b.WriteString(l)
		if i < len(block)-1 {
			b.WriteString("\n")
		}
	}
	d.drawn = len(block)
	if b.Len() > 0 {
		_, _ = io.WriteString(d.w, b.String())
	}
}

func (d *Display) text(target string, l *line, frame int) string {
	var b strings.Builder
	if l.final {
		if strings.HasPrefix(l.step, "failed") {
			b.WriteString("✗ ")
		} else {
			b.WriteString("✓ ")
		}
	} else {
		b.WriteString(spinner[frame%len(spinner)] + " ")
	}
	b.WriteString(target)
	b.WriteString(": ")
	b.WriteString(l.step)
	if l.total > 0 && !l.final {
		b.WriteString(" (" + itoa(l.done) + "/" + itoa(l.total) + ")")
	}
	return b.String()
}

// fit cuts s to width columns (runes), so no line wraps and the cursor
// arithmetic stays right.
func fit(s string, width int) string {
	if width <= 1 {
		width = 80
	}
	s = strings.ReplaceAll(s, "\n", " ")
	if utf8.RuneCountInString(s) < width {
		return s
	}
	r := []rune(s)
	return string(r[:width-2]) + "…"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}
