package policies

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/declared"
)

// Regression tests for issue 12, "A verdict that cannot be wrong" (policy
// side). Each is named after the item it covers.

// TestIssue12_WaiverNeverWaivesUnknown: a check's own unknown (no gap
// id: KH-KEY-002 "MFA could not be read", KH-KEY-001 "root e-mail not
// read") is never waived.
func TestIssue12_WaiverNeverWaivesUnknown(t *testing.T) {
	snap := baseSnapshot()
	cfg := loadConfig(t, "base.yaml")
	prin(snap, alice).MFA = findings.MFAUnknown
	prin(snap, root).Emails = nil
	sysOf(snap, "prod").Contacts = nil
	cfg.Policy.Waivers = []config.Waiver{waiver("KH-KEY-002", alice), waiver("KH-KEY-002", ""), waiver("KH-KEY-001", "prod")}
	a := evaluate(t, snap, cfg, EvalOptions{})
	if !hasSubject(findingsOf(a, "KH-KEY-002"), findings.StatusUnknown, alice) {
		t.Errorf("alice's unread MFA is not unknown:\n%s", dumpFindings(findingsOf(a, "KH-KEY-002")))
	}
	if st, _ := worst(a, "KH-KEY-001", "prod"); st != findings.StatusUnknown {
		t.Errorf("KH-KEY-001 on prod %s, want unknown (root e-mail not read)\n%s", st, dumpFindings(findingsOf(a, "KH-KEY-001")))
	}
	for _, f := range a.Findings {
		if f.Status == findings.StatusWaived {
			t.Errorf("waived %s %s: %s", f.Check, f.System, f.Message)
		}
	}
	if a.Verdict != findings.VerdictIncomplete {
		t.Errorf("verdict %s, want incomplete", a.Verdict)
	}
}

// TestIssue12_WaiverBlockerNeedsSubject: a waiver without a subject on a
// blocker check is refused with the reason, before anything is evaluated.
func TestIssue12_WaiverBlockerNeedsSubject(t *testing.T) {
	cfg := loadConfig(t, "base.yaml")
	cfg.Policy.Waivers = []config.Waiver{waiver("KH-KEY-001", ""), waiver("KH-SEG-001", "")}
	err := testEngine(t).CheckWaivers(cfg)
	ps := config.AsProblems(err)
	if len(ps) != 1 || ps[0].Path != "policy.waivers[0].subject" || !strings.Contains(ps[0].Msg, "blocker") {
		t.Fatalf("problems %v, want one for waivers[0].subject (a blocker needs a subject)", err)
	}
}

// TestIssue12_WaivedBlockerCapsVerdict: a waived blocker caps the verdict
// at ready_with_actions, names the waiver for page one, and waiving
// KH-KEY-001 never turns "holds the keys" into yes.
func TestIssue12_WaivedBlockerCapsVerdict(t *testing.T) {
	snap := baseSnapshot()
	cfg := loadConfig(t, "base.yaml")
	dropGrants(snap, alice)
	dropMember(snap, bob, gaGroup)
	cfg.Policy.Waivers = []config.Waiver{{Check: "KH-KEY-001", Subject: "m365", Reason: "second admin being hired",
		Expires: &config.Date{Time: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)}}}
	a := evaluate(t, snap, cfg, EvalOptions{})
	if a.Verdict != findings.VerdictReadyWithActions {
		t.Errorf("verdict %s, want ready_with_actions", a.Verdict)
	}
	sv := sysVerdict(a, "m365")
	if sv.Verdict != findings.VerdictReadyWithActions || sv.HoldsKeys != "no" {
		t.Errorf("m365: verdict %s holds_keys %s, want ready_with_actions / no", sv.Verdict, sv.HoldsKeys)
	}
	if len(a.WaivedBlockers) != 1 || a.WaivedBlockers[0].Check != "KH-KEY-001" || a.WaivedBlockers[0].Waiver.Reason != "second admin being hired" {
		t.Errorf("waived blockers %+v, want the KH-KEY-001 waiver", a.WaivedBlockers)
	}
}

