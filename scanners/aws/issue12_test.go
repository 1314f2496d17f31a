package aws

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	awssim "github.com/keyholder/keyholder/internal/sim/aws"
	"github.com/keyholder/keyholder/policies"
)

// issue12Scenario is one customer account scanned on its own.
func issue12Scenario() awssim.Scenario {
	return awssim.Scenario{
		Credentials: []awssim.Credential{{AccessKeyID: "AKIACUSTOMERAUDIT01", Account: custAcct}},
		Accounts: []awssim.Account{{
			ID: custAcct, Name: "customer-prod", Email: "aws-root@contoso.example",
			Root: awssim.Root{MFA: true},
		}},
	}
}

func trustPolicy(cond string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + mspAcct + `:root"},"Action":"sts:AssumeRole","Condition":` + cond + `}]}`
}

// TestIssue12_ExternalIdNullIsNotRequired: only a condition that pins a
// concrete ExternalId counts as "ExternalId required"; Null, IfExists,
// wildcard StringLike and the set forms do not (issue 12 item 6).
func TestIssue12_ExternalIdNullIsNotRequired(t *testing.T) {
	cases := []struct {
		role, cond string
		pinned     bool
	}{
		{"NullTrue", `{"Null":{"sts:ExternalId":"true"}}`, false},
		{"NullFalse", `{"Null":{"sts:ExternalId":"false"}}`, false},
		{"IfExists", `{"StringEqualsIfExists":{"sts:ExternalId":"acme-1"}}`, false},
		{"LikeStar", `{"StringLike":{"sts:ExternalId":"*"}}`, false},
		{"LikePrefix", `{"StringLike":{"sts:ExternalId":"acme-*"}}`, false},
		{"ForAnyValue", `{"ForAnyValue:StringEquals":{"sts:ExternalId":["acme-1"]}}`, false},
		{"ForAllValues", `{"ForAllValues:StringEquals":{"sts:ExternalId":["acme-1"]}}`, false},
		{"NotEquals", `{"StringNotEquals":{"sts:ExternalId":"acme-1"}}`, false},
		{"EqualsStar", `{"StringEquals":{"sts:ExternalId":"*"}}`, false},
		{"Equals", `{"StringEquals":{"sts:ExternalId":"acme-1"}}`, true},
		{"EqualsIgnoreCase", `{"StringEqualsIgnoreCase":{"sts:ExternalId":"ACME-1"}}`, true},
		{"LikeLiteral", `{"StringLike":{"sts:ExternalId":"acme-1"}}`, true},
		{"EqualsAndNull", `{"Null":{"sts:ExternalId":"false"},"StringEquals":{"sts:ExternalId":"acme-1"}}`, true},
	}
	sc := issue12Scenario()
	for _, c := range cases {
		sc.Accounts[0].Roles = append(sc.Accounts[0].Roles, awssim.Role{Name: c.role, Trust: trustPolicy(c.cond), Policies: []string{"ReadOnlyAccess"}})
	}
	_, url := startFake(t, sc)
	snap := scan(t, newTestScanner(t, target(t, url), testEnv(), "AKIACUSTOMERAUDIT01"))
	for _, c := range cases {
		t.Run(c.role, func(t *testing.T) {
			tr := trustNamed(snap, c.role, "arn:aws:iam::"+mspAcct+":root")
			if tr == nil {
				t.Fatal("no trust recorded")
			}
			_, got := tr.Conditions["sts:ExternalId"]
			if got != c.pinned {
				t.Errorf("sts:ExternalId recorded = %v, want %v (conditions %v)", got, c.pinned, tr.Conditions)
			}
			want := "false"
			if c.pinned {
				want = "true"
			}
			if tr.Attributes["external_id_required"] != want {
				t.Errorf("external_id_required = %q, want %q", tr.Attributes["external_id_required"], want)
			}
			if _, np := tr.Conditions[externalIDNotPinned]; np == c.pinned {
				t.Errorf("%q present = %v, want %v", externalIDNotPinned, np, !c.pinned)
			}
			for k, v := range tr.Conditions {
				if v == "acme-1" || v == "ACME-1" || k == "acme-1" {
					t.Errorf("ExternalId value leaked in conditions: %v", tr.Conditions)
				}
			}
		})
	}
}

