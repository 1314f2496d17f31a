package policies

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
)

func sysVerdict(a *findings.Assessment, id string) findings.SystemVerdict {
	for _, s := range a.Systems {
		if s.System == id {
			return s
		}
	}
	return findings.SystemVerdict{}
}

func TestVerdictRules(t *testing.T) {
	cases := []struct {
		name      string
		mutate    func(s *findings.Snapshot, c *config.Config)
		want      findings.Verdict
		system    string
		sysWant   findings.Verdict
		holdsKeys string
	}{
		{name: "everything passes", want: findings.VerdictReady, system: "m365", sysWant: findings.VerdictReady, holdsKeys: "yes"},
		{name: "failing blocker", want: findings.VerdictNotReady, system: "m365", sysWant: findings.VerdictNotReady, holdsKeys: "no",
			mutate: func(s *findings.Snapshot, _ *config.Config) { dropGrants(s, alice); dropMember(s, bob, gaGroup) }},
		{name: "unknown blocker", want: findings.VerdictIncomplete, system: "m365", sysWant: findings.VerdictIncomplete, holdsKeys: "unknown",
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "m365", "grants") }},
		{name: "failing blocker beats unknown blocker", want: findings.VerdictNotReady, system: "prod", sysWant: findings.VerdictNotReady,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				addGap(s, "m365", "grants")
				sysOf(s, "prod").Attributes["management_account_id"] = "999999999999"
			}},
		{name: "only a warning", want: findings.VerdictReadyWithActions, system: "declared", sysWant: findings.VerdictReadyWithActions,
			mutate: func(s *findings.Snapshot, _ *config.Config) { licenceOf(s, adobe).Renews = date(2027, 3, 31) }},
		{name: "non-blocker unknown", want: findings.VerdictReadyWithActions, system: "prod", sysWant: findings.VerdictReadyWithActions, holdsKeys: "yes",
			mutate: func(s *findings.Snapshot, _ *config.Config) { backupOf(s, vault).LastRecoveryPoint = nil }},
		{name: "target failed to scan", want: findings.VerdictIncomplete, system: "gh", sysWant: findings.VerdictIncomplete, holdsKeys: "unknown",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				s.Gaps = append(s.Gaps, findings.Gap{ID: findings.GapID("gh", "system"), System: "gh", Collection: "system", Reason: findings.GapFailed, Error: "401 Bad credentials"})
			}},
		{name: "target failed with nothing read", want: findings.VerdictIncomplete, system: "gh", sysWant: findings.VerdictIncomplete,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				s.Grants = slices.DeleteFunc(s.Grants, func(g findings.Grant) bool { return g.System == "gh" })
				s.Backups = slices.DeleteFunc(s.Backups, func(b findings.Backup) bool { return b.System == "gh" })
				s.Gaps = append(s.Gaps, findings.Gap{ID: findings.GapID("gh", "system"), System: "gh", Collection: "system", Reason: findings.GapFailed, Error: "timeout"})
			}},
		{name: "target not in the snapshot", want: findings.VerdictIncomplete, system: "ldap2", sysWant: findings.VerdictIncomplete, holdsKeys: "unknown",
			mutate: func(_ *findings.Snapshot, c *config.Config) {
				c.Targets = append(c.Targets, config.Target{Type: "ldap", Name: "ldap2"})
			}},
		{name: "waived failure", want: findings.VerdictReady, system: "m365", sysWant: findings.VerdictReady,
			mutate: func(_ *findings.Snapshot, c *config.Config) {
				c.Policy.MaxSuperAdmins = 2
				c.Policy.Waivers = []config.Waiver{{Check: "KH-KEY-004", Subject: "m365", Reason: "third GA during migration", Expires: &config.Date{Time: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)}}}
			}},
		// A waived blocker caps the verdict at ready_with_actions and never
		// hands the keys back (issue 12 item 1).
		{name: "waived blocker keeps the keys answer", want: findings.VerdictReadyWithActions, system: "m365", sysWant: findings.VerdictReadyWithActions, holdsKeys: "no",
			mutate: func(s *findings.Snapshot, c *config.Config) {
				dropGrants(s, alice)
				dropMember(s, bob, gaGroup)
				c.Policy.Waivers = []config.Waiver{{Check: "KH-KEY-001", Subject: "m365", Reason: "second admin being hired", Expires: &config.Date{Time: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)}}}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			snap := baseSnapshot()
			cfg := loadConfig(t, "base.yaml")
			if tc.mutate != nil {
				tc.mutate(snap, cfg)
			}
			a := evaluate(t, snap, cfg, EvalOptions{})
			if a.Verdict != tc.want {
				t.Errorf("verdict %s, want %s", a.Verdict, tc.want)
			}
			sv := sysVerdict(a, tc.system)
			if sv.System == "" {
				t.Fatalf("no system verdict for %s", tc.system)
			}
			if sv.Verdict != tc.sysWant {
				t.Errorf("system %s verdict %s, want %s", tc.system, sv.Verdict, tc.sysWant)
			}
			if tc.holdsKeys != "" && sv.HoldsKeys != tc.holdsKeys {
				t.Errorf("system %s holds_keys %s, want %s", tc.system, sv.HoldsKeys, tc.holdsKeys)
			}
			if tc.want == findings.VerdictReady {
				return
			}
			if a.Verdict == findings.VerdictReady {
				t.Error("never ready here")
			}
		})
	}
}