// TestIssue12_UnusableAccountsAreNoKeys: expired (judged against the
// as-of time), locked-out, deleted and disabled customer admins do not
// count toward KH-KEY-001/003, and the message says which and why.
func TestIssue12_UnusableAccountsAreNoKeys(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(p *findings.Principal)
		why    string
	}{
		{"expired before as-of", func(p *findings.Principal) {
			p.Attributes = map[string]string{"account_expires": finished.AddDate(0, 0, -3).Format(time.RFC3339), "account_expired": "false"}
		}, "expired 2026-11-17"},
		{"locked out", func(p *findings.Principal) { p.Attributes = map[string]string{"locked_out": "true"} }, "locked out"},
		{"deleted", func(p *findings.Principal) { p.Attributes = map[string]string{"deleted": "true"} }, "deleted"},
		{"disabled", func(p *findings.Principal) { p.Enabled = false }, "disabled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			snap := baseSnapshot()
			cfg := loadConfig(t, "base.yaml")
			tc.mutate(prin(snap, alice))
			tc.mutate(prin(snap, bg1))
			a := evaluate(t, snap, cfg, EvalOptions{})
			fs := findingsOf(a, "KH-KEY-001")
			if st, _ := worst(a, "KH-KEY-001", "m365"); st != findings.StatusFail {
				t.Fatalf("KH-KEY-001 on m365 %s, want fail\n%s", st, dumpFindings(fs))
			}
			found := false
			for _, f := range fs {
				if f.System == "m365" && strings.Contains(f.Message, "not counted") && strings.Contains(f.Message, tc.why) && strings.Contains(f.Message, "alice") {
					found = true
				}
			}
			if !found {
				t.Errorf("message does not name alice as %q\n%s", tc.why, dumpFindings(fs))
			}
			if !hasSubject(findingsOf(a, "KH-KEY-003"), findings.StatusFail, bg1) {
				t.Errorf("break-glass %s is not a KH-KEY-003 failure\n%s", tc.why, dumpFindings(findingsOf(a, "KH-KEY-003")))
			}
			if sv := sysVerdict(a, "m365"); sv.HoldsKeys != "no" || len(sv.CustomerSuperAdmins) != 1 {
				t.Errorf("m365 holds_keys %s, customer super-admins %v", sv.HoldsKeys, sv.CustomerSuperAdmins)
			}
		})
	}
	// An expiry after the as-of time is not expired, whatever the scan's flag.
	snap := baseSnapshot()
	prin(snap, alice).Attributes = map[string]string{"account_expires": finished.AddDate(0, 1, 0).Format(time.RFC3339), "account_expired": "true"}
	a := evaluate(t, snap, loadConfig(t, "base.yaml"), EvalOptions{})
	if st, _ := worst(a, "KH-KEY-001", "m365"); st != findings.StatusPass {
		t.Errorf("an account expiring next month made KH-KEY-001 %s\n%s", st, dumpFindings(findingsOf(a, "KH-KEY-001")))
	}
}

// TestIssue12_NothingScannedIsIncomplete: no targets and nothing
// declared, every target failed, or a system with no readable holder of
// its top privilege is incomplete, never ready and never "holds the keys".
func TestIssue12_NothingScannedIsIncomplete(t *testing.T) {
	t.Run("no targets", func(t *testing.T) {
		cfg := loadConfig(t, "base.yaml")
		cfg.Targets = nil
		cfg.Policy.Waivers = nil
		snap := &findings.Snapshot{SchemaVersion: findings.SchemaVersion, StartedAt: started, FinishedAt: finished}
		a := evaluate(t, snap, cfg, EvalOptions{})
		if a.Verdict != findings.VerdictIncomplete {
			t.Errorf("verdict %s, want incomplete\n%s", a.Verdict, dumpFindings(a.Findings))
		}
		for _, sv := range a.Systems {
			if sv.HoldsKeys == "yes" {
				t.Errorf("%s holds the keys with nothing scanned", sv.System)
			}
		}
	})
	t.Run("every target failed", func(t *testing.T) {
		snap := baseSnapshot()
		for _, s := range []string{"m365", "prod", "corp-ad", "gh", "azure"} {
			systemGap(snap, s)
		}
		a := evaluate(t, snap, loadConfig(t, "base.yaml"), EvalOptions{})
		if a.Verdict != findings.VerdictIncomplete {
			t.Errorf("verdict %s, want incomplete", a.Verdict)
		}
		found := false
		for _, f := range findingsOf(a, "KH-KEY-001") {
			if f.System == "" && f.Status == findings.StatusUnknown && strings.Contains(f.Message, "every target failed") {
				found = true
			}
		}
		if !found {
			t.Errorf("no finding says every target failed\n%s", dumpFindings(findingsOf(a, "KH-KEY-001")))
		}
	})
	t.Run("no readable top-privilege holder", func(t *testing.T) {
		snap := baseSnapshot()
		dropGrants(snap, ghAlice)
		dropGrants(snap, ghBob)
		a := evaluate(t, snap, loadConfig(t, "base.yaml"), EvalOptions{})
		if st, _ := worst(a, "KH-KEY-001", "gh"); st != findings.StatusUnknown {
			t.Errorf("KH-KEY-001 on gh %s, want unknown\n%s", st, dumpFindings(findingsOf(a, "KH-KEY-001")))
		}
		if sv := sysVerdict(a, "gh"); sv.Verdict != findings.VerdictIncomplete || sv.HoldsKeys != "unknown" {
			t.Errorf("gh: %s / holds %s, want incomplete / unknown", sv.Verdict, sv.HoldsKeys)
		}
	})
}

