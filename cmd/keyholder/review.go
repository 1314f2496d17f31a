package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/diffview"
	"github.com/keyholder/keyholder/internal/scan"
	"github.com/keyholder/keyholder/internal/store"
	"github.com/keyholder/keyholder/policies"
	"github.com/keyholder/keyholder/report"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/all"
)

type reviewFlags struct {
	config       string
	targets      []string
	concurrency  int
	store        string
	out          string
	formats      string
	failOn       string
	failOnChange string
	diffFormat   string
	policyDir    string
	profile      string
	exitProvider string
	paper        string
	maxItems     int
	estate       string
	bundle       string
	sign         signFlags
}

func newReviewCmd(a *app) *cobra.Command {
	var f reviewFlags
	cmd := &cobra.Command{
		Use:   "review -c keyholder.yaml [--store PATH] [-o DIR] [--fail-on-change privileged|any|none]",
		Short: "Scheduled access review: scan, evaluate, store, and report what changed since the last run",
		Long: `review is the command a cron job, systemd timer or scheduled CI workflow
runs. It scans every target (read-only), evaluates the checks, stores the run
in the run history (--store), compares it with the previous run of the same
organization and profile, prints what changed, and with -o writes the reports (whose first
page then shows the changes).

Exit codes:
  0  nothing watched changed and no failing check at or above --fail-on
  1  runtime error (nothing is stored for an interrupted scan)
  2  usage or config error
  3  failing checks at or above --fail-on (--fail-on none turns this off)
  4  incomplete: a blocker check is unknown
  5  privileged access changed since the previous run (--fail-on-change
     privileged, the default: a privileged grant or a trust was added,
     removed or changed), or anything changed (--fail-on-change any)
  6  a target could not be scanned at all (unreachable, authentication
     failed, TLS)

5 wins over 3 and 4: a scheduled review alerts on change first. 6 (a
target could not be scanned at all) wins over 5, 3 and 4: a target that
was not read would otherwise show as everything removed. The first
run of a store has nothing to compare with and never exits 5.`,
		Example: `  keyholder review -c /etc/keyholder/keyholder.yaml -o /var/lib/keyholder/latest
  keyholder review -c keyholder.yaml --fail-on none --fail-on-change any --diff-format md`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runReviewCmd(cmd.Context(), a, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.config, "config", "c", "keyholder.yaml", "config file")
	fl.StringArrayVar(&f.targets, "target", nil, "scan only this target (repeatable; the others are recorded as skipped)")
	fl.IntVar(&f.concurrency, "concurrency", 4, "scanners running at once")
	addStoreFlag(cmd, &f.store)
	fl.StringVarP(&f.out, "out", "o", "", "write reports into this directory")
	fl.StringVar(&f.formats, "format", "html,md,json", "report formats for -o (html, md, json, csv, sarif, all)")
	fl.StringVar(&f.failOn, "fail-on", string(report.DefaultFailOn), "exit 3 on a failing check at or above: blocker, high, medium, low, or none")
	fl.StringVar(&f.failOnChange, "fail-on-change", string(changePrivileged), "exit 5 when privileged access changed (privileged), anything changed (any), or never (none)")
	fl.StringVar(&f.diffFormat, "diff-format", "text", "format of the changes printed on stdout: text, md or json")
	fl.StringVar(&f.policyDir, "policy-dir", "", "directory of extra Rego checks")
	fl.StringVar(&f.profile, "profile", policies.ProfileReadiness, "check profile: readiness or exit")
	fl.StringVar(&f.exitProvider, "exit-provider", "", "the departed provider (exit profile), or the provider the runbook is about")
	fl.StringVar(&f.paper, "paper", "a4", "print page size of the HTML report: a4 or letter")
	addEstateFlag(cmd, &f.estate, "store the run under this estate name (default: the config's organization.name)")
	fl.IntVar(&f.maxItems, "max-items", 50, "show at most N items per section of the printed changes (0: all)")
	addBundleFlags(cmd, &f.bundle, &f.sign)
	return cmd
}

func runReviewCmd(ctx context.Context, a *app, f reviewFlags) error {
	// Every usage error before anything slow happens.
	rule, err := parseChangeRule(f.failOnChange)
	if err != nil {
		return withCode(exitUsage, err)
	}
	failOn := findings.Severity("")
	if !strings.EqualFold(f.failOn, "none") {
		if failOn, err = report.ParseFailOn(f.failOn); err != nil {
			return withCode(exitUsage, err)
		}
	}
	var formats []string
	if f.out != "" {
		if formats, err = report.ParseFormats(f.formats); err != nil {
			return withCode(exitUsage, err)
		}
	}
	if err := checkBundleFlags(f.bundle, f.sign); err != nil {
		return err
	}
	switch f.diffFormat {
	case "text", "md", "markdown", "json":
	default:
		return withCode(exitUsage, fmt.Errorf("--diff-format %q: want text, md or json", f.diffFormat))
	}
	cfg, err := config.Load(f.config)
	if err != nil {
		return withCode(exitUsage, err)
	}
	if err := scan.Validate(cfg, all.Registry()); err != nil {
		return withCode(exitUsage, err)
	}
	engine, err := newEngine(a, f.policyDir)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, a, f.store, false)
	if err != nil {
		return err
	}
	defer st.Close()

	now, err := a.clock()
	if err != nil {
		return err
	}
	res, err := runReview(ctx, a, reviewParams{
		cfg: cfg, store: st, engine: engine, registry: all.Registry(), now: now,
		targets: f.targets, concurrency: f.concurrency, progress: true, partialOut: f.out, estate: f.estate,
		eval: policies.EvalOptions{Profile: f.profile, ExitProvider: f.exitProvider, Version: version},
	})
	if err != nil {
		return err
	}
	as := res.assessment
	summary := scan.Summarize(as.Snapshot)
	for _, l := range summaryLines(summary, cfg) {
		a.say(l)
	}
	a.sayf("run %d stored in %s (verdict %s)", res.run.ID, st.Path(), as.Verdict)
	if as.Changes == nil {
		fmt.Fprintf(a.stdout, "First run of %s in this store: nothing to compare with yet.\n", orDash(res.run.Estate))
	} else {
		if err := diffview.Write(a.stdout, f.diffFormat, as.Changes, diffview.Options{MaxItems: f.maxItems}); err != nil {
			return err
		}
	}
	if f.out != "" {
		opts := reportOptions(all.Registry(), as, f.config)
		opts.Paper = f.paper
		paths, err := report.WriteAll(f.out, formats, as, opts)
		if err != nil {
			return err
		}
		for _, p := range paths {
			a.sayf("report: %s", p)
		}
		if p, err := writeRunSnapshot(f.out, as); err != nil {
			return err
		} else if p != "" {
			a.sayf("snapshot: %s", p)
		}
	}
	if f.bundle != "" {
		if err := bundleRun(ctx, a, as, res.snapshot, &res.run, formats, f.config, f.policyDir, f.sign, f.bundle); err != nil {
			return err
		}
	}
	if scan.AnyFailed(summary) {
		return withCode(exitTargetFailed, errors.New("a target could not be scanned at all (see above); its changes and findings are not trustworthy until it is"))
	}
	if rule.triggered(as.Changes) {
		what := "privileged access changed"
		if rule == changeAny {
			what = fmt.Sprintf("%d change(s)", as.Changes.Count())
		}
		return withCode(exitChanged, fmt.Errorf("%s since run %d (keyholder diff %d %d)", what, as.Changes.FromRun, as.Changes.FromRun, res.run.ID))
	}
	if failOn == "" {
		return nil
	}
	if code := report.ExitCode(as, failOn); code != exitOK {
		return withCode(code, errors.New(report.ExitSummary(as, failOn)))
	}
	return nil
}

