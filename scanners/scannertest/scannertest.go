package scannertest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	// Prior is the snapshot of the other targets a scanners.Follower's
	// ScanAfter gets in the "follower" check (default: empty). Set it to
	// facts the follower reads.
	Prior *findings.Snapshot
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
	checks := []struct {
		name string
		fn   func(*testing.T, Suite) error
	}{
		{"deterministic", checkDeterministic},
		{"valid_and_unique_ids", checkValid},
		{"no_secrets", checkNoSecrets},
		{"cancellation", checkCancellation},
	}
	if s.Denied != nil {
		checks = append(checks, struct {
			name string
			fn   func(*testing.T, Suite) error
		}{"denied_is_gap", checkDenied})
	}
	var logs bytes.Buffer
	if _, ok := s.New(t, Env(&logs)).(scanners.Follower); ok {
		checks = append(checks, struct {
			name string
			fn   func(*testing.T, Suite) error
		}{"follower", checkFollower})
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if err := c.fn(t, s); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func scanOnce(t *testing.T, s Suite) (*findings.Snapshot, string, error) {
	var logs bytes.Buffer
	snap, err := s.New(t, Env(&logs)).Scan(context.Background())
	return snap, logs.String(), err
}

func checkDeterministic(t *testing.T, s Suite) error {
	var out [2][]byte
	for i := range out {
		snap, _, err := scanOnce(t, s)
		if err != nil {
			return fmt.Errorf("scan: %w", err)
		}
		b, err := snap.CanonicalJSON()
		if err != nil {
			return err
		}
		out[i] = b
	}
	if !bytes.Equal(out[0], out[1]) {
		return fmt.Errorf("two scans of the same data differ:\n%s", firstDiff(out[0], out[1]))
	}
	return nil
}

// checkFollower: ScanAfter (scanners.Follower contract) leaves prior as
// it was, and its result is deterministic and valid with unique ids.
func checkFollower(t *testing.T, s Suite) error {
	prior := s.Prior
	if prior == nil {
		prior = &findings.Snapshot{}
	}
	before, err := json.Marshal(prior)
	if err != nil {
		return err
	}
	var out [2][]byte
	for i := range out {
		var logs bytes.Buffer
		snap, err := s.New(t, Env(&logs)).(scanners.Follower).ScanAfter(context.Background(), prior)
		if err != nil {
			return fmt.Errorf("ScanAfter: %w", err)
		}
		if after, _ := json.Marshal(prior); !bytes.Equal(before, after) {
			return errors.New("ScanAfter modified prior")
		}
		if _, err := findings.Merge(snap); err != nil {
			return fmt.Errorf("ScanAfter: ids not unique: %w", err)
		}
		if errs := snap.Validate(); len(errs) > 0 {
			return fmt.Errorf("ScanAfter: snapshot not valid: %w", errors.Join(errs...))
		}
		if out[i], err = snap.CanonicalJSON(); err != nil {
			return err
		}
	}
	if !bytes.Equal(out[0], out[1]) {
		return fmt.Errorf("two ScanAfter runs on the same data differ:\n%s", firstDiff(out[0], out[1]))
	}
	return nil
}

func checkValid(t *testing.T, s Suite) error {
	snap, _, err := scanOnce(t, s)
	if err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	if len(snap.Systems) == 0 {
		return errors.New("scan returned no system")
	}
	if _, err := findings.Merge(snap); err != nil {
		return fmt.Errorf("ids not unique: %w", err)
	}
	for _, id := range s.RunnerSystems {
		snap.Systems = append(snap.Systems, findings.System{ID: id, Kind: "runner", Target: id})
	}
	if errs := snap.Validate(); len(errs) > 0 {
		return fmt.Errorf("snapshot not valid: %w", errors.Join(errs...))
	}
	return nil
}

func checkNoSecrets(t *testing.T, s Suite) error {
	snap, logs, err := scanOnce(t, s)
	var out bytes.Buffer
	if snap != nil {
		if e := snap.Encode(&out); e != nil {
			return e
		}
	}
	if err != nil {
		out.WriteString(err.Error())
	}
	var problems []error
	for _, sec := range s.Secrets {
		if sec == "" {
			continue
		}
		if strings.Contains(out.String(), sec) {
			problems = append(problems, fmt.Errorf("secret %q found in the snapshot or error", mask(sec)))
		}
		if strings.Contains(logs, sec) {
			problems = append(problems, fmt.Errorf("secret %q found in the logs", mask(sec)))
		}
	}
	return errors.Join(problems...)
}

func checkCancellation(t *testing.T, s Suite) error {
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
		return fmt.Errorf("Scan did not return within %v of cancellation", timeout)
	}
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			return fmt.Errorf("cancelled scan returned %v, want an error wrapping context.Canceled", err)
		}
		return nil
	}
	if snap == nil || len(snap.Gaps) == 0 {
		return errors.New("cancelled scan reported success with no gap: a cancelled scan must not look complete")
	}
	return nil
}

func checkDenied(t *testing.T, s Suite) error {
	var logs bytes.Buffer
	snap, err := s.Denied(t, Env(&logs)).Scan(context.Background())
	if err != nil {
		return fmt.Errorf("a denied collection must be a gap, not an error: %w", err)
	}
	for _, g := range snap.Gaps {
		if (g.Collection == s.DeniedCollection || strings.HasPrefix(g.Collection, s.DeniedCollection+"/")) && g.Reason == findings.GapDenied {
			return nil
		}
	}
	return fmt.Errorf("no denied gap for %q; gaps: %+v", s.DeniedCollection, snap.Gaps)
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

// CheckGaps fails t when snap holds a gap whose collection the scanner's
// Factory.Gaps does not declare (gaps of runner systems excepted). Each
// scanner's test helpers call it on every snapshot, so a collection built
// at run time cannot slip past the declared list the scanners/all
// meta-test checks against the policies.
func CheckGaps(t testing.TB, declared []string, snap *findings.Snapshot) {
	t.Helper()
	if snap == nil {
		return
	}
	for _, g := range snap.Gaps {
		if !scanners.GapDeclared(declared, g.Collection) {
			t.Errorf("gap collection %q (system %s) is not declared in Factory.Gaps", g.Collection, g.System)
		}
	}
}