// TestIssue12_MasterCredentials: KH-KEY-007 passes, fails and is unknown
// for the AWS root user and the AD built-in Administrator.
func TestIssue12_MasterCredentials(t *testing.T) {
	runCases(t, []checkCase{
		{name: "baseline root", check: "KH-KEY-007", system: "prod", want: findings.StatusPass, subject: root},
		{name: "baseline administrator", check: "KH-KEY-007", system: "corp-ad", want: findings.StatusPass, subject: admin},
		{name: "root without MFA fails whoever owns it", check: "KH-KEY-007", system: "prod", want: findings.StatusFail, msg: "has no MFA",
			mutate: func(s *findings.Snapshot, c *config.Config) {
				prin(s, root).MFA = findings.MFANone
				c.Accounts = append(c.Accounts, config.Account{Match: root, Party: "Acme IT"})
			}},
		{name: "root with access keys", check: "KH-KEY-007", system: "prod", want: findings.StatusFail, msg: "access keys",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				prin(s, root).Credentials = []findings.Credential{{ID: "access_key_1", Kind: "access_key", Active: true}}
			}},
		{name: "root e-mail of the MSP", check: "KH-KEY-007", system: "prod", want: findings.StatusFail, msg: "not on a customer domain",
			mutate: func(s *findings.Snapshot, _ *config.Config) { prin(s, root).Emails = []string{"aws@acme-it.com"} }},
		{name: "root e-mail not readable", check: "KH-KEY-007", system: "prod", want: findings.StatusUnknown, msg: "e-mail was not read",
			mutate: func(s *findings.Snapshot, _ *config.Config) { prin(s, root).Emails = nil }},
		{name: "root MFA not read", check: "KH-KEY-007", system: "prod", want: findings.StatusUnknown, msg: "MFA state was not read",
			mutate: func(s *findings.Snapshot, _ *config.Config) { prin(s, root).MFA = findings.MFAUnknown }},
		{name: "administrator password older than the MSP's last logon", check: "KH-KEY-007", system: "corp-ad", want: findings.StatusFail, subject: admin,
			mutate: func(s *findings.Snapshot, _ *config.Config) { prin(s, admin).Credentials[0].Created = daysAgo(30) }},
		{name: "administrator disabled", check: "KH-KEY-007", system: "corp-ad", want: findings.StatusPass, msg: "is disabled",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				prin(s, admin).Credentials[0].Created = daysAgo(30)
				prin(s, admin).Enabled = false
			}},
		{name: "administrator password date not read", check: "KH-KEY-007", system: "corp-ad", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { prin(s, admin).Credentials = nil }},
		{name: "administrator not found", check: "KH-KEY-007", system: "corp-ad", want: findings.StatusUnknown, msg: "RID 500",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				s.Principals = slices.DeleteFunc(s.Principals, func(p findings.Principal) bool { return p.ID == admin })
				dropMember(s, admin, domAdm)
			}},
	})
}

// TestIssue12_GapCollectionsMapToChecks: the exported rule the scanners'
// meta-test uses agrees with what an evaluation does.
func TestIssue12_GapCollectionsMapToChecks(t *testing.T) {
	e := testEngine(t)
	got := e.ChecksLeftUnknownBy("", findings.SystemEntra, "grants/pim_eligibility")
	if !slices.Contains(got, "KH-SEG-001") || slices.Contains(got, "KH-KEY-001") || slices.Contains(got, "KH-COV-001") {
		t.Errorf("grants/pim_eligibility on entra leaves %v unknown", got)
	}
	if got := e.ChecksLeftUnknownBy("", findings.SystemAWS, "system"); len(got) < 10 {
		t.Errorf("a failed AWS target leaves only %v unknown", got)
	}
	snap := baseSnapshot()
	addGap(snap, "m365", "grants/pim_eligibility")
	a := evaluate(t, snap, loadConfig(t, "base.yaml"), EvalOptions{})
	want := e.ChecksLeftUnknownBy("", findings.SystemEntra, "grants/pim_eligibility")
	if g := a.GapChecks[findings.GapID("m365", "grants/pim_eligibility")]; !slices.Equal(g, want) {
		t.Errorf("evaluation maps the gap to %v, the API to %v", g, want)
	}
}

