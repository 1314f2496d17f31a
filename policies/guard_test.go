package policies

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
)

// The rules below are what the guard and the waivers must never give up:
// a gap or a failed collection never ends up as a pass or a waiver.

func waiver(check, subject string) config.Waiver {
	return config.Waiver{Check: check, Subject: subject, Reason: "accepted", Expires: &config.Date{Time: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)}}
}

func systemGap(s *findings.Snapshot, sys string) {
	s.Gaps = append(s.Gaps, findings.Gap{ID: findings.GapID(sys, "system"), System: sys, Collection: "system", Reason: findings.GapFailed, Error: "401 Bad credentials"})
}

// TestGapsNeverBecomeReady: silence about what was not read, gap unknowns
// and waivers never add up to a better verdict than the facts allow.
func TestGapsNeverBecomeReady(t *testing.T) {
	noBackupRead := func(s *findings.Snapshot, _ *config.Config) {
		dropBackup(s, datto)
		addGap(s, "m365", "backups")
	}
	cases := []struct {
		name    string
		mutate  func(s *findings.Snapshot, c *config.Config)
		want    findings.Verdict
		system  string
		sysWant findings.Verdict
		// unknown lists checks that must be unknown (not waived) on system.
		unknown []string
	}{
		{name: "backups of a system not read, none seen", mutate: noBackupRead,
			want: findings.VerdictIncomplete, system: "m365", sysWant: findings.VerdictIncomplete, unknown: []string{"KH-BAK-001", "KH-BAK-002"}},
		{name: "and waivers on the checks it leaves unknown", want: findings.VerdictIncomplete, system: "m365", sysWant: findings.VerdictIncomplete,
			unknown: []string{"KH-BAK-001", "KH-BAK-002"},
			mutate: func(s *findings.Snapshot, c *config.Config) {
				noBackupRead(s, c)
				c.Organization.BreakGlass = nil // KH-KEY-003 warns
				c.Policy.Waivers = []config.Waiver{
					waiver("KH-BAK-001", ""), waiver("KH-BAK-002", "m365"), waiver("KH-KEY-003", ""),
				}
			}},
		{name: "waiver on a blocker unknown for a gap", want: findings.VerdictIncomplete, system: "m365", sysWant: findings.VerdictIncomplete,
			unknown: []string{"KH-KEY-001"},
			mutate: func(s *findings.Snapshot, c *config.Config) {
				addGap(s, "m365", "grants")
				c.Policy.Waivers = []config.Waiver{waiver("KH-KEY-001", "m365"), waiver("KH-KEY-002", "")}
			}},
		{name: "waiver naming a failed target", want: findings.VerdictIncomplete, system: "gh", sysWant: findings.VerdictIncomplete,
			unknown: []string{"KH-KEY-001", "KH-BAK-002"},
			mutate: func(s *findings.Snapshot, c *config.Config) {
				systemGap(s, "gh")
				c.Policy.Waivers = []config.Waiver{waiver("KH-KEY-001", "gh"), waiver("KH-BAK-002", "gh")}
			}},
		{name: "a failed target leaves no pass of any applicable check", want: findings.VerdictIncomplete, system: "gh", sysWant: findings.VerdictIncomplete,
			unknown: []string{"KH-KEY-002", "KH-KEY-004", "KH-SEG-003", "KH-OWN-003", "KH-BAK-001"},
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				systemGap(s, "gh")
				s.Grants = slices.DeleteFunc(s.Grants, func(g findings.Grant) bool { return g.System == "gh" })
				s.Trusts = slices.DeleteFunc(s.Trusts, func(t findings.Trust) bool { return t.System == "gh" })
				dropBackup(s, ghBackup)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			snap := baseSnapshot()
			cfg := loadConfig(t, "base.yaml")
			tc.mutate(snap, cfg)
			a := evaluate(t, snap, cfg, EvalOptions{})
			if a.Verdict != tc.want {
				t.Errorf("verdict %s, want %s\n%s", a.Verdict, tc.want, dumpFindings(a.Findings))
			}
			if sv := sysVerdict(a, tc.system); sv.Verdict != tc.sysWant {
				t.Errorf("system %s verdict %s, want %s", tc.system, sv.Verdict, tc.sysWant)
			}
			for _, id := range tc.unknown {
				st, ok := worst(a, id, tc.system)
				if !ok || st != findings.StatusUnknown {
					t.Errorf("%s on %s: %v (found %v), want unknown\n%s", id, tc.system, st, ok, dumpFindings(findingsOf(a, id)))
				}
			}
			for _, f := range a.Findings {
				if f.System == tc.system && f.Status == findings.StatusUnknown && len(f.Gaps) == 0 && slices.Contains(tc.unknown, f.Check) {
					t.Errorf("%s unknown without naming its gaps: %s", f.Check, f.Message)
				}
				if f.Status == findings.StatusWaived && len(f.Gaps) > 0 {
					t.Errorf("a finding unknown for gaps was waived: %s %s: %s", f.Check, f.System, f.Message)
				}
			}
		})
	}
}

