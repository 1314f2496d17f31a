//go:build !windows

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// ptyIterations is how many times TestIssue14PTY runs the scenario:
// KEYHOLDER_PTY_ITERATIONS, default 100 (each takes a fraction of a
// second; the issue asks for 100 passes in a row).
func ptyIterations(t *testing.T) int {
	if s := os.Getenv("KEYHOLDER_PTY_ITERATIONS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("KEYHOLDER_PTY_ITERATIONS=%q", s)
		}
		return n
	}
	return 100
}

// Issue 14 item 1: under a real pseudo-terminal (and piped), with a slow,
// a failing and hanging targets, the progress display never blocks the
// scan; a failed target's line shows the reason; the scrollback holds no
// repeated spinner lines; Ctrl-C (the ^C byte typed into the terminal)
// and SIGTERM stop the scan, write the partial snapshot and exit 1.
// Repeated many times to catch the deadlock, with -race in CI.
func TestIssue14PTY(t *testing.T) {
	f := startFakes(t)
	bin := keyholderBin(t)
	n := ptyIterations(t)
	var worst time.Duration
	for i := 0; i < n; i++ {
		dir := t.TempDir()
		targets := []string{
			ghTarget("gh-slow", f.ghSlowURL, "KH_GH_OWNER"),
			ldapTarget("ad-down", strings.TrimPrefix(f.refusedURL, "http://")),
			ghTarget("gh-hang", f.hangURL, "KH_GH_OWNER"),
		}
		if i%10 == 9 {
			// A source that ignores cancellation: the runner's grace.
			targets = append(targets, ldapTarget("ad-hang", f.ldapHang))
		}
		cfg := writeConfig(t, dir, targets...)
		out := filepath.Join(dir, "out")
		cmd := exec.Command(bin, "scan", "-c", cfg, "-o", out, "--now", "2026-11-01T00:00:00Z")
		cmd.Env = append(os.Environ(), f.env...)
		cmd.Env = append(cmd.Env, "TERM=xterm")
		piped := i%5 == 4
		viaCtrlC := i%2 == 0 && !piped
		var screen syncBuf
		var tty *os.File
		drained := make(chan struct{})
		if piped {
			cmd.Stdout, cmd.Stderr = &screen, &screen
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
		} else {
			var err error
			tty, err = pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 100})
			if err != nil {
				t.Fatal(err)
			}
			// The copy ends when every holder of the terminal's other side
			// has exited (read returns EIO): then the screen is complete.
			go func() { io.Copy(&screen, tty); close(drained) }()
		}
		started := time.Now()
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()

		// Wait until the failing target has failed (its line shows why)
		// and the others are running.
		ready := func(s string) bool {
			if piped {
				// Piped: no progress, but the failure is logged.
				return strings.Contains(s, `msg="scan failed" target=ad-down`)
			}
			return strings.Contains(s, "ad-down: failed: unreachable: connection refused") && strings.Contains(s, "gh-hang:")
		}
		deadline := time.Now().Add(30 * time.Second)
		for !ready(screen.String()) {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("iteration %d: progress never showed the failed target's reason:\n%q", i, screen.String())
			}
			select {
			case err := <-exited:
				t.Fatalf("iteration %d: exited early: %v\n%s", i, err, screen.String())
			case <-time.After(10 * time.Millisecond):
			}
		}
		sent := time.Now()
		t.Logf("iteration %d: ready after %s", i, sent.Sub(started))
		if viaCtrlC {
			tty.Write([]byte{3}) // ^C, as typed: the terminal sends SIGINT
		} else {
			cmd.Process.Signal(syscall.SIGTERM)
		}
		var err error
		select {
		case err = <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("iteration %d (piped %v, ^C %v): still running 10 s after the signal:\n%s", i, piped, viaCtrlC, screen.String())
		}
		took := time.Since(sent)
		t.Logf("iteration %d: stopped %s after the signal", i, took)
		worst = max(worst, took)
		if tty != nil {
			// Drain what is left, then close.
			select {
			case <-drained:
			case <-time.After(5 * time.Second):
			}
			tty.Close()
		}
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != exitRuntime {
			t.Fatalf("iteration %d: exit %v, want 1\n%s", i, err, screen.String())
		}
		b, rerr := os.ReadFile(filepath.Join(out, "snapshot.json"))
		if rerr != nil {
			t.Fatalf("iteration %d: no partial snapshot: %v\n%s", i, rerr, screen.String())
		}
		var snap struct {
			Partial bool `json:"partial"`
		}
		if json.Unmarshal(b, &snap) != nil || !snap.Partial {
			t.Fatalf("iteration %d: snapshot not marked partial", i)
		}
		s := screen.String()
		if !strings.Contains(s, "partial snapshot written") || !strings.Contains(s, "ad-down: failed (unreachable: connection refused") {
			t.Fatalf("iteration %d: output:\n%s", i, s)
		}
		// Redrawn in place: the number of lines does not grow with the
		// time the scan ran (a spinner printing new lines would).
		if lines := scrollbackLines(s); lines > 30 {
			t.Fatalf("iteration %d: %d lines in the scrollback:\n%s", i, lines, s)
		}
	}
	t.Logf("%d iterations; slowest stop after the signal: %s", n, worst)
}

// Issue 14 item 1: the demo shows progress on a terminal.
func TestIssue14DemoShowsProgress(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo takes a while")
	}
	bin := keyholderBin(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "demo", "-o", filepath.Join(dir, "demo"))
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	var screen syncBuf
	done := make(chan struct{})
	go func() { io.Copy(&screen, tty); close(done) }()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("demo: %v\n%s", err, screen.String())
	}
	tty.Close()
	<-done
	s := screen.String()
	// A frame is drawn per tick, so a target that finishes between the
	// last tick and the end of its scan may never be drawn as done (the
	// block is then cleared for the demo's summary): ask for a done mark
	// on some target, not on a given one.
	for _, want := range []string{"\x1b[J", "gh: ", "✓ ", ": done", "corp-ad: "} {
		if !strings.Contains(s, want) {
			t.Fatalf("demo output lacks %q:\n%s", want, fmt.Sprintf("%.2000q", s))
		}
	}
}

// cursorUp matches the ANSI "cursor up N lines" sequence.
var cursorUp = regexp.MustCompile(`\x1b\[(\d*)A`)

// scrollbackLines is how many lines output leaves on a terminal: every
// newline, less the lines the cursor was moved back up to redraw. A
// progress block redrawn in place adds nothing however often it is drawn.
func scrollbackLines(s string) int {
	n := strings.Count(s, "\n")
	for _, m := range cursorUp.FindAllStringSubmatch(s, -1) {
		up := 1
		if m[1] != "" {
			up, _ = strconv.Atoi(m[1])
		}
		n -= up
	}
	return n
}
