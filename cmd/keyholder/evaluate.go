package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/fsx"
	"github.com/keyholder/keyholder/policies"
	"github.com/keyholder/keyholder/report"
)

type evaluateFlags struct {
	config        string
	profile       string
	exitProvider  string
	policyDir     string
	asOf          string
	out           string
	failOn        string
	allowModified bool
}

func newEvaluateCmd(a *app) *cobra.Command {
	var f evaluateFlags
	cmd := &cobra.Command{
		Use:   "evaluate SNAPSHOT -c keyholder.yaml [--profile readiness|exit] [--exit-provider NAME] [--policy-dir DIR] [--as-of DATE] [-o DIR]",
		Short: "Evaluate the checks on a saved snapshot and write assessment.json",
		Long: `evaluate judges a saved snapshot (snapshot.json from scan) offline: it
attributes every principal, licence, backup and trust to a party, resolves
effective access, runs the checks of the profile (built-in and --policy-dir),
applies waivers, and writes DIR/assessment.json (mode 0600, DIR 0700) with
the verdict, per-system summaries, findings and the exit runbook.

Profiles:
  readiness  (default) every check but KH-EXIT-001: are we ready to end the contract?
  exit       after termination, for --exit-provider NAME: KH-EXIT-001 and the
             master-key checks: nothing of that provider remains, and the
             customer still holds the keys.

A snapshot written by scan records its SHA-256 (content_sha256): evaluate
refuses one edited since (exit 2, naming the file); --allow-modified
evaluates it anyway and the assessment and reports say so.

Evaluation happens as of the snapshot's scan time, so an old snapshot gives
the answer it gave on the day; --as-of DATE (YYYY-MM-DD or RFC 3339)
evaluates as of another time.

Exit codes:
  0  no failing check at or above --fail-on (default high)
  1  runtime error
  2  usage or config error (bad flag, config, snapshot or policy module, an
     edited snapshot without --allow-modified, a waiver the engine refuses)
  3  failing checks at or above --fail-on
  4  incomplete: a blocker check is unknown
With --fail-on none the exit code is 0 whatever the findings.`,
		Example: `  keyholder evaluate out/snapshot.json -c keyholder.yaml -o out
  keyholder evaluate old/snapshot.json -c keyholder.yaml --as-of 2027-01-31
  keyholder evaluate after-exit.json -c keyholder.yaml --profile exit --exit-provider "Acme IT"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEvaluateCmd(cmd, a, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.config, "config", "c", "keyholder.yaml", "config file")
	fl.StringVar(&f.profile, "profile", policies.ProfileReadiness, "check profile: readiness or exit")
	fl.StringVar(&f.exitProvider, "exit-provider", "", "the departed provider (required by the exit profile)")
	fl.StringVar(&f.policyDir, "policy-dir", "", "directory of extra Rego checks (see keyholder policies)")
	fl.StringVar(&f.asOf, "as-of", "", "evaluate as of this date (YYYY-MM-DD) or time (RFC 3339); default: the snapshot's scan time")
	fl.StringVarP(&f.out, "out", "o", "out", "output directory (restricted to 0700)")
	fl.StringVar(&f.failOn, "fail-on", string(report.DefaultFailOn), "exit 3 on a failing check at or above: blocker, high, medium, low, or none")
	fl.BoolVar(&f.allowModified, "allow-modified", false, "evaluate a snapshot whose content no longer matches its recorded SHA-256 (the assessment and reports say so)")
	return cmd
}

// checkSealed verifies a document's recorded SHA-256: a modified file is
// a usage error naming it, unless allowed, when it is returned as a note
// for the assessment's modified_inputs (and printed on stderr).
func checkSealed(a *app, name string, verify func() (bool, error), allow bool) (string, error) {
	_, err := verify()
	if err == nil {
		return "", nil
	}
	if !errors.Is(err, findings.ErrModified) {
		return "", err
	}
	if !allow {
		return "", withCode(exitUsage, fmt.Errorf("%s: %w; refusing it (use --allow-modified to proceed anyway, and the output will say so)", name, err))
	}
	note := fmt.Sprintf("%s: %v (used with --allow-modified)", name, err)
	fmt.Fprintf(a.stderr, "warning: %s\n", note)
	return note, nil
}

func runEvaluateCmd(cmd *cobra.Command, a *app, snapshotPath string, f evaluateFlags) error {
	// Usage errors first, before anything slow.
	asOf, err := parseAsOf(f.asOf)
	if err != nil {
		return withCode(exitUsage, err)
	}
	failOn := findings.Severity("")
	if !strings.EqualFold(strings.TrimSpace(f.failOn), "none") {
		if failOn, err = report.ParseFailOn(f.failOn); err != nil {
			return withCode(exitUsage, err)
		}
	}
	cfg, err := config.Load(f.config)
	if err != nil {
		return withCode(exitUsage, err)
	}
	snap, verify, err := readSnapshotSealed(snapshotPath)
	if err != nil {
		return err
	}
	modified, err := checkSealed(a, snapshotPath, verify, f.allowModified)
	if err != nil {
		return err
	}
	// A seal that verified is the snapshot's digest: evaluation need not
	// hash the snapshot a second time.
	var digest string
	if modified == "" {
		digest = snap.ContentSHA256
	}
	if snap.ConfigHash != "" && snap.ConfigHash != cfg.Hash {
		if !cmd.Flags().Changed("config") {
			return withCode(exitUsage, fmt.Errorf("%s was scanned with a different config than %s (config hash %.12s…, now %.12s…): pass -c %s explicitly to evaluate it against this config anyway",
				snapshotPath, f.config, snap.ConfigHash, cfg.Hash, f.config))
		}
		a.sayf("WARNING: %s was scanned with a different config than %s (config hash %.12s…, now %.12s…); parties, waivers and rules are taken from %s",
			snapshotPath, f.config, snap.ConfigHash, cfg.Hash, f.config)
	}
	// Decoding a large snapshot leaves garbage behind (each item's
	// decoded strings before they were shared): collect it now rather
	// than let it add to the evaluation's peak.
	runtime.GC()
	engine, err := newEngine(a, f.policyDir)
	if err != nil {
		return err
	}
	as, err := engine.Evaluate(cmd.Context(), snap, cfg, policies.EvalOptions{
		Profile: f.profile, ExitProvider: f.exitProvider, AsOf: asOf, Version: version, SnapshotSHA256: digest,
	})
	if err != nil {
		var ue *policies.UsageError
		if errors.As(err, &ue) || config.AsProblems(err) != nil {
			return withCode(exitUsage, err)
		}
		return err
	}
	if modified != "" {
		as.ModifiedInputs = append(as.ModifiedInputs, modified)
	}
	// The file references its snapshot by snapshot_sha256 and carries
	// the facts its findings and reports show, not a second copy of it.
	lean := as.Lean()
	if err := lean.Seal(); err != nil {
		return err
	}
	path := filepath.Join(f.out, "assessment.json")
	if err := writeStreamed(path, func(w io.Writer) error { return findings.EncodeAssessment(w, lean) }); err != nil {
		return err
	}
	a.sayf("assessment: %s", path)
	// The assessment names its snapshot and no longer embeds it: keep a
	// copy beside it (a bundle of the directory needs it), unless it is
	// already there.
	if p, err := copySnapshotInto(f.out, snapshotPath); err != nil {
		return err
	} else if p != "" {
		a.sayf("snapshot: %s", p)
	}
	fmt.Fprintln(a.stdout, evaluationSummary(as))
	if failOn == "" {
		return nil
	}
	if code := report.ExitCode(as, failOn); code != exitOK {
		return withCode(code, errors.New(report.ExitSummary(as, failOn)))
	}
	return nil
}

// parseAsOf reads --as-of: a date (midnight UTC) or an RFC 3339 time.
func parseAsOf(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(config.DateLayout, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--as-of %q: want YYYY-MM-DD or RFC 3339 like 2026-11-20T10:00:00Z", s)
	}
	return t.UTC(), nil
}

// readSnapshot opens and strictly decodes a snapshot file; a file that is
// missing or not a snapshot is a usage error.
// readSnapshotSealed is readSnapshot returning the check of the
// snapshot's seal, from the file's bytes when they are what scan wrote
// (findings.DecodeSnapshotSealed).
func readSnapshotSealed(path string) (*findings.Snapshot, func() (bool, error), error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, nil, withCode(exitUsage, fmt.Errorf("snapshot: %w", err))
	}
	defer fh.Close()
	snap, verify, err := findings.DecodeSnapshotSealed(fh, path)
	if err != nil {
		return nil, nil, withCode(exitUsage, fmt.Errorf("snapshot: %w", err))
	}
	return snap, verify, nil
}

// evaluationSummary is what evaluate prints: the verdict and counts, then
// one line per system.
func evaluationSummary(as *findings.Assessment) string {
	counts := map[findings.Status]int{}
	for _, fd := range as.Findings {
		counts[fd.Status]++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "verdict: %s (%s profile, as of %s): %d fail, %d unknown, %d warn, %d waived, %d pass",
		as.Verdict, as.Profile, as.AsOf.Format(time.RFC3339),
		counts[findings.StatusFail], counts[findings.StatusUnknown], counts[findings.StatusWarn], counts[findings.StatusWaived], counts[findings.StatusPass])
	for _, s := range as.Systems {
		fmt.Fprintf(&b, "\n  %-20s %-18s holds keys: %-7s customer super-admins: %d, provider super-admins: %d, failing blockers: %d",
			s.System, s.Verdict, s.HoldsKeys, len(s.CustomerSuperAdmins), len(s.ProviderSuperAdmins), s.Blockers)
	}
	if n := len(as.ExpiredWaivers); n > 0 {
		fmt.Fprintf(&b, "\n  %d expired waiver(s) ignored", n)
	}
	return b.String()
}

// writeStreamed writes path like fsx.WriteFile (atomically, 0600 in a 0700
// directory) from a writer function, so a large snapshot or assessment
// is streamed to disk instead of built in memory.
func writeStreamed(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := fsx.MkdirPrivate(dir); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	name := tmp.Name()
	defer os.Remove(name) // no-op after a successful rename
	fail := func(err error) error {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(fsx.FileMode); err != nil {
		return fail(err)
	}
	if err := fsx.Restrict(name, false); err != nil { // Windows: owner-only ACL
		return fail(err)
	}
	if err := write(tmp); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// copySnapshotInto copies the snapshot file src, byte for byte, to
// dir/snapshot.json unless that is src itself; it returns the path
// written, or "".
func copySnapshotInto(dir, src string) (string, error) {
	dst := filepath.Join(dir, "snapshot.json")
	si, err := os.Stat(src)
	if err != nil {
		return "", fmt.Errorf("snapshot: %w", err)
	}
	if di, err := os.Stat(dst); err == nil && os.SameFile(si, di) {
		return "", nil
	}
	in, err := os.Open(src)
	if err != nil {
		return "", fmt.Errorf("snapshot: %w", err)
	}
	defer in.Close()
	if err := writeStreamed(dst, func(w io.Writer) error { _, err := io.Copy(w, in); return err }); err != nil {
		return "", err
	}
	return dst, nil
}
