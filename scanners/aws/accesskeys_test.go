package aws

import (
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
)

// TestIssue15AccessKeyIDs: the credential report's keys are named by the
// ids ListAccessKeys returns, matched by creation time, else by order;
// without ids they keep their report names.
func TestIssue15AccessKeyIDs(t *testing.T) {
	t1 := time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)
	t2 := time.Date(2025, 6, 1, 12, 30, 0, 0, time.UTC)
	report := func() []findings.Credential {
		return []findings.Credential{
			{ID: "password", Kind: "password", Active: true},
			{ID: "access_key_1", Kind: "access_key", Active: true, Created: &t1},
			{ID: "access_key_2", Kind: "access_key", Active: false, Created: &t2},
		}
	}
	keys := []keyMeta{{id: "AKIA-EXAMPLE-B", created: t2}, {id: "AKIA-EXAMPLE-A", created: t1, active: true}}
	got := withKeyIDs(report(), keys)
	if got[0].ID != "password" || got[1].ID != "AKIA-EXAMPLE-A" || got[2].ID != "AKIA-EXAMPLE-B" {
		t.Errorf("matched by creation time: %+v", got)
	}
	// Creation times that differ (a report rounded differently) fall back
	// to the active state and order.
	t3 := t1.Add(time.Hour)
	got = withKeyIDs(report(), []keyMeta{{id: "AKIA-EXAMPLE-C", created: t3, active: true}})
	if got[1].ID != "AKIA-EXAMPLE-C" || got[2].ID != "access_key_2" {
		t.Errorf("fallback: %+v", got)
	}
	if got := withKeyIDs(report(), nil); got[1].ID != "access_key_1" {
		t.Errorf("without ids the report name stays: %+v", got)
	}
}
