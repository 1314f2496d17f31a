package entra

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

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/msauth/msauthtest"
	"github.com/keyholder/keyholder/internal/sim/graph"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// testToken is the static bearer token the fake accepts in most tests.
const testToken = "kh-test-token-7f3a9c2e51d04b8e"

const tenantID = "4d1f0000-0000-4000-8000-00000000c0de"

// Object ids of testdata/tenant.yaml.
const (
	idAlice      = "a11ce000-0000-4000-8000-000000000001"
	idBob        = "b0b00000-0000-4000-8000-000000000002"
	idCarol      = "ca401000-0000-4000-8000-000000000003"
	idDave       = "da7e0000-0000-4000-8000-000000000004"
	idErin       = "e0140000-0000-4000-8000-000000000005"
	idBreakGlass = "b4ea1000-0000-4000-8000-000000000006"
	idTech1      = "7ec10000-0000-4000-8000-000000000007"
	idOps        = "0b500000-0000-4000-8000-000000000008"
	idTier0      = "71e40000-0000-4000-8000-000000000010"
	idAUOslo     = "a0000000-0000-4000-8000-0000000000a1"
	idRMM        = "5e000000-0000-4000-8000-000000000021"
	idHRSync     = "5e000000-0000-4000-8000-000000000023"
)

func loadScenario(t testing.TB) *graph.Scenario {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "tenant.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := graph.ParseScenario(b)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// target builds a config target from YAML text.
func target(t testing.TB, text string) config.Target { return msauthtest.Target(t, text) }

// sleepLog records the waits the scanner asked for instead of sleeping.
type sleepLog struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleepLog) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleepLog) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// fixture is a fake tenant and a scanner pointed at it.
type fixture struct {
	srv    *graph.Server
	sc     *Scanner
	sleeps *sleepLog
	logs   *bytes.Buffer
	env    scanners.Env
}

// newFixture starts a fake for sc (token auth, plain HTTP on loopback)
// and returns a scanner for it. extra is appended to the target YAML.
func newFixture(t testing.TB, sc *graph.Scenario, extra string) *fixture {
	t.Helper()
	srv := graph.NewTest(t, sc, graph.Options{StaticTokens: []string{testToken}, RequireAuth: true})
	t.Setenv("KH_TEST_GRAPH_TOKEN", testToken)
	var logs bytes.Buffer
	env := scannertest.Env(&logs)
	return newFixtureEnv(t, srv, env, &logs, extra)
}

func newFixtureEnv(t testing.TB, srv *graph.Server, env scanners.Env, logs *bytes.Buffer, extra string) *fixture {
	t.Helper()
	text := fmt.Sprintf(`type: entra
name: m365
tenant_id: %s
graph_endpoint: %s
auth: {method: token, token_env: KH_TEST_GRAPH_TOKEN}
%s`, srv.TenantID(), srv.URL, extra)
	s, err := newScanner(target(t, text), env)
	if err != nil {
		t.Fatal(err)
	}
	sl := &sleepLog{}
	es := s.(*Scanner)
	es.deps = clientDeps{sleep: sl.sleep, maxAttempts: 3}
	return &fixture{srv: srv, sc: es, sleeps: sl, logs: logs, env: env}
}

func (f *fixture) scan(t testing.TB) *findings.Snapshot {
	t.Helper()
	snap, err := f.sc.Scan(context.Background())
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if errs := snap.Validate(); len(errs) > 0 {
		t.Fatalf("invalid snapshot: %v", errs)
	}
	if w := f.srv.Stats().Writes; w != 0 {
		t.Fatalf("the scanner sent %d non-read requests", w)
	}
	scannertest.CheckGaps(t, Factory().Gaps, snap)
	return snap
}

func principal(snap *findings.Snapshot, nativeID string) *findings.Principal {
	for i := range snap.Principals {
		if snap.Principals[i].NativeID == nativeID {
			return &snap.Principals[i]
		}
	}
	return nil
}

func grantsOf(snap *findings.Snapshot, nativeID string) []findings.Grant {
	var out []findings.Grant
	for _, g := range snap.Grants {
		if strings.HasSuffix(g.PrincipalID, ":"+nativeID) {
			out = append(out, g)
		}
	}
	return out
}

func findGrant(snap *findings.Snapshot, nativeID, privilege string, a findings.Assignment) *findings.Grant {
	for _, g := range grantsOf(snap, nativeID) {
		if g.Privilege == privilege && g.Assignment == a {
			return &g
		}
	}
	return nil
}

func gap(snap *findings.Snapshot, collection string) *findings.Gap {
	for i := range snap.Gaps {
		if snap.Gaps[i].Collection == collection {
			return &snap.Gaps[i]
		}
	}
	return nil
}

func trust(snap *findings.Snapshot, kind findings.TrustKind, counterparty string) *findings.Trust {
	for i := range snap.Trusts {
		if snap.Trusts[i].Kind == kind && snap.Trusts[i].Counterparty == counterparty {
			return &snap.Trusts[i]
		}
	}
	return nil
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
