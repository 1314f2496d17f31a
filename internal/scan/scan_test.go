package scan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/declared"
)

// fakeScanner is driven by its target's "mode" key.
type fakeScanner struct {
	name    string
	mode    string
	secret  string
	started *atomic.Int32
}

type fakeCfg struct {
	Mode      string `yaml:"mode"`
	SecretEnv string `yaml:"secret_env"`
}

func (f *fakeScanner) Scan(ctx context.Context) (*findings.Snapshot, error) {
	f.started.Add(1)
	snap := &findings.Snapshot{
		Systems: []findings.System{{ID: f.name, Kind: "fake", Target: f.name}},
		Principals: []findings.Principal{{ID: findings.PrincipalID(findings.PrincipalUser, f.name, "alice"), System: f.name,
			Kind: findings.PrincipalUser, NativeID: "alice", Enabled: true, MFA: findings.MFAUnknown}},
	}
	switch f.mode {
	case "fail":
		return snap, fmt.Errorf("fake: connect: password %s rejected", f.secret)
	case "selfgap":
		// The scanner records its own system gap and returns an error.
		snap.Gaps = append(snap.Gaps, findings.Gap{ID: findings.GapID(f.name, "system"), System: f.name, Collection: "system", Reason: findings.GapDenied, Error: "sts: AssumeRole denied"})
		return snap, fmt.Errorf("fake: cannot authenticate: %w", scanners.ErrDenied)
	case "denied":
		return nil, fmt.Errorf("fake: bind: %w", scanners.ErrDenied)
	case "panic":
		panic("boom")
	case "stuck":
		// Ignores ctx, like a library blocked in a read without deadline.
		time.Sleep(time.Minute)
		return snap, nil
	case "refused":
		_, err := net.Dial("tcp", "127.0.0.1:1")
		return nil, fmt.Errorf("fake: connect: %w", err)
	case "gaps":
		snap.Gaps = append(snap.Gaps, findings.Gap{ID: findings.GapID(f.name, "grants/pim"), System: f.name, Collection: "grants/pim", Reason: findings.GapUnlicensed})
		return snap, nil
	case "hang":
		<-ctx.Done()
		snap.Gaps = append(snap.Gaps, findings.Gap{ID: findings.GapID(f.name, "grants"), System: f.name, Collection: "grants", Reason: findings.GapFailed, Error: "cancelled"})
		return snap, ctx.Err()
	}
	return snap, nil
}

func fakeRegistry(started *atomic.Int32) *scanners.Registry {
	return scanners.NewRegistry(declared.Factory(), scanners.Factory{
		Type:        "fake",
		Permissions: func() scanners.Permissions { return scanners.Permissions{} },
		New: func(t config.Target, env scanners.Env) (scanners.Scanner, error) {
			var c fakeCfg
			if err := config.DecodeTarget(t, &c); err != nil {
				return nil, err
			}
			if c.Mode == "invalid" {
				return nil, config.Problems{config.TargetProblem(t, "mode", "mode invalid is not allowed")}
			}
			sec := ""
			if c.SecretEnv != "" {
				var err error
				if sec, err = (config.SecretRef{Env: c.SecretEnv}).Resolve(env.Redactor); err != nil {
					return nil, err
				}
			}
			return &fakeScanner{name: t.Name, mode: c.Mode, secret: sec, started: started}, nil
		},
	})
}

func loadCfg(t *testing.T, targets string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(`organization: {name: Contoso}
targets:
`+targets+`
declared:
  licences: [{product: P, owner_of_record: customer, target: ok1}]
`), "k.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

var fixed = func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }

