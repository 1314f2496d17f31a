package domains

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	dsim "github.com/keyholder/keyholder/internal/sim/domains"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

func largeDomains(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("brand%04d.example", i)
	}
	return out
}

// BenchmarkScan200Domains looks up the README's reference set: 200 domains
// (go test ./scanners/domains -run '^$' -bench 200Domains -benchtime 3x).
func BenchmarkScan200Domains(b *testing.B) {
	srv := start(b, dsim.Generate(200))
	cfg := testConfig(b, srv, largeDomains(200), "declared:\n  assets: []\n")
	var rd, dq, assets int
	for b.Loop() {
		r0, d0 := srv.Requests()
		var logs bytes.Buffer
		snap, err := build(b, cfg, scannertest.Env(&logs)).Scan(context.Background())
		if err != nil || len(snap.Gaps) > 0 {
			b.Fatal(err, snap.Gaps)
		}
		r1, d1 := srv.Requests()
		rd, dq, assets = r1-r0, d1-d0, len(snap.Assets)
	}
	b.ReportMetric(float64(rd+dq), "requests/op") // RDAP requests + DNS queries (bench/run reads requests/op)
	b.ReportMetric(float64(rd), "rdap-requests/op")
	b.ReportMetric(float64(dq), "dns-queries/op")
	b.ReportMetric(float64(assets), "domains")
}

// TestRequestBudgetLarge pins one RDAP request and six DNS queries per
// domain for 200 domains.
func TestRequestBudgetLarge(t *testing.T) {
	srv := start(t, dsim.Generate(200))
	cfg := testConfig(t, srv, largeDomains(200), "declared:\n  assets: []\n")
	scan(t, cfg)
	rd, dq := srv.Requests()
	if rd != 200 || dq != 1200 {
		t.Errorf("requests = %d RDAP, %d DNS; want 200 and 1200", rd, dq)
	}
}
