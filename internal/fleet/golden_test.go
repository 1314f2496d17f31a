package fleet

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenRuns: three estates — one not ready with the provider's Global
// Administrator, one that got better, one stale and incomplete — and a
// run stored before summaries existed.
func goldenRuns() []store.EstateRun {
	acme := func(privs ...string) []store.ProviderFootprint {
		return []store.ProviderFootprint{{Party: "Acme IT", Principals: 3, PrivilegedGrants: len(privs), SuperAdminGrants: 1, Privileges: privs}}
	}
	prev := func(id int64, v findings.Verdict) *store.Run { return &store.Run{ID: id, Verdict: v} }
	return []store.EstateRun{
		{Latest: store.Run{ID: 12, Estate: "contoso", Organization: "Contoso Ltd", Profile: "readiness", Started: now.Add(-26 * time.Hour),
			Verdict: findings.VerdictNotReady, Failing: 4, Blockers: 1, Principals: 120, PrivilegedGrants: 9, Changes: 3},
			Previous: prev(9, findings.VerdictNotReady),
			Summary: &store.Summary{
				Systems:   []store.SystemSummary{{System: "m365", Kind: "entra", Name: "Contoso", Verdict: findings.VerdictNotReady, HoldsKeys: "no", Blockers: 1}, {System: "aws-prod", Kind: "aws", Verdict: findings.VerdictReady, HoldsKeys: "yes"}},
				Blockers:  []store.BlockerSummary{{Check: "KH-KEY-001", Title: "Customer holds the top privilege", System: "m365", Message: "only Acme IT holds Global Administrator"}},
				Providers: acme("Global Administrator", "Helpdesk Administrator"),
				Failing:   map[findings.Severity]int{findings.SeverityBlocker: 1, findings.SeverityHigh: 3},
			}},
		{Latest: store.Run{ID: 13, Estate: "fabrikam", Organization: "Fabrikam <Inc>", Profile: "readiness", Started: now.Add(-2 * time.Hour),
			Verdict: findings.VerdictReadyWithActions, Failing: 1, Principals: 40, PrivilegedGrants: 2, Changes: 5},
			Previous: prev(10, findings.VerdictNotReady),
			Summary: &store.Summary{
				Systems:   []store.SystemSummary{{System: "m365", Kind: "entra", Verdict: findings.VerdictReadyWithActions, HoldsKeys: "yes"}},
				Blockers:  []store.BlockerSummary{},
				Providers: acme("Helpdesk Administrator"),
				Failing:   map[findings.Severity]int{findings.SeverityMedium: 1},
			}},
		{Latest: store.Run{ID: 4, Estate: "northwind", Organization: "Northwind", Profile: "exit", Started: now.Add(-20 * 24 * time.Hour),
			Verdict: findings.VerdictIncomplete, Unknown: 2, Principals: 10, Changes: -1},
			Summary: &store.Summary{Systems: []store.SystemSummary{{System: "corp-ad", Kind: "ldap", Verdict: findings.VerdictIncomplete, HoldsKeys: "unknown"}}, UnknownBlockers: 1}},
		{Latest: store.Run{ID: 1, Estate: "=old", Organization: "=old", Profile: "readiness", Started: now.Add(-3 * time.Hour),
			Verdict: findings.VerdictReady, Changes: -1}},
	}
}

// TestGolden renders the fixed view in every format; -update rewrites.
func TestGolden(t *testing.T) {
	v := Build(goldenRuns(), Options{Now: now})
	for _, f := range Formats {
		var b bytes.Buffer
		if err := Write(&b, f, v, "a4"); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", "golden", FileName(f))
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if d := cmp.Diff(string(want), b.String()); d != "" {
			t.Errorf("%s (-want +got):\n%s", path, d)
		}
	}
	if v.Verdict != findings.VerdictNotReady || v.Stale != 1 || v.ExitCode(findings.SeverityHigh) != ExitFailing {
		t.Errorf("verdict %s, stale %d, exit %d", v.Verdict, v.Stale, v.ExitCode(findings.SeverityHigh))
	}
	want := []Privilege{
		{Privilege: "Helpdesk Administrator", Estates: []string{"contoso", "fabrikam"}, Sentence: "Acme IT still holds Helpdesk Administrator in 2 of 4 estates"},
		{Privilege: "Global Administrator", Estates: []string{"contoso"}, Sentence: "Acme IT still holds Global Administrator in 1 of 4 estates"},
	}
	if len(v.Providers) != 1 {
		t.Fatalf("providers %+v", v.Providers)
	}
	if d := cmp.Diff(want, v.Providers[0].Privileges); d != "" {
		t.Errorf("provider privileges (-want +got):\n%s", d)
	}
	trends := map[string]string{}
	for _, e := range v.Estates {
		trends[e.Estate] = e.Trend
	}
	if d := cmp.Diff(map[string]string{"contoso": "same", "fabrikam": "better", "northwind": "first", "=old": "first"}, trends); d != "" {
		t.Errorf("trends (-want +got):\n%s", d)
	}
}
