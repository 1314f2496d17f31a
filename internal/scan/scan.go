package scan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/declared"
)

// Options configures a scan run.
type Options struct {
	// Targets limits the run to these target names; empty means all.
	// Targets left out are recorded as skipped gaps.
	Targets []string
	// Concurrency bounds how many scanners run at once. Default 4.
	Concurrency int
	Logger      *slog.Logger
	Now         func() time.Time
	Version     string
	Progress    scanners.Progress
	Redactor    *config.Redactor
	// Grace is how long Run waits, once ctx is cancelled, for scanners to
	// return what they have; scanners still running after it are
	// abandoned and their targets recorded as cancelled. Default 1s, so a
	// cancelled run ends within about 2 seconds even if a source hangs.
	Grace time.Duration
}

// ErrUnknownTarget is returned when --target names no configured target.
var ErrUnknownTarget = errors.New("unknown target")

type job struct {
	target  config.Target
	scanner scanners.Scanner
}

// build decodes every target with its scanner factory and returns every
// config problem found (as config.Problems), not just the first. It does
// no I/O.
func build(cfg *config.Config, reg *scanners.Registry, env scanners.Env) ([]job, error) {
	var probs config.Problems
	var jobs []job
	for _, t := range cfg.Targets {
		f, ok := reg.Lookup(t.Type)
		if !ok || t.Type == declared.Type {
			probs = append(probs, config.TargetProblem(t, "type", fmt.Sprintf("unknown target type %q (known: %v)", t.Type, withoutDeclared(reg.Types()))))
			continue
		}
		s, err := f.New(t, env)
		if err != nil {
			if ps := config.AsProblems(err); ps != nil {
				probs = append(probs, ps...)
				continue
			}
			probs = append(probs, config.TargetProblem(t, "", err.Error()))
			continue
		}
		jobs = append(jobs, job{target: t, scanner: s})
	}
	if len(probs) > 0 {
		probs.Sort()
		return nil, probs
	}
	return jobs, nil
}

func withoutDeclared(types []string) []string {
	return slices.DeleteFunc(slices.Clone(types), func(s string) bool { return s == declared.Type })
}

// Validate checks every target's config section with its scanner factory.
func Validate(cfg *config.Config, reg *scanners.Registry) error {
	_, err := build(cfg, reg, scanners.Env{Config: cfg}.WithDefaults())
	return err
}

