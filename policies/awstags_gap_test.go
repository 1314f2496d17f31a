package policies

import (
	"slices"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
)

// A tag read that failed (grants/aws_tags/…) can only change which grants
// reach sensitive data: with a tag segment configured it leaves KH-SEG-002
// unknown and every other check decided; with none (base.yaml), nothing
// (issue 12 item 11: no segment can be reached, whatever the tags are).
func TestIssue12_AWSTagGapOnlyTouchesSensitive(t *testing.T) {
	snap := baseSnapshot()
	cfg := loadConfig(t, "base.yaml")
	addGap(snap, "prod", "grants/aws_tags/account")
	snap.Canonicalize()
	if a := evaluate(t, snap, cfg, EvalOptions{}); len(a.GapChecks[findings.GapID("prod", "grants/aws_tags/account")]) != 0 {
		t.Errorf("with no tag segment the tag gap leaves %v unknown", a.GapChecks[findings.GapID("prod", "grants/aws_tags/account")])
	}
	cfg.Sensitive = append(cfg.Sensitive, config.Sensitive{Name: "Finance", AWSTags: map[string]string{"data": "finance"}})
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