func TestFailingScannerDoesNotStopOthers(t *testing.T) {
	t.Setenv("KH_FAKE_PW", "pw-very-secret-1")
	var started atomic.Int32
	cfg := loadCfg(t, `  - {type: fake, name: ok1}
  - {type: fake, name: bad, mode: fail, secret_env: KH_FAKE_PW}
  - {type: fake, name: boom, mode: panic}
  - {type: fake, name: den, mode: denied}
  - {type: fake, name: self, mode: selfgap}
  - {type: fake, name: ok2}`)
	red := &config.Redactor{}
	snap, err := Run(context.Background(), cfg, fakeRegistry(&started), Options{Now: fixed, Redactor: red, Concurrency: 2})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if started.Load() != 6 {
		t.Fatalf("%d scanners ran, want 6", started.Load())
	}
	gaps := map[string]findings.Gap{}
	for _, g := range snap.Gaps {
		gaps[g.System] = g
	}
	if g := gaps["bad"]; g.Reason != findings.GapFailed || !strings.Contains(g.Error, "rejected") || strings.Contains(g.Error, "pw-very-secret-1") {
		t.Fatalf("bad gap: %+v", g)
	}
	if g := gaps["boom"]; g.Reason != findings.GapFailed || !strings.Contains(g.Error, "panicked: boom") {
		t.Fatalf("panic gap: %+v", g)
	}
	if g := gaps["den"]; g.Reason != findings.GapDenied || g.Collection != "system" {
		t.Fatalf("denied gap: %+v", g)
	}
	if g := gaps["self"]; g.Reason != findings.GapDenied || !strings.Contains(g.Error, "AssumeRole denied") || !strings.Contains(g.Error, "cannot authenticate") {
		t.Fatalf("a scanner's own system gap must absorb the runner's error, not collide: %+v", g)
	}
	if _, ok := gaps["ok1"]; ok {
		t.Fatal("ok1 must have no gap")
	}
	// What the failing scanner returned before failing is kept.
	var ids []string
	for _, p := range snap.Principals {
		ids = append(ids, p.ID)
	}
	if !strings.Contains(strings.Join(ids, ","), "user:bad:alice") || !strings.Contains(strings.Join(ids, ","), "user:ok2:alice") {
		t.Fatalf("principals: %v", ids)
	}
	// Every target has a system, including the one that returned nothing.
	sys := map[string]bool{}
	for _, s := range snap.Systems {
		sys[s.ID] = true
	}
	for _, n := range []string{"ok1", "bad", "boom", "den", "self", "ok2", "declared"} {
		if !sys[n] {
			t.Errorf("system %q missing", n)
		}
	}
	if errs := snap.Validate(); len(errs) > 0 {
		t.Fatalf("invalid snapshot: %v", errs)
	}
	if snap.Partial || !snap.StartedAt.Equal(fixed()) || snap.ConfigHash != cfg.Hash {
		t.Fatalf("header: partial=%v started=%v hash=%q", snap.Partial, snap.StartedAt, snap.ConfigHash)
	}
}

func TestCancellationKeepsWhatWasCollected(t *testing.T) {
	var started atomic.Int32
	cfg := loadCfg(t, `  - {type: fake, name: ok1}
  - {type: fake, name: slow, mode: hang}`)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for started.Load() < 2 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	snap, err := Run(ctx, cfg, fakeRegistry(&started), Options{Now: fixed})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if snap == nil || !snap.Partial {
		t.Fatal("want a partial snapshot")
	}
	var found bool
	for _, g := range snap.Gaps {
		if g.System == "slow" && g.Collection == "system" && strings.Contains(g.Error, "cancelled") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no cancellation gap: %+v", snap.Gaps)
	}
	if len(snap.Principals) != 2 {
		t.Fatalf("principals collected before cancel lost: %d", len(snap.Principals))
	}
}

func TestTargetSelectionAndConfigProblems(t *testing.T) {
	var started atomic.Int32
	cfg := loadCfg(t, `  - {type: fake, name: ok1}
  - {type: fake, name: ok2}`)
	snap, err := Run(context.Background(), cfg, fakeRegistry(&started), Options{Targets: []string{"ok1"}, Now: fixed})
	if err != nil {
		t.Fatal(err)
	}
	var skipped bool
	for _, g := range snap.Gaps {
		if g.System == "ok2" && g.Reason == findings.GapSkipped {
			skipped = true
		}
	}
	if !skipped || started.Load() != 1 {
		t.Fatalf("skipped=%v started=%d", skipped, started.Load())
	}
	if _, err := Run(context.Background(), cfg, fakeRegistry(&started), Options{Targets: []string{"nope"}}); !errors.Is(err, ErrUnknownTarget) {
		t.Fatalf("unknown target: %v", err)
	}

	bad := loadCfg(t, `  - {type: fake, name: ok1, mode: invalid}
  - {type: nosuch, name: x}
  - {type: fake, name: y, colour: red}`)
	err = Validate(bad, fakeRegistry(&started))
	ps := config.AsProblems(err)
	if len(ps) != 3 {
		t.Fatalf("want 3 problems, got %v", err)
	}
	joined := err.Error()
	for _, want := range []string{"k.yaml:3: targets.ok1.mode: mode invalid is not allowed", `k.yaml:4: targets.x.type: unknown target type "nosuch" (known: [fake])`, "k.yaml:5: targets.y.colour: unknown key"} {
		if !strings.Contains(joined, want) {
			t.Errorf("problems lack %q:\n%s", want, joined)
		}
	}
}

func TestDeterministic(t *testing.T) {
	var started atomic.Int32
	cfg := loadCfg(t, `  - {type: fake, name: ok1}
  - {type: fake, name: ok2}
  - {type: fake, name: ok3}`)
	var prev []byte
	for i := 0; i < 3; i++ {
		snap, err := Run(context.Background(), cfg, fakeRegistry(&started), Options{Now: fixed, Concurrency: 3})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := snap.CanonicalJSON()
		if prev != nil && string(prev) != string(b) {
			t.Fatal("runs differ")
		}
		prev = b
	}
}