// TestIssue12_ListAccountsPartialLeavesExitUnknown: when ListAccounts
// fails part-way, the members on the pages not read are a system nobody
// read, so the exit check (and every readiness check) is unknown there
// and the verdict cannot be ready (issue 12 item 2).
func TestIssue12_ListAccountsPartialLeavesExitUnknown(t *testing.T) {
	sc := loadScenario(t, "org.yaml")
	sc.PageSize = map[string]int{"organizations:ListAccounts": 2} // 111…, 222… | 333…, 555…
	sc.Faults.Deny = []string{"organizations:ListAccounts#2"}
	_, url := startFake(t, sc)
	cfg, err := config.Parse([]byte(`organization: {name: Contoso, domains: [contoso.example], aws_accounts: ["111111111111", "222222222222", "333333333333"]}
providers:
  - {name: Acme IT, kind: msp, domains: [acme-it.example], aws_accounts: ["999999999999"]}
targets:
  - type: aws
    name: prod
    region: us-east-1
    endpoint_url: `+url+`
    organization: {enabled: true, accounts: all}
`), "keyholder.yaml")
	if err != nil {
		t.Fatal(err)
	}
	env := testEnv()
	env.Config = cfg
	snap := scan(t, newTestScanner(t, cfg.Targets[0], env, "AKIAORGMANAGEMENT01"))
	unlisted := "prod/" + UnlistedAccounts
	if g := gapOn(snap, unlisted, "system"); g == nil || !strings.Contains(g.Error, "organizations:ListAccounts") {
		t.Fatalf("no system gap for the members never listed: %+v", snap.Gaps)
	}
	engine, err := policies.NewEngine(policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []policies.EvalOptions{{Profile: policies.ProfileExit, ExitProvider: "Acme IT"}, {Profile: policies.ProfileReadiness}} {
		a, err := engine.Evaluate(context.Background(), snap, cfg, ev)
		if err != nil {
			t.Fatal(err)
		}
		if a.Verdict == findings.VerdictReady || a.Verdict == findings.VerdictReadyWithActions {
			t.Errorf("%s: verdict %s with organisation members never read", ev.Profile, a.Verdict)
		}
		want := "KH-KEY-001"
		if ev.Profile == policies.ProfileExit {
			want = "KH-EXIT-001"
		}
		found := false
		for _, f := range a.Findings {
			if f.Check == want && f.System == unlisted {
				found = true
				if f.Status != findings.StatusUnknown {
					t.Errorf("%s on %s: %s, want unknown", want, unlisted, f.Status)
				}
			}
		}
		if !found {
			t.Errorf("%s: no %s finding on %s", ev.Profile, want, unlisted)
		}
	}
}

// TestIssue12_RootUserFacts: the root user of every account carries what
// KH-KEY-007 judges — MFA, access keys (also when only the credential
// report was readable) and the root e-mail where readable (issue 12 item 12,
// scanner side).
func TestIssue12_RootUserFacts(t *testing.T) {
	t.Run("standalone account, summary denied", func(t *testing.T) {
		sc := issue12Scenario()
		sc.Accounts[0].Root = awssim.Root{MFA: false, AccessKeys: 1}
		sc.Faults.Deny = []string{"iam:GetAccountSummary"}
		_, url := startFake(t, sc)
		snap := scan(t, newTestScanner(t, target(t, url), testEnv(), "AKIACUSTOMERAUDIT01"))
		p := principal(snap, findings.PrincipalID(findings.PrincipalRoot, sys, custAcct))
		if p == nil || p.MFA != findings.MFANone || p.Attributes["access_keys_present"] != "true" || p.Attributes["root_email_known"] != "false" {
			t.Fatalf("root = %+v", p)
		}
	})
	t.Run("management account", func(t *testing.T) {
		_, url := startFake(t, loadScenario(t, "org.yaml"))
		snap := scan(t, newTestScanner(t, target(t, url), testEnv(), "AKIAORGMANAGEMENT01"))
		p := principal(snap, findings.PrincipalID(findings.PrincipalRoot, sys, "111111111111"))
		if p == nil || p.MFA != findings.MFARegistered || p.Attributes["access_keys_present"] != "false" ||
			p.Attributes["root_email_known"] != "true" || len(p.Emails) != 1 || p.Emails[0] != "aws-management@contoso.example" {
			t.Fatalf("root = %+v", p)
		}
	})
}

// TestIssue12_IdentityCenterOutsideRegions: the Identity Center instance
// is found in whatever region it lives (account:ListRegions, then
// sso:ListInstances there); when the regions cannot be listed the gap
// names the regions tried; a standalone account with no instance anywhere
// says so without a gap (issue 12 item 7).
func TestIssue12_IdentityCenterOutsideRegions(t *testing.T) {
	mspUser := func(snap *findings.Snapshot) bool {
		for _, g := range snap.Grants {
			if g.Privilege == "BackupOperator" && g.System == sys {
				return true
			}
		}
		return false
	}
	t.Run("found in another region", func(t *testing.T) {
		sc := loadScenario(t, "org.yaml")
		sc.Accounts[0].IdentityCenter.Region = "eu-west-1"
		_, url := startFake(t, sc)
		snap := scan(t, newTestScanner(t, target(t, url), testEnv(), "AKIAORGMANAGEMENT01"))
		sy := systemOf(snap, sys)
		if sy.Attributes["identity_center_region"] != "eu-west-1" || sy.Attributes["identity_center_discovered"] != "true" {
			t.Fatalf("system attributes = %v", sy.Attributes)
		}
		if !mspUser(snap) {
			t.Error("the permission-set assignments of the instance outside regions were not read")
		}
	})
	t.Run("regions not listable, instance in a default region", func(t *testing.T) {
		sc := loadScenario(t, "org.yaml")
		sc.Accounts[0].IdentityCenter.Region = "eu-west-1"
		sc.Faults.Deny = []string{"account:ListRegions"}
		_, url := startFake(t, sc)
		snap := scan(t, newTestScanner(t, target(t, url), testEnv(), "AKIAORGMANAGEMENT01"))
		if sy := systemOf(snap, sys); sy.Attributes["identity_center_region"] != "eu-west-1" || !mspUser(snap) {
			t.Fatalf("instance not found through the default regions: %v", sy.Attributes)
		}
		if g := gapOn(snap, sys, "grants/identity_center"); g != nil {
			t.Errorf("gap although the instance was found: %+v", g)
		}
	})
	t.Run("regions not listable, instance in an opt-in region", func(t *testing.T) {
		sc := loadScenario(t, "org.yaml")
		sc.Accounts[0].IdentityCenter.Region = "af-south-1"
		sc.Faults.Deny = []string{"account:ListRegions"}
		_, url := startFake(t, sc)
		snap := scan(t, newTestScanner(t, target(t, url), testEnv(), "AKIAORGMANAGEMENT01"))
		g := gapOn(snap, sys, "grants/identity_center")
		if g == nil || g.Reason != findings.GapDenied || !strings.Contains(g.Error, "account:ListRegions") {
			t.Fatalf("gap = %+v", g)
		}
		if p := gapOn(snap, sys, "principals/identity_center"); p == nil || !strings.Contains(p.Error, "us-east-1") {
			t.Fatalf("principals gap does not name the regions tried: %+v", p)
		}
	})
	t.Run("no instance anywhere", func(t *testing.T) {
		_, url := startFake(t, issue12Scenario())
		snap := scan(t, newTestScanner(t, target(t, url), testEnv(), "AKIACUSTOMERAUDIT01"))
		sy := systemOf(snap, sys)
		if sy.Attributes["identity_center"] != "none" || !strings.Contains(sy.Attributes["identity_center_regions_tried"], "eu-central-1") {
			t.Fatalf("system attributes = %v", sy.Attributes)
		}
		for _, g := range snap.Gaps {
			if strings.Contains(g.Collection, "identity_center") {
				t.Errorf("gap without cause: %+v", g)
			}
		}
	})
}

// tagsConfig is a config whose sensitive segment names an AWS tag, so the
// scanner reads vault, bucket and account tags.
func tagsConfig(t *testing.T, url string, extra string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(`organization: {name: Contoso}
sensitive:
  - {name: Payroll, aws_tags: {data: payroll}}
targets:
  - type: aws
    name: prod
    region: us-east-1
    endpoint_url: `+url+`
`+extra), "keyholder.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestIssue12_AWSTagsRead: with sensitive.aws_tags configured, the tags of
// roles, backup vaults, backup buckets and accounts (from Organizations)
// are recorded as aws_tag:<Key> attributes; a denied tag read is a gap
// (issue 12 item 5, scanner side).
func TestIssue12_AWSTagsRead(t *testing.T) {
	t.Run("management account", func(t *testing.T) {
		sc := loadScenario(t, "org.yaml")
		sc.Accounts[0].Tags = map[string]string{"data": "payroll", "cost-centre": "42"}
		sc.Accounts[0].Vaults[0].Tags = map[string]string{"data": "payroll"}
		sc.Accounts[0].Roles[0].Tags = map[string]string{"team": "audit"}
		sc.Accounts[0].Buckets = append(sc.Accounts[0].Buckets, awssim.Bucket{Name: "payroll-backup", Tags: map[string]string{"data": "payroll"}},
			awssim.Bucket{Name: "website-assets", Tags: map[string]string{"data": "public"}})
		fake, url := startFake(t, sc)
		defer func() {
			if n := fake.Counts()["s3:GetBucketTagging"]; n != 1 {
				t.Errorf("s3:GetBucketTagging called %d times, want once (only for the backup bucket)", n)
			}
		}()
		cfg := tagsConfig(t, url, "")
		env := testEnv()
		env.Config = cfg
		snap := scan(t, newTestScanner(t, cfg.Targets[0], env, "AKIAORGMANAGEMENT01"))
		sy := systemOf(snap, sys)
		if sy.Attributes["aws_tag:data"] != "payroll" || sy.Attributes["aws_tag:cost-centre"] != "42" || sy.Attributes["aws_tags_read"] != "true" {
			t.Errorf("account tags = %v", sy.Attributes)
		}
		if b := backupNamed(snap, "org-vault"); b == nil || b.Attributes["aws_tag:data"] != "payroll" || b.Attributes["aws_tags_read"] != "true" {
			t.Errorf("vault = %+v", b)
		}
		if b := backupNamed(snap, "payroll-backup"); b == nil || b.Attributes["aws_tag:data"] != "payroll" || b.Attributes["aws_tags_read"] != "true" {
			t.Errorf("bucket = %+v", b)
		}
		if p := principal(snap, findings.PrincipalID(findings.PrincipalRole, sys, "arn:aws:iam::111111111111:role/KeyholderAudit")); p == nil || p.Attributes["aws_tag:team"] != "audit" {
			t.Errorf("role = %+v", p)
		}
	})
	t.Run("denied", func(t *testing.T) {
		sc := loadScenario(t, "org.yaml")
		sc.Faults.Deny = []string{"backup:ListTags", "organizations:ListTagsForResource"}
		_, url := startFake(t, sc)
		cfg := tagsConfig(t, url, "")
		env := testEnv()
		env.Config = cfg
		snap := scan(t, newTestScanner(t, cfg.Targets[0], env, "AKIAORGMANAGEMENT01"))
		for _, c := range []string{"grants/aws_tags/account", "grants/aws_tags/vaults/us-east-1"} {
			if g := gapOn(snap, sys, c); g == nil || g.Reason != findings.GapDenied {
				t.Errorf("gap %s = %+v", c, g)
			}
		}
		if b := backupNamed(snap, "org-vault"); b == nil || b.Attributes["aws_tags_read"] != "false" {
			t.Errorf("vault = %+v", b)
		}
	})
	t.Run("not configured: no tag calls", func(t *testing.T) {
		f, url := startFake(t, loadScenario(t, "org.yaml"))
		scan(t, newTestScanner(t, target(t, url), testEnv(), "AKIAORGMANAGEMENT01"))
		for _, op := range f.Operations() {
			if op == "backup:ListTags" || op == "organizations:ListTagsForResource" {
				t.Errorf("%s called without sensitive aws_tags", op)
			}
		}
	})
}

// TestIssue12_GapsNameTheCall: an AWS gap names the IAM action and where
// it was called beside its collection, e.g. "backup:ListBackupVaults
// (eu-west-1)" (issue 12 item 15).
func TestIssue12_GapsNameTheCall(t *testing.T) {
	sc := issue12Scenario()
	sc.Faults.Deny = []string{"backup:ListBackupVaults", "iam:GetAccountSummary"}
	_, url := startFake(t, sc)
	snap := scan(t, newTestScanner(t, target(t, url, "region: eu-west-1"), testEnv(), "AKIACUSTOMERAUDIT01"))
	if g := gapOn(snap, sys, "backups/vaults/eu-west-1"); g == nil || !strings.Contains(g.Error, "backup:ListBackupVaults (eu-west-1)") {
		t.Errorf("vaults gap = %+v", g)
	}
	action := regexp.MustCompile(`\b[a-z0-9-]+:[A-Z][A-Za-z]+\b`)
	for _, g := range snap.Gaps {
		if g.Collection == "contacts/root_email" {
			continue // no API reads a standalone account's root e-mail: the note says so
		}
		if !action.MatchString(g.Error) {
			t.Errorf("gap %s does not name its call: %q", g.Collection, g.Error)
		}
	}
	if g := gapOn(snap, sys, "mfa/root"); g == nil || !strings.Contains(g.Error, "iam:GetAccountSummary") {
		t.Errorf("root MFA gap = %+v", g)
	}
}

// TestIssue12_ListAccountsDeniedLeavesMembersUnknown: when ListAccounts
// fails on its first page no member is scanned; the unlisted members are
// still a system whose gap leaves their checks unknown (issue 12 item 2).
func TestIssue12_ListAccountsDeniedLeavesMembersUnknown(t *testing.T) {
	sc := loadScenario(t, "org.yaml")
	sc.Faults.Deny = []string{"organizations:ListAccounts"}
	_, url := startFake(t, sc)
	snap := scan(t, newTestScanner(t, target(t, url, "organization: {enabled: true, accounts: all}"), testEnv(), "AKIAORGMANAGEMENT01"))
	g := gapOn(snap, sys+"/"+UnlistedAccounts, "system")
	if g == nil || g.Reason != findings.GapFailed || !strings.Contains(g.Error, "organizations:ListAccounts (page 1)") {
		t.Fatalf("gap = %+v", g)
	}
	if g := gapOn(snap, sys, "organization/accounts"); g == nil || g.Reason != findings.GapDenied {
		t.Fatalf("organization/accounts gap = %+v", g)
	}
}