func attributionOf(a *findings.Assessment, subject string) findings.Attribution {
	for _, p := range a.Parties {
		if p.Subject == subject {
			return p
		}
	}
	return findings.Attribution{}
}

// TestIssue12_TrustedRoleBelongsToProvider: an AWS role only a provider's
// account can assume is that provider's, not "of unknown party"; a role
// several parties can assume belongs to the riskiest.
func TestIssue12_TrustedRoleBelongsToProvider(t *testing.T) {
	adminRole := func(s *findings.Snapshot, c *config.Config) {
		dropGrants(s, acmeRole)
		addGrant(s, grant("prod", acmeRole, "PowerUserAccess", findings.LevelAdmin, findings.AssignmentActive))
		c.Providers[0].Allowed = append(c.Providers[0].Allowed, config.Allowance{SystemKind: "aws", Privileges: []string{"PowerUserAccess"}})
	}
	snap := baseSnapshot()
	cfg := loadConfig(t, "base.yaml")
	adminRole(snap, cfg)
	a := evaluate(t, snap, cfg, EvalOptions{})
	at := attributionOf(a, acmeRole)
	if at.Party != "Acme IT" || at.Reason != "trusted only by account 999999999999" {
		t.Errorf("AcmeSupport attributed %+v, want Acme IT, trusted only by account 999999999999", at)
	}
	if hasSubject(findingsOf(a, "KH-KEY-006"), findings.StatusFail, acmeRole) {
		t.Errorf("the MSP's role is a principal of unknown party\n%s", dumpFindings(findingsOf(a, "KH-KEY-006")))
	}

	// Trusted by the vendor too: the MSP is the riskier party.
	snap = baseSnapshot()
	cfg = loadConfig(t, "base.yaml")
	adminRole(snap, cfg)
	snap.Trusts = append(snap.Trusts, findings.Trust{ID: "trust:prod:role:AcmeSupport:888888888888", System: "prod", Kind: findings.TrustAWSRole,
		Name: "AcmeSupport", Counterparty: "888888888888", CounterpartyKind: "aws_account", PrincipalID: acmeRole,
		Conditions: map[string]string{"sts:ExternalId": "present"}})
	snap.Canonicalize()
	a = evaluate(t, snap, cfg, EvalOptions{})
	if at := attributionOf(a, acmeRole); at.Party != "Acme IT" || !strings.Contains(at.Reason, "riskiest") {
		t.Errorf("a role two providers assume: %+v, want Acme IT as the riskiest", at)
	}

	// Trusted by an unknown account as well: it stays unknown.
	snap = baseSnapshot()
	cfg = loadConfig(t, "base.yaml")
	adminRole(snap, cfg)
	snap.Trusts = append(snap.Trusts, findings.Trust{ID: "trust:prod:role:AcmeSupport:" + unknownAcct, System: "prod", Kind: findings.TrustAWSRole,
		Name: "AcmeSupport", Counterparty: unknownAcct, CounterpartyKind: "aws_account", PrincipalID: acmeRole})
	snap.Canonicalize()
	a = evaluate(t, snap, cfg, EvalOptions{})
	if at := attributionOf(a, acmeRole); at.PartyKind != "unknown" {
		t.Errorf("a role an unknown account can assume was attributed %+v", at)
	}
}