// TestFailedTargetBlockersUnknown: a target that failed to scan makes every
// blocker check that applies to it unknown, even one that had nothing to
// say (KH-OWN-002 on AWS with no organisation facts at all).
func TestFailedTargetBlockersUnknown(t *testing.T) {
	snap := baseSnapshot()
	cfg := loadConfig(t, "base.yaml")
	sysOf(snap, "prod").Attributes = nil
	snap.Backups = nil
	snap.Gaps = append(snap.Gaps, findings.Gap{ID: findings.GapID("prod", "system"), System: "prod", Collection: "system", Reason: findings.GapDenied, Error: "AccessDenied"})
	a := evaluate(t, snap, cfg, EvalOptions{})
	for _, check := range []string{"KH-KEY-001", "KH-OWN-002", "KH-BAK-002"} {
		st, ok := worst(a, check, "prod")
		if !ok || st != findings.StatusUnknown {
			t.Errorf("%s on prod: %v %v, want unknown", check, st, ok)
		}
	}
	for _, f := range a.Findings {
		if f.System == "prod" && f.Status == findings.StatusPass && f.Check != "KH-COV-001" {
			t.Errorf("a failed target passed %s: %s", f.Check, f.Message)
		}
	}
}

func TestWaivers(t *testing.T) {
	exp := func(y int, m time.Month, d int) *config.Date {
		return &config.Date{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
	}
	snap := baseSnapshot()
	cfg := loadConfig(t, "base.yaml")
	prin(snap, alice).MFA = findings.MFANone
	prin(snap, bob).MFA = findings.MFANone
	cfg.Policy.Waivers = []config.Waiver{
		{Check: "KH-KEY-002", Subject: alice, Reason: "hardware key on order", Expires: exp(2026, 12, 31)},
		{Check: "KH-KEY-002", Subject: bob, Reason: "old waiver", Expires: exp(2026, 11, 19)},
		{Check: "KH-SEG-001", Reason: "expires today, still active", Expires: exp(2026, 11, 20)},
	}
	a := evaluate(t, snap, cfg, EvalOptions{})
	fs := findingsOf(a, "KH-KEY-002")
	if !hasSubject(fs, findings.StatusWaived, alice) {
		t.Errorf("alice's finding is not waived:\n%s", dumpFindings(fs))
	}
	for _, f := range fs {
		if f.Status == findings.StatusWaived && (f.Waiver == nil || f.Waiver.Reason != "hardware key on order") {
			t.Errorf("waived finding without its waiver: %+v", f)
		}
	}
	if !hasSubject(fs, findings.StatusFail, bob) {
		t.Errorf("bob's expired waiver was applied:\n%s", dumpFindings(fs))
	}
	if len(a.ExpiredWaivers) != 1 || a.ExpiredWaivers[0].Subject != bob {
		t.Errorf("expired waivers %+v, want bob's", a.ExpiredWaivers)
	}
	if a.Verdict != findings.VerdictReadyWithActions {
		t.Errorf("verdict %s", a.Verdict)
	}
	// A waiver never turns a pass into waived.
	for _, f := range findingsOf(a, "KH-SEG-001") {
		if f.Status != findings.StatusPass {
			t.Errorf("KH-SEG-001 %s: %s", f.Status, f.Message)
		}
	}
}

func TestWaiverForUnknownCheck(t *testing.T) {
	cfg := loadConfig(t, "base.yaml")
	cfg.Policy.Waivers = []config.Waiver{{Check: "KH-SEG-099", Reason: "typo", Expires: &config.Date{Time: finished}}}
	_, err := testEngine(t).Evaluate(context.Background(), baseSnapshot(), cfg, EvalOptions{})
	if err == nil || config.AsProblems(err) == nil || !strings.Contains(err.Error(), "KH-SEG-099") {
		t.Fatalf("err = %v, want a config problem naming the check", err)
	}
}

func TestEvalOptionErrors(t *testing.T) {
	cfg := loadConfig(t, "base.yaml")
	for _, ev := range []EvalOptions{
		{Profile: "audit"},
		{Profile: ProfileExit},
		{Profile: ProfileExit, ExitProvider: "Nobody Ltd"},
	} {
		_, err := testEngine(t).Evaluate(context.Background(), baseSnapshot(), cfg, ev)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("%+v: err = %v, want a usage error", ev, err)
		}
	}
}