// Issue 14 item 1: a scanner that ignores cancellation does not hold the
// run: Run returns within its grace period with a partial snapshot that
// marks the stuck target cancelled.
func TestIssue14StuckScannerIsAbandoned(t *testing.T) {
	var started atomic.Int32
	cfg := loadCfg(t, `  - {type: fake, name: ok1}
  - {type: fake, name: stuck, mode: stuck}
  - {type: fake, name: hang, mode: hang}`)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for started.Load() < 3 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	done := make(chan struct{})
	var snap *findings.Snapshot
	var err error
	go func() {
		snap, err = Run(ctx, cfg, fakeRegistry(&started), Options{Now: fixed, Grace: 100 * time.Millisecond})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Run waited for a scanner that ignores cancellation")
	}
	if !errors.Is(err, context.Canceled) || snap == nil || !snap.Partial {
		t.Fatalf("err %v, snap %v", err, snap)
	}
	sum := Summarize(snap)
	got := map[string]TargetSummary{}
	for _, s := range sum {
		got[s.Target] = s
	}
	if s := got["stuck"]; s.Outcome != Failed || !strings.Contains(s.Reason, "did not stop within") {
		t.Fatalf("stuck: %+v", s)
	}
	if s := got["ok1"]; s.Outcome != Scanned {
		t.Fatalf("ok1: %+v", s)
	}
}