// TestIssue12_DeclaredBackupsCanPass: a declared tape or SaaS backup that
// states its key owner, locked retention, who may delete it and its last
// restore test passes KH-BAK-003/005/006 instead of staying unknown; the
// config keys reach the checks through the declared scanner.
func TestIssue12_DeclaredBackupsCanPass(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/k.yaml"
	writeFile(t, path, `organization: {name: Contoso Ltd, domains: [contoso.com]}
providers: [{name: Acme IT, kind: msp, domains: [acme-it.com]}]
targets: []
declared:
  backups:
    - {name: Tape, protects: "File server", storage_owner: customer, key_owner: customer, retention: {days: 365, locked: true}, deletable_by: [customer], last_restore_test: 2026-10-01}
    - {name: SaaS, protects: "M365", storage_owner: customer, key_owner: "Acme IT", deletable_by: ["Acme IT"], last_restore_test: 2026-01-01}
    - {name: Bare, protects: "Other", storage_owner: customer}
`)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	snap := declaredSnapshot(t, cfg)
	a := evaluate(t, snap, cfg, EvalOptions{})
	want := map[string]map[string]findings.Status{
		"Tape": {"KH-BAK-003": findings.StatusPass, "KH-BAK-005": findings.StatusPass, "KH-BAK-006": findings.StatusPass},
		"SaaS": {"KH-BAK-003": findings.StatusFail, "KH-BAK-005": findings.StatusFail, "KH-BAK-006": findings.StatusFail},
		"Bare": {"KH-BAK-003": findings.StatusUnknown, "KH-BAK-005": findings.StatusUnknown, "KH-BAK-006": findings.StatusUnknown},
	}
	for name, checks := range want {
		var id string
		for _, b := range snap.Backups {
			if b.Name == name {
				id = b.ID
			}
		}
		for check, st := range checks {
			if !hasSubject(findingsOf(a, check), st, id) {
				t.Errorf("%s on %s: want %s\n%s", check, name, st, dumpFindings(findingsOf(a, check)))
			}
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// declaredSnapshot runs the declared scanner on cfg, as a scan would.
func declaredSnapshot(t *testing.T, cfg *config.Config) *findings.Snapshot {
	t.Helper()
	sc, err := declared.Factory().New(config.Target{Type: declared.Type, Name: declared.SystemID}, scanners.Env{Config: cfg, Now: func() time.Time { return finished }})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := sc.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	snap.SchemaVersion, snap.StartedAt, snap.FinishedAt = findings.SchemaVersion, started, finished
	snap.Canonicalize()
	return snap
}

// TestIssue12_AWSTagsAreEvaluated: sensitive.aws_tags marks tagged IAM
// roles, accounts (Organizations tags) and buckets/vaults; a provider
// reaching them fails KH-SEG-002.
func TestIssue12_AWSTagsAreEvaluated(t *testing.T) {
	provRole := func(s *findings.Snapshot, c *config.Config) {
		c.Sensitive = append(c.Sensitive, config.Sensitive{Name: "Finance", AWSTags: map[string]string{"data-class": "finance"}})
	}
	cases := []struct {
		name   string
		mutate func(s *findings.Snapshot, c *config.Config)
		want   findings.Status
	}{
		{"untagged", func(s *findings.Snapshot, c *config.Config) { provRole(s, c) }, findings.StatusPass},
		{"tagged role", func(s *findings.Snapshot, c *config.Config) {
			provRole(s, c)
			prin(s, acmeRole).Attributes = map[string]string{"aws_tag:data-class": "finance"}
		}, findings.StatusFail},
		{"other tag value", func(s *findings.Snapshot, c *config.Config) {
			provRole(s, c)
			prin(s, acmeRole).Attributes = map[string]string{"aws_tag:data-class": "public"}
		}, findings.StatusPass},
		{"tagged account", func(s *findings.Snapshot, c *config.Config) {
			provRole(s, c)
			sysOf(s, "prod").Attributes["aws_tag:data-class"] = "finance"
		}, findings.StatusFail},
		{"tagged vault, provider admin", func(s *findings.Snapshot, c *config.Config) {
			provRole(s, c)
			backupOf(s, vault).Attributes = map[string]string{"aws_tag:data-class": "finance"}
			dropGrants(s, acmeRole)
			addGrant(s, grant("prod", acmeRole, "PowerUserAccess", findings.LevelAdmin, findings.AssignmentActive))
		}, findings.StatusFail},
		{"tagged vault, provider read-only", func(s *findings.Snapshot, c *config.Config) {
			provRole(s, c)
			backupOf(s, vault).Attributes = map[string]string{"aws_tag:data-class": "finance"}
		}, findings.StatusPass},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			snap := baseSnapshot()
			cfg := loadConfig(t, "base.yaml")
			tc.mutate(snap, cfg)
			snap.Canonicalize()
			a := evaluate(t, snap, cfg, EvalOptions{})
			if st, _ := worst(a, "KH-SEG-002", "prod"); st != tc.want {
				t.Errorf("KH-SEG-002 on prod %s, want %s\n%s", st, tc.want, dumpFindings(findingsOf(a, "KH-SEG-002")))
			}
		})
	}
}

// TestIssue12_UnknownOnlyWhenItMatters: a break-glass account bound to
// its tenant (by UPN domain or break_glass_targets) and absent from that
// fully read tenant is a fail, whatever an unrelated gap hides; a gap in
// its own tenant leaves it unknown.
func TestIssue12_UnknownOnlyWhenItMatters(t *testing.T) {
	const bg2 = "bg2@contoso.onmicrosoft.com"
	cases := []struct {
		name   string
		mutate func(s *findings.Snapshot, c *config.Config)
		sys    string
		want   findings.Status
	}{
		{"unrelated AWS gap", func(s *findings.Snapshot, c *config.Config) {
			c.Organization.BreakGlass = append(c.Organization.BreakGlass, bg2)
			addGap(s, "prod", "principals")
		}, "m365", findings.StatusFail},
		{"gap in its own tenant", func(s *findings.Snapshot, c *config.Config) {
			c.Organization.BreakGlass = append(c.Organization.BreakGlass, bg2)
			addGap(s, "m365", "principals")
		}, "m365", findings.StatusUnknown},
		{"explicit target, unrelated gap", func(s *findings.Snapshot, c *config.Config) {
			c.Organization.BreakGlass = append(c.Organization.BreakGlass, "emergency-da")
			c.Organization.BreakGlassTargets = map[string]string{"emergency-da": "corp-ad"}
			addGap(s, "m365", "principals")
		}, "corp-ad", findings.StatusFail},
		{"explicit target, its own gap", func(s *findings.Snapshot, c *config.Config) {
			c.Organization.BreakGlass = append(c.Organization.BreakGlass, "emergency-da")
			c.Organization.BreakGlassTargets = map[string]string{"emergency-da": "corp-ad"}
			addGap(s, "corp-ad", "principals")
		}, "corp-ad", findings.StatusUnknown},
		{"unbound entry, any gap", func(s *findings.Snapshot, c *config.Config) {
			c.Organization.BreakGlass = append(c.Organization.BreakGlass, "emergency-da")
			addGap(s, "prod", "principals")
		}, "", findings.StatusUnknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			snap := baseSnapshot()
			cfg := loadConfig(t, "base.yaml")
			tc.mutate(snap, cfg)
			a := evaluate(t, snap, cfg, EvalOptions{})
			var got []findings.Finding
			for _, f := range findingsOf(a, "KH-KEY-003") {
				if f.System == tc.sys && len(f.Subjects) == 1 && (f.Subjects[0] == bg2 || f.Subjects[0] == "emergency-da") {
					got = append(got, f)
				}
			}
			if len(got) != 1 || got[0].Status != tc.want {
				t.Errorf("want one %s finding on %q\n%s", tc.want, tc.sys, dumpFindings(findingsOf(a, "KH-KEY-003")))
			}
		})
	}
}

