package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/fsx/fsxtest"
)

const contosoFixture = "../../report/testdata/contoso.assessment.json"

// writeAssessment saves an assessment with the given verdict and findings.
func writeAssessment(t *testing.T, dir string, v findings.Verdict, fs ...findings.Finding) string {
	t.Helper()
	a := &findings.Assessment{
		SchemaVersion: findings.SchemaVersion, Tool: findings.Tool{Name: "keyholder", Version: "test"},
		SnapshotSHA256: strings.Repeat("a", 64), Organization: "Exit Code Ltd", Profile: "readiness",
		AsOf: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), ScannedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC),
		Verdict: v, Findings: fs,
	}
	p := filepath.Join(dir, fmt.Sprintf("%s-%d.json", v, len(fs)))
	var buf bytes.Buffer
	if err := findings.EncodeAssessment(&buf, a); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReportExitCodes runs `keyholder report` for every verdict with every
// --fail-on value and checks the exit code.
func TestReportExitCodes(t *testing.T) {
	dir := t.TempDir()
	fd := func(sev findings.Severity, st findings.Status) findings.Finding {
		return findings.Finding{Check: "KH-TEST-001", Title: "t", Severity: sev, Status: st, Message: "m"}
	}
	cases := []struct {
		name string
		file string
		// exit codes for --fail-on blocker, high, medium, low, none
		want [5]int
	}{
		{"ready", writeAssessment(t, dir, findings.VerdictReady, fd(findings.SeverityBlocker, findings.StatusPass)), [5]int{0, 0, 0, 0, 0}},
		{"ready_with_actions medium fail", writeAssessment(t, dir, findings.VerdictReadyWithActions, fd(findings.SeverityMedium, findings.StatusFail)), [5]int{0, 0, 3, 3, 0}},
		{"ready_with_actions low fail", writeAssessment(t, dir, findings.VerdictReadyWithActions, fd(findings.SeverityLow, findings.StatusFail), fd(findings.SeverityHigh, findings.StatusWarn)), [5]int{0, 0, 0, 3, 0}},
		{"ready_with_actions high fail", writeAssessment(t, dir, findings.VerdictReadyWithActions, fd(findings.SeverityHigh, findings.StatusFail), fd(findings.SeverityBlocker, findings.StatusPass), fd(findings.SeverityLow, findings.StatusPass)), [5]int{0, 3, 3, 3, 0}},
		{"incomplete", writeAssessment(t, dir, findings.VerdictIncomplete, fd(findings.SeverityBlocker, findings.StatusUnknown)), [5]int{4, 4, 4, 4, 0}},
		{"incomplete with medium fail", writeAssessment(t, dir, findings.VerdictIncomplete, fd(findings.SeverityBlocker, findings.StatusUnknown), fd(findings.SeverityMedium, findings.StatusFail)), [5]int{4, 4, 3, 3, 0}},
		{"not_ready", writeAssessment(t, dir, findings.VerdictNotReady, fd(findings.SeverityBlocker, findings.StatusFail)), [5]int{3, 3, 3, 3, 0}},
		{"contoso fixture", contosoFixture, [5]int{3, 3, 3, 3, 0}},
	}
	for _, c := range cases {
		for i, failOn := range []string{"blocker", "high", "medium", "low", "none"} {
			t.Run(c.name+"/"+failOn, func(t *testing.T) {
				out := t.TempDir()
				code, stdout, stderr := runCmd(t, "report", c.file, "-o", out, "--format", "json", "--fail-on", failOn)
				if code != c.want[i] {
					t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.want[i], stdout, stderr)
				}
				if strings.TrimSpace(stdout) != filepath.Join(out, "assessment.json") {
					t.Errorf("stdout %q", stdout)
				}
				if code != 0 && !strings.Contains(stderr, "verdict ") {
					t.Errorf("no summary on stderr: %q", stderr)
				}
			})
		}
	}
	// The default --fail-on is high.
	code, _, _ := runCmd(t, "report", cases[1].file, "-o", t.TempDir())
	if code != 0 {
		t.Errorf("medium failure with default --fail-on: exit %d", code)
	}
	if code, _, _ := runCmd(t, "report", cases[3].file, "-o", t.TempDir()); code != 3 {
		t.Errorf("high failure with default --fail-on: exit %d", code)
	}
}

func TestReportWritesAllFormats(t *testing.T) {
	out := filepath.Join(t.TempDir(), "reports")
	code, stdout, stderr := runCmd(t, "report", contosoFixture, "-o", out, "--format", "all", "--fail-on", "none")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := []string{"report.html", "report.md", "assessment.json", "findings.csv", "access.csv", "report.sarif", "runbook.csv", "runbook.json"}
	lines := strings.Fields(stdout)
	if len(lines) != len(want) {
		t.Fatalf("printed %v", lines)
	}
	for i, name := range want {
		p := filepath.Join(out, name)
		if lines[i] != p {
			t.Errorf("line %d = %s, want %s", i, lines[i], p)
		}
		if _, err := os.Stat(p); err != nil {
			t.Fatal(err)
		}
		fsxtest.AssertPrivate(t, p) // 0600, or an owner-only ACL on Windows
	}
	fsxtest.AssertPrivate(t, out)
	// The JSON written re-reads as the same assessment.
	b, _ := os.ReadFile(filepath.Join(out, "assessment.json"))
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m["verdict"] != "not_ready" {
		t.Errorf("assessment.json: %v %v", err, m["verdict"])
	}
	// The CLI fills the appendix's permissions from the scanner registry.
	html, _ := os.ReadFile(filepath.Join(out, "report.html"))
	if !bytes.Contains(html, []byte("Permissions used")) || bytes.Contains(html, []byte("Not recorded with this assessment")) {
		t.Error("report.html lacks the scanners' permissions in its appendix")
	}
}

