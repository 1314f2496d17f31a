package aws

import (
	"bytes"
	"context"
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/goldentest"
	awssim "github.com/keyholder/keyholder/internal/sim/aws"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fakeSecret is the secret key tests hand the SDK; it must never leak.
const fakeSecret = "kh-test-secret-key-do-not-leak-0123456789"

func loadScenario(t testing.TB, name string) awssim.Scenario {
	t.Helper()
	sc, err := awssim.LoadScenario(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// startFake serves sc on a loopback server closed at the end of the test.
func startFake(t testing.TB, sc awssim.Scenario) (*awssim.Fake, string) {
	t.Helper()
	f, srv := awssim.Start(sc)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

// targetYAML builds an aws target; extra is YAML lines indented by four
// spaces.
func target(t testing.TB, url string, extra ...string) config.Target {
	t.Helper()
	var b strings.Builder
	b.WriteString("organization: {name: Contoso}\ntargets:\n  - type: aws\n    name: prod\n")
	b.WriteString("    endpoint_url: " + url + "\n")
	hasRegion := false
	for _, e := range extra {
		if strings.HasPrefix(e, "region") {
			hasRegion = true
		}
		b.WriteString("    " + e + "\n")
	}
	if !hasRegion {
		b.WriteString("    region: us-east-1\n")
	}
	cfg, err := config.Parse([]byte(b.String()), "keyholder.yaml")
	if err != nil {
		t.Fatalf("config: %v\n%s", err, b.String())
	}
	return cfg.Targets[0]
}

// newScanner builds a scanner for tgt with static test credentials for
// accessKey and a fast retry backoff.
func newTestScanner(t testing.TB, tgt config.Target, env scanners.Env, accessKey string) *Scanner {
	t.Helper()
	sc, err := Factory().New(tgt, env)
	if err != nil {
		t.Fatalf("new: %v", err)
	}
	s := sc.(*Scanner)
	s.credentials = credentials.NewStaticCredentialsProvider(accessKey, fakeSecret, "")
	s.backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
	s.sleep = func(context.Context, time.Duration) error { return nil }
	return s
}

func testEnv() scanners.Env {
	var buf bytes.Buffer
	return scannertest.Env(&buf)
}

func scan(t testing.TB, s *Scanner) *findings.Snapshot {
	t.Helper()
	snap, err := s.Scan(context.Background())
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if errs := snap.Validate(); len(errs) > 0 {
		t.Fatalf("invalid snapshot: %v", errs)
	}
	scannertest.CheckGaps(t, Factory().Gaps, snap)
	return snap
}

// golden compares the canonical snapshot with testdata/name, with the
// fake's URL replaced by a fixed one.
func golden(t *testing.T, snap *findings.Snapshot, url, name string) {
	t.Helper()
	b, err := snap.CanonicalJSON()
	if err != nil {
		t.Fatal(err)
	}
	goldentest.Check(t, filepath.Join("testdata", name), bytes.ReplaceAll(b, []byte(url), []byte("http://aws.fake")), *update)
}

func principal(snap *findings.Snapshot, id string) *findings.Principal {
	for i := range snap.Principals {
		if snap.Principals[i].ID == id {
			return &snap.Principals[i]
		}
	}
	return nil
}

func grantsOf(snap *findings.Snapshot, pid string) []findings.Grant {
	var out []findings.Grant
	for _, g := range snap.Grants {
		if g.PrincipalID == pid {
			out = append(out, g)
		}
	}
	return out
}

func grantNamed(snap *findings.Snapshot, pid, privilege string) *findings.Grant {
	for _, g := range grantsOf(snap, pid) {
		if g.Privilege == privilege {
			return &g
		}
	}
	return nil
}

func trustNamed(snap *findings.Snapshot, role, principal string) *findings.Trust {
	for i := range snap.Trusts {
		t := snap.Trusts[i]
		if t.Attributes["role_name"] == role && t.Attributes["principal"] == principal {
			return &snap.Trusts[i]
		}
	}
	return nil
}

func backupNamed(snap *findings.Snapshot, name string) *findings.Backup {
	for i := range snap.Backups {
		if snap.Backups[i].Name == name {
			return &snap.Backups[i]
		}
	}
	return nil
}

func gapFor(snap *findings.Snapshot, collection string) *findings.Gap {
	for i := range snap.Gaps {
		if snap.Gaps[i].Collection == collection {
			return &snap.Gaps[i]
		}
	}
	return nil
}

func mustJSON(t testing.TB, snap *findings.Snapshot) string {
	t.Helper()
	b, err := snap.CanonicalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