// Issue 14 item 3: a refused connection is reported as unreachable, and
// the end-of-scan summary says scanned / scanned with N gaps / failed
// (reason) per target.
func TestIssue14SummaryAndUnreachable(t *testing.T) {
	var started atomic.Int32
	cfg := loadCfg(t, `  - {type: fake, name: ok1}
  - {type: fake, name: gappy, mode: gaps}
  - {type: fake, name: down, mode: refused}`)
	snap, err := Run(context.Background(), cfg, fakeRegistry(&started), Options{Now: fixed})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, s := range Summarize(snap) {
		lines = append(lines, s.String())
	}
	// The system's own words for a refused connection (Windows: Winsock's).
	_, refused := net.Dial("tcp", "127.0.0.1:1")
	if refused == nil {
		t.Fatal("something listens on 127.0.0.1:1")
	}
	want := []string{
		"down: failed (unreachable: connection refused (127.0.0.1:1): fake: connect: " + refused.Error() + ")",
		"gappy: scanned with 1 gap",
		"ok1: scanned",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("summary:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if !AnyFailed(Summarize(snap)) {
		t.Fatal("AnyFailed")
	}
}

// follower is a scanners.Follower: it records the prior snapshot it got
// and reports it as principals of its own, so the test sees what it saw.
type follower struct {
	name       string
	mode       string
	othersDone func() int32
	scanCalled *atomic.Int32
	afterCalls *atomic.Int32
	sawDone    *atomic.Int32
	saw        chan []string
}

func (f *follower) Scan(context.Context) (*findings.Snapshot, error) {
	f.scanCalled.Add(1)
	return &findings.Snapshot{Systems: []findings.System{{ID: f.name, Kind: "fake", Target: f.name}}}, nil
}

func (f *follower) ScanAfter(ctx context.Context, prior *findings.Snapshot) (*findings.Snapshot, error) {
	f.afterCalls.Add(1)
	f.sawDone.Store(f.othersDone())
	switch f.mode {
	case "stuck":
		time.Sleep(time.Minute)
	case "hang":
		<-ctx.Done()
		return nil, ctx.Err()
	}
	var ids []string
	for _, s := range prior.Systems {
		ids = append(ids, "system:"+s.ID)
	}
	for _, p := range prior.Principals {
		ids = append(ids, p.ID)
	}
	f.saw <- ids
	return &findings.Snapshot{Systems: []findings.System{{ID: f.name, Kind: "fake", Target: f.name}}}, nil
}

// slowFake returns after a pause, so a follower that ran beside it would
// not see its facts.
type slowFake struct {
	fakeScanner
	done *atomic.Int32
}

func (s *slowFake) Scan(ctx context.Context) (*findings.Snapshot, error) {
	if s.mode == "" {
		time.Sleep(30 * time.Millisecond)
	}
	snap, err := s.fakeScanner.Scan(ctx)
	s.done.Add(1)
	return snap, err
}

type followRig struct {
	started, done, scanCalled, afterCalls, sawDone atomic.Int32
	saw                                            chan []string
}

func (r *followRig) registry() *scanners.Registry {
	r.saw = make(chan []string, 4)
	return scanners.NewRegistry(declared.Factory(), scanners.Factory{
		Type:        "fake",
		Permissions: func() scanners.Permissions { return scanners.Permissions{} },
		New: func(t config.Target, env scanners.Env) (scanners.Scanner, error) {
			var c fakeCfg
			if err := config.DecodeTarget(t, &c); err != nil {
				return nil, err
			}
			return &slowFake{fakeScanner: fakeScanner{name: t.Name, mode: c.Mode, started: &r.started}, done: &r.done}, nil
		},
	}, scanners.Factory{
		Type:        "follow",
		Permissions: func() scanners.Permissions { return scanners.Permissions{} },
		New: func(t config.Target, env scanners.Env) (scanners.Scanner, error) {
			var c fakeCfg
			if err := config.DecodeTarget(t, &c); err != nil {
				return nil, err
			}
			return &follower{name: t.Name, mode: c.Mode, othersDone: r.done.Load, scanCalled: &r.scanCalled,
				afterCalls: &r.afterCalls, sawDone: &r.sawDone, saw: r.saw}, nil
		},
	})
}

// Issue 19 (runner): a scanners.Follower runs once every other target has
// finished, with their merged snapshot, through ScanAfter (never Scan);
// a failed target's facts are in it too, its failure stays a gap.
func TestIssue19FollowerGetsOthersMergedFacts(t *testing.T) {
	var rig followRig
	cfg := loadCfg(t, `  - {type: follow, name: dns}
  - {type: fake, name: ok1}
  - {type: fake, name: ok2}
  - {type: fake, name: bad, mode: fail}`)
	snap, err := Run(context.Background(), cfg, rig.registry(), Options{Now: fixed, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	if rig.scanCalled.Load() != 0 || rig.afterCalls.Load() != 1 {
		t.Fatalf("Scan called %d times, ScanAfter %d, want 0 and 1", rig.scanCalled.Load(), rig.afterCalls.Load())
	}
	if rig.sawDone.Load() != 3 {
		t.Fatalf("follower started when %d of 3 other targets had finished", rig.sawDone.Load())
	}
	got := strings.Join(<-rig.saw, ",")
	want := "system:bad,system:declared,system:ok1,system:ok2,user:bad:alice,user:ok1:alice,user:ok2:alice"
	if got != want {
		t.Fatalf("follower saw %s\nwant %s", got, want)
	}
	var dns, badGap bool
	for _, s := range snap.Systems {
		dns = dns || s.ID == "dns"
	}
	for _, g := range snap.Gaps {
		badGap = badGap || g.System == "bad" && g.Collection == "system"
		if g.System == "dns" {
			t.Errorf("follower has a gap: %+v", g)
		}
	}
	if !dns || !badGap {
		t.Fatalf("dns system %v, bad's gap %v", dns, badGap)
	}
}

// Issue 19 with issue 14's guarantee: with a follower present, a
// cancelled run still returns within its grace period, whether the
// cancellation comes while the others run (the follower never starts) or
// while a follower that ignores ctx runs (it is abandoned).
func TestIssue19CancellationWithFollower(t *testing.T) {
	for _, c := range []struct {
		name, targets string
		cancelWhen    func(r *followRig) bool
		wantAfter     int32
		wantReason    string
	}{
		{"during the others", `  - {type: follow, name: dns}
  - {type: fake, name: ok1}
  - {type: fake, name: slow, mode: hang}`, func(r *followRig) bool { return r.started.Load() == 2 }, 0, "scan cancelled before it finished"},
		{"during the follower", `  - {type: follow, name: dns, mode: stuck}
  - {type: fake, name: ok1}`, func(r *followRig) bool { return r.afterCalls.Load() == 1 }, 1, "did not stop within"},
		{"during a follower that stops", `  - {type: follow, name: dns, mode: hang}
  - {type: fake, name: ok1}`, func(r *followRig) bool { return r.afterCalls.Load() == 1 }, 1, "scan cancelled before it finished"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var rig followRig
			reg := rig.registry()
			cfg := loadCfg(t, c.targets)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				for !c.cancelWhen(&rig) {
					time.Sleep(time.Millisecond)
				}
				cancel()
			}()
			done := make(chan struct{})
			var snap *findings.Snapshot
			var err error
			go func() {
				snap, err = Run(ctx, cfg, reg, Options{Now: fixed, Grace: 100 * time.Millisecond})
				close(done)
			}()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("Run did not return after cancellation")
			}
			if !errors.Is(err, context.Canceled) || snap == nil || !snap.Partial {
				t.Fatalf("err %v, snap %v", err, snap)
			}
			if rig.afterCalls.Load() != c.wantAfter {
				t.Fatalf("ScanAfter called %d times, want %d", rig.afterCalls.Load(), c.wantAfter)
			}
			var found bool
			for _, g := range snap.Gaps {
				if g.System == "dns" && g.Collection == "system" && strings.Contains(g.Error, c.wantReason) {
					found = true
				}
			}
			if !found {
				t.Fatalf("no %q gap on the follower: %+v", c.wantReason, snap.Gaps)
			}
		})
	}
}