func TestReportStdout(t *testing.T) {
	code, stdout, _ := runCmd(t, "report", contosoFixture, "--format", "md", "-o", "-", "--fail-on", "none")
	if code != 0 || !strings.HasPrefix(stdout, "# Contoso Ltd: termination-readiness report") {
		t.Fatalf("exit %d, stdout %.80q", code, stdout)
	}
	// stdin as input.
	b, _ := os.ReadFile(contosoFixture)
	var out, errb bytes.Buffer
	code = run([]string{"report", "-", "--format", "sarif", "-o", "-", "--fail-on", "blocker"}, bytes.NewReader(b), &out, &errb)
	if code != 3 || !strings.Contains(out.String(), `"version": "2.1.0"`) {
		t.Fatalf("stdin: exit %d, %s", code, errb.String())
	}
}

func TestReportUsageErrors(t *testing.T) {
	dir := t.TempDir()
	snapshot := filepath.Join(dir, "snapshot.json")
	os.WriteFile(snapshot, []byte(`{"schema_version":"1","tool":{"name":"keyholder","version":"x"},"started_at":"2026-01-01T00:00:00Z"}`), 0o600)
	garbage := filepath.Join(dir, "garbage.json")
	os.WriteFile(garbage, []byte("not json"), 0o600)
	for _, args := range [][]string{
		{"report"},
		{"report", contosoFixture, "--format", "pdf"},
		{"report", contosoFixture, "--fail-on", "critical"},
		{"report", contosoFixture, "--paper", "a3", "-o", dir},
		{"report", contosoFixture, "--format", "html,md", "-o", "-"},
		{"report", contosoFixture, "--format", "csv", "-o", "-"},
		{"report", filepath.Join(dir, "missing.json")},
		{"report", snapshot},
		{"report", garbage},
	} {
		code, _, stderr := runCmd(t, args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("a failed run wrote files: %v", entries)
	}
}

// TestIssue15ReportFilterFlags: --check and --severity narrow the findings
// of the reports; an unknown check or severity is a usage error.
func TestIssue15ReportFilterFlags(t *testing.T) {
	out := filepath.Join(t.TempDir(), "reports")
	code, _, stderr := runCmd(t, "report", contosoFixture, "-o", out, "--format", "csv,runbook-json", "--check", "kh-seg-001", "--fail-on", "none")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "findings.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("findings.csv lost the KH-SEG-001 rows (%v)", err)
	}
	for _, r := range rows[1:] {
		if r[0] != "KH-SEG-001" {
			t.Errorf("findings.csv kept %s", r[0])
		}
	}
	if _, err := os.Stat(filepath.Join(out, "runbook.json")); err != nil {
		t.Error(err)
	}
	for _, args := range [][]string{{"--check", "KH-NOPE-001"}, {"--severity", "severe"}} {
		code, _, stderr := runCmd(t, append([]string{"report", contosoFixture, "-o", t.TempDir()}, args...)...)
		if code != exitUsage || !strings.Contains(stderr, strings.TrimPrefix(args[1], "")) {
			t.Errorf("%v: exit %d, %s", args, code, stderr)
		}
	}
}

// TestIssue15PoliciesListJSON: policies list --format json lists every
// check with what it reads and its remediation.
func TestIssue15PoliciesListJSON(t *testing.T) {
	code, stdout, stderr := runCmd(t, "policies", "list", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var checks []checkJSON
	if err := json.Unmarshal([]byte(stdout), &checks); err != nil {
		t.Fatalf("not JSON: %v\n%.300s", err, stdout)
	}
	byID := map[string]checkJSON{}
	for _, c := range checks {
		byID[c.ID] = c
	}
	c, ok := byID["KH-KEY-001"]
	if !ok || c.Severity != "blocker" || c.Remediation == "" || len(c.Reads) == 0 || c.Source != "builtin" {
		t.Errorf("KH-KEY-001: %+v", c)
	}
	if code, _, _ := runCmd(t, "policies", "list", "--format", "yaml"); code != exitUsage {
		t.Errorf("--format yaml: exit %d", code)
	}
}

// TestIssue15ScanFilterFlags: scan rejects a bad --severity before it
// scans anything.
func TestIssue15ScanFilterFlags(t *testing.T) {
	code, _, stderr := runCmd(t, "scan", "-c", "does-not-matter.yaml", "-o", t.TempDir(), "--severity", "severe")
	if code != exitUsage || !strings.Contains(stderr, "--severity") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}
