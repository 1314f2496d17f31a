package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/fsx/fsxtest"
)

// runCmd runs keyholder with args and returns exit code, stdout, stderr.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestScanDeclaredOnlyIsReproducible(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join("..", "..", "examples", "declared-only.yaml")
	var prev []byte
	for i, out := range []string{filepath.Join(dir, "a"), filepath.Join(dir, "b")} {
		code, stdout, stderr := runCmd(t, "scan", "-c", cfg, "-o", out, "--now", "2026-11-01T00:00:00Z", "--no-evaluate")
		if code != 0 {
			t.Fatalf("run %d: exit %d\n%s%s", i, code, stdout, stderr)
		}
		path := filepath.Join(out, "snapshot.json")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if prev != nil && !bytes.Equal(prev, b) {
			t.Fatal("two scans with --now differ")
		}
		prev = b
		fsxtest.AssertPrivate(t, path) // 0600, or an owner-only ACL on Windows
		fsxtest.AssertPrivate(t, out)
	}
	if !bytes.Contains(prev, []byte(`"product": "Microsoft 365 E3"`)) || !bytes.Contains(prev, []byte(`"schema_version": "1"`)) {
		t.Fatal("snapshot lacks declared content")
	}
}

func TestScanEvaluatesAndRenders(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join("..", "..", "examples", "declared-only.yaml")
	var prev []byte
	for _, out := range []string{filepath.Join(dir, "a"), filepath.Join(dir, "b")} {
		code, stdout, stderr := runCmd(t, "scan", "-c", cfg, "-o", out, "--now", "2026-11-01T00:00:00Z", "--format", "all")
		// The declared-only estate has the MSP owning backups and licences:
		// failing high checks, so exit 3 with the default --fail-on high.
		if code != exitFailing {
			t.Fatalf("exit %d, want %d\n%s%s", code, exitFailing, stdout, stderr)
		}
		if !strings.Contains(stdout, "verdict: ") {
			t.Fatalf("stdout: %s", stdout)
		}
		for _, f := range []string{"snapshot.json", "assessment.json", "report.html", "report.md", "findings.csv", "access.csv", "report.sarif"} {
			if _, err := os.Stat(filepath.Join(out, f)); err != nil {
				t.Fatalf("%s not written: %v", f, err)
			}
			fsxtest.AssertPrivate(t, filepath.Join(out, f))
		}
		b, _ := os.ReadFile(filepath.Join(out, "assessment.json"))
		if prev != nil && !bytes.Equal(prev, b) {
			t.Fatal("two evaluations of the same scan differ")
		}
		prev = b
	}
	code, _, _ := runCmd(t, "scan", "-c", cfg, "-o", filepath.Join(dir, "c"), "--fail-on", "nonsense")
	if code != exitUsage {
		t.Fatalf("bad --fail-on: exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "c")); err == nil {
		t.Fatal("a usage error must be reported before scanning")
	}
}

func TestValidatePrintsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "k.yaml")
	os.WriteFile(path, []byte(`organization:
  name: X
  aws_accounts: ["1"]
providers:
  - {name: A, kind: bad}
targets:
  - {type: nosuch, name: t1}
  - {type: declared, name: t2}
accounts: [{match: x, party: Nobody}]
`), 0o600)
	code, out, stderr := runCmd(t, "validate", "-c", path)
	if code != exitUsage {
		t.Fatalf("exit %d, want %d", code, exitUsage)
	}
	for _, want := range []string{
		path + `:3: organization.aws_accounts[0]: invalid AWS account id "1"`,
		path + `:5: providers[0].kind: kind must be msp or vendor`,
		path + `:9: accounts[0].party: party "Nobody"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr, "problem(s)") {
		t.Errorf("stderr: %s", stderr)
	}
	// Config errors pass: targets are checked by their scanners.
	os.WriteFile(path, []byte("organization: {name: X}\ntargets:\n  - {type: nosuch, name: t1}\n  - {type: declared, name: t2}\n"), 0o600)
	code, out, _ = runCmd(t, "validate", "-c", path)
	if code != exitUsage || !strings.Contains(out, `:3: targets.t1.type: unknown target type "nosuch"`) || !strings.Contains(out, `:4: targets.t2.type: unknown target type "declared"`) {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	code, out, _ = runCmd(t, "validate", "-c", filepath.Join("..", "..", "examples", "declared-only.yaml"))
	if code != 0 || !strings.Contains(out, "ok") {
		t.Fatalf("declared-only: exit %d %s", code, out)
	}
}

func TestInitWritesAValidConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keyholder.yaml")
	if code, _, stderr := runCmd(t, "init", path); code != 0 {
		t.Fatalf("init: %d %s", code, stderr)
	}
	if code, out, _ := runCmd(t, "validate", "-c", path); code != 0 {
		t.Fatalf("starter config invalid:\n%s", out)
	}
	if code, _, stderr := runCmd(t, "init", path); code != exitUsage || !strings.Contains(stderr, "exists") {
		t.Fatalf("second init must refuse: %d %s", code, stderr)
	}
	fsxtest.AssertPrivate(t, path)
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"scan", "--no-such-flag"},
		{"scan", "-c", "/nonexistent/keyholder.yaml"},
		{"permissions", "nosuch"},
		{"version", "extra"},
		{"no-such-command"},
		{"--log-level", "loud", "version"},
	} {
		code, _, _ := runCmd(t, args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

func TestPermissionsListsEveryScanner(t *testing.T) {
	code, out, _ := runCmd(t, "permissions")
	if code != 0 || !strings.Contains(out, "== declared:") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestLoggerRedactsSecrets(t *testing.T) {
	red := &config.Redactor{}
	red.Add("top-secret-token")
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		lg, err := newLogger(&buf, "debug", format, red)
		if err != nil {
			t.Fatal(err)
		}
		lg.With("k", "pre top-secret-token").Info("msg top-secret-token", "err", os.ErrNotExist, "v", "top-secret-token", "n", 3)
		if strings.Contains(buf.String(), "top-secret-token") || !strings.Contains(buf.String(), config.Redacted) {
			t.Fatalf("%s log not redacted: %s", format, buf.String())
		}
	}
	if _, err := newLogger(&bytes.Buffer{}, "debug", "xml", red); err == nil {
		t.Fatal("want an error for an unknown format")
	}
}
