package scannertest

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/scanners"
)

// Suite describes how to build a scanner under test. Every built-in
// scanner runs it from a test named TestConformance:
//
//	func TestConformance(t *testing.T) {
//		scannertest.Run(t, scannertest.Suite{New: ..., Denied: ..., ...})
//	}
type Suite struct {
	// New returns a fresh scanner wired to a fresh fake (or real test
	// server) holding the same data every time. env carries a logger that
	// the suite inspects and a fixed clock; New must pass it to the
	// scanner's factory.
	New func(t *testing.T, env scanners.Env) scanners.Scanner
	// Secrets are the secret values the scanner's config resolves (the
	// fake's token, password...). None may appear in the snapshot, in a
	// returned error, or in the logs.
	Secrets []string
	// Denied, if set, returns a scanner whose source denies
	// DeniedCollection (403, AccessDenied, insufficient rights).
	Denied           func(t *testing.T, env scanners.Env) scanners.Scanner
	DeniedCollection string
	// RunnerSystems are systems the fragment may reference but does not
	// own: the runner guarantees them (the declared inventory places items
	// in other targets' systems).
	RunnerSystems []string
	// CancelTimeout bounds how long Scan may take to return after its
	// context is cancelled (default 10s).
	CancelTimeout time.Duration
}

// FixedNow is the clock the suite gives scanners.
var FixedNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// Env returns an Env with a fixed clock and a logger writing to buf.
func Env(buf *bytes.Buffer) scanners.Env {
	h := slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})
	return scanners.Env{
		Logger:   slog.New(h),
		Now:      func() time.Time { return FixedNow },
		Redactor: &config.Redactor{},
		Version:  "test",
	}.WithDefaults()
}

// Run runs the conformance suite.
func Run(t *testing.T, s Suite) {
	t.Helper()
	if s.New == nil {
		t.Fatal("scannertest: Suite.New is required")
	}
	t.Run("deterministic", func(t *testing.T) {
		a := scanJSON(t, s)
		b := scanJSON(t, s)
		if !bytes.Equal(a, b) {
			t.Fatalf("two scans of the same data differ:\n%s", firstDiff(a, b))
		}
	})
	t.Run("valid_and_unique_ids", func(t *testing.T) {
		var logs bytes.Buffer
		snap, err := s.New(t, Env(&logs)).Scan(context.Background())
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		if len(snap.Systems) == 0 {
			t.Fatal("scan returned no system")
		}
		if _, err := findings.Merge(snap); err != nil {
			t.Fatalf("ids not unique: %v", err)
		}
		for _, id := range s.RunnerSystems {
			snap.Systems = append(snap.Systems, findings.System{ID: id, Kind: "runner", Target: id})
		}
		if errs := snap.Validate(); len(errs) > 0 {
			t.Fatalf("snapshot not valid: %v", errors.Join(errs...))
		}
	})
	t.Run("no_secrets", func(t *testing.T) {
		var logs bytes.Buffer
		env := Env(&logs)
		snap, err := s.New(t, env).Scan(context.Background())
		var out bytes.Buffer
		if snap != nil {
			if e := snap.Encode(&out); e != nil {
				t.Fatal(e)
			}
		}
		if err != nil {
			out.WriteString(err.Error())
		}
		for _, sec := range s.Secrets {
			if sec == "" {
				continue
			}
			if strings.Contains(out.String(), sec) {
				t.Errorf("secret %q found in the snapshot or error", mask(sec))
			}
			if strings.Contains(logs.String(), sec) {
				t.Errorf("secret %q found in the logs", mask(sec))
			}
		}
	})
	t.Run("cancellation", func(t *testing.T) {
		var logs bytes.Buffer
		sc := s.New(t, Env(&logs))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		timeout := s.CancelTimeout
		if timeout == 0 {
			timeout = 10 * time.Second
		}
		done := make(chan struct{})
		var snap *findings.Snapshot
		var err error
		go func() {
			defer close(done)
			snap, err = sc.Scan(ctx)
		}()
		select {
		case <-done:
		case <-time.After(timeout):
			t.Fatalf("Scan did not return within %v of cancellation", timeout)
		}
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled scan returned %v, want an error wrapping context.Canceled", err)
			}
			return
		}
		if snap == nil || len(snap.Gaps) == 0 {
			t.Fatal("cancelled scan reported success with no gap: a cancelled scan must not look complete")
		}
	})
	if s.Denied != nil {
		t.Run("denied_is_gap", func(t *testing.T) {
			var logs bytes.Buffer
			snap, err := s.Denied(t, Env(&logs)).Scan(context.Background())
			if err != nil {
				t.Fatalf("a denied collection must be a gap, not an error: %v", err)
			}
			for _, g := range snap.Gaps {
				if (g.Collection == s.DeniedCollection || strings.HasPrefix(g.Collection, s.DeniedCollection+"/")) && g.Reason == findings.GapDenied {
					return
				}
			}
			t.Fatalf("no denied gap for %q; gaps: %+v", s.DeniedCollection, snap.Gaps)
		})
	}
}

func scanJSON(t *testing.T, s Suite) []byte {
	t.Helper()
	var logs bytes.Buffer
	snap, err := s.New(t, Env(&logs)).Scan(context.Background())
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	b, err := snap.CanonicalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func firstDiff(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return "line " + strconv.Itoa(i+1) + ":\n- " + al[i] + "\n+ " + bl[i]
		}
	}
	return "lengths differ"
}

func mask(s string) string {
	if len(s) <= 4 {
		return "****"
	}
	return s[:2] + "…"
}