// Run scans every selected target concurrently and merges the results.
//
// Steps:
//  1. Build a scanner per target (config problems stop the run here).
//  2. Run them with at most Concurrency at once, plus the declared
//     inventory. A scanner that errors or panics becomes a failed gap on
//     its system; the others go on.
//  3. Then run the followers (scanners.Follower, e.g. domains), which were
//     left out of step 2, the same way, each with ScanAfter and the merged
//     snapshot of step 2. One phase only: followers do not see each other.
//  4. When ctx is cancelled, running scanners return what they have; the
//     snapshot is marked Partial and unfinished targets get a gap. No
//     scanner starts after the cancellation (followers included), and
//     scanners still running Grace after it are abandoned.
//  5. Every configured target has a System in the result, scanned or not.
//
// Run returns an error only for config problems or an internal merge
// conflict; a cancelled run returns the partial snapshot and ctx's error.
func Run(ctx context.Context, cfg *config.Config, reg *scanners.Registry, o Options) (*findings.Snapshot, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Redactor == nil {
		o.Redactor = &config.Redactor{}
	}
	env := scanners.Env{
		Logger: o.Logger, Now: o.Now, Config: cfg, Redactor: o.Redactor,
		Progress: o.Progress, Version: o.Version,
	}.WithDefaults()

	selected := map[string]bool{}
	for _, name := range o.Targets {
		if cfg.TargetByName(name) == nil {
			return nil, fmt.Errorf("%w %q", ErrUnknownTarget, name)
		}
		selected[name] = true
	}
	jobs, err := build(cfg, reg, env)
	if err != nil {
		return nil, err
	}
	started := env.Now()

	var skipped []config.Target
	if len(selected) > 0 {
		var keep []job
		for _, j := range jobs {
			if selected[j.target.Name] {
				keep = append(keep, j)
			} else {
				skipped = append(skipped, j.target)
			}
		}
		jobs = keep
	}
	if df, ok := reg.Lookup(declared.Type); ok {
		ds, err := df.New(config.Target{Type: declared.Type, Name: declared.SystemID}, env)
		if err != nil {
			return nil, fmt.Errorf("scan: declared inventory: %w", err)
		}
		jobs = append(jobs, job{target: config.Target{Type: declared.Type, Name: declared.SystemID}, scanner: ds})
	}

	if o.Grace <= 0 {
		o.Grace = time.Second
	}
	// giveUp closes Grace after ctx is cancelled. It is one deadline for
	// the whole run, not one per phase, so a cancelled run still ends
	// within about Grace of the cancellation with followers present.
	giveUp := make(chan struct{})
	stopGrace := context.AfterFunc(ctx, func() { time.AfterFunc(o.Grace, func() { close(giveUp) }) })
	defer stopGrace()

	// Phase 1: every target but the followers, and the declared
	// inventory. Phase 2: the followers (scanners.Follower), with the
	// merged snapshot of phase 1.
	var first, followers []job
	for _, j := range jobs {
		if _, ok := j.scanner.(scanners.Follower); ok {
			followers = append(followers, j)
			env.Progress.Step(j.target.Name, "waiting for the other targets", 0, 0)
		} else {
			first = append(first, j)
		}
	}
	r := runner{ctx: ctx, env: env, o: o, giveUp: giveUp}
	parts := r.parts(r.phase(first, nil))
	if len(followers) > 0 {
		prior, err := findings.Merge(parts...)
		if err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		prior.Partial = ctx.Err() != nil
		prior.Canonicalize()
		parts = append(parts, r.parts(r.phase(followers, prior))...)
	}
	partial := ctx.Err() != nil
	for _, t := range skipped {
		parts = append(parts, &findings.Snapshot{
			Systems: []findings.System{stubSystem(t)},
			Gaps: []findings.Gap{{
				ID: findings.GapID(t.Name, "system"), System: t.Name, Collection: "system",
				Reason: findings.GapSkipped, Error: "target not selected with --target",
			}},
		})
	}
	// The parts are Run's own from here on (prior, which an abandoned
	// follower may still read, is a copy): the merged snapshot takes the
	// scanners' slices instead of copying them, so a large scan is never
	// held twice (issue 21).
	merged, err := findings.MergeOwned(parts...)
	parts = nil
	if err != nil {
		return nil, fmt.Errorf("scan: %w", err)
	}
	merged.SchemaVersion = findings.SchemaVersion
	merged.Tool = findings.Tool{Name: "keyholder", Version: env.Version}
	merged.StartedAt = started
	merged.FinishedAt = env.Now()
	merged.ConfigHash = cfg.Hash
	merged.Partial = partial
	merged.Canonicalize()
	if partial {
		return merged, ctx.Err()
	}
	return merged, nil
}

// runner runs the jobs of one phase of Run.
type runner struct {
	ctx context.Context
	env scanners.Env
	o   Options
	// giveUp is closed Grace after ctx is cancelled.
	giveUp <-chan struct{}
}

type result struct {
	target   config.Target
	snap     *findings.Snapshot
	err      error
	finished bool
}

// phase runs jobs with at most Concurrency at once; with a non-nil prior
// each job is a scanners.Follower and gets ScanAfter(prior). Once ctx is
// cancelled no job starts, and phase returns when every started job has
// returned or giveUp is closed, whichever comes first; a job still running
// then is abandoned and its result is a cancellation error.
func (r runner) phase(jobs []job, prior *findings.Snapshot) []result {
	ctx, env, log := r.ctx, r.env, r.env.Logger
	var mu sync.Mutex // guards results and abandoned
	abandoned := false
	results := make([]result, len(jobs))
	for i, j := range jobs {
		results[i].target = j.target
	}
	set := func(i int, res result) {
		mu.Lock()
		defer mu.Unlock()
		if !abandoned {
			res.finished = true
			results[i] = res
		}
	}
	sem := make(chan struct{}, r.o.Concurrency)
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			notStarted := func() {
				set(i, result{target: j.target, err: ctx.Err()})
				env.Progress.Step(j.target.Name, "cancelled", 1, 1)
			}
			if ctx.Err() != nil {
				// select below picks at random when both are ready: a
				// cancelled run must not start anything.
				notStarted()
				return
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				notStarted()
				return
			}
			defer func() { <-sem }()
			env.Progress.Step(j.target.Name, "connecting", 0, 0)
			log.Info("scan start", "target", j.target.Name, "type", j.target.Type, "after_others", prior != nil)
			snap, err := safeScan(ctx, j.scanner, prior)
			set(i, result{target: j.target, snap: snap, err: err})
			status := "done"
			if err != nil {
				_, reason := scanners.Classify(err)
				status = "failed: " + r.o.Redactor.String(reason)
				log.Warn("scan failed", "target", j.target.Name, "error", r.o.Redactor.String(err.Error()))
			} else {
				log.Info("scan done", "target", j.target.Name)
			}
			env.Progress.Step(j.target.Name, status, 1, 1)
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-r.giveUp:
		select {
		case <-finished:
		default:
			log.Warn("scanners did not stop in time after cancellation; abandoning them", "grace", r.o.Grace.String())
		}
	}
	mu.Lock()
	defer mu.Unlock()
	abandoned = true
	for i := range results {
		if !results[i].finished {
			results[i].err = fmt.Errorf("did not stop within %s of cancellation: %w", r.o.Grace, context.Canceled)
			env.Progress.Step(results[i].target.Name, "cancelled", 1, 1)
		}
	}
	return slices.Clone(results)
}

