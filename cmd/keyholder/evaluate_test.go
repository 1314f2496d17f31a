package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/fsx/fsxtest"
	"github.com/keyholder/keyholder/policies"
)

var (
	evalFixtureSnapshot = filepath.Join("..", "..", "policies", "testdata", "base.snapshot.json")
	evalFixtureConfig   = filepath.Join("..", "..", "policies", "testdata", "base.yaml")
	evalUserPolicies    = filepath.Join("..", "..", "policies", "testdata", "userpolicy")
)

func loadAssessmentFile(t *testing.T, path string) *findings.Assessment {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	a, err := findings.DecodeAssessment(fh, path)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestEvaluateWritesAssessment(t *testing.T) {
	dir := t.TempDir()
	var prev []byte
	for _, out := range []string{filepath.Join(dir, "a"), filepath.Join(dir, "b")} {
		code, stdout, stderr := runCmd(t, "evaluate", evalFixtureSnapshot, "-c", evalFixtureConfig, "-o", out)
		if code != exitOK {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		if !strings.Contains(stdout, "verdict: ready") || !strings.Contains(stdout, "m365") {
			t.Errorf("stdout: %s", stdout)
		}
		path := filepath.Join(out, "assessment.json")
		fsxtest.AssertPrivate(t, path) // 0600, or an owner-only ACL on Windows
		fsxtest.AssertPrivate(t, out)
		b, _ := os.ReadFile(path)
		if prev != nil && !bytes.Equal(prev, b) {
			t.Error("two evaluations of the same snapshot differ")
		}
		prev = b
		a := loadAssessmentFile(t, path)
		if a.Verdict != findings.VerdictReady || a.Facts == nil || len(a.Checks) != builtinChecks(t, "readiness") || a.SnapshotSHA256 == "" {
			t.Errorf("assessment: verdict %s, %d checks, facts %v", a.Verdict, len(a.Checks), a.Facts != nil)
		}
		// Issue 21: the file names its snapshot by SHA-256 and carries
		// the facts and counts, not a second copy of the snapshot.
		if a.Snapshot != nil || a.SnapshotCounts == nil || bytes.Contains(b, []byte(`"snapshot":`)) {
			t.Errorf("assessment.json embeds the snapshot (%v) or lacks snapshot_counts (%v)", a.Snapshot != nil, a.SnapshotCounts == nil)
		}
		if snap := mustDecodeSnapshot(t, evalFixtureSnapshot); a.SnapshotCounts.Principals != len(snap.Principals) || a.SnapshotSHA256 != snap.ContentSHA256 && snap.ContentSHA256 != "" {
			t.Errorf("snapshot_counts %+v / sha %s for a snapshot of %d principals sealed %s", a.SnapshotCounts, a.SnapshotSHA256, len(snap.Principals), snap.ContentSHA256)
		}
	}
}

func TestEvaluateExitProfile(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCmd(t, "evaluate", evalFixtureSnapshot, "-c", evalFixtureConfig, "-o", out, "--profile", "exit", "--exit-provider", "Acme IT")
	// The baseline still has the MSP everywhere: KH-EXIT-001 fails.
	if code != exitFailing {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitFailing, stdout, stderr)
	}
	a := loadAssessmentFile(t, filepath.Join(out, "assessment.json"))
	if a.Profile != "exit" || a.ExitProvider != "Acme IT" || a.Verdict != findings.VerdictNotReady {
		t.Errorf("profile %s, provider %q, verdict %s", a.Profile, a.ExitProvider, a.Verdict)
	}
	ids := map[string]bool{}
	for _, c := range a.Checks {
		ids[c.ID] = true
	}
	if !ids["KH-EXIT-001"] || !ids["KH-KEY-001"] || ids["KH-SEG-001"] {
		t.Errorf("exit profile checks: %v", ids)
	}
	// --fail-on none reports without failing the run.
	code, _, _ = runCmd(t, "evaluate", evalFixtureSnapshot, "-c", evalFixtureConfig, "-o", out, "--profile", "exit", "--exit-provider", "Acme IT", "--fail-on", "none")
	if code != exitOK {
		t.Errorf("--fail-on none: exit %d", code)
	}
}

func TestEvaluateAsOf(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCmd(t, "evaluate", evalFixtureSnapshot, "-c", evalFixtureConfig, "-o", out, "--as-of", "2027-08-01", "--fail-on", "none")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	a := loadAssessmentFile(t, filepath.Join(out, "assessment.json"))
	if a.AsOf.Format("2006-01-02") != "2027-08-01" || a.Verdict == findings.VerdictReady {
		t.Errorf("as of %v: verdict %s (backups are stale by then)", a.AsOf, a.Verdict)
	}
}

func TestEvaluateUsageErrors(t *testing.T) {
	dir := t.TempDir()
	badSnap := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(badSnap, []byte(`{"schema_version": "1", "surprise": true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	badCfg := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badCfg, []byte("organization:\n  name: X\n  colour: blue\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"bad as-of", []string{"evaluate", evalFixtureSnapshot, "-c", evalFixtureConfig, "--as-of", "yesterday"}, "--as-of"},
		{"bad fail-on", []string{"evaluate", evalFixtureSnapshot, "-c", evalFixtureConfig, "--fail-on", "sometimes"}, "fail-on"},
		{"bad config", []string{"evaluate", evalFixtureSnapshot, "-c", badCfg}, "colour"},
		{"missing snapshot", []string{"evaluate", filepath.Join(dir, "nope.json"), "-c", evalFixtureConfig}, "nope.json"},
		{"not a snapshot", []string{"evaluate", badSnap, "-c", evalFixtureConfig}, "surprise"},
		{"unknown profile", []string{"evaluate", evalFixtureSnapshot, "-c", evalFixtureConfig, "--profile", "audit"}, "audit"},
		{"exit without provider", []string{"evaluate", evalFixtureSnapshot, "-c", evalFixtureConfig, "--profile", "exit"}, "--exit-provider"},
		{"unknown provider", []string{"evaluate", evalFixtureSnapshot, "-c", evalFixtureConfig, "--profile", "exit", "--exit-provider", "Nobody"}, "Nobody"},
		{"broken policy", []string{"evaluate", evalFixtureSnapshot, "-c", evalFixtureConfig, "--policy-dir", filepath.Join(evalUserPolicies, "broken")}, "bad.rego:11"},
		{"no snapshot argument", []string{"evaluate", "-c", evalFixtureConfig}, "arg"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, append(tc.args, "-o", filepath.Join(dir, "out"))...)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d\n%s%s", code, exitUsage, stdout, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q does not mention %q", stderr, tc.want)
			}
		})
	}
}

func TestPoliciesListAndShow(t *testing.T) {
	code, stdout, stderr := runCmd(t, "policies", "list")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, id := range []string{"KH-KEY-001", "KH-KEY-006", "KH-SEG-007", "KH-OWN-005", "KH-BAK-006", "KH-COV-001", "KH-EXIT-001"} {
		if !strings.Contains(stdout, id) {
			t.Errorf("list lacks %s", id)
		}
	}
	if n, want := strings.Count(stdout, "\nKH-"), builtinChecks(t, ""); n != want {
		t.Errorf("list shows %d built-in checks, want %d", n, want)
	}

	code, stdout, _ = runCmd(t, "policies", "list", "--policy-dir", filepath.Join(evalUserPolicies, "good"))
	if code != exitOK || !strings.Contains(stdout, "CONTOSO-001") || !strings.Contains(stdout, "guest_admins.rego") {
		t.Errorf("list with a policy dir: exit %d\n%s", code, stdout)
	}

	code, stdout, _ = runCmd(t, "policies", "show", "kh-bak-002", "--source")
	if code != exitOK || !strings.Contains(stdout, "severity:    blocker") || !strings.Contains(stdout, "Remediation:") || !strings.Contains(stdout, "package keyholder.checks.kh_bak_002") {
		t.Errorf("show: exit %d\n%s", code, stdout)
	}

	code, _, stderr = runCmd(t, "policies", "show", "KH-NOPE-001")
	if code != exitUsage || !strings.Contains(stderr, "KH-NOPE-001") {
		t.Errorf("show of an unknown check: exit %d %s", code, stderr)
	}
	code, _, stderr = runCmd(t, "policies", "list", "--policy-dir", filepath.Join(evalUserPolicies, "collide"))
	if code != exitUsage || !strings.Contains(stderr, "KH-KEY-001") {
		t.Errorf("colliding user check: exit %d %s", code, stderr)
	}
}

// builtinChecks counts the built-in checks (of a profile, or all).
func builtinChecks(t *testing.T, profile string) int {
	t.Helper()
	e, err := policies.NewEngine(policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range e.Checks() {
		if profile == "" || len(c.Profiles) == 0 || slices.Contains(c.Profiles, profile) {
			n++
		}
	}
	return n
}

func mustDecodeSnapshot(t *testing.T, path string) *findings.Snapshot {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	snap, err := findings.DecodeSnapshot(fh, path)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}
