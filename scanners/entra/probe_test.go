package entra

import (
	"context"
	"slices"
	"testing"

	"github.com/keyholder/keyholder/internal/sim/graph"
	"github.com/keyholder/keyholder/scanners"
)

// Issue 14 item 2: the Entra probe against the Graph fake: granted with
// the default permissions on P2; missing Policy.Read.All is a missing
// permission; PIM on a P1 tenant is not licensed; one $batch after the
// organization read.
func TestIssue14ProbeGraph(t *testing.T) {
	sc := loadScenario(t)
	sc.Licence = "p1"
	sc.Permissions = slices.DeleteFunc(graph.DefaultPermissions(), func(p string) bool { return p == "Policy.Read.All" })
	f := newFixture(t, sc, "")
	res, err := f.sc.Probe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]scanners.ProbeStatus{}
	for _, r := range res {
		got[r.Collection] = r.Status
	}
	want := map[string]scanners.ProbeStatus{
		"contacts":               scanners.ProbeGranted,
		"principals/users":       scanners.ProbeGranted,
		"grants":                 scanners.ProbeGranted,
		"trusts/cross_tenant":    scanners.ProbeDenied,
		"grants/pim_eligibility": scanners.ProbeUnlicensed,
	}
	for c, s := range want {
		if got[c] != s {
			t.Errorf("%s: %q, want %q (all: %+v)", c, got[c], s, res)
		}
	}
	if w := f.srv.Stats().Writes; w != 0 {
		t.Fatalf("%d writes", w)
	}
}