// TestIssue12_FailHoldsWhateverTheGapHides: one customer owner and every
// owner attributed: missing verified e-mails cannot add a customer owner,
// so KH-KEY-001 is a fail, not unknown; with an owner of unknown party it
// is unknown (the e-mails could make it the customer's).
func TestIssue12_FailHoldsWhateverTheGapHides(t *testing.T) {
	snap := baseSnapshot()
	cfg := loadConfig(t, "base.yaml")
	dropGrants(snap, ghBob)
	addGap(snap, "gh", "principals/verified_emails")
	a := evaluate(t, snap, cfg, EvalOptions{})
	if st, _ := worst(a, "KH-KEY-001", "gh"); st != findings.StatusFail {
		t.Errorf("KH-KEY-001 on gh %s, want fail\n%s", st, dumpFindings(findingsOf(a, "KH-KEY-001")))
	}
	// An owner of unknown party: its e-mail might be the customer's.
	snap = baseSnapshot()
	dropGrants(snap, ghBob)
	snap.Principals = append(snap.Principals, user("user:gh:stranger", "gh", "stranger"))
	addGrant(snap, grant("gh", "user:gh:stranger", "owner", findings.LevelSuperAdmin, findings.AssignmentActive))
	addGap(snap, "gh", "principals/verified_emails")
	snap.Canonicalize()
	a = evaluate(t, snap, cfg, EvalOptions{})
	if st, _ := worst(a, "KH-KEY-001", "gh"); st != findings.StatusUnknown {
		t.Errorf("KH-KEY-001 on gh with an owner of unknown party %s, want unknown\n%s", st, dumpFindings(findingsOf(a, "KH-KEY-001")))
	}
	// A gap that could hide owners keeps it unknown.
	snap = baseSnapshot()
	dropGrants(snap, ghBob)
	addGap(snap, "gh", "grants/owners")
	a = evaluate(t, snap, cfg, EvalOptions{})
	if st, _ := worst(a, "KH-KEY-001", "gh"); st != findings.StatusUnknown {
		t.Errorf("KH-KEY-001 on gh with owners not read %s, want unknown", st)
	}
}