// newEngine compiles the built-in and user checks; a broken user check
// is a usage error.
func newEngine(a *app, policyDir string) (*policies.Engine, error) {
	e, err := policies.NewEngine(policies.Options{PolicyDir: policyDir, Logger: a.logger})
	if err != nil {
		if errors.Is(err, policies.ErrPolicy) {
			return nil, withCode(exitUsage, err)
		}
		return nil, err
	}
	return e, nil
}

// reviewParams is one review: what to scan and where to store it.
type reviewParams struct {
	cfg         *config.Config
	store       *store.Store
	engine      *policies.Engine
	registry    *scanners.Registry
	targets     []string
	concurrency int
	// now is the scan's clock.
	now func() time.Time
	// eval are the evaluation options (profile, exit provider); Version
	// is filled in.
	eval policies.EvalOptions
	// progress shows scan progress on stderr when it is a terminal.
	progress bool
	// partialOut, when set, receives the partial snapshot of an
	// interrupted scan.
	partialOut string
	// estate names the estate the run is stored under; the assessment's
	// organization when empty.
	estate string
}

// reviewResult is a stored, diffed run.
type reviewResult struct {
	run        store.Run
	assessment *findings.Assessment
	// snapshot is what the run read (for --bundle).
	snapshot *findings.Snapshot
}

