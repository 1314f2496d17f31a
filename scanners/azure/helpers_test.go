package azure

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/msauth/msauthtest"
	azsim "github.com/keyholder/keyholder/internal/sim/azure"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// testToken is the static bearer token the fake accepts.
const testToken = "kh-arm-test-token-3c9e1f2a7b"

const (
	tenantID   = "c0570500-0000-4000-8000-000000000001"
	mspTenant  = "9a5e0000-0000-4000-8000-00000000a115"
	cspTenant  = "c5900000-0000-4000-8000-000000000c5b"
	subProd    = "11111111-0000-4000-8000-000000000001"
	subCSP     = "22222222-0000-4000-8000-000000000002"
	subDev     = "33333333-0000-4000-8000-000000000003"
	subHidden  = "44444444-0000-4000-8000-000000000004"
	tokenEnvVa = "KH_TEST_ARM_TOKEN"
)

func loadScenario(t testing.TB) azsim.Scenario {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "tenant.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var sc azsim.Scenario
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&sc); err != nil {
		t.Fatal(err)
	}
	return sc
}

// target builds a config target from YAML text.
func target(t testing.TB, text string) config.Target { return msauthtest.Target(t, text) }

// sleepLog records the waits httpx asks for instead of sleeping.
type sleepLog struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleepLog) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

type fixture struct {
	srv   *azsim.Server
	sleep *sleepLog
	tg    config.Target
}

// newFixture starts the fake for sc and returns a target config for it
// (static token auth through an environment variable, the fake's CA).
func newFixture(t testing.TB, sc azsim.Scenario, extra string) *fixture {
	t.Helper()
	srv := azsim.StartTest(t, sc, azsim.Options{StaticTokens: []string{testToken}})
	ca, err := srv.CAFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if tt, ok := t.(*testing.T); ok {
		tt.Setenv(tokenEnvVa, testToken)
	} else {
		os.Setenv(tokenEnvVa, testToken)
	}
	text := fmt.Sprintf("type: azure\nname: azure\ntenant_id: %s\nendpoint: %s\nca_file: %s\nauth: {method: token, token_env: %s}\n%s",
		sc.TenantID, srv.URL, ca, tokenEnvVa, extra)
	return &fixture{srv: srv, sleep: &sleepLog{}, tg: target(t, text)}
}

func (f *fixture) scanner(t testing.TB, env scanners.Env) *Scanner {
	t.Helper()
	s, err := newScanner(f.tg, env)
	if err != nil {
		t.Fatal(err)
	}
	sc := s.(*Scanner)
	sc.deps = clientDeps{sleep: f.sleep.sleep}
	return sc
}

func (f *fixture) scan(t testing.TB) *findings.Snapshot {
	t.Helper()
	var logs bytes.Buffer
	snap, err := f.scanner(t, scannertest.Env(&logs)).Scan(context.Background())
	if err != nil {
		t.Fatalf("scan: %v\nlogs:\n%s", err, logs.String())
	}
	if errs := snap.Validate(); len(errs) > 0 {
		t.Fatalf("invalid snapshot: %v", errs)
	}
	return snap
}

func sysOf(sub string) string { return "azure/" + sub }

func gapOf(snap *findings.Snapshot, system, collection string) *findings.Gap {
	for i := range snap.Gaps {
		if snap.Gaps[i].System == system && snap.Gaps[i].Collection == collection {
			return &snap.Gaps[i]
		}
	}
	return nil
}

func grantsOf(snap *findings.Snapshot, system, principalNative string) []findings.Grant {
	var out []findings.Grant
	for _, g := range snap.Grants {
		if g.System == system && strings.HasSuffix(g.PrincipalID, ":"+principalNative) {
			out = append(out, g)
		}
	}
	return out
}

func principalByNative(snap *findings.Snapshot, native string) *findings.Principal {
	for i := range snap.Principals {
		if snap.Principals[i].NativeID == native {
			return &snap.Principals[i]
		}
	}
	return nil
}

func trustsOf(snap *findings.Snapshot, system string, kind findings.TrustKind) []findings.Trust {
	var out []findings.Trust
	for _, t := range snap.Trusts {
		if t.System == system && t.Kind == kind {
			out = append(out, t)
		}
	}
	return out
}