// TestIssue12_WellRunEstateIsReady: an estate run well with an MSP — an
// AWS role the MSP assumes with an ExternalId and an allowed privilege,
// GDAP declared for Helpdesk Administrator, PIM-eligible guests — is
// ready or ready with actions, with no blocker or high failure.
func TestIssue12_WellRunEstateIsReady(t *testing.T) {
	snap := baseSnapshot()
	cfg := loadConfig(t, "base.yaml")
	// The MSP's role: admin rights it is allowed, assumed with ExternalId.
	// The role holds its policy for good; the MSP reaches it only by
	// sts:AssumeRole with the pinned ExternalId (short-lived sessions).
	dropGrants(snap, acmeRole)
	addGrant(snap, grant("prod", acmeRole, "PowerUserAccess", findings.LevelAdmin, findings.AssignmentActive))
	cfg.Providers[0].Allowed = append(cfg.Providers[0].Allowed, config.Allowance{SystemKind: "aws", Privileges: []string{"PowerUserAccess"}})
	// A second PIM-eligible guest of the MSP.
	g := user("guest:m365:ann", "m365", "ann_acme-it.com#EXT#@contoso.onmicrosoft.com", "ann@acme-it.com")
	g.Domain = "acme-it.com"
	snap.Principals = append(snap.Principals, g)
	addGrant(snap, grant("m365", g.ID, "Helpdesk Administrator", findings.LevelAdmin, findings.AssignmentEligible))
	// GDAP is not visible from the customer tenant: the gap is covered by
	// the declared relationship.
	addGap(snap, "m365", "trusts/gdap")
	snap.Canonicalize()
	a := evaluate(t, snap, cfg, EvalOptions{})
	if a.Verdict != findings.VerdictReady && a.Verdict != findings.VerdictReadyWithActions {
		t.Errorf("verdict %s", a.Verdict)
	}
	for _, f := range a.Findings {
		if f.Severity.Rank() >= findings.SeverityHigh.Rank() && (f.Status == findings.StatusFail || f.Status == findings.StatusUnknown) {
			t.Errorf("%s [%s] %s on %s: %s", f.Check, f.Severity, f.Status, f.System, f.Message)
		}
	}
	if at := attributionOf(a, acmeRole); at.Party != "Acme IT" {
		t.Errorf("the MSP's role is attributed %+v", at)
	}
	// Without the ExternalId, the same role is standing access beyond the
	// allowance (and KH-SEG-003 says why).
	trustOf(snap, acmeTrust).Conditions = nil
	a = evaluate(t, snap, cfg, EvalOptions{})
	if !hasSubject(findingsOf(a, "KH-SEG-001"), findings.StatusFail, acmeRole) {
		t.Errorf("a role without ExternalId passes KH-SEG-001\n%s", dumpFindings(findingsOf(a, "KH-SEG-001")))
	}
}

