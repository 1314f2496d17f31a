package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/scan"
	"github.com/keyholder/keyholder/policies"
	"github.com/keyholder/keyholder/report"
	"github.com/keyholder/keyholder/scanners/all"
)

type scanFlags struct {
	config      string
	targets     []string
	out         string
	concurrency int
	force       bool
}

// evalFlags are the evaluation and rendering flags of scan.
type evalFlags struct {
	noEvaluate   bool
	profile      string
	exitProvider string
	policyDir    string
	formats      string
	failOn       string
	paper        string
	checks       string
	severity     string
	bundle       string
	sign         signFlags
}

func newScanCmd(a *app) *cobra.Command {
	var f scanFlags
	var ef evalFlags
	cmd := &cobra.Command{
		Use:   "scan [-c] keyholder.yaml [-o DIR|-]",
		Short: "Scan every target (read-only), evaluate the checks, write snapshot, assessment and reports",
		Long: `scan runs every configured scanner concurrently (read-only), records what
could not be read as gaps, evaluates the checks, and writes into DIR (0700):
snapshot.json, assessment.json and the reports chosen with --format (files
0600). A scanner that fails is recorded as a gap on its system while the
others finish; at the end one line per target says scanned, scanned with
N gaps, or failed (and why). Ctrl-C or SIGTERM cancels within 2 seconds:
what was collected is still written to snapshot.json, marked partial, and
the exit code is 1.

DIR is checked before scanning: it must be writable and must not hold
keyholder files of an earlier run (--force deletes those, and only those).
-o - writes the assessment JSON to standard output and no files.

` + exitCodesHelp,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := configArg(cmd, args, &f.config); err != nil {
				return err
			}
			return runScanCmd(cmd.Context(), a, f, ef)
		},
	}
	addScanFlags(cmd, &f)
	fl := cmd.Flags()
	fl.BoolVar(&ef.noEvaluate, "no-evaluate", false, "only write snapshot.json")
	fl.StringVar(&ef.profile, "profile", policies.ProfileReadiness, "check profile: readiness or exit")
	fl.StringVar(&ef.exitProvider, "exit-provider", "", "the departed provider (exit profile)")
	fl.StringVar(&ef.policyDir, "policy-dir", "", "directory of extra Rego checks")
	fl.StringVar(&ef.formats, "format", "html,md,json", "report formats: html, md, json, csv, sarif, runbook-csv, runbook-json, all")
	fl.StringVar(&ef.failOn, "fail-on", string(report.DefaultFailOn), "exit 3 on a failing check at or above: blocker, high, medium, low, or none")
	fl.StringVar(&ef.paper, "paper", "a4", "HTML print page size: a4 or letter")
	fl.StringVar(&ef.checks, "check", "", "reports show only the findings of these checks (comma-separated ids; assessment.json stays whole)")
	fl.StringVar(&ef.severity, "severity", "", "reports show only findings of these severities: blocker, high, medium, low, info")
	addBundleFlags(cmd, &ef.bundle, &ef.sign)
	return cmd
}

func runScanCmd(ctx context.Context, a *app, f scanFlags, ef evalFlags) error {
	// Usage errors first, before anything slow happens.
	var formats []string
	var failOn findings.Severity
	var engine *policies.Engine
	var filter report.Filter
	toStdout := f.out == "-"
	if toStdout && ef.noEvaluate {
		return withCode(exitUsage, errors.New("-o - writes the assessment to standard output; it cannot be combined with --no-evaluate"))
	}
	if ef.bundle != "" && ef.noEvaluate {
		return withCode(exitUsage, errors.New("--bundle needs the evaluation: it cannot be combined with --no-evaluate"))
	}
	if err := checkBundleFlags(ef.bundle, ef.sign); err != nil {
		return err
	}
	if !ef.noEvaluate {
		var err error
		if filter, err = report.ParseFilter(ef.checks, ef.severity); err != nil {
			return withCode(exitUsage, err)
		}
		if formats, err = report.ParseFormats(ef.formats); err != nil {
			return withCode(exitUsage, err)
		}
		if failOn, err = report.ParseFailOn(ef.failOn); err != nil {
			return withCode(exitUsage, err)
		}
		if engine, err = newEngine(a, ef.policyDir); err != nil {
			return err
		}
		for _, c := range filter.Checks {
			if _, ok := engine.Check(c); !ok {
				return withCode(exitUsage, fmt.Errorf("--check %s: no such check (see keyholder policies list)", c))
			}
		}
	}
	if !toStdout {
		if err := prepareOutDir(f.out, f.force); err != nil {
			return err
		}
	}
	snap, err := runScan(ctx, a, f)
	if snap == nil {
		return err
	}
	summary := scan.Summarize(snap)
	sumCfg, _ := config.Load(f.config) // for the targets' timeouts only
	for _, l := range summaryLines(summary, sumCfg) {
		a.say(l)
	}
	path := filepath.Join(f.out, "snapshot.json")
	var digest string
	if !toStdout {
		var werr error
		if digest, werr = writeSealedSnapshot(path, snap); werr != nil {
			return errors.Join(err, werr)
		}
		a.sayf("snapshot: %s (%d systems, %d principals, %d grants, %d gaps)",
			path, len(snap.Systems), len(snap.Principals), len(snap.Grants), len(snap.Gaps))
	}
	if err != nil {
		if toStdout {
			return withCode(exitRuntime, fmt.Errorf("scan interrupted; nothing written (-o -): %w", err))
		}
		return withCode(exitRuntime, fmt.Errorf("scan interrupted; partial snapshot written to %s: %w", path, err))
	}
	targetsFailed := scan.AnyFailed(summary)
	if ef.noEvaluate {
		if targetsFailed {
			return withCode(exitTargetFailed, errors.New("a target could not be scanned at all (see above)"))
		}
		return nil
	}
	cfg, err := config.Load(f.config)
	if err != nil {
		return withCode(exitUsage, err)
	}
	as, err := engine.Evaluate(ctx, snap, cfg, policies.EvalOptions{Profile: ef.profile, ExitProvider: ef.exitProvider, Version: version, SnapshotSHA256: digest})
	if err != nil {
		var ue *policies.UsageError
		if errors.As(err, &ue) {
			return withCode(exitUsage, err)
		}
		return err
	}
	if toStdout {
		w, err := report.New("json", reportOptions(all.Registry(), as, f.config))
		if err != nil {
			return err
		}
		if err := w.WriteFile("assessment.json", a.stdout, as); err != nil {
			return err
		}
	} else {
		opts := reportOptions(all.Registry(), as, f.config)
		opts.Paper = ef.paper
		opts.Filter = filter
		paths, err := report.WriteAll(f.out, formats, as, opts)
		if err != nil {
			return err
		}
		for _, p := range paths {
			a.sayf("report: %s", p)
		}
		fmt.Fprintf(a.stdout, "verdict: %s\n", as.Verdict)
	}
	if ef.bundle != "" {
		if err := bundleRun(ctx, a, as, snap, nil, formats, f.config, ef.policyDir, ef.sign, ef.bundle); err != nil {
			return err
		}
	}
	return exitFor(as, failOn, targetsFailed)
}

