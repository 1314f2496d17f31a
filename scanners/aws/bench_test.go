package aws

import (
	"context"
	"testing"

	awssim "github.com/keyholder/keyholder/internal/sim/aws"
)

// BenchmarkScanLargeEstate scans a generated account with 2 000 users,
// 3 000 roles, 200 customer policies and 50 vaults through the real SDK
// clients and reports the requests each scan makes.
func BenchmarkScanLargeEstate(b *testing.B) {
	sc := awssim.Generate(awssim.GenerateParams{Users: 2000, Roles: 3000, Policies: 200, Vaults: 50, Buckets: 40})
	fake, url := startFake(b, sc)
	tgt := target(b, url)
	env := testEnv()
	var principals, grants int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fake.ResetCounts()
		s := newTestScanner(b, tgt, env, "AKIAAWSSIMGENERATED")
		snap, err := s.Scan(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		for _, g := range snap.Gaps {
			if g.Collection != "contacts/root_email" {
				b.Fatalf("gap: %+v", g)
			}
		}
		principals, grants = len(snap.Principals), len(snap.Grants)
	}
	b.ReportMetric(float64(fake.Total()), "requests/op")
	b.ReportMetric(float64(principals), "principals")
	b.ReportMetric(float64(grants), "grants")
	if principals < 5000 {
		b.Fatalf("only %d principals", principals)
	}
}