// TestSilentCheckNamesTheGaps: the unknown the guard adds for a check that
// said nothing names the gaps, so the report can show them.
func TestSilentCheckNamesTheGaps(t *testing.T) {
	snap := baseSnapshot()
	dropBackup(snap, datto)
	addGap(snap, "m365", "backups")
	a := evaluate(t, snap, loadConfig(t, "base.yaml"), EvalOptions{})
	fs := findingsOf(a, "KH-BAK-002")
	found := false
	for _, f := range fs {
		if f.System == "m365" {
			found = true
			if f.Status != findings.StatusUnknown || !slices.Equal(f.Gaps, []string{findings.GapID("m365", "backups")}) {
				t.Errorf("KH-BAK-002 on m365: %s gaps %v", f.Status, f.Gaps)
			}
		}
	}
	if !found {
		t.Fatalf("KH-BAK-002 said nothing about m365\n%s", dumpFindings(fs))
	}
}

// TestIssue12_CoverageNeverWaived: KH-COV-001 is never waivable, with or
// without a subject: a gap closes only by reading or declaring the fact.
func TestIssue12_CoverageNeverWaived(t *testing.T) {
	for _, subject := range []string{"", "gh", findings.GapID("m365", "backups")} {
		cfg := loadConfig(t, "base.yaml")
		cfg.Policy.Waivers = []config.Waiver{waiver("KH-COV-001", subject)}
		_, err := testEngine(t).Evaluate(context.Background(), baseSnapshot(), cfg, EvalOptions{})
		if err == nil || config.AsProblems(err) == nil || !strings.Contains(err.Error(), "KH-COV-001 cannot be waived") {
			t.Errorf("subject %q: err = %v, want a config problem refusing the KH-COV-001 waiver", subject, err)
		}
	}
}

// TestRealFailsStillWaived: a fail on facts that were read is what a
// waiver is for, gaps elsewhere or not.
func TestRealFailsStillWaived(t *testing.T) {
	snap := baseSnapshot()
	cfg := loadConfig(t, "base.yaml")
	prin(snap, alice).MFA = findings.MFANone
	addGap(snap, "gh", "activity")
	cfg.Policy.Waivers = []config.Waiver{waiver("KH-KEY-002", "")}
	a := evaluate(t, snap, cfg, EvalOptions{})
	if !hasSubject(findingsOf(a, "KH-KEY-002"), findings.StatusWaived, alice) {
		t.Errorf("alice's MFA fail was not waived\n%s", dumpFindings(findingsOf(a, "KH-KEY-002")))
	}
}

