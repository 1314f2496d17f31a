package progress

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

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

func TestDisplayTracksTargets(t *testing.T) {
	// Drive the terminal display directly into a buffer.
	var buf bytes.Buffer
	d := newDisplay(&buf)
	d.Step("m365", "users", 10, 100)
	d.Step("corp-ad", "scanning", 0, 0)
	d.Step("m365", "done", 100, 100)
	d.Step("corp-ad", "failed", 1, 1)
	d.stop()
	if len(d.bars) != 2 || d.bars["m365"].step != "done" || d.bars["corp-ad"].step != "failed" {
		t.Fatalf("bars: %+v", d.bars)
	}
}
