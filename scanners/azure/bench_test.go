package azure

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	azsim "github.com/keyholder/keyholder/internal/sim/azure"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

const benchMSP = "9a5e0000-0000-4000-8000-00000000b0b0"

// benchScenario is the README's benchmark estate: 200 subscriptions, 100
// role assignments each (20 000) plus 2 inherited from management groups,
// every subscription delegated through Lighthouse, a Recovery Services vault
// in every 10th and a Data Protection backup vault with 3 backup instances
// in every 20th.
func benchScenario() azsim.Scenario {
	return azsim.Generate(tenantID, azsim.GenerateOptions{Subscriptions: 200, AssignmentsPerSubscription: 100, MSPTenant: benchMSP, VaultsEvery: 10,
		BackupVaultsEvery: 20, BackupInstances: 3})
}

// wantRequests is the request count of a scan of benchScenario, by route,
// at the fake's 100 items a page. Per subscription: role assignments (102
// items: 2 pages), PIM eligibility and assignment schedules (1 each),
// Lighthouse assignments with definitions expanded (1), Recovery Services
// and Data Protection vault lists (1 each): 7. Plus 2 pages of
// subscriptions, 3 pages of the hierarchy (204 entries), one Resource
// Guard proxy list per vault (20 + 10), one protected-items list per
// Recovery Services vault (20), and per backup vault one backup-instances
// list (10) and one recovery-points page per backup instance (30).
// Built-in roles are graded from a table, so no role definition is
// fetched.
var wantRequests = map[string]int{
	"subscriptions": 2, "descendants": 3, "roleAssignments": 400, "roleEligibilitySchedules": 200,
	"roleAssignmentSchedules": 200, "registrationAssignments": 200, "recoveryServicesVaults": 200,
	"backupVaults": 200, "backupResourceGuardProxies": 30, "backupProtectedItems": 20,
	"backupInstances": 10, "recoveryPoints": 30,
}

// TestRequestBudget pins the number of ARM requests of the benchmark
// estate: a change that adds calls per subscription or per assignment
// fails here.
func TestRequestBudget(t *testing.T) {
	f := newFixture(t, benchScenario(), "concurrency: 8\n")
	snap := f.scan(t)
	got := f.srv.Counts()
	var diffs []string
	for k, v := range wantRequests {
		if got[k] != v {
			diffs = append(diffs, fmt.Sprintf("%s: %d, want %d", k, got[k], v))
		}
	}
	for k, v := range got {
		if _, ok := wantRequests[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: %d, want 0", k, v))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Errorf("request counts differ:\n%s", strings.Join(diffs, "\n"))
	}
	total := 0
	for _, v := range wantRequests {
		total += v
	}
	if f.srv.Total() != total {
		t.Errorf("total requests = %d, want %d", f.srv.Total(), total)
	}
	if n := len(snap.Grants); n < 20000 {
		t.Errorf("grants = %d, want at least 20 000", n)
	}
}

// BenchmarkScan200Subscriptions scans the benchmark estate (see README).
func BenchmarkScan200Subscriptions(b *testing.B) {
	f := newFixture(b, benchScenario(), "concurrency: 8\n")
	var principals, grants int
	for b.Loop() {
		var logs bytes.Buffer
		snap, err := f.scanner(b, scannertest.Env(&logs)).Scan(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		principals, grants = len(snap.Principals), len(snap.Grants)
	}
	b.ReportMetric(float64(f.srv.Total())/float64(b.N), "requests/op")
	b.ReportMetric(float64(principals), "principals")
	b.ReportMetric(float64(grants), "grants")
}