// TestUserChecksAreGuarded: a user check without reads is taken to read
// everything; a check that only speaks up about problems is unknown where
// its inputs were not read.
func TestUserChecksAreGuarded(t *testing.T) {
	e, err := NewEngine(Options{PolicyDir: filepath.Join("testdata", "userpolicy", "noreads")})
	if err != nil {
		t.Fatal(err)
	}
	run := func(mutate func(s *findings.Snapshot)) *findings.Assessment {
		t.Helper()
		snap := baseSnapshot()
		if mutate != nil {
			mutate(snap)
		}
		a, err := e.Evaluate(t.Context(), snap, loadConfig(t, "base.yaml"), EvalOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	status := func(a *findings.Assessment, check, sys string) findings.Status {
		st, ok := worst(a, check, sys)
		if !ok {
			return "none"
		}
		return st
	}
	a := run(nil)
	if st := status(a, "CONTOSO-101", "m365"); st != findings.StatusPass {
		t.Errorf("CONTOSO-101 on the baseline: %s", st)
	}
	if st := status(a, "CONTOSO-102", "m365"); st != "none" {
		t.Errorf("CONTOSO-102 on the baseline: %s, want no finding", st)
	}
	if a.Verdict != findings.VerdictReady {
		t.Errorf("baseline verdict %s", a.Verdict)
	}

	a = run(func(s *findings.Snapshot) { addGap(s, "m365", "activity") })
	if st := status(a, "CONTOSO-101", "m365"); st != findings.StatusUnknown {
		t.Errorf("CONTOSO-101 (no reads) with an activity gap: %s, want unknown", st)
	}
	if !slices.Contains(a.GapChecks[findings.GapID("m365", "activity")], "CONTOSO-101") {
		t.Errorf("gap_checks does not list the no-reads check: %v", a.GapChecks)
	}

	a = run(func(s *findings.Snapshot) { systemGap(s, "m365") })
	if st := status(a, "CONTOSO-101", "m365"); st != findings.StatusUnknown {
		t.Errorf("CONTOSO-101 on a failed target: %s, want unknown", st)
	}

	a = run(func(s *findings.Snapshot) { addGap(s, "m365", "backups") })
	if st := status(a, "CONTOSO-102", "m365"); st != findings.StatusUnknown {
		t.Errorf("CONTOSO-102 with m365's backups not read: %s, want unknown", st)
	}
	if st := status(a, "CONTOSO-102", "prod"); st != "none" {
		t.Errorf("CONTOSO-102 on prod, whose backups were read: %s, want no finding", st)
	}
	if a.Verdict != findings.VerdictIncomplete {
		t.Errorf("verdict %s, want incomplete (a blocker is unknown)", a.Verdict)
	}
}

// TestTrustCounterpartiesHoldNoKeys: a role the account trusts itself
// is not a customer super-admin in the keys table or the runbook; a
// provider's account reaching the top privilege is still listed.
func TestTrustCounterpartiesHoldNoKeys(t *testing.T) {
	snap := baseSnapshot()
	cfg := loadConfig(t, "base.yaml")
	selfTrustedAdmin(snap)
	addGrant(snap, grant("prod", acmeRole, "AdministratorAccess", findings.LevelSuperAdmin, findings.AssignmentActive))
	a := evaluate(t, snap, cfg, EvalOptions{})
	sv := sysVerdict(a, "prod")
	if slices.Contains(sv.CustomerSuperAdmins, selfExt) {
		t.Errorf("customer super-admins %v include the self-trust's counterparty", sv.CustomerSuperAdmins)
	}
	if !slices.Equal(sv.CustomerSuperAdmins, []string{root, carol}) || sv.CustomerSuperAdminsWithMFA != 2 {
		t.Errorf("customer super-admins %v (%d with MFA), want root and carol, both with MFA", sv.CustomerSuperAdmins, sv.CustomerSuperAdminsWithMFA)
	}
	if !slices.Contains(sv.ProviderSuperAdmins, "external:prod:999999999999") {
		t.Errorf("provider super-admins %v lack the MSP's account", sv.ProviderSuperAdmins)
	}
	for _, step := range a.Runbook {
		if step.Phase == "secure_keys" && slices.Contains(step.Identifiers, selfExt) {
			t.Errorf("runbook step treats the counterparty as a key holder: %+v", step)
		}
	}
}

func TestMFANotApplicable(t *testing.T) {
	a := evaluate(t, baseSnapshot(), loadConfig(t, "base.yaml"), EvalOptions{})
	for _, sv := range a.Systems {
		if want := sv.Kind == findings.SystemLDAP; sv.MFANotApplicable != want {
			t.Errorf("%s (%s): mfa_not_applicable %v, want %v", sv.System, sv.Kind, sv.MFANotApplicable, want)
		}
	}
}

// TestGapChecksExported: the assessment carries the policies' own list of
// checks each gap leaves unknown (system kinds and not_affected_by
// included), and an empty list for a covered gap.
func TestGapChecksExported(t *testing.T) {
	snap := baseSnapshot()
	mfaNotRead(snap, "m365")
	addGap(snap, "m365", "trusts/gdap")
	addGap(snap, "m365", "grants/pim_eligibility")
	addGap(snap, "m365", "licences")
	a := evaluate(t, snap, loadConfig(t, "base.yaml"), EvalOptions{})
	check := func(gap string, want, not []string) {
		t.Helper()
		got, ok := a.GapChecks[findings.GapID("m365", gap)]
		if !ok {
			t.Fatalf("gap_checks has no entry for %s: %v", gap, a.GapChecks)
		}
		if got == nil {
			t.Errorf("%s: nil list (must be [] in JSON)", gap)
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("%s leaves %v, missing %s", gap, got, w)
			}
		}
		for _, n := range not {
			if slices.Contains(got, n) {
				t.Errorf("%s leaves %v, should not list %s", gap, got, n)
			}
		}
		if !slices.IsSorted(got) {
			t.Errorf("%s: %v not sorted", gap, got)
		}
	}
	check("mfa", []string{"KH-KEY-002"}, []string{"KH-KEY-001", "KH-BAK-001", "KH-COV-001", "KH-OWN-003"})
	check("trusts/gdap", nil, []string{"KH-SEG-003"})
	if l := a.GapChecks[findings.GapID("m365", "trusts/gdap")]; len(l) != 0 {
		t.Errorf("a covered gap leaves %v unknown", l)
	}
	check("grants/pim_eligibility", []string{"KH-KEY-004", "KH-SEG-001"}, []string{"KH-KEY-001"})
	check("licences", []string{"KH-OWN-001"}, []string{"KH-OWN-004", "KH-OWN-005"})
	if a := evaluate(t, baseSnapshot(), loadConfig(t, "base.yaml"), EvalOptions{}); a.GapChecks != nil {
		t.Errorf("gap_checks without gaps: %v", a.GapChecks)
	}
}