// runReview scans, evaluates, stores the run, and diffs it against the
// previous run of the same organization and profile (setting
// Assessment.Changes). An interrupted scan is not stored.
func runReview(ctx context.Context, a *app, p reviewParams) (reviewResult, error) {
	prog := scanners.Progress(scanners.NopProgress{})
	stop := func() {}
	if p.progress {
		prog, stop = a.startProgress()
	}
	snap, err := scan.Run(ctx, p.cfg, p.registry, scan.Options{
		Targets: p.targets, Concurrency: p.concurrency, Logger: a.logger, Now: p.now,
		Version: version, Progress: prog, Redactor: a.redactor,
	})
	stop()
	if err != nil {
		if snap == nil && (config.AsProblems(err) != nil || errors.Is(err, scan.ErrUnknownTarget)) {
			return reviewResult{}, withCode(exitUsage, err)
		}
		if snap != nil && p.partialOut != "" {
			path := filepath.Join(p.partialOut, "snapshot.json")
			if werr := writeSnapshot(path, snap); werr == nil {
				return reviewResult{}, fmt.Errorf("scan did not finish; nothing was stored; partial snapshot written to %s: %w", path, err)
			}
		}
		return reviewResult{}, fmt.Errorf("scan did not finish; nothing was stored: %w", err)
	}
	ev := p.eval
	ev.Version = version
	as, err := p.engine.Evaluate(ctx, snap, p.cfg, ev)
	if err != nil {
		var ue *policies.UsageError
		if errors.As(err, &ue) {
			return reviewResult{}, withCode(exitUsage, err)
		}
		return reviewResult{}, err
	}
	estate := p.estate
	if estate == "" {
		estate = as.Organization
	}
	run, err := p.store.SaveEstate(ctx, estate, as)
	if err != nil {
		return reviewResult{}, err
	}
	prev, ok, err := p.store.Previous(ctx, run.ID, store.Match{Estate: estate, Organization: as.Organization, Profile: as.Profile})
	if err != nil {
		return reviewResult{}, err
	}
	if ok {
		_, pa, err := p.store.Get(ctx, prev.ID)
		if err != nil {
			return reviewResult{}, fmt.Errorf("read previous run %d: %w", prev.ID, err)
		}
		// A run that missed a system is not its baseline: take each
		// such system from the last run that read it.
		base := pa
		if earlier, err := earlierReads(ctx, p.store, estate, prev.ID, pa, as); err != nil {
			return reviewResult{}, err
		} else if len(earlier) > 0 {
			base = findings.Baseline(pa, as, earlier)
		}
		c := findings.Diff(base, as)
		c.FromRun, c.ToRun = prev.ID, run.ID
		if err := p.store.SetChanges(ctx, run.ID, c); err != nil {
			return reviewResult{}, err
		}
		as.Changes = c
		run.Changes = c.Count()
	}
	return reviewResult{run: run, assessment: as, snapshot: snap}, nil
}

// maxBaselineLookback bounds how many earlier runs review reads to find
// the last run that read a system the previous run missed.
const maxBaselineLookback = 20

// earlierReads returns, newest first, the runs before prevID (same
// estate, organization and profile) needed to cover the systems cur read and prev
// did not; nil when prev read them all.
func earlierReads(ctx context.Context, st *store.Store, estate string, prevID int64, prev, cur *findings.Assessment) ([]*findings.Assessment, error) {
	need := map[string]bool{}
	pr := findings.ReadSystems(prev)
	for id := range findings.ReadSystems(cur) {
		if !pr[id] {
			need[id] = true
		}
	}
	var out []*findings.Assessment
	id := prevID
	for i := 0; len(need) > 0 && i < maxBaselineLookback; i++ {
		r, ok, err := st.Previous(ctx, id, store.Match{Estate: estate, Organization: cur.Organization, Profile: cur.Profile})
		if err != nil || !ok {
			return out, err
		}
		_, a, err := st.Get(ctx, r.ID)
		if err != nil {
			return nil, fmt.Errorf("read run %d: %w", r.ID, err)
		}
		out = append(out, a)
		for sys := range findings.ReadSystems(a) {
			delete(need, sys)
		}
		id = r.ID
	}
	return out, nil
}

// reportOptions lists, for the report's appendix, the permissions of the
// scanners whose systems the snapshot holds, and points SARIF results at
// the config file.
func reportOptions(reg *scanners.Registry, as *findings.Assessment, configPath string) report.Options {
	opts := report.Options{SARIFArtifact: filepath.ToSlash(configPath)}
	view := as.View()
	if view == nil {
		return opts
	}
	seen := map[string]bool{}
	for _, s := range view.Systems {
		t := string(s.Kind)
		f, ok := reg.Lookup(t)
		if !ok || seen[t] {
			continue
		}
		seen[t] = true
		p := f.Permissions()
		ps := report.PermissionSet{Scanner: t, Summary: p.Summary}
		for _, it := range p.Items {
			ps.Items = append(ps.Items, report.Permission{Name: it.Name, Why: it.Why, Optional: it.Optional})
		}
		opts.Permissions = append(opts.Permissions, ps)
	}
	sort.Slice(opts.Permissions, func(i, j int) bool { return opts.Permissions[i].Scanner < opts.Permissions[j].Scanner })
	return opts
}

// writeRunSnapshot writes the snapshot an assessment in memory was made
// from to dir/snapshot.json, sealed, beside the reports: assessment.json
// names it by snapshot_sha256 and no longer embeds it (a bundle of dir
// needs it). It returns the path, or "" when there is no snapshot.
func writeRunSnapshot(dir string, as *findings.Assessment) (string, error) {
	if as == nil || as.Snapshot == nil {
		return "", nil
	}
	path := filepath.Join(dir, "snapshot.json")
	if _, err := writeSealedSnapshot(path, as.Snapshot); err != nil {
		return "", err
	}
	return path, nil
}
