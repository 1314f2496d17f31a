package scan

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/scanners"
)

// TargetProbe is what keyholder check found for one target.
type TargetProbe struct {
	Target, Type string
	// Err is set when the target cannot be scanned at all; Class and
	// Reason name the problem (scanners.Classify).
	Err           error
	Class, Reason string
	Results       []scanners.ProbeResult
	// ByScan is true when the scanner has no Prober and a full scan
	// stood in for the probe.
	ByScan bool
}

// Probe connects to every selected target and checks each collection
// (scanners.Prober, or a full scan for scanners without one), at most
// o.Concurrency at once. Config problems are returned as an error; a
// target that fails is reported in its TargetProbe. Results follow the
// config's target order.
func Probe(ctx context.Context, cfg *config.Config, reg *scanners.Registry, o Options) ([]TargetProbe, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Grace <= 0 {
		o.Grace = time.Second
	}
	env := scanners.Env{Logger: o.Logger, Now: o.Now, Config: cfg, Redactor: o.Redactor, Progress: o.Progress, Version: o.Version}.WithDefaults()
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
	var keep []job
	for _, j := range jobs {
		if len(selected) == 0 || selected[j.target.Name] {
			keep = append(keep, j)
		}
	}
	out := make([]TargetProbe, len(keep))
	var mu sync.Mutex
	done := make([]bool, len(keep))
	sem := make(chan struct{}, o.Concurrency)
	var wg sync.WaitGroup
	for i, j := range keep {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			env.Progress.Step(j.target.Name, "checking", 0, 0)
			tp := probeOne(ctx, j, reg, env.Redactor)
			status := "done"
			if tp.Err != nil {
				status = "failed: " + tp.Reason
			}
			env.Progress.Step(j.target.Name, status, 1, 1)
			mu.Lock()
			out[i], done[i] = tp, true
			mu.Unlock()
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
		}
	}
	mu.Lock()
	defer mu.Unlock()
	res := make([]TargetProbe, len(keep))
	for i, j := range keep {
		if done[i] {
			res[i] = out[i]
			continue
		}
		res[i] = TargetProbe{Target: j.target.Name, Type: j.target.Type, Err: context.Canceled,
			Class: scanners.ClassCancelled, Reason: "cancelled before it finished"}
	}
	return res, ctx.Err()
}

func probeOne(ctx context.Context, j job, reg *scanners.Registry, red *config.Redactor) (tp TargetProbe) {
	tp = TargetProbe{Target: j.target.Name, Type: j.target.Type}
	defer func() {
		if r := recover(); r != nil {
			tp.Err = fmt.Errorf("scanner panicked: %v", r)
			tp.Class, tp.Reason = scanners.ClassFailed, tp.Err.Error()
		}
	}()
	var err error
	if p, ok := j.scanner.(scanners.Prober); ok {
		tp.Results, err = p.Probe(ctx)
	} else {
		tp.ByScan = true
		snap, serr := j.scanner.Scan(ctx)
		err = serr
		f, _ := reg.Lookup(j.target.Type)
		if err == nil {
			tp.Results = scanners.ProbeFromSnapshot(snap, f.Gaps)
		}
	}
	if err != nil {
		tp.Err = red.Error(err)
		class, reason := scanners.Classify(err)
		tp.Class, tp.Reason = class, red.String(reason)
	}
	for i := range tp.Results {
		tp.Results[i].Error = red.String(tp.Results[i].Error)
	}
	return tp
}
