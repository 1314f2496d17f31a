package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	simgraph "github.com/keyholder/keyholder/internal/sim/graph"
)

// Issue 14 item 4: a YAML syntax error points at the line that is wrong,
// whatever form yaml.v3's message takes (it reports the enclosing
// construct's line, zero-based, for parser errors; no line for an unknown
// anchor).
func TestIssue14ValidateSyntaxErrorLines(t *testing.T) {
	head := "organization:\n  name: X\n"
	for _, tc := range []struct {
		name, body string
		line       int
		msg        string
	}{
		{"unclosed flow sequence", "  domains: [a.com, b.com\ntargets: []\n", 3, "did not find expected ',' or ']'"},
		{"unclosed flow mapping", "  extra: {a: 1\ntargets: []\n", 3, "did not find expected ',' or '}'"},
		{"mapping value in a plain scalar", "  domains: a: b\ntargets: []\n", 3, "mapping values are not allowed in this context"},
		{"over-indented key", "  domains: [a.com]\n   aws_accounts: []\ntargets: []\n", 4, "did not find expected key"},
		{"character that cannot start a token", "  domains: @a.com\ntargets: []\n", 3, "found character that cannot start any token"},
		{"unclosed double quote", "  domains: [\"a.com]\ntargets: []\n", 3, "found unexpected end of stream"},
		{"unclosed single quote", "  domains:\n    - 'a.com\ntargets: []\n", 4, "found unexpected end of stream"},
		{"sequence item inside a mapping", "  domains: [a.com]\n  - b.com\ntargets: []\n", 4, "did not find expected key"},
		{"tab indentation", "  domains: [a.com]\n\taws_accounts: []\ntargets: []\n", 4, "found character that cannot start any token"},
		{"unknown alias", "  domains: *nope\ntargets: []\n", 3, "unknown anchor 'nope' referenced"},
		{"valid multi-line flow before the error", "  domains: [a.com,\n    b.com]\n  name2: x: y\ntargets: []\n", 5, "mapping values are not allowed in this context"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "k.yaml")
			if err := os.WriteFile(path, []byte(head+tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			r := runBin(t, dir, nil, "validate", path)
			want := path + ":" + itoa(tc.line) + ": "
			if r.code != exitUsage || !strings.HasPrefix(r.stdout, want) || !strings.Contains(r.stdout, tc.msg) {
				t.Fatalf("exit %d, want %d and %q ... %q:\n%s%s", r.code, exitUsage, want, tc.msg, r.stdout, r.stderr)
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// Issue 14 item 3: every scanner's timeout key applies. An AWS endpoint
// that never answers, with timeout: 1s, is reported unreachable ("no
// answer within 1s") instead of waiting the 60 s default per attempt; the
// same for GitHub. Request counts, not times, are asserted: each attempt
// is one request the silent endpoint saw.
func TestIssue14TimeoutKeyAWSAndGitHub(t *testing.T) {
	f := startFakes(t)
	var mu sync.Mutex
	hits := map[string]int{}
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if r.URL.Path == "/" {
			hits["aws"]++
		} else {
			hits["github"]++
		}
		mu.Unlock()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); hang.CloseClientConnections(); hang.Close() })
	dir := t.TempDir()
	cfg := writeConfig(t, dir,
		"  - type: aws\n    name: aws-silent\n    region: us-east-1\n    endpoint_url: "+hang.URL+"\n    timeout: 1s\n    max_attempts: 2\n",
		ghTarget("gh-silent", hang.URL, "KH_GH_OWNER", "timeout: 1s"),
	)
	env := append(f.env, "AWS_ACCESS_KEY_ID=AKIA-EXAMPLE-TIMEOUT-1", "AWS_SECRET_ACCESS_KEY=kh-test-not-a-real-secret",
		"AWS_CONFIG_FILE="+filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "none"), "AWS_EC2_METADATA_DISABLED=true")
	r := runBin(t, dir, env, "scan", "-c", cfg, "-o", filepath.Join(dir, "out"), "--now", "2026-11-01T00:00:00Z")
	if r.code != exitTargetFailed {
		t.Fatalf("exit %d, want 6\n%s", r.code, r.stderr)
	}
	for _, re := range []string{
		`(?m)^aws-silent: failed \(unreachable: no answer within 1s\)$`,
		`(?m)^gh-silent: failed \(unreachable: no answer within 1s\)$`,
	} {
		if !regexp.MustCompile(re).MatchString(r.stderr) {
			t.Errorf("stderr lacks %s:\n%s", re, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "authentication failed") {
		t.Errorf("a silent endpoint is not an authentication failure:\n%s", r.stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	// max_attempts: 2 and one sts:GetCallerIdentity before anything else:
	// two requests, each cut by the timeout (with the 60 s default the run
	// would still be waiting on the first).
	if hits["aws"] != 2 {
		t.Errorf("the silent AWS endpoint saw %d requests, want 2 (max_attempts)", hits["aws"])
	}
	if hits["github"] == 0 {
		t.Error("the silent GitHub endpoint saw no request")
	}

	// check says the same, per target.
	r = runBin(t, dir, env, "check", "-c", cfg)
	if r.code != exitTargetFailed {
		t.Fatalf("check: exit %d, want 6\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, re := range []string{
		`aws-silent \(aws\): CANNOT BE SCANNED: unreachable: no answer within 1s`,
		`gh-silent \(github\): CANNOT BE SCANNED: unreachable: no answer within 1s`,
	} {
		if !regexp.MustCompile(re).MatchString(r.stdout) {
			t.Errorf("check output lacks %s:\n%s", re, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "authentication failed") || strings.Contains(r.stdout, "cannot authenticate") {
		t.Errorf("check calls a silent endpoint an authentication failure:\n%s", r.stdout)
	}
}

// Issue 14 item 2: keyholder check through the binary against the Graph
// fake shows granted, missing permission and not licensed rows side by
// side; a target with gaps can still be scanned (exit 0); one that cannot
// be scanned at all makes it exit 6.
func TestIssue14CheckNotLicensed(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "scanners", "entra", "testdata", "tenant.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := simgraph.ParseScenario(b)
	if err != nil {
		t.Fatal(err)
	}
	sc.Licence = "p1" // no PIM
	sc.Permissions = slices.DeleteFunc(simgraph.DefaultPermissions(), func(p string) bool { return p == "Policy.Read.All" })
	const token = "kh-test-graph-token-issue14"
	srv := simgraph.NewTest(t, sc, simgraph.Options{StaticTokens: []string{token}, RequireAuth: true})
	env := []string{"KH_TEST_GRAPH_TOKEN=" + token}
	entra := fmt.Sprintf("  - type: entra\n    name: m365\n    tenant_id: %s\n    graph_endpoint: %s\n    auth: {method: token, token_env: KH_TEST_GRAPH_TOKEN}\n", srv.TenantID(), srv.URL)
	dir := t.TempDir()
	r := runBin(t, dir, env, "check", "-c", writeConfig(t, dir, entra))
	if r.code != 0 {
		t.Fatalf("exit %d, want 0 (gaps, but the target can be scanned)\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, re := range []string{
		`m365 \(entra\): can be scanned; \d+ of \d+ collections readable`,
		`(?m)^  principals/users +granted *$`,
		`(?m)^  trusts/cross_tenant +missing permission +.*Policy\.Read\.All`,
		`(?m)^  grants/pim_eligibility +not licensed +\S`,
	} {
		if !regexp.MustCompile(re).MatchString(r.stdout) {
			t.Errorf("output lacks %s:\n%s", re, r.stdout)
		}
	}
	if strings.Contains(r.stdout+r.stderr, token) {
		t.Fatal("the token leaked")
	}
	if w := srv.Stats().Writes; w != 0 {
		t.Fatalf("check sent %d writes", w)
	}

	// The same tenant beside a target that cannot be scanned at all: 6.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String()
	l.Close()
	dir2 := t.TempDir()
	r = runBin(t, dir2, env, "check", "-c", writeConfig(t, dir2, entra,
		"  - type: entra\n    name: m365-down\n    tenant_id: "+srv.TenantID()+"\n    graph_endpoint: "+refused+"\n    auth: {method: token, token_env: KH_TEST_GRAPH_TOKEN}\n"))
	if r.code != exitTargetFailed {
		t.Fatalf("exit %d, want 6\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, re := range []string{
		`m365 \(entra\): can be scanned`,
		`(?m)^  grants/pim_eligibility +not licensed`,
		`m365-down \(entra\): CANNOT BE SCANNED: unreachable: connection refused`,
		`1 of 2 target\(s\) cannot be scanned at all`,
	} {
		if !regexp.MustCompile(re).MatchString(r.stdout + r.stderr) {
			t.Errorf("output lacks %s:\n%s%s", re, r.stdout, r.stderr)
		}
	}
}
