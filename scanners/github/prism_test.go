//go:build !windows

// Server test: Prism (Node.js) is started as a Linux process group; on
// windows this file is not built (the Linux CI runs it).

package github

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

// prismDir returns where install-prism.sh put Prism and GitHub's OpenAPI
// description, skipping the test when they are missing (failing it when
// KEYHOLDER_REQUIRE_SERVERS=1, as in CI).
func prismDir(t *testing.T) (prism, spec string) {
	t.Helper()
	dir := os.Getenv("KEYHOLDER_PRISM_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", ".cache", "prism")
	}
	prism = filepath.Join(dir, "node_modules", ".bin", "prism")
	spec = filepath.Join(dir, "node_modules", "@octokit", "openapi", "generated", "api.github.com.json")
	for _, p := range []string{prism, spec} {
		if _, err := os.Stat(p); err != nil {
			msg := "Prism is not installed (" + p + "); run scanners/github/testdata/install-prism.sh"
			if os.Getenv("KEYHOLDER_REQUIRE_SERVERS") == "1" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	return prism, spec
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startPrism serves GitHub's OpenAPI description with Prism on loopback
// and returns its URL.
func startPrism(t *testing.T) string {
	t.Helper()
	prism, spec := prismDir(t)
	port := freePort(t)
	var out bytes.Buffer
	cmd := exec.Command(prism, "mock", "-h", "127.0.0.1", "-p", strconv.Itoa(port), spec)
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prism: %v", err)
	}
	t.Cleanup(func() {
		// Prism is a node process that may start children: end its group.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest(http.MethodGet, url+"/orgs/octo-org", nil)
		req.Header.Set("Accept", "application/json")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return url
		}
		if cmd.ProcessState != nil {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("prism did not start:\n%s", out.String())
	return ""
}

// acceptJSON sends Accept: application/json (Prism answers 406 to
// go-github's application/vnd.github.v3+json) and counts requests.
type acceptJSON struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (a *acceptJSON) RoundTrip(req *http.Request) (*http.Response, error) {
	a.n.Add(1)
	r := req.Clone(req.Context())
	r.Header.Set("Accept", "application/json")
	return a.next.RoundTrip(r)
}

// TestPrism runs the scanner against Prism serving GitHub's full OpenAPI
// description: every response is a documented example, and Prism's Link
// header always offers a next page, so every listing must be stopped by
// the loop check or the page cap, with a gap, and the scan must finish.
func TestPrism(t *testing.T) {
	url := startPrism(t)
	dir := t.TempDir()
	tok := filepath.Join(dir, "token")
	if err := os.WriteFile(tok, []byte("ghp_prism_token_0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	doc := `organization: {name: Octo}
sensitive:
  - {name: Code, github_repos: [octo-org/Hello-World]}
targets:
  - type: github
    name: prism
    org: octo-org
    api_url: ` + url + `
    token_file: ` + tok + `
    deploy_keys: true
    max_pages: 3
`
	cfg, err := config.Parse([]byte(doc), "keyholder.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	env := scannertest.Env(&logs)
	env.Config = cfg
	s, err := Factory().New(cfg.Targets[0], env)
	if err != nil {
		t.Fatal(err)
	}
	sc := s.(*Scanner)
	counter := &acceptJSON{next: http.DefaultTransport}
	sc.base = counter
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	snap, err := sc.Scan(ctx)
	if err != nil {
		t.Fatalf("scan: %v\n%s", err, tail(logs.String(), 4000))
	}
	t.Logf("prism scan: %d requests in %v, %d principals, %d grants, %d trusts, %d gaps",
		counter.n.Load(), time.Since(start).Round(time.Millisecond), len(snap.Principals), len(snap.Grants), len(snap.Trusts), len(snap.Gaps))
	if errs := snap.Validate(); len(errs) > 0 {
		t.Fatalf("invalid snapshot: %v", errs)
	}
	for _, g := range snap.Gaps {
		t.Logf("gap %s (%s): %s", g.Collection, g.Reason, g.Error)
	}

	// Documented examples, decoded.
	sys := snap.Systems[0]
	if !slices.Contains(sys.Contacts, findings.Contact{Kind: "billing", Email: "mona@github.com"}) {
		t.Errorf("billing contact from the example: %+v", sys.Contacts)
	}
	for k, v := range map[string]string{"plan": "Medium", "two_factor_requirement_enabled": "true", "default_repository_permission": "read"} {
		if sys.Attributes[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, sys.Attributes[k], v)
		}
	}
	if sys.NativeID != "github" {
		t.Errorf("native id = %q (the example organisation is \"github\")", sys.NativeID)
	}
	owner := findings.PrincipalID(findings.PrincipalUser, "prism", "1")
	if p := principalOrNil(snap, owner); p == nil || p.Login != "octocat" || p.MFA != findings.MFAEnforced {
		t.Errorf("octocat = %+v", p)
	}
	if !hasGrant(snap, owner, "owner", "org:github") {
		t.Error("no owner grant for the example member")
	}
	if !hasKind(snap, findings.TrustGitHubApp) || !hasKind(snap, findings.TrustDeployKey) || !hasKind(snap, findings.TrustWebhook) {
		t.Errorf("trusts: %+v", snap.Trusts)
	}
	if !hasPrincipalKind(snap, findings.PrincipalTeam) {
		t.Error("no team from the example")
	}
	if !hasInvitation(snap) {
		t.Error("no invitation from the example (its failed_at is an empty string)")
	}

	// Every listing was stopped by the loop check or the cap, as a gap.
	stopped := 0
	for _, g := range snap.Gaps {
		if strings.Contains(g.Error, "paging loop") || strings.Contains(g.Error, "max_pages") {
			stopped++
		}
	}
	if stopped < 5 {
		t.Errorf("only %d listings stopped by the loop check or the cap; gaps: %+v", stopped, snap.Gaps)
	}
	// Prism serves REST only and not the Enterprise Cloud audit log.
	for _, c := range []string{"principals/profiles", "grants/enterprise_owners", "activity/audit_log"} {
		if _, ok := gapOf(snap, c); !ok {
			t.Errorf("no gap for %s", c)
		}
	}
	if n := counter.n.Load(); n > 200 {
		t.Errorf("%d requests: the scan did not stop Prism's endless paging promptly", n)
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

func principalOrNil(s *findings.Snapshot, id string) *findings.Principal {
	for i := range s.Principals {
		if s.Principals[i].ID == id {
			return &s.Principals[i]
		}
	}
	return nil
}

func hasGrant(s *findings.Snapshot, pid, privilege, scope string) bool {
	for _, g := range s.Grants {
		if g.PrincipalID == pid && g.Privilege == privilege && g.Scope == scope {
			return true
		}
	}
	return false
}

func hasKind(s *findings.Snapshot, k findings.TrustKind) bool {
	for _, t := range s.Trusts {
		if t.Kind == k {
			return true
		}
	}
	return false
}

func hasPrincipalKind(s *findings.Snapshot, k findings.PrincipalKind) bool {
	for _, p := range s.Principals {
		if p.Kind == k {
			return true
		}
	}
	return false
}

func hasInvitation(s *findings.Snapshot) bool {
	for _, p := range s.Principals {
		if p.Attributes["invitation"] == "pending" {
			return true
		}
	}
	return false
}
