package workspace

import (
	"bytes"
	"context"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	wssim "github.com/keyholder/keyholder/internal/sim/workspace"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

var update = flag.Bool("update", false, "rewrite golden files")

const subject = "audit@contoso.com"

// contoso returns the test scenario (a fresh copy).
func contoso(t testing.TB) *wssim.Scenario {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "contoso.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var sc wssim.Scenario
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&sc); err != nil {
		t.Fatal(err)
	}
	return &sc
}

// harness is a fake Admin SDK on loopback and the service-account key
// that talks to it.
type harness struct {
	t    testing.TB
	fake *wssim.Fake
	srv  *httptest.Server
	key  string
	dir  string
}

func newHarness(t testing.TB, sc *wssim.Scenario) *harness {
	t.Helper()
	f := wssim.New(sc, wssim.Options{Now: func() time.Time { return scannertest.FixedNow }, Subject: subject})
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	key, err := f.WriteServiceAccount(dir, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, fake: f, srv: srv, key: key, dir: dir}
}

// target returns the target lines (indented YAML); extra lines are added.
func (h *harness) target(extra ...string) string {
	lines := []string{
		"    endpoint: " + h.srv.URL,
		"    auth: {method: service_account, key_file: " + h.key + ", subject: " + subject + "}",
	}
	for _, e := range extra {
		lines = append(lines, "    "+e)
	}
	return strings.Join(lines, "\n") + "\n"
}

func testConfig(t testing.TB, target string) *config.Config {
	t.Helper()
	doc := `organization:
  name: Contoso Ltd
  domains: [contoso.com, contoso.co.uk]
providers:
  - name: Acme IT
    kind: msp
    domains: [acme-it.com]
targets:
  - type: workspace
    name: gws
` + target
	cfg, err := config.Parse([]byte(doc), "keyholder.yaml")
	if err != nil {
		t.Fatalf("config: %v\n%s", err, doc)
	}
	return cfg
}

func (h *harness) scanner(env scanners.Env, target string) *Scanner {
	h.t.Helper()
	cfg := testConfig(h.t, target)
	env.Config = cfg
	s, err := Factory().New(cfg.Targets[0], env)
	if err != nil {
		h.t.Fatalf("new: %v", err)
	}
	sc := s.(*Scanner)
	sc.sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	return sc
}

// scan scans and fails the test on a target error or invalid snapshot.
func (h *harness) scan(target string) (*findings.Snapshot, string) {
	h.t.Helper()
	var logs bytes.Buffer
	snap, err := h.scanner(scannertest.Env(&logs), target).Scan(context.Background())
	if err != nil {
		h.t.Fatalf("scan: %v\nlogs:\n%s", err, logs.String())
	}
	if errs := snap.Validate(); len(errs) > 0 {
		h.t.Fatalf("invalid snapshot: %v", errs)
	}
	return snap, logs.String()
}

func principalByLogin(s *findings.Snapshot, login string) *findings.Principal {
	for i := range s.Principals {
		if strings.EqualFold(s.Principals[i].Login, login) {
			return &s.Principals[i]
		}
	}
	return nil
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

func gapOf(s *findings.Snapshot, collection string) *findings.Gap {
	for i := range s.Gaps {
		if s.Gaps[i].Collection == collection {
			return &s.Gaps[i]
		}
	}
	return nil
}

// httptestDeadURL returns the URL of a loopback port nothing listens on.
func httptestDeadURL(t testing.TB) string {
	srv := httptest.NewServer(nil)
	u := srv.URL
	srv.Close()
	return u
}
