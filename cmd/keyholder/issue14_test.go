package main

import (
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/internal/fsx/fsxtest"
)

// Issue 14 item 2: keyholder check prints a table per target and exits 6
// when a target cannot be scanned at all.
func TestIssue14Check(t *testing.T) {
	f := startFakes(t)
	dir := t.TempDir()
	cfg := writeConfig(t, dir,
		ghTarget("gh-owner", f.ghURL, "KH_GH_OWNER"),
		ghTarget("gh-member", f.ghURL, "KH_GH_MEMBER"),
		ghTarget("gh-down", f.refusedURL, "KH_GH_OWNER"),
		ldapTarget("ad-hang", f.ldapHang, "timeout: 500ms"),
	)
	r := runBin(t, dir, f.env, "check", cfg)
	if r.code != exitTargetFailed {
		t.Fatalf("exit %d, want 6\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	out := r.stdout
	for _, re := range []string{
		`gh-owner \(github\): can be scanned; 11 of 11 collections readable`,
		`(?m)^  principals/members +granted *$`,
		`gh-member \(github\): can be scanned`,
		`(?m)^  trusts/webhooks +missing permission +grant Organization permissions: Webhooks \(read\)$`,
		`gh-down \(github\): CANNOT BE SCANNED: unreachable: connection refused \(127\.0\.0\.1:\d+\)`,
		`ad-hang \(ldap\): CANNOT BE SCANNED: unreachable: no answer within 500ms`,
		`remedy: check the host, port and firewall`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("output lacks %s:\n%s", re, out)
		}
	}
	if strings.Contains(out+r.stderr, ownerToken) {
		t.Fatal("a token leaked")
	}
	// validate --connect does the same after validating.
	cfg3 := writeConfig(t, t.TempDir(), ghTarget("gh-owner", f.ghURL, "KH_GH_OWNER"), ldapTarget("ad-hang", f.ldapHang, "timeout: 300ms"))
	r = runBin(t, dir, f.env, "validate", "--connect", "-c", cfg3, "--concurrency", "4")
	if r.code != exitTargetFailed || !strings.Contains(r.stdout, "ok (2 targets") || !strings.Contains(r.stdout, "ad-hang (ldap): CANNOT BE SCANNED") {
		t.Fatalf("validate --connect: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// Every target fine: exit 0.
	cfg2 := writeConfig(t, t.TempDir(), ghTarget("gh-owner", f.ghURL, "KH_GH_OWNER"))
	if r := runBin(t, dir, f.env, "check", "-c", cfg2); r.code != 0 {
		t.Fatalf("healthy check: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// Issue 14 item 3: failures say what failed; a target that cannot be
// scanned at all gives exit 6; a summary line per target.
func TestIssue14FailuresSayWhatFailed(t *testing.T) {
	f := startFakes(t)
	dir := t.TempDir()
	cfg := writeConfig(t, dir,
		ghTarget("gh", f.ghURL, "KH_GH_OWNER"),
		ghTarget("gh-member", f.ghURL, "KH_GH_MEMBER"),
		ghTarget("gh-down", f.refusedURL, "KH_GH_OWNER"),
		ghTarget("gh-silent", f.hangURL, "KH_GH_OWNER", "timeout: 300ms"),
		ghTarget("gh-tls", f.tlsURL, "KH_GH_OWNER"),
	)
	r := runBin(t, dir, f.env, "scan", "-c", cfg, "-o", filepath.Join(dir, "out"), "--now", "2026-11-01T00:00:00Z")
	if r.code != exitTargetFailed {
		t.Fatalf("exit %d, want 6\n%s", r.code, r.stderr)
	}
	for _, re := range []string{
		`(?m)^gh: scanned( with 1 gap)?$`,
		`(?m)^gh-member: scanned with \d+ gaps$`,
		// Short lines: what failed, not the whole error chain (that is
		// in the log and the report's gap).
		`(?m)^gh-down: failed \(unreachable: connection refused \(127\.0\.0\.1:\d+\)\)$`,
		`(?m)^gh-silent: failed \(unreachable: no answer within 300ms\)$`,
		`(?m)^gh-tls: failed \(TLS: the server's certificate is signed by an unknown authority \(set ca_file to the issuing CA\)\)$`,
		// The detail is still in the log.
		// (the system's words: Windows says "connectex: ..." in its own).
		`level=WARN msg="scan failed" target=gh-down error=".*` + regexp.QuoteMeta(refusedText(t)) + `"`,
		`a target could not be scanned at all`,
	} {
		if !regexp.MustCompile(re).MatchString(r.stderr) {
			t.Errorf("stderr lacks %s:\n%s", re, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "authentication failed") {
		t.Errorf("an unreachable target is not an authentication failure:\n%s", r.stderr)
	}
	// The reports are still written.
	if _, err := os.Stat(filepath.Join(dir, "out", "report.html")); err != nil {
		t.Fatal(err)
	}
}

// Issue 14 item 4: validate finds every problem at once.
func TestIssue14Validate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "k.yaml")
	os.WriteFile(path, []byte(`organization:
  name: X
  domians: [a.com]
  break_glass: 5
providers:
  - {name: A, kind: bad}
targets:
  - type: github
    name: gh
    org: contoso
    token_env: KH_SURELY_UNSET_VAR
    max_pages: many
`), 0o600)
	r := runBin(t, dir, nil, "validate", path) // positional
	if r.code != exitUsage {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		path + `:3: organization.domians: unknown key (did you mean "domains"?)`,
		path + `:4: organization.break_glass: expected a list`,
		path + `:6: providers[0].kind: kind must be msp or vendor`,
		path + `:12: targets.gh.max_pages: cannot unmarshal`,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	os.WriteFile(path, []byte("organization:\n  name: X\ntargets:\n  - type: github\n    name: gh\n    org: contoso\n    token_env: KH_SURELY_UNSET_VAR\n"), 0o600)
	r = runBin(t, dir, nil, "validate", "-c", path)
	if r.code != 0 || !strings.Contains(r.stdout, path+":7: targets.gh.token_env: warning: environment variable KH_SURELY_UNSET_VAR is not set") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	os.WriteFile(path, []byte("organization:\n  name: X\n  domains: [a.com, b.com\ntargets: []\n"), 0o600)
	r = runBin(t, dir, nil, "validate", path)
	if r.code != exitUsage || !strings.HasPrefix(r.stdout, path+":3: ") {
		t.Fatalf("syntax error: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// Issue 14 item 5: output directories are safe.
func TestIssue14OutputDir(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join("..", "..", "examples", "declared-only.yaml")
	abs, _ := filepath.Abs(cfg)
	// Not writable (under a regular file): refused before scanning.
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o600)
	r := runBin(t, dir, nil, "scan", "-c", abs, "-o", filepath.Join(file, "out"))
	if r.code != exitUsage || !strings.Contains(r.stderr, "cannot create the output directory") || strings.Contains(r.stderr, "snapshot:") {
		t.Fatalf("unwritable -o: exit %d\n%s", r.code, r.stderr)
	}
	// Created 0700 (on Windows: an owner-only ACL).
	out := filepath.Join(dir, "new", "out")
	r = runBin(t, dir, nil, "scan", "-c", abs, "-o", out, "--fail-on", "none")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	fsxtest.AssertPrivate(t, out)
	// Stale files of a run: refused; --force clears keyholder's own only.
	os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o600)
	r = runBin(t, dir, nil, "scan", "-c", abs, "-o", out, "--fail-on", "none", "--format", "md")
	if r.code != exitUsage || !strings.Contains(r.stderr, "holds files of an earlier run") || !strings.Contains(r.stderr, "report.html") {
		t.Fatalf("stale: exit %d\n%s", r.code, r.stderr)
	}
	r = runBin(t, dir, nil, "scan", "-c", abs, "-o", out, "--fail-on", "none", "--format", "md", "--force")
	if r.code != 0 {
		t.Fatalf("--force: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "report.html")); !os.IsNotExist(err) {
		t.Fatal("--force left the old report.html beside the new run")
	}
	if b, _ := os.ReadFile(filepath.Join(out, "notes.txt")); string(b) != "mine" {
		t.Fatal("--force deleted a file that is not keyholder's")
	}
	// -o - writes the assessment JSON to stdout.
	r = runBin(t, dir, nil, "scan", "-c", abs, "-o", "-", "--fail-on", "none")
	var as map[string]any
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &as) != nil || as["verdict"] == nil {
		t.Fatalf("-o -: exit %d\nstdout %.300s\n%s", r.code, r.stdout, r.stderr)
	}
}

// Issue 14 item 6: consistent flags and output.
func TestIssue14FlagsAndOutput(t *testing.T) {
	f := startFakes(t)
	dir := t.TempDir()
	v1 := runBin(t, dir, nil, "--version")
	v2 := runBin(t, dir, nil, "version")
	if v1.code != 0 || v1.stdout != v2.stdout || !strings.HasPrefix(v1.stdout, "keyholder "+binVersion+" (commit ") {
		t.Fatalf("--version %q, version %q", v1.stdout, v2.stdout)
	}
	// --fail-on none everywhere --fail-on is.
	cfg, _ := filepath.Abs(filepath.Join("..", "..", "examples", "declared-only.yaml"))
	out := filepath.Join(dir, "o")
	if r := runBin(t, dir, nil, "scan", "-c", cfg, "-o", out, "--fail-on", "none"); r.code != 0 {
		t.Fatalf("scan --fail-on none: %d %s", r.code, r.stderr)
	}
	snap := filepath.Join(out, "snapshot.json")
	if r := runBin(t, dir, nil, "evaluate", snap, "-c", cfg, "-o", filepath.Join(dir, "e"), "--fail-on", "none"); r.code != 0 {
		t.Fatalf("evaluate --fail-on none: %d %s", r.code, r.stderr)
	}
	if r := runBin(t, dir, nil, "scan", "-c", cfg, "-o", filepath.Join(dir, "o3")); r.code != exitFailing ||
		!regexp.MustCompile(`\d+ failing findings? across \d+ checks?`).MatchString(r.stderr) {
		t.Fatalf("summary: %d %s", r.code, r.stderr)
	}
	// evaluate without -c refuses a snapshot of another config.
	os.WriteFile(filepath.Join(dir, "keyholder.yaml"), []byte("organization: {name: Other}\n"), 0o600)
	r := runBin(t, dir, nil, "evaluate", snap, "-o", filepath.Join(dir, "e2"))
	if r.code != exitUsage || !strings.Contains(r.stderr, "scanned with a different config") {
		t.Fatalf("config hash: %d %s", r.code, r.stderr)
	}
	r = runBin(t, dir, nil, "evaluate", snap, "-c", "keyholder.yaml", "-o", filepath.Join(dir, "e3"), "--fail-on", "none")
	if r.code != 0 || !strings.Contains(r.stderr, "WARNING") {
		t.Fatalf("config hash with -c: %d %s", r.code, r.stderr)
	}
	// --log-format json: every stderr line is JSON, failures included.
	kcfg := writeConfig(t, t.TempDir(), ghTarget("gh", f.ghURL, "KH_GH_MEMBER"), ghTarget("gh-down", f.refusedURL, "KH_GH_OWNER"))
	r = runBin(t, dir, f.env, "--log-format", "json", "--log-level", "info", "scan", "-c", kcfg, "-o", filepath.Join(dir, "j"))
	if r.code != exitTargetFailed {
		t.Fatalf("json run: exit %d\n%s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(lines) < 5 {
		t.Fatalf("few lines: %s", r.stderr)
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
	}
	// Top-level help lists every exit code, as the README does.
	h := runBin(t, dir, nil, "--help")
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"0", "1", "2", "3", "4", "5", "6"} {
		if !regexp.MustCompile(`(?m)^  ` + code + `  `).MatchString(h.stdout) {
			t.Errorf("--help lacks exit code %s:\n%s", code, h.stdout)
		}
		if !regexp.MustCompile("(?m)^\\| `?" + code + "`? \\|").Match(readme) {
			t.Errorf("README exit-code table lacks %s", code)
		}
	}
}

// refusedText is how this system words a refused TCP connection
// ("connect: connection refused" on Linux; Winsock's text on Windows).
func refusedText(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = net.Dial("tcp", addr)
	if err == nil {
		t.Fatal("a closed port accepted a connection")
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}