// exitFor maps a finished run to its exit code: 6 when a target could not
// be scanned at all, else 3 or 4 by the findings (report.ExitCode).
func exitFor(as *findings.Assessment, failOn findings.Severity, targetsFailed bool) error {
	code := report.ExitCode(as, failOn)
	if targetsFailed {
		return withCode(exitTargetFailed, fmt.Errorf("a target could not be scanned at all (see above); %s", report.ExitSummary(as, failOn)))
	}
	if code != exitOK {
		return withCode(code, errors.New(report.ExitSummary(as, failOn)))
	}
	return nil
}

func addScanFlags(cmd *cobra.Command, f *scanFlags) {
	cmd.Flags().StringVarP(&f.config, "config", "c", "keyholder.yaml", "config file")
	cmd.Flags().StringArrayVar(&f.targets, "target", nil, "scan only this target (repeatable)")
	cmd.Flags().StringVarP(&f.out, "out", "o", "out", "output directory, or - to write the assessment JSON to standard output")
	cmd.Flags().IntVar(&f.concurrency, "concurrency", 4, "scanners running at once")
	cmd.Flags().BoolVar(&f.force, "force", false, "delete keyholder's own files (snapshot, reports) of an earlier run in the output directory first")
}

// runScan loads the config and runs the scanners. It returns the snapshot
// (possibly partial) and an error; both may be set.
func runScan(ctx context.Context, a *app, f scanFlags) (*findings.Snapshot, error) {
	cfg, err := config.Load(f.config)
	if err != nil {
		return nil, withCode(exitUsage, err)
	}
	now, err := a.clock()
	if err != nil {
		return nil, err
	}
	prog, stop := a.startProgress()
	snap, err := scan.Run(ctx, cfg, all.Registry(), scan.Options{
		Targets:     f.targets,
		Concurrency: f.concurrency,
		Logger:      a.logger,
		Now:         now,
		Version:     version,
		Progress:    prog,
		Redactor:    a.redactor,
	})
	stop()
	if err != nil && snap == nil {
		if config.AsProblems(err) != nil || errors.Is(err, scan.ErrUnknownTarget) {
			return nil, withCode(exitUsage, err)
		}
		return nil, err
	}
	return snap, err
}

func writeSnapshot(path string, snap *findings.Snapshot) error {
	_, err := writeSealedSnapshot(path, snap)
	return err
}

// writeSealedSnapshot writes snap to path sealed with its digest, and
// returns the digest (what evaluation records as snapshot_sha256).
func writeSealedSnapshot(path string, snap *findings.Snapshot) (string, error) {
	// The file records its own SHA-256 (content_sha256), so evaluate can
	// refuse it once edited; the snapshot in memory stays unsealed. Both
	// the seal's hash and the file are streamed: the snapshot is never
	// built as one document in memory.
	if err := snap.Seal(); err != nil {
		return "", err
	}
	digest := snap.ContentSHA256
	defer func() { snap.ContentSHA256 = "" }()
	if err := writeStreamed(path, snap.EncodeCanonical); err != nil {
		return "", err
	}
	return digest, nil
}
