package progress

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyholder/keyholder/scanners"
)

func TestQuietWhenNotATerminal(t *testing.T) {
	// A buffer (piped output) and a regular file are not terminals.
	var buf bytes.Buffer
	p, stop := New(&buf)
	if _, ok := p.(scanners.NopProgress); !ok {
		t.Fatalf("got %T for a buffer, want NopProgress", p)
	}
	p.Step("m365", "scanning", 0, 0)
	stop()
	if buf.Len() != 0 {
		t.Fatalf("wrote %q to a non-terminal", buf.String())
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) {
		t.Fatal("a regular file is not a terminal")
	}
	if p, _ := New(f); p != (scanners.NopProgress{}) {
		t.Fatalf("got %T for a file", p)
	}
}

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestDisplayTracksTargets(t *testing.T) {
	var buf lockedBuf
	d := Start(&buf, func() int { return 60 })
	d.Step("m365", "users", 10, 100)
	d.Step("corp-ad", "connecting", 0, 0)
	d.Step("m365", "done", 100, 100)
	d.Step("corp-ad", "failed: unreachable: connection refused (10.0.0.5:636)", 1, 1)
	got := d.Lines()
	if len(got) != 2 || got[0] != "✓ m365: done" || !strings.HasPrefix(got[1], "✗ corp-ad: failed: unreachable: connection refused") {
		t.Fatalf("lines: %q", got)
	}
	d.Write([]byte("time=x level=WARN msg=hello\n"))
	d.Stop()
	out := buf.String()
	if !strings.Contains(out, "level=WARN msg=hello\n") {
		t.Fatalf("log line not printed: %q", out)
	}
	// Lines are cut to the width, so none wraps.
	for _, l := range strings.Split(out, "\n") {
		if i := strings.LastIndex(l, "\x1b[J"); i >= 0 {
			l = l[i+3:]
		}
		if n := len([]rune(l)); n > 60 {
			t.Fatalf("line of %d runes: %q", n, l)
		}
	}
	// After Stop, Write goes straight through and Step is ignored.
	d.Step("x", "y", 0, 0)
	d.Write([]byte("after\n"))
	if !strings.HasSuffix(buf.String(), "after\n") {
		t.Fatalf("write after stop: %q", buf.String())
	}
}

// blockingWriter never returns from Write, like a terminal whose output
// is paused (Ctrl-S, a stuck pty reader).
type blockingWriter struct{ ch chan struct{} }

func (b blockingWriter) Write(p []byte) (int, error) { <-b.ch; return len(p), nil }

// Issue 14 item 1: Step and Write never block on the terminal, and Stop
// returns in bounded time even when the terminal takes no output.
func TestIssue14StepNeverBlocks(t *testing.T) {
	w := blockingWriter{ch: make(chan struct{})}
	defer close(w.ch)
	d := Start(w, func() int { return 80 })
	done := make(chan struct{})
	go func() {
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 2000; i++ {
					d.Step("t"+string(rune('a'+g)), "users", i, 2000)
					if i%100 == 0 {
						d.Write([]byte("log line\n"))
					}
				}
			}()
		}
		wg.Wait()
		d.Stop()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Step/Write/Stop blocked on a stalled terminal")
	}
}
