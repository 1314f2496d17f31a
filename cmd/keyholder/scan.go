package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/fsx"
	"github.com/keyholder/keyholder/internal/progress"
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
}

func newScanCmd(a *app) *cobra.Command {
	var f scanFlags
	var ef evalFlags
	cmd := &cobra.Command{
		Use:   "scan -c keyholder.yaml [-o DIR]",
		Short: "Scan every target (read-only), evaluate the checks, write snapshot, assessment and reports",
		Long: `scan runs every configured scanner concurrently (read-only), records what
could not be read as gaps, evaluates the checks, and writes into DIR (0700):
snapshot.json, assessment.json and the reports chosen with --format (files
0600). A scanner that fails is recorded as a gap on its system while the
others finish. Ctrl-C cancels: what was collected is still written to
snapshot.json, marked partial, and the exit code is 1.

Exit codes:
  0  no failing check at or above --fail-on
  1  runtime error (or an interrupted scan)
  2  usage or config error
  3  failing checks at or above --fail-on
  4  incomplete: a blocker check is unknown`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
	fl.StringVar(&ef.failOn, "fail-on", string(report.DefaultFailOn), "exit 3 on a failing check at or above: blocker, high, medium, low")
	fl.StringVar(&ef.paper, "paper", "a4", "HTML print page size: a4 or letter")
	fl.StringVar(&ef.checks, "check", "", "reports show only the findings of these checks (comma-separated ids; assessment.json stays whole)")
	fl.StringVar(&ef.severity, "severity", "", "reports show only findings of these severities: blocker, high, medium, low, info")
	return cmd
}

func runScanCmd(ctx context.Context, a *app, f scanFlags, ef evalFlags) error {
	// Usage errors first, before anything slow happens.
	var formats []string
	var failOn findings.Severity
	var engine *policies.Engine
	var filter report.Filter
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
	snap, err := runScan(ctx, a, f)
	if snap == nil {
		return err
	}
	path := filepath.Join(f.out, "snapshot.json")
	if werr := writeSnapshot(path, snap); werr != nil {
		return errors.Join(err, werr)
	}
	fmt.Fprintf(a.stderr, "snapshot: %s (%d systems, %d principals, %d grants, %d gaps)\n",
		path, len(snap.Systems), len(snap.Principals), len(snap.Grants), len(snap.Gaps))
	if err != nil {
		return withCode(exitRuntime, fmt.Errorf("scan interrupted; partial snapshot written to %s: %w", path, err))
	}
	if ef.noEvaluate {
		return nil
	}
	cfg, err := config.Load(f.config)
	if err != nil {
		return withCode(exitUsage, err)
	}
	as, err := engine.Evaluate(ctx, snap, cfg, policies.EvalOptions{Profile: ef.profile, ExitProvider: ef.exitProvider, Version: version})
	if err != nil {
		var ue *policies.UsageError
		if errors.As(err, &ue) {
			return withCode(exitUsage, err)
		}
		return err
	}
	opts := reportOptions(all.Registry(), as, f.config)
	opts.Paper = ef.paper
	opts.Filter = filter
	paths, err := report.WriteAll(f.out, formats, as, opts)
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintf(a.stderr, "report: %s\n", p)
	}
	fmt.Fprintf(a.stdout, "verdict: %s\n", as.Verdict)
	if code := report.ExitCode(as, failOn); code != exitOK {
		return withCode(code, errors.New(report.ExitSummary(as, failOn)))
	}
	return nil
}

func addScanFlags(cmd *cobra.Command, f *scanFlags) {
	cmd.Flags().StringVarP(&f.config, "config", "c", "keyholder.yaml", "config file")
	cmd.Flags().StringArrayVar(&f.targets, "target", nil, "scan only this target (repeatable)")
	cmd.Flags().StringVarP(&f.out, "out", "o", "out", "output directory")
	cmd.Flags().IntVar(&f.concurrency, "concurrency", 4, "scanners running at once")
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
	prog, stop := progress.New(a.stderr)
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
	b, err := snap.CanonicalJSON()
	if err != nil {
		return err
	}
	return fsx.WriteFile(path, b)
}
