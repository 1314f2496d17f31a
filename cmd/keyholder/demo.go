package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/diffview"
	"github.com/keyholder/keyholder/internal/fsx"
	"github.com/keyholder/keyholder/internal/scan"
	"github.com/keyholder/keyholder/internal/sim/estate"
	"github.com/keyholder/keyholder/internal/store"
	"github.com/keyholder/keyholder/policies"
	"github.com/keyholder/keyholder/report"
	"github.com/keyholder/keyholder/scanners/all"
)

// demoMarker marks a directory keyholder demo wrote, so a second demo may
// replace its files and nothing else.
const demoMarker = ".keyholder-demo"

// demoFiles are what a demo writes into its directory (besides reports).
var demoFiles = []string{"keyholder.db", "keyholder.db-wal", "keyholder.db-shm", "estate", "week1", "attestation"}

type demoFlags struct {
	out          string
	users        int
	seed         uint64
	formats      string
	profile      string
	exitProvider string
}

func newDemoCmd(a *app) *cobra.Command {
	var f demoFlags
	cmd := &cobra.Command{
		Use:   "demo [-o DIR]",
		Short: "Run keyholder against a simulated company run by an MSP (no cloud account needed)",
		Long: `demo starts, in this process and on 127.0.0.1 only, a simulated estate of
Contoso Ltd, a company whose IT is run by the MSP Acme IT: a Microsoft Graph
tenant, AWS (IAM, STS, Organizations, Backup, S3, KMS, Account), a GitHub
organisation and an Active Directory domain controller, all speaking their
real wire protocols. It then does what a scheduled review does, twice: scans
with the real scanners through a generated keyholder.yaml (DIR/estate),
evaluates, and stores the run in DIR/keyholder.db; between the runs a week
of MSP changes happens. It writes the reports of the second run, whose first
page shows what changed, to DIR (the first run's to DIR/week1) and prints
where they are.

The estate is dated 2026-11-02 (and a week later); --now moves it.
--users N replaces Contoso with a generated estate of about N users per
system, for benchmarks.

--profile exit runs both weeks as an exit review of the departed provider
(--exit-provider, default Acme IT) and also writes the exit attestation
the provider signs into DIR/attestation (attestation.md, attestation.html;
see keyholder attestation).

demo exits 0 whatever the findings: the simulated company is not ready to
end its MSP contract, and the report says why.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// The simulated estate has gaps on purpose; the report shows
			// them, so the scanners' warnings would only be noise here.
			if !cmd.Flags().Changed("log-level") {
				lg, err := newLogger(a.logw, "error", a.logFormat, a.redactor)
				if err != nil {
					return withCode(exitUsage, err)
				}
				a.logger = lg
			}
			res, err := runDemo(cmd.Context(), a, f)
			if err != nil {
				return err
			}
			printDemo(a.stdout, res)
			return nil
		},
	}
	cmd.Flags().StringVarP(&f.out, "out", "o", "keyholder-demo", "directory for the reports, the run history and the estate's config")
	cmd.Flags().IntVar(&f.users, "users", 0, "simulate a generated estate of about N users per system instead of Contoso")
	cmd.Flags().Uint64Var(&f.seed, "seed", 1, "seed of the generated estate (--users)")
	cmd.Flags().StringVar(&f.formats, "format", "html,md,json,runbook-csv,runbook-json", "report formats (html, md, json, csv, sarif, runbook-csv, runbook-json, all)")
	cmd.Flags().StringVar(&f.profile, "profile", policies.ProfileReadiness, "check profile: readiness, or exit (also writes the exit attestation)")
	cmd.Flags().StringVar(&f.exitProvider, "exit-provider", "Acme IT", "with --profile exit: the departed provider")
	return cmd
}

// demoRun is one week of the demo.
type demoRun struct {
	label   string
	when    time.Time
	result  reviewResult
	reports []string
	elapsed time.Duration
}

// demoResult is what a demo did, for the printout and the tests.
type demoResult struct {
	dir     string
	store   string
	config  string
	types   []string // simulated and scanned
	missing []string // simulated, but no scanner registered yet
	changes []string // the week-2 changes applied to the estate
	runs    []demoRun
	secrets []string
	// attestation lists the exit attestation's files (--profile exit).
	attestation []string
}

func runDemo(ctx context.Context, a *app, f demoFlags) (demoResult, error) {
	formats, err := report.ParseFormats(f.formats)
	if err != nil {
		return demoResult{}, withCode(exitUsage, err)
	}
	if f.profile == "" {
		f.profile = policies.ProfileReadiness
	}
	if f.profile != policies.ProfileReadiness && f.profile != policies.ProfileExit {
		return demoResult{}, withCode(exitUsage, fmt.Errorf("--profile %q: want readiness or exit", f.profile))
	}
	eval := policies.EvalOptions{Profile: f.profile}
	if f.profile == policies.ProfileExit {
		eval.ExitProvider = f.exitProvider
	}
	if f.users < 0 {
		return demoResult{}, withCode(exitUsage, fmt.Errorf("--users %d: must not be negative", f.users))
	}
	dir, err := prepareDemoDir(f.out)
	if err != nil {
		return demoResult{}, err
	}
	var sc *estate.Scenario
	if f.users > 0 {
		sc, err = estate.Generate(estate.GenerateParams{Users: f.users, Seed: f.seed})
	} else {
		sc, err = estate.Contoso()
	}
	if err != nil {
		return demoResult{}, err
	}
	reg := all.Registry()
	res := demoResult{dir: dir, store: filepath.Join(dir, "keyholder.db")}
	for _, t := range estate.Types() {
		if _, ok := reg.Lookup(t); ok {
			res.types = append(res.types, t)
		} else {
			res.missing = append(res.missing, t)
		}
	}
	if len(res.types) == 0 {
		return demoResult{}, errors.New("demo: no scanner for any simulated system is registered")
	}
	// Leave out what cannot be scanned, so week 2 only changes what is.
	for _, t := range res.missing {
		switch t {
		case estate.TypeEntra:
			sc.Entra = nil
		case estate.TypeAWS:
			sc.AWS = nil
		case estate.TypeGitHub:
			sc.GitHub = nil
		case estate.TypeLDAP:
			sc.LDAP = nil
		case estate.TypeWorkspace:
			sc.Workspace = nil
		case estate.TypeDomains:
			sc.Domains = nil
		case estate.TypeAzure:
			sc.Azure = nil
		}
	}
	start := sc.Now
	if a.now != "" {
		clock, err := a.clock()
		if err != nil {
			return demoResult{}, err
		}
		start = clock().UTC()
	}
	engine, err := newEngine(a, "")
	if err != nil {
		return demoResult{}, err
	}
	st, err := store.Open(ctx, res.store, store.Options{Now: func() time.Time { return start }})
	if err != nil {
		return demoResult{}, err
	}
	defer st.Close()

	estateDir := filepath.Join(dir, "estate")
	weeks := []struct {
		label string
		when  time.Time
		out   string
	}{
		{"week 1", start, filepath.Join(dir, "week1")},
		{"week 2", start.AddDate(0, 0, 7), dir},
	}
	for i, w := range weeks {
		if i == 1 {
			if res.changes, err = estate.Week2(sc); err != nil {
				return demoResult{}, err
			}
		}
		run, secrets, err := demoWeek(ctx, a, sc, st, engine, estateDir, res.types, w.when, eval)
		if err != nil {
			return demoResult{}, fmt.Errorf("demo: %s: %w", w.label, err)
		}
		res.secrets = append(res.secrets, secrets...)
		res.config = filepath.Join(estateDir, "keyholder.yaml")
		run.label = w.label
		run.reports, err = report.WriteAll(w.out, formats, run.result.assessment, reportOptions(reg, run.result.assessment, res.config))
		if err != nil {
			return demoResult{}, err
		}
		if _, err := writeRunSnapshot(w.out, run.result.assessment); err != nil {
			return demoResult{}, err
		}
		res.runs = append(res.runs, run)
	}
	if err := os.WriteFile(filepath.Join(estateDir, "scenario.yaml"), scenarioFile(f.users), 0o600); err != nil {
		return demoResult{}, err
	}
	if f.profile == policies.ProfileExit {
		last := res.runs[len(res.runs)-1].result
		l, err := report.BuildLetter(last.assessment, report.LetterOptions{Provider: f.exitProvider, Run: last.run.ID, ChainDigest: last.run.ChainDigest})
		if err != nil {
			return demoResult{}, fmt.Errorf("demo: attestation: %w", err)
		}
		if res.attestation, err = report.WriteLetter(filepath.Join(dir, "attestation"), l); err != nil {
			return demoResult{}, err
		}
	}
	return res, nil
}

func scenarioFile(users int) []byte {
	if users > 0 {
		return []byte(fmt.Sprintf("# generated estate: estate.Generate(Users: %d)\n", users))
	}
	return estate.ContosoYAML()
}

// demoWeek starts the estate as of when, reviews it once, and stops it.
func demoWeek(ctx context.Context, a *app, sc *estate.Scenario, st *store.Store, engine *policies.Engine, estateDir string, types []string, when time.Time, eval policies.EvalOptions) (demoRun, []string, error) {
	e, err := estate.Start(sc, estate.Options{Dir: estateDir, Types: types, Now: when})
	if err != nil {
		return demoRun{}, nil, err
	}
	defer e.Close()
	restore := e.Setenv()
	defer restore()
	cfg, err := config.Load(e.ConfigPath)
	if err != nil {
		return demoRun{}, nil, fmt.Errorf("the generated config is invalid: %w", err)
	}
	reg := all.Registry()
	if err := scan.Validate(cfg, reg); err != nil {
		return demoRun{}, nil, fmt.Errorf("the generated config is invalid: %w", err)
	}
	t0 := time.Now()
	r, err := runReview(ctx, a, reviewParams{cfg: cfg, store: st, engine: engine, registry: reg,
		now: func() time.Time { return when }, concurrency: 4, progress: true, eval: eval})
	if err != nil {
		return demoRun{}, nil, err
	}
	return demoRun{when: when, result: r, elapsed: time.Since(t0)}, e.Secrets(), nil
}

// prepareDemoDir creates dir, or clears the files of a previous demo in
// it. A directory with other content is refused: the demo never deletes
// what it did not write.
func prepareDemoDir(out string) (string, error) {
	dir, err := filepath.Abs(out)
	if err != nil {
		return "", err
	}
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		// 0700, or on Windows an owner-only ACL that what the demo writes
		// inside (the estate's CA files, scenario.yaml) inherits.
		if err := fsx.MkdirPrivate(dir); err != nil {
			return "", err
		}
	case err != nil:
		return "", err
	case len(entries) > 0:
		if _, err := os.Stat(filepath.Join(dir, demoMarker)); err != nil {
			return "", withCode(exitUsage, fmt.Errorf("demo: %s is not empty and was not written by keyholder demo; pass -o with a new directory", dir))
		}
		known := append(slices.Clone(demoFiles), demoMarker)
		for _, f := range report.Formats() {
			w, _ := report.New(f, report.Options{})
			known = append(known, w.Files()...)
		}
		for _, e := range entries {
			if slices.Contains(known, e.Name()) {
				if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
					return "", err
				}
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, demoMarker), []byte("written by keyholder demo; the next demo with -o here replaces its files\n"), 0o600); err != nil {
		return "", err
	}
	return dir, nil
}

// printDemo tells the user what happened and where the report is.
func printDemo(w io.Writer, res demoResult) {
	names := map[string]string{estate.TypeEntra: "Microsoft Graph", estate.TypeAWS: "AWS", estate.TypeGitHub: "GitHub", estate.TypeLDAP: "Active Directory", estate.TypeWorkspace: "Google Workspace",
		estate.TypeDomains: "RDAP and DNS", estate.TypeAzure: "Azure Resource Manager"}
	var sims []string
	for _, t := range res.types {
		sims = append(sims, names[t])
	}
	fmt.Fprintf(w, "keyholder demo: Contoso Ltd, whose IT is run by the MSP Acme IT\n")
	fmt.Fprintf(w, "  simulated on 127.0.0.1: %s\n", strings.Join(sims, ", "))
	if len(res.missing) > 0 {
		var ms []string
		for _, t := range res.missing {
			ms = append(ms, names[t])
		}
		fmt.Fprintf(w, "  not simulated (no %s scanner in this build): %s\n", strings.Join(res.missing, "/"), strings.Join(ms, ", "))
	}
	fmt.Fprintf(w, "  config: %s\n\n", res.config)
	for i, r := range res.runs {
		as := r.result.assessment
		fail, blockers := 0, 0
		checks := map[string]bool{}
		for _, f := range as.Findings {
			if f.Status == findings.StatusFail {
				fail++
				checks[f.Check] = true
				if f.Severity == findings.SeverityBlocker {
					blockers++
				}
			}
		}
		fmt.Fprintf(w, "%s (%s): run %d, verdict %s, %d failing findings across %d checks (%d blocker findings), %d principals, %d gaps [%s]\n",
			r.label, r.when.Format("2006-01-02"), r.result.run.ID, as.Verdict, fail, len(checks), blockers,
			len(as.Snapshot.Principals), len(as.Snapshot.Gaps), r.elapsed.Round(10*time.Millisecond))
		if i == 1 {
			for _, c := range res.changes {
				fmt.Fprintf(w, "  this week: %s\n", c)
			}
			if as.Changes != nil {
				fmt.Fprintln(w)
				_ = diffview.Text(&indent{w: w}, as.Changes, diffview.Options{MaxItems: 4})
			}
		}
	}
	if len(res.runs) == 0 {
		return
	}
	last := res.runs[len(res.runs)-1]
	html := ""
	for _, p := range last.reports {
		if strings.HasSuffix(p, ".html") {
			html = p
		}
	}
	fmt.Fprintln(w)
	if html != "" {
		fmt.Fprintf(w, "Report: %s\n  open file://%s in a browser\n", html, filepath.ToSlash(html))
	}
	fmt.Fprintf(w, "Also:   %s\n", strings.Join(relPaths(res.dir, last.reports), ", "))
	fmt.Fprintf(w, "        week 1 reports in %s\n", filepath.Join(res.dir, "week1"))
	if len(res.attestation) > 0 {
		fmt.Fprintf(w, "Exit attestation for the provider to sign: %s\n", strings.Join(relPaths(res.dir, res.attestation), ", "))
	}
	fmt.Fprintf(w, "Next:   keyholder history --store %s\n", res.store)
	fmt.Fprintf(w, "        keyholder diff --store %s --format md\n", res.store)
}

func relPaths(dir string, paths []string) []string {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		if r, err := filepath.Rel(dir, p); err == nil {
			out = append(out, r)
		} else {
			out = append(out, p)
		}
	}
	return out
}

// indent prefixes every line with two spaces.
type indent struct {
	w   io.Writer
	mid bool
}

func (in *indent) Write(p []byte) (int, error) {
	var b strings.Builder
	for _, c := range string(p) {
		if !in.mid {
			b.WriteString("  ")
			in.mid = true
		}
		b.WriteRune(c)
		if c == '\n' {
			in.mid = false
		}
	}
	if _, err := io.WriteString(in.w, b.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}
