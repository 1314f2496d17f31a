package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
)

func TestShowRun(t *testing.T) {
	path := seedStore(t)
	code, out, errOut := runCmd(t, "show", "2", "--store", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Run 2 — Contoso Ltd", "Verdict    ready_with_actions", "5 fail (0 blocker), 1 warn, 1 unknown, 1 pass, 0 waived",
		"9 principals", "high    KH-BAK-003 fail    aws-prod: backup key owned by 999999999999"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	// JSON round-trips to the stored assessment, with its snapshot.
	code, out, _ = runCmd(t, "show", "latest~1", "--store", path, "--format", "json")
	if code != 0 {
		t.Fatalf("show json exit %d", code)
	}
	a, err := findings.DecodeAssessment(strings.NewReader(out), "stdout")
	if err != nil || a.Snapshot == nil || a.Verdict != findings.VerdictReadyWithActions || len(a.Snapshot.Principals) != 9 {
		t.Fatalf("show json: %v %+v", err, a)
	}
	code, out, _ = runCmd(t, "show", "1", "--store", path, "--format", "md")
	if code != 0 || !strings.HasPrefix(out, "#") || !strings.Contains(out, "Contoso Ltd") {
		t.Errorf("show md (exit %d):\n%.300s", code, out)
	}
	dir := t.TempDir()
	code, out, errOut = runCmd(t, "show", "1", "--store", path, "-o", dir, "--report", "html,json")
	if code != 0 {
		t.Fatalf("show -o exit %d: %s", code, errOut)
	}
	for _, f := range []string{"report.html", "assessment.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil || !strings.Contains(out, f) {
			t.Errorf("%s not written: %v\n%s", f, err, out)
		}
	}
	for _, args := range [][]string{{"show"}, {"show", "99"}, {"show", "1", "--format", "pdf"}, {"show", "1", "-o", dir, "--report", "doc"}} {
		if code, _, _ := runCmd(t, append(args, "--store", path)...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}
