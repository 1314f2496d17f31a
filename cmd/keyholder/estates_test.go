package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestReviewEstateKeepsHistoriesApart (issue 20): two estates reviewed
// with the same organization into one store are compared only with their
// own runs; history, show, diff and prune confine themselves to --estate.
func TestReviewEstateKeepsHistoriesApart(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "runs.db")
	cfg := declaredConfig(t, dir, "customer")
	now := "--now=2026-11-02T06:00:00Z"
	review := func(estate string) (int, string, string) {
		return runCmd(t, "review", "-c", cfg, "--store", db, now, "--fail-on", "none", "--estate", estate)
	}
	if code, out, e := review("alpha"); code != exitOK || !strings.Contains(out, "First run of alpha") {
		t.Fatalf("alpha 1: exit %d\n%s\n%s", code, out, e)
	}
	// Same organization, other estate: still a first run, not a diff against alpha.
	if code, out, e := review("beta"); code != exitOK || !strings.Contains(out, "First run of beta") {
		t.Fatalf("beta 1: exit %d\n%s\n%s", code, out, e)
	}
	if code, out, e := review("alpha"); code != exitOK || !strings.Contains(out, "Changes from run 1") {
		t.Fatalf("alpha 2 (run 3) must diff against run 1: exit %d\n%s\n%s", code, out, e)
	}
	code, out, _ := runCmd(t, "history", "--store", db, "--estate", "beta")
	if code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(out, "beta") || strings.Contains(out, "alpha") {
		t.Errorf("history --estate beta:\n%s", out)
	}
	if code, out, _ := runCmd(t, "show", "latest", "--store", db, "--estate", "beta"); code != 0 || !strings.HasPrefix(out, "Run 2 ") {
		t.Errorf("show latest --estate beta: exit %d\n%s", code, out)
	}
	if code, _, e := runCmd(t, "show", "1", "--store", db, "--estate", "beta"); code != exitUsage || !strings.Contains(e, "belongs to estate") {
		t.Errorf("show 1 --estate beta: exit %d, %s", code, e)
	}
	if code, out, e := runCmd(t, "diff", "--store", db, "--estate", "alpha", "--format", "json"); code != 0 || !strings.Contains(out, `"from_run": 1`) || !strings.Contains(out, `"to_run": 3`) {
		t.Errorf("diff --estate alpha: exit %d\n%s\n%s", code, out, e)
	}
	if code, _, e := runCmd(t, "diff", "--store", db, "--estate", "beta"); code != exitUsage {
		t.Errorf("diff --estate beta with one run: exit %d, %s", code, e)
	}
	if code, out, _ := runCmd(t, "prune", "--store", db, "--keep", "1", "--estate", "alpha"); code != 0 || !strings.Contains(out, "deleted 1 run(s)") || !strings.Contains(out, ": 1\n") {
		t.Errorf("prune --keep 1 --estate alpha:\n%s", out)
	}
	if code, out, _ := runCmd(t, "history", "--store", db, "--limit", "0"); code != 0 || strings.Count(out, "\n") != 3 {
		t.Errorf("after prune, want runs 2 and 3:\n%s", out)
	}
}
