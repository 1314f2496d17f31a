package report

import (
	"slices"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
)

// TestKeysMFANotApplicable: a directory reports no MFA state, so the keys
// table says n/a instead of "0 of N" (which reads as "nobody has MFA").
func TestKeysMFANotApplicable(t *testing.T) {
	a := fixture(t)
	for i := range a.Systems {
		a.Systems[i].MFANotApplicable = a.Systems[i].Kind == findings.SystemLDAP
	}
	rows := buildKeys(newIndex(a))
	seen := 0
	for _, r := range rows {
		switch {
		case strings.Contains(r.System, "Active Directory"):
			seen++
			if r.MFA != "n/a" || r.MFAClass != "muted" {
				t.Errorf("corp-ad MFA %q (%s), want n/a", r.MFA, r.MFAClass)
			}
		case strings.Contains(r.System, "Entra ID"):
			seen++
			if r.MFA != "3 of 3" {
				t.Errorf("m365 MFA %q, want 3 of 3", r.MFA)
			}
		}
	}
	if seen != 2 {
		t.Fatalf("keys rows %+v", rows)
	}
	md := string(render(t, "md", "report.md", a, Options{}))
	if !strings.Contains(md, "| 1: Administrator | n/a |") {
		t.Errorf("the markdown keys table does not show n/a for the directory")
	}
}

// TestGapsUsePolicyList: when the assessment carries the policies' list of
// checks each gap leaves unknown, the Gaps table shows it (with any unknown
// finding naming the gap) instead of guessing from the checks' reads.
func TestGapsUsePolicyList(t *testing.T) {
	a := fixture(t)
	gap := "gap:m365:activity"
	checksOf := func(a *findings.Assessment) []string {
		t.Helper()
		for _, r := range buildGaps(newIndex(a)) {
			if r.Collection == "activity" {
				return r.Checks
			}
		}
		t.Fatalf("no gap row for %s", gap)
		return nil
	}
	// The policies say: KH-KEY-009 (a check reading everything), and
	// KH-SEG-006 is named by its unknown finding.
	a.GapChecks = map[string][]string{gap: {"KH-KEY-009"}}
	if got, want := checksOf(a), []string{"KH-KEY-009", "KH-SEG-006"}; !slices.Equal(got, want) {
		t.Errorf("left unknown %v, want %v", got, want)
	}
	// A gap the policies say leaves nothing unknown (covered) shows none,
	// even though checks read its collection.
	a = fixture(t)
	a.GapChecks = map[string][]string{gap: {}}
	for i := range a.Findings {
		a.Findings[i].Gaps = slices.DeleteFunc(a.Findings[i].Gaps, func(g string) bool { return g == gap })
	}
	if got := checksOf(a); len(got) != 0 {
		t.Errorf("left unknown %v, want none", got)
	}
	// Without the list (older assessments), the guess from reads remains.
	a.GapChecks = nil
	if got := checksOf(a); !slices.Contains(got, "KH-SEG-006") {
		t.Errorf("old assessment: left unknown %v", got)
	}
}