// TestIssue12_NoGapWaiverOrEmptyScopeIsReady: no combination of gaps,
// waivers and empty scopes reaches ready, and with a waived blocker
// nothing is ready either.
func TestIssue12_NoGapWaiverOrEmptyScopeIsReady(t *testing.T) {
	type mut func(s *findings.Snapshot, c *config.Config)
	gaps := map[string]mut{"none": nil}
	for _, sys := range []string{"m365", "prod", "corp-ad", "gh"} {
		sys := sys
		gaps["system "+sys] = func(s *findings.Snapshot, _ *config.Config) { systemGap(s, sys) }
	}
	for _, g := range [][2]string{{"m365", "grants"}, {"m365", "mfa"}, {"m365", "principals"}, {"prod", "backups"}, {"prod", "trusts"},
		{"prod", "organization"}, {"gh", "principals/verified_emails"}, {"gh", "grants/owners"}, {"corp-ad", "credentials"}, {"corp-ad", "activity"},
		{"prod", "principals/credential_report"}, {"m365", "grants/pim_eligibility"},
		// Item 11: gaps some results now hold through (they must still
		// never make anything ready).
		{"m365", "mfa"}, {"corp-ad", "activity/lastLogonTimestamp"}, {"gh", "principals/profiles"}, {"prod", "backups/kms"},
		{"prod", "organization/accounts"}, {"prod", "grants/identity_center_assignments"}, {"corp-ad", "principals/referrals"}} {
		g := g
		gaps[g[0]+" "+g[1]] = func(s *findings.Snapshot, _ *config.Config) { addGap(s, g[0], g[1]) }
	}
	waivers := map[string]mut{
		"none": nil,
		"every check": func(_ *findings.Snapshot, c *config.Config) {
			for _, ch := range testEngine(t).Checks() {
				if ch.ID == "KH-COV-001" {
					continue
				}
				if ch.Severity == findings.SeverityBlocker {
					for _, sys := range []string{"m365", "prod", "corp-ad", "gh", "declared", "ldap2"} {
						c.Policy.Waivers = append(c.Policy.Waivers, waiver(ch.ID, sys))
					}
					continue
				}
				c.Policy.Waivers = append(c.Policy.Waivers, waiver(ch.ID, ""))
			}
		},
	}
	scopes := map[string]mut{
		"full": nil,
		"no targets": func(s *findings.Snapshot, c *config.Config) {
			c.Targets = nil
			s.Systems = slices.DeleteFunc(s.Systems, func(x findings.System) bool { return x.Kind != findings.SystemDeclared })
			s.Principals, s.Grants, s.Memberships, s.Trusts = nil, nil, nil, nil
			s.Backups = slices.DeleteFunc(s.Backups, func(b findings.Backup) bool { return b.Attributes["source"] != "declared" })
			s.Licences = slices.DeleteFunc(s.Licences, func(l findings.Licence) bool { return l.Channel != "declared" })
		},
		"a target not scanned": func(_ *findings.Snapshot, c *config.Config) {
			c.Targets = append(c.Targets, config.Target{Type: "ldap", Name: "ldap2"})
		},
		"a blocker fails": func(s *findings.Snapshot, _ *config.Config) {
			dropGrants(s, alice)
			dropMember(s, bob, gaGroup)
		},
		"nothing read": func(s *findings.Snapshot, c *config.Config) {
			for _, sys := range []string{"m365", "prod", "corp-ad", "gh", "azure"} {
				systemGap(s, sys)
			}
		},
	}
	for gn, g := range gaps {
		for wn, w := range waivers {
			for sn, sc := range scopes {
				if gn == "none" && sn == "full" {
					continue // the baseline passes: ready is right, waivers or not
				}
				snap := baseSnapshot()
				cfg := loadConfig(t, "base.yaml")
				for _, m := range []mut{sc, g, w} {
					if m != nil {
						m(snap, cfg)
					}
				}
				snap.Canonicalize()
				a := evaluate(t, snap, cfg, EvalOptions{})
				if a.Verdict == findings.VerdictReady {
					t.Errorf("gaps %q, waivers %q, scope %q: ready", gn, wn, sn)
				}
				for _, sv := range a.Systems {
					if sv.Kind != findings.SystemDeclared && sv.Verdict == findings.VerdictReady && (gn != "none" && strings.Contains(gn, sv.System) || sn == "nothing read" && slices.Contains([]string{"m365", "prod", "corp-ad", "gh", "azure/sub-1"}, sv.System)) {
						t.Errorf("gaps %q, waivers %q, scope %q: system %s ready", gn, wn, sn, sv.System)
					}
				}
			}
		}
	}
}

// TestIssue12_PassHoldsWhateverTheGapHides: GitHub requires two-factor
// authentication of every member, so a gap in members' MFA state cannot
// change KH-KEY-002's pass.
func TestIssue12_PassHoldsWhateverTheGapHides(t *testing.T) {
	snap := baseSnapshot()
	addGap(snap, "gh", "mfa")
	a := evaluate(t, snap, loadConfig(t, "base.yaml"), EvalOptions{})
	if st, _ := worst(a, "KH-KEY-002", "gh"); st != findings.StatusPass {
		t.Errorf("KH-KEY-002 on gh %s, want pass (2FA required)\n%s", st, dumpFindings(findingsOf(a, "KH-KEY-002")))
	}
	snap = baseSnapshot()
	sysOf(snap, "gh").Attributes["two_factor_requirement_enabled"] = "false"
	// Without the requirement, the 2fa_disabled filter is the only source:
	// when it fails, the scanner leaves every member's MFA unknown.
	mfaNotRead(snap, "gh")
	a = evaluate(t, snap, loadConfig(t, "base.yaml"), EvalOptions{})
	if st, _ := worst(a, "KH-KEY-002", "gh"); st != findings.StatusUnknown {
		t.Errorf("KH-KEY-002 on gh without the requirement %s, want unknown", st)
	}
}
