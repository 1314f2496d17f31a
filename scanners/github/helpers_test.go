package github

import (
	"bytes"
	"context"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	ghsim "github.com/keyholder/keyholder/internal/sim/github"
	"github.com/keyholder/keyholder/policies/access"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	ownerToken  = "ghp_owner_contoso_0123456789abcdef"
	memberToken = "ghp_member_contoso_0123456789abcdef"
)

// clock is a fake clock shared by the fake server and the scanner; Sleep
// advances it and records the wait.
type clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newClock(t time.Time) *clock { return &clock{now: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	if d > 0 {
		c.now = c.now.Add(d)
	}
	return nil
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func (c *clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// contoso loads the test scenario.
func contoso(t testing.TB) *ghsim.Scenario {
	t.Helper()
	sc, err := ghsim.LoadScenario(filepath.Join("testdata", "contoso.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// harness is a fake GitHub and a way to build scanners against it.
type harness struct {
	t     testing.TB
	fake  *ghsim.Fake
	srv   *httptest.Server
	clock *clock
	dir   string
}

func newHarness(t testing.TB, sc *ghsim.Scenario, o ghsim.Options) *harness {
	t.Helper()
	c := newClock(scannertest.FixedNow)
	if o.Now == nil {
		o.Now = c.Now
	}
	f := ghsim.New(sc, o)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return &harness{t: t, fake: f, srv: srv, clock: c, dir: t.TempDir()}
}

// tokenFile writes tok to a file and returns its path.
func (h *harness) tokenFile(tok string) string {
	h.t.Helper()
	f, err := os.CreateTemp(h.dir, "token-*")
	if err != nil {
		h.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(tok + "\n"); err != nil {
		h.t.Fatal(err)
	}
	return f.Name()
}

// config returns a keyholder config with the organisation, the MSP, the
// HR segment and one github target; extra is appended to the target's
// mapping (indented YAML lines).
func (h *harness) config(target string) *config.Config {
	h.t.Helper()
	doc := `organization:
  name: Contoso Ltd
  domains: [contoso.com]
  github_orgs: [contoso]
providers:
  - name: Acme IT
    kind: msp
    domains: [acme-it.com]
    github_orgs: [acme-it]
sensitive:
  - {name: HR, github_repos: [contoso/payroll]}
  - {name: Finance, github_repos: [contoso/payroll, contoso/ledger]}
targets:
  - type: github
    name: gh
` + target
	cfg, err := config.Parse([]byte(doc), "keyholder.yaml")
	if err != nil {
		h.t.Fatalf("config: %v\n%s", err, doc)
	}
	return cfg
}

// scanner builds a scanner for the fake with the given target lines.
func (h *harness) scanner(env scanners.Env, target string) *Scanner {
	h.t.Helper()
	cfg := h.config(target)
	env.Config = cfg
	if env.Now == nil {
		env.Now = h.clock.Now
	}
	s, err := Factory().New(cfg.Targets[0], env)
	if err != nil {
		h.t.Fatalf("new: %v", err)
	}
	sc := s.(*Scanner)
	sc.sleep = h.clock.Sleep
	// The harness clock stands for the real one too: the fake's rate
	// windows and token lifetimes run on it.
	sc.wallNow = h.clock.Now
	return sc
}

// ownerTarget is the target config of an owner's token.
func (h *harness) target(tok string, extra ...string) string {
	lines := []string{
		"    org: contoso",
		"    api_url: " + h.srv.URL,
		"    token_file: " + h.tokenFile(tok),
	}
	for _, e := range extra {
		lines = append(lines, "    "+e)
	}
	return strings.Join(lines, "\n") + "\n"
}

// testEnv returns a scanner env logging to buf with the harness clock.
func (h *harness) env(buf *bytes.Buffer) scanners.Env {
	env := scannertest.Env(buf)
	env.Now = h.clock.Now
	return env
}

// scan runs a scan of the fake with an owner token (or the given target
// lines) and fails the test on error.
func (h *harness) scan(target string) (*findings.Snapshot, string) {
	h.t.Helper()
	var logs bytes.Buffer
	s := h.scanner(h.env(&logs), target)
	snap, err := s.Scan(context.Background())
	if err != nil {
		h.t.Fatalf("scan: %v\nlogs:\n%s", err, logs.String())
	}
	if errs := snap.Validate(); len(errs) > 0 {
		h.t.Fatalf("invalid snapshot: %v", errs)
	}
	scannertest.CheckGaps(h.t, Factory().Gaps, snap)
	return snap, logs.String()
}

// scanREST is scan on the REST path only (members, teams, repositories
// and collaborators listed by REST, as before GraphQL read them).
func (h *harness) scanREST(target string) *findings.Snapshot {
	h.t.Helper()
	var logs bytes.Buffer
	s := h.scanner(h.env(&logs), target)
	s.restOnly = true
	snap, err := s.Scan(context.Background())
	if err != nil {
		h.t.Fatalf("scan: %v\nlogs:\n%s", err, logs.String())
	}
	if errs := snap.Validate(); len(errs) > 0 {
		h.t.Fatalf("invalid snapshot: %v", errs)
	}
	scannertest.CheckGaps(h.t, Factory().Gaps, snap)
	return snap
}

// effRow returns the effective access row policies/access computes for
// principal, privilege and scope.
func effRow(t testing.TB, s *findings.Snapshot, pid, privilege, scope string) access.Row {
	t.Helper()
	res := access.Compute(s, access.Options{AsOf: scannertest.FixedNow})
	for _, r := range res.Rows {
		if r.Principal == pid && r.Privilege == privilege && r.Scope == scope {
			return r
		}
	}
	t.Fatalf("no effective access %s %s %s; grants of the principal: %+v", pid, privilege, scope, grantsOf(s, pid))
	return access.Row{}
}

// lookups over a snapshot.

func principal(t testing.TB, s *findings.Snapshot, id string) findings.Principal {
	t.Helper()
	for _, p := range s.Principals {
		if p.ID == id {
			return p
		}
	}
	t.Fatalf("no principal %q", id)
	return findings.Principal{}
}

func grantsOf(s *findings.Snapshot, pid string) []findings.Grant {
	var out []findings.Grant
	for _, g := range s.Grants {
		if g.PrincipalID == pid {
			out = append(out, g)
		}
	}
	return out
}

func findGrant(t testing.TB, s *findings.Snapshot, pid, privilege, scope string) findings.Grant {
	t.Helper()
	for _, g := range s.Grants {
		if g.PrincipalID == pid && g.Privilege == privilege && g.Scope == scope {
			return g
		}
	}
	t.Fatalf("no grant %s %s %s; grants of the principal: %+v", pid, privilege, scope, grantsOf(s, pid))
	return findings.Grant{}
}

func gapOf(s *findings.Snapshot, collection string) (findings.Gap, bool) {
	for _, g := range s.Gaps {
		if g.Collection == collection {
			return g, true
		}
	}
	return findings.Gap{}, false
}

func trustByID(t testing.TB, s *findings.Snapshot, id string) findings.Trust {
	t.Helper()
	for _, tr := range s.Trusts {
		if tr.ID == id {
			return tr
		}
	}
	t.Fatalf("no trust %q", id)
	return findings.Trust{}
}

// tokenOnlyGap is the gap every scan authenticated with a token (not a
// GitHub App) records: GitHub lists fine-grained tokens to apps only.
const tokenOnlyGap = "credentials/personal_access_tokens"

// otherGaps drops the token-only gap from gaps.
func otherGaps(gaps []findings.Gap) []findings.Gap {
	var out []findings.Gap
	for _, g := range gaps {
		if g.Collection != tokenOnlyGap {
			out = append(out, g)
		}
	}
	return out
}
