package policies

import (
	"slices"
	"testing"

	"github.com/keyholder/keyholder/findings"
)

// A tag read that failed (grants/aws_tags/…) can only change which grants
// reach sensitive data: it leaves KH-SEG-002 unknown and every other check
// decided.
func TestIssue12_AWSTagGapOnlyTouchesSensitive(t *testing.T) {
	snap := baseSnapshot()
	cfg := loadConfig(t, "base.yaml")
	addGap(snap, "prod", "grants/aws_tags/account")
	snap.Canonicalize()
	a := evaluate(t, snap, cfg, EvalOptions{})
	checks := a.GapChecks[findings.GapID("prod", "grants/aws_tags/account")]
	if !slices.Contains(checks, "KH-SEG-002") {
		t.Errorf("the tag gap leaves %v unknown, want KH-SEG-002 among them", checks)
	}
	for _, c := range checks {
		if c != "KH-SEG-002" {
			t.Errorf("the tag gap also leaves %s unknown", c)
		}
	}
	if st, _ := worst(a, "KH-KEY-001", "prod"); st != findings.StatusPass {
		t.Errorf("KH-KEY-001 on prod = %s, want pass", st)
	}
}