// TestDeterministic: the same input gives byte-identical assessment JSON,
// whatever the order of the snapshot's collections.
func TestDeterministic(t *testing.T) {
	cfg := loadConfig(t, "base.yaml")
	encode := func(s *findings.Snapshot) []byte {
		a := evaluate(t, s, cfg, EvalOptions{Version: "test"})
		var buf bytes.Buffer
		if err := findings.EncodeAssessment(&buf, a); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	mutate := func(s *findings.Snapshot) {
		// Something to report everywhere: the MSP is all over the estate.
		addGrant(s, grant("prod", acmeRole, "AdministratorAccess", findings.LevelSuperAdmin, findings.AssignmentActive))
		prin(s, alice).MFA = findings.MFANone
		addGap(s, "m365", "activity")
	}
	s1 := baseSnapshot()
	mutate(s1)
	first := encode(s1)
	for i := range 3 {
		s := baseSnapshot()
		mutate(s)
		r := rand.New(rand.NewPCG(uint64(i), 7))
		r.Shuffle(len(s.Principals), func(a, b int) { s.Principals[a], s.Principals[b] = s.Principals[b], s.Principals[a] })
		r.Shuffle(len(s.Grants), func(a, b int) { s.Grants[a], s.Grants[b] = s.Grants[b], s.Grants[a] })
		r.Shuffle(len(s.Memberships), func(a, b int) { s.Memberships[a], s.Memberships[b] = s.Memberships[b], s.Memberships[a] })
		r.Shuffle(len(s.Trusts), func(a, b int) { s.Trusts[a], s.Trusts[b] = s.Trusts[b], s.Trusts[a] })
		if got := encode(s); !bytes.Equal(got, first) {
			t.Fatalf("run %d differs from the first", i)
		}
	}
	if !bytes.Contains(first, []byte(`"snapshot_sha256"`)) {
		t.Fatal("no snapshot hash")
	}
	sum, err := s1.SHA256()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(first, []byte(sum)) {
		t.Error("snapshot_sha256 is not the snapshot's canonical SHA-256")
	}
}

// TestAsOf: evaluating "as of" a later date changes time-dependent checks;
// by default the snapshot's scan time is used.
func TestAsOf(t *testing.T) {
	cfg := loadConfig(t, "base.yaml")
	a := evaluate(t, baseSnapshot(), cfg, EvalOptions{})
	if !a.AsOf.Equal(finished) {
		t.Errorf("as of %v, want the scan's end %v", a.AsOf, finished)
	}
	later := evaluate(t, baseSnapshot(), cfg, EvalOptions{AsOf: time.Date(2027, 8, 1, 0, 0, 0, 0, time.UTC)})
	if st, _ := worst(later, "KH-OWN-005", "declared"); st != findings.StatusWarn {
		t.Errorf("KH-OWN-005 as of 2027-08-01: %s, want warn (window open)", st)
	}
	if st, _ := worst(later, "KH-BAK-006", "prod"); st != findings.StatusFail {
		t.Errorf("KH-BAK-006 as of 2027-08-01: %s, want fail", st)
	}
}
