package policies

import (
	"testing"

	"github.com/keyholder/keyholder/findings"
)

// TestIssue12_TakeoverRouteIsNotTheTopPrivilege: grants graded
// super_admin because they are a route to the top privilege (level_basis
// takeover_route: Account Operators, Application Administrator…) count
// against whoever holds them, but never as the customer holding the keys:
// with only such grants left to the customer on corp-ad, KH-KEY-001 is
// not a pass and "holds the keys" is not yes (issue 12 item 3).
func TestIssue12_TakeoverRouteIsNotTheTopPrivilege(t *testing.T) {
	cfg := loadConfig(t, "base.yaml")
	before := evaluate(t, baseSnapshot(), cfg, EvalOptions{})
	if st, _ := worst(before, "KH-KEY-001", "corp-ad"); st != findings.StatusPass {
		t.Fatalf("baseline KH-KEY-001 on corp-ad = %s, want pass", st)
	}
	snap := baseSnapshot()
	marked := 0
	for i := range snap.Grants {
		g := &snap.Grants[i]
		if g.System == "corp-ad" && g.Level == findings.LevelSuperAdmin {
			if g.Attributes == nil {
				g.Attributes = map[string]string{}
			}
			g.Attributes["level_basis"] = "takeover_route"
			marked++
		}
	}
	if marked == 0 {
		t.Fatal("no super_admin grant on corp-ad in the fixture")
	}
	a := evaluate(t, snap, cfg, EvalOptions{})
	if st, _ := worst(a, "KH-KEY-001", "corp-ad"); st == findings.StatusPass {
		t.Errorf("KH-KEY-001 on corp-ad passes although the customer holds only routes to the top privilege")
	}
	for _, sv := range a.Systems {
		if sv.System == "corp-ad" && sv.HoldsKeys == "yes" {
			t.Errorf("corp-ad holds keys = yes with only takeover routes")
		}
	}
}
