package workspace

import (
	"bytes"
	"context"
	"testing"

	wssim "github.com/keyholder/keyholder/internal/sim/workspace"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

// BenchmarkScanLargeCustomer scans the README's reference customer: 10 000
// users, 200 role assignments (20 of them to groups) (go test
// ./scanners/workspace -run '^$' -bench LargeCustomer -benchtime 3x).
func BenchmarkScanLargeCustomer(b *testing.B) {
	sc := wssim.Generate(wssim.Params{Users: 10000, Assignments: 200, Seed: 1})
	h := newHarness(b, sc)
	target := h.target()
	var api, tok, principals, grants, memberships int
	for b.Loop() {
		before, beforeTok := h.fake.Requests()
		var logs bytes.Buffer
		snap, err := h.scanner(scannertest.Env(&logs), target).Scan(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		after, afterTok := h.fake.Requests()
		api, tok = after-before, afterTok-beforeTok
		principals, grants, memberships = len(snap.Principals), len(snap.Grants), len(snap.Memberships)
	}
	b.ReportMetric(float64(api), "requests/op")
	b.ReportMetric(float64(tok), "token-requests/op")
	b.ReportMetric(float64(principals), "principals")
	b.ReportMetric(float64(grants), "grants")
	b.ReportMetric(float64(memberships), "memberships")
}

// TestRequestBudgetLarge pins the requests for the reference customer: one
// token, customer, domains, roles (1 page), assignments (200 a page: 1),
// users (500 a page: 20), and a get plus one member page per group (20
// groups): 64.
func TestRequestBudgetLarge(t *testing.T) {
	sc := wssim.Generate(wssim.Params{Users: 10000, Assignments: 200, Seed: 1})
	h := newHarness(t, sc)
	h.scan(h.target())
	api, tok := h.fake.Requests()
	if tok != 1 || api != 64 {
		t.Errorf("requests = %d API + %d token, want 64 + 1", api, tok)
	}
}
