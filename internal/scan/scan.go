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
//  3. When ctx is cancelled, running scanners return what they have; the
//     snapshot is marked Partial and unfinished targets get a gap.
//  4. Every configured target has a System in the result, scanned or not.
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
	log := env.Logger

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

	type result struct {
		target   config.Target
		snap     *findings.Snapshot
		err      error
		finished bool
	}
	if o.Grace <= 0 {
		o.Grace = time.Second
	}
	var mu sync.Mutex // guards results and abandoned
	abandoned := false
	results := make([]result, len(jobs))
	for i, j := range jobs {
		results[i].target = j.target
	}
	set := func(i int, r result) {
		mu.Lock()
		defer mu.Unlock()
		if !abandoned {
			r.finished = true
			results[i] = r
		}
	}
	sem := make(chan struct{}, o.Concurrency)
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				set(i, result{target: j.target, err: ctx.Err()})
				return
			}
			defer func() { <-sem }()
			env.Progress.Step(j.target.Name, "connecting", 0, 0)
			log.Info("scan start", "target", j.target.Name, "type", j.target.Type)
			snap, err := safeScan(ctx, j.scanner)
			set(i, result{target: j.target, snap: snap, err: err})
			status := "done"
			if err != nil {
				_, reason := scanners.Classify(err)
				status = "failed: " + o.Redactor.String(reason)
				log.Warn("scan failed", "target", j.target.Name, "error", o.Redactor.String(err.Error()))
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
	case <-ctx.Done():
		select {
		case <-finished:
		case <-time.After(o.Grace):
			log.Warn("scanners did not stop in time after cancellation; abandoning them", "grace", o.Grace.String())
		}
	}
	mu.Lock()
	abandoned = true
	for i := range results {
		if !results[i].finished {
			results[i].err = fmt.Errorf("did not stop within %s of cancellation: %w", o.Grace, context.Canceled)
			env.Progress.Step(results[i].target.Name, "cancelled", 1, 1)
		}
	}
	final := slices.Clone(results)
	mu.Unlock()
	results = nil

	partial := ctx.Err() != nil
	var parts []*findings.Snapshot
	for _, r := range final {
		snap := r.snap
		if snap == nil {
			snap = &findings.Snapshot{}
		}
		scrubGaps(snap, o.Redactor)
		if r.target.Type != declared.Type {
			ensureSystem(snap, r.target)
		}
		if r.err != nil {
			reason := findings.GapFailed
			msg := o.Redactor.String(r.err.Error())
			if class, why := scanners.Classify(r.err); class == scanners.ClassUnreachable || class == scanners.ClassTLS {
				msg = o.Redactor.String(why) + ": " + msg
			}
			switch {
			case ctx.Err() != nil && (errors.Is(r.err, context.Canceled) || errors.Is(r.err, context.DeadlineExceeded)):
				// The run was cancelled (a source's own timeout is not a
				// cancellation: it stays a failure below).
				partial = true
				msg = "scan cancelled before it finished: " + msg
			case errors.Is(r.err, scanners.ErrDenied):
				reason = findings.GapDenied
			}
			addSystemGap(snap, findings.Gap{
				ID: findings.GapID(r.target.Name, "system"), System: r.target.Name,
				Collection: "system", Reason: reason, Error: msg,
			})
		}
		parts = append(parts, snap)
	}
	for _, t := range skipped {
		parts = append(parts, &findings.Snapshot{
			Systems: []findings.System{stubSystem(t)},
			Gaps: []findings.Gap{{
				ID: findings.GapID(t.Name, "system"), System: t.Name, Collection: "system",
				Reason: findings.GapSkipped, Error: "target not selected with --target",
			}},
		})
	}
	merged, err := findings.Merge(parts...)
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

// safeScan runs a scanner, turning a panic into an error so one broken
// scanner cannot take the run down.
func safeScan(ctx context.Context, s scanners.Scanner) (snap *findings.Snapshot, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("scanner panicked: %v\n%s", r, firstLines(string(debug.Stack()), 12))
		}
	}()
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
