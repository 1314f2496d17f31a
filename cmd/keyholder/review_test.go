package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// declaredConfig writes the declared-only example with the Adobe licence
// owned by owner, and returns its path.
func declaredConfig(t *testing.T, dir, owner string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "declared-only.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), `{product: "Adobe Acrobat Pro", seats: 25, owner_of_record: customer,`,
		`{product: "Adobe Acrobat Pro", seats: 25, owner_of_record: `+owner+`,`, 1)
	if owner != "customer" && s == string(b) {
		t.Fatal("example changed: Adobe licence line not found")
	}
	p := filepath.Join(dir, "keyholder.yaml")
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReviewExitCodesDeclared(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "runs.db")
	cfg := declaredConfig(t, dir, "customer")
	now := "--now=2026-11-02T06:00:00Z"

	// First run: nothing to compare; failing checks give 3 unless --fail-on none.
	code, out, errOut := runCmd(t, "review", "-c", cfg, "--store", db, now)
	if code != exitFailing || !strings.Contains(out, "First run of Contoso Ltd") || !strings.Contains(errOut, "run 1 stored") {
		t.Fatalf("first review: exit %d\n%s\n%s", code, out, errOut)
	}
	// Same estate again: no change, so --fail-on-change any does not fire.
	code, out, errOut = runCmd(t, "review", "-c", cfg, "--store", db, now, "--fail-on", "none", "--fail-on-change", "any")
	if code != exitOK || !strings.Contains(out, "No changes.") {
		t.Fatalf("unchanged review: exit %d\n%s\n%s", code, out, errOut)
	}
	// The licence moves to the MSP: a change, but not of privileged access.
	cfg = declaredConfig(t, dir, `"Acme IT"`)
	code, out, errOut = runCmd(t, "review", "-c", cfg, "--store", db, now, "--fail-on", "none")
	if code != exitOK {
		t.Fatalf("licence change with --fail-on-change privileged: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "Changes from run 2") || !strings.Contains(out, "owner of record changed: Adobe Acrobat Pro") ||
		!strings.Contains(out, "privileged access unchanged") {
		t.Errorf("licence change not shown:\n%s", out)
	}
	// Back to the customer, watching any change: exit 5 and the diff command it names.
	cfg = declaredConfig(t, dir, "customer")
	outDir := filepath.Join(dir, "report")
	code, out, errOut = runCmd(t, "review", "-c", cfg, "--store", db, now, "--fail-on-change", "any", "-o", outDir, "--format", "json,md")
	if code != exitChanged || !strings.Contains(errOut, "since run 3 (keyholder diff 3 4)") {
		t.Fatalf("any change: exit %d\n%s\n%s", code, out, errOut)
	}
	md, err := os.ReadFile(filepath.Join(outDir, "assessment.json"))
	if err != nil || !strings.Contains(string(md), `"changes": {`) || !strings.Contains(string(md), `"from_run": 3`) {
		t.Errorf("assessment.json lacks the changes: %v", err)
	}
	// The stored run carries its diff: history shows the count, show names it.
	code, out, _ = runCmd(t, "history", "--store", db)
	if code != 0 || !strings.Contains(out, "\n4 ") {
		t.Errorf("history:\n%s", out)
	}
	_, out, _ = runCmd(t, "show", "4", "--store", db)
	if !strings.Contains(out, "Changes since run 3:") {
		t.Errorf("show lacks changes:\n%s", out)
	}
	// Usage errors come before any scan.
	for _, args := range [][]string{
		{"--fail-on-change", "sometimes"}, {"--fail-on", "critical"}, {"-o", outDir, "--format", "pdf"}, {"--diff-format", "xml"},
	} {
		if code, _, _ := runCmd(t, append([]string{"review", "-c", cfg, "--store", db}, args...)...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
	if code, _, _ := runCmd(t, "review", "-c", filepath.Join(dir, "missing.yaml"), "--store", db); code != exitUsage {
		t.Errorf("missing config: exit %d", code)
	}
	_, out, _ = runCmd(t, "history", "--store", db, "--format", "json")
	if strings.Count(out, `"id":`) != 4 {
		t.Errorf("usage errors stored runs:\n%s", out)
	}
}