// parts turns results into snapshot fragments: secrets scrubbed from
// gaps, a System for every target, and a system gap for a target that
// failed or was cancelled (what it returned is kept).
func (r runner) parts(results []result) []*findings.Snapshot {
	ctx, red := r.ctx, r.o.Redactor
	var parts []*findings.Snapshot
	for _, res := range results {
		snap := res.snap
		if snap == nil {
			snap = &findings.Snapshot{}
		}
		scrubGaps(snap, red)
		if res.target.Type != declared.Type {
			ensureSystem(snap, res.target)
		}
		if res.err != nil {
			reason := findings.GapFailed
			msg := red.String(res.err.Error())
			if class, why := scanners.Classify(res.err); class == scanners.ClassUnreachable || class == scanners.ClassTLS {
				msg = red.String(why) + ": " + msg
			}
			switch {
			case ctx.Err() != nil && (errors.Is(res.err, context.Canceled) || errors.Is(res.err, context.DeadlineExceeded)):
				// The run was cancelled (a source's own timeout is not a
				// cancellation: it stays a failure below).
				msg = "scan cancelled before it finished: " + msg
			case errors.Is(res.err, scanners.ErrDenied):
				reason = findings.GapDenied
			}
			addSystemGap(snap, findings.Gap{
				ID: findings.GapID(res.target.Name, "system"), System: res.target.Name,
				Collection: "system", Reason: reason, Error: msg,
			})
		}
		parts = append(parts, snap)
	}
	return parts
}

// safeScan runs a scanner, turning a panic into an error so one broken
// scanner cannot take the run down.
func safeScan(ctx context.Context, s scanners.Scanner, prior *findings.Snapshot) (snap *findings.Snapshot, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("scanner panicked: %v\n%s", r, firstLines(string(debug.Stack()), 12))
		}
	}()
	if f, ok := s.(scanners.Follower); ok && prior != nil {
		return f.ScanAfter(ctx, prior)
	}
	return s.Scan(ctx)
}

func firstLines(s string, n int) string {
	count := 0
	for i, r := range s {
		if r == '\n' {
			count++
			if count == n {
				return s[:i]
			}
		}
	}
	return s
}

func ensureSystem(snap *findings.Snapshot, t config.Target) {
	for _, s := range snap.Systems {
		if s.ID == t.Name {
			return
		}
	}
	snap.Systems = append(snap.Systems, stubSystem(t))
}

// addSystemGap records that a target failed as a whole. A scanner may have
// recorded a gap with the same id itself (it knows more about why); then
// the runner's error text is added to it rather than a second gap, so
// Merge never meets a duplicate and nothing collected is lost.
func addSystemGap(snap *findings.Snapshot, g findings.Gap) {
	for i := range snap.Gaps {
		if snap.Gaps[i].ID != g.ID {
			continue
		}
		old := &snap.Gaps[i]
		if old.Error == "" {
			old.Error = g.Error
		} else if g.Error != "" && !strings.Contains(old.Error, g.Error) {
			old.Error += "; " + g.Error
		}
		if old.Reason == findings.GapSkipped || old.Reason == "" {
			old.Reason = g.Reason
		}
		return
	}
	snap.Gaps = append(snap.Gaps, g)
}

func stubSystem(t config.Target) findings.System {
	return findings.System{ID: t.Name, Kind: findings.SystemKind(t.Type), Target: t.Name, Name: t.Name}
}

func scrubGaps(snap *findings.Snapshot, red *config.Redactor) {
	for i := range snap.Gaps {
		snap.Gaps[i].Error = red.String(snap.Gaps[i].Error)
	}
}
