package report

import (
	"fmt"
	"testing"

	"github.com/keyholder/keyholder/findings"
)

func TestParseFailOn(t *testing.T) {
	for _, in := range []string{"blocker", "high", "medium", "low", " HIGH "} {
		if _, err := ParseFailOn(in); err != nil {
			t.Errorf("ParseFailOn(%q): %v", in, err)
		}
	}
	for _, in := range []string{"", "info", "critical", "hi"} {
		if _, err := ParseFailOn(in); err == nil {
			t.Errorf("ParseFailOn(%q) accepted", in)
		}
	}
}

// TestExitCodeTable covers every verdict with every --fail-on value, for
// findings of each severity and status.
func TestExitCodeTable(t *testing.T) {
	f := func(sev findings.Severity, st findings.Status) findings.Finding {
		return findings.Finding{Check: "KH-X", Severity: sev, Status: st}
	}
	type want struct{ blocker, high, medium, low int }
	cases := []struct {
		name     string
		verdict  findings.Verdict
		findings []findings.Finding
		want     want
	}{
		{"ready, all pass", findings.VerdictReady,
			[]findings.Finding{f(findings.SeverityBlocker, findings.StatusPass), f(findings.SeverityHigh, findings.StatusPass)},
			want{0, 0, 0, 0}},
		{"ready, waived high", findings.VerdictReady,
			[]findings.Finding{f(findings.SeverityHigh, findings.StatusWaived)},
			want{0, 0, 0, 0}},
		{"ready, no findings", findings.VerdictReady, nil, want{0, 0, 0, 0}},
		{"actions, low fails", findings.VerdictReadyWithActions,
			[]findings.Finding{f(findings.SeverityLow, findings.StatusFail)},
			want{0, 0, 0, 3}},
		{"actions, medium fails", findings.VerdictReadyWithActions,
			[]findings.Finding{f(findings.SeverityMedium, findings.StatusFail)},
			want{0, 0, 3, 3}},
		{"actions, high fails", findings.VerdictReadyWithActions,
			[]findings.Finding{f(findings.SeverityHigh, findings.StatusFail)},
			want{0, 3, 3, 3}},
		{"actions, info fails", findings.VerdictReadyWithActions,
			[]findings.Finding{f(findings.SeverityInfo, findings.StatusFail)},
			want{0, 0, 0, 0}},
		{"actions, high warns only", findings.VerdictReadyWithActions,
			[]findings.Finding{f(findings.SeverityHigh, findings.StatusWarn)},
			want{0, 0, 0, 0}},
		{"actions, high unknown", findings.VerdictReadyWithActions,
			[]findings.Finding{f(findings.SeverityHigh, findings.StatusUnknown)},
			want{0, 0, 0, 0}},
		{"incomplete, blocker unknown", findings.VerdictIncomplete,
			[]findings.Finding{f(findings.SeverityBlocker, findings.StatusUnknown)},
			want{4, 4, 4, 4}},
		{"incomplete, blocker unknown and medium fails", findings.VerdictIncomplete,
			[]findings.Finding{f(findings.SeverityBlocker, findings.StatusUnknown), f(findings.SeverityMedium, findings.StatusFail)},
			want{4, 4, 3, 3}},
		{"incomplete verdict without findings", findings.VerdictIncomplete, nil, want{4, 4, 4, 4}},
		{"not ready, blocker fails", findings.VerdictNotReady,
			[]findings.Finding{f(findings.SeverityBlocker, findings.StatusFail)},
			want{3, 3, 3, 3}},
		{"not ready, blocker fails and another unknown", findings.VerdictNotReady,
			[]findings.Finding{f(findings.SeverityBlocker, findings.StatusFail), f(findings.SeverityBlocker, findings.StatusUnknown)},
			want{3, 3, 3, 3}},
		{"not ready verdict alone", findings.VerdictNotReady, nil, want{3, 3, 3, 3}},
		{"blocker unknown under a ready verdict", findings.VerdictReady,
			[]findings.Finding{f(findings.SeverityBlocker, findings.StatusUnknown)},
			want{4, 4, 4, 4}},
	}
	for _, c := range cases {
		a := &findings.Assessment{Verdict: c.verdict, Findings: c.findings}
		for _, fo := range []struct {
			sev  findings.Severity
			want int
		}{
			{findings.SeverityBlocker, c.want.blocker},
			{findings.SeverityHigh, c.want.high},
			{findings.SeverityMedium, c.want.medium},
			{findings.SeverityLow, c.want.low},
		} {
			t.Run(fmt.Sprintf("%s/fail-on=%s", c.name, fo.sev), func(t *testing.T) {
				if got := ExitCode(a, fo.sev); got != fo.want {
					t.Errorf("ExitCode = %d, want %d (%s)", got, fo.want, ExitSummary(a, fo.sev))
				}
			})
		}
	}
}

func TestExitCodeDefaults(t *testing.T) {
	a := &findings.Assessment{Verdict: findings.VerdictReadyWithActions,
		Findings: []findings.Finding{{Severity: findings.SeverityHigh, Status: findings.StatusFail}}}
	if got := ExitCode(a, ""); got != ExitFailing {
		t.Errorf("empty fail-on should default to high: got %d", got)
	}
	a.Findings[0].Severity = findings.SeverityMedium
	if got := ExitCode(a, ""); got != ExitOK {
		t.Errorf("medium failure with default fail-on: got %d", got)
	}
	if got := ExitCode(fixture(t), findings.SeverityHigh); got != ExitFailing {
		t.Errorf("Contoso fixture: got %d, want 3", got)
	}
	if s := ExitSummary(fixture(t), findings.SeverityHigh); s != "verdict not_ready: 13 failing findings across 11 checks at or above high, 1 blocker check unknown" {
		t.Errorf("summary %q", s)
	}
}

// Issue 14 item 6: --fail-on none is accepted and findings never set the
// exit code.
func TestIssue14FailOnNone(t *testing.T) {
	sev, err := ParseFailOn("none")
	if err != nil || sev != FailOnNone {
		t.Fatalf("ParseFailOn(none) = %q, %v", sev, err)
	}
	if got := ExitCode(fixture(t), sev); got != ExitOK {
		t.Fatalf("Contoso fixture with --fail-on none: exit %d, want 0", got)
	}
}
