package aws

import (
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
)

const (
	sys      = "prod"
	custAcct = "111111111111"
	mspAcct  = "999999999999"
)

func userID(name string) string {
	return findings.PrincipalID(findings.PrincipalUser, sys, "arn:aws:iam::"+custAcct+":user/"+name)
}

func roleID(name string) string {
	return findings.PrincipalID(findings.PrincipalRole, sys, "arn:aws:iam::"+custAcct+":role/"+name)
}

func TestScanSingleAccount(t *testing.T) {
	fake, url := startFake(t, loadScenario(t, "single.yaml"))
	s := newTestScanner(t, target(t, url, "backup_bucket_tags: {purpose: backup}"), testEnv(), "AKIACUSTOMERAUDIT01")
	snap := scan(t, s)
	golden(t, snap, url, "single.golden.json")

	t.Run("customer admin with MFA", func(t *testing.T) {
		p := principal(snap, userID("alice"))
		if p == nil || p.MFA != findings.MFARegistered || p.Emails[0] != "alice@contoso.example" {
			t.Fatalf("alice: %+v", p)
		}
		g := grantNamed(snap, findings.PrincipalID(findings.PrincipalGroup, sys, "arn:aws:iam::"+custAcct+":group/Admins"), "AdministratorAccess")
		if g == nil || g.Level != findings.LevelSuperAdmin {
			t.Fatalf("Admins group grant: %+v", g)
		}
		found := false
		for _, m := range snap.Memberships {
			found = found || (m.MemberID == p.ID && m.GroupID == g.PrincipalID)
		}
		if !found {
			t.Error("alice is not a member of Admins")
		}
	})
	t.Run("root without MFA and with keys", func(t *testing.T) {
		p := principal(snap, findings.PrincipalID(findings.PrincipalRoot, sys, custAcct))
		if p == nil || p.MFA != findings.MFANone || p.Attributes["access_keys_present"] != "true" {
			t.Fatalf("root: %+v", p)
		}
		var key *findings.Credential
		for i := range p.Credentials {
			if p.Credentials[i].Kind == "access_key" {
				key = &p.Credentials[i]
			}
		}
		if key == nil || !key.Active || key.LastUsed == nil {
			t.Fatalf("root access key: %+v", p.Credentials)
		}
		if g := grantNamed(snap, p.ID, "root"); g == nil || g.Level != findings.LevelSuperAdmin {
			t.Fatalf("root grant: %+v", g)
		}
	})
	t.Run("MSP role without ExternalId and with AdministratorAccess", func(t *testing.T) {
		tr := trustNamed(snap, "AcmeAdmin", "arn:aws:iam::"+mspAcct+":root")
		if tr == nil || tr.Counterparty != mspAcct || tr.CounterpartyKind != "aws_account" || tr.Level != findings.LevelSuperAdmin {
			t.Fatalf("trust: %+v", tr)
		}
		if _, ok := tr.Conditions["sts:ExternalId"]; ok || tr.Attributes["external_id_required"] != "false" {
			t.Fatalf("conditions: %+v", tr.Conditions)
		}
		ext := findings.PrincipalID(findings.PrincipalExternal, sys, mspAcct)
		if p := principal(snap, ext); p == nil || p.HomeOrg != mspAcct || p.HomeOrgKind != "aws_account" {
			t.Fatalf("external principal: %+v", p)
		}
		ok := false
		for _, g := range grantsOf(snap, ext) {
			if g.Level == findings.LevelSuperAdmin && g.Via[0] == tr.ID && g.Via[1] == roleID("AcmeAdmin") && !g.Direct {
				ok = true
			}
		}
		if !ok {
			t.Fatalf("no super_admin grant to %s via the AcmeAdmin trust: %+v", mspAcct, grantsOf(snap, ext))
		}
	})
	t.Run("MSP role with ExternalId, read-only", func(t *testing.T) {
		tr := trustNamed(snap, "AcmeReadOnly", mspAcct)
		if tr == nil || tr.Conditions["sts:ExternalId"] != "present" || tr.Level != findings.LevelRead {
			t.Fatalf("trust: %+v", tr)
		}
		if strings.Contains(mustJSON(t, snap), "acme-7f3c9") {
			t.Error("the external id value is in the snapshot")
		}
	})
	t.Run("Principal * with a condition", func(t *testing.T) {
		tr := trustNamed(snap, "AnyoneInOrg", "*")
		if tr == nil || tr.Counterparty != "*" || tr.CounterpartyKind != "any" || tr.Conditions["aws:PrincipalOrgID"] != "StringEquals:o-mspowned01" {
			t.Fatalf("trust: %+v", tr)
		}
	})
	t.Run("MFA and source IP conditions", func(t *testing.T) {
		tr := trustNamed(snap, "BreakGlass", "arn:aws:iam::"+custAcct+":root")
		if tr == nil || tr.Conditions["aws:MultiFactorAuthPresent"] != "true" || tr.Conditions["aws:SourceIp"] != "IpAddress:203.0.113.0/24" || tr.Level != findings.LevelAdmin {
			t.Fatalf("trust: %+v", tr)
		}
	})
	t.Run("federated and service trusts", func(t *testing.T) {
		// Issue 13: the SAML provider is resolved to the Entra tenant its
		// metadata names.
		if tr := trustNamed(snap, "SupportFederated", "arn:aws:iam::"+custAcct+":saml-provider/ContosoIdP"); tr == nil || tr.CounterpartyKind != "entra_tenant" ||
			tr.Counterparty != "c0c0c0c0-0000-4000-8000-000000000001" {
			t.Fatalf("federated: %+v", tr)
		}
		if tr := trustNamed(snap, "lambda-exec", "lambda.amazonaws.com"); tr == nil || tr.CounterpartyKind != "service" {
			t.Fatalf("service: %+v", tr)
		}
		// A Deny trust statement is not a trust.
		if tr := trustNamed(snap, "keyholder-audit-unused", "*"); tr != nil {
			t.Fatalf("deny statement became a trust: %+v", tr)
		}
	})
	t.Run("permissions boundary caps the level", func(t *testing.T) {
		g := grantNamed(snap, roleID("SupportFederated"), "AdministratorAccess")
		if g == nil || g.Level != findings.LevelPrivileged || g.Attributes["uncapped_level"] != "super_admin" {
			t.Fatalf("grant: %+v", g)
		}
	})
	t.Run("IAM write and PassRole+compute are admin", func(t *testing.T) {
		if g := grantNamed(snap, userID("acme-tech"), "self-service"); g == nil || g.Level != findings.LevelAdmin {
			t.Fatalf("inline iam:AttachUserPolicy: %+v", g)
		}
		if g := grantNamed(snap, userID("deploy-bot"), "combined identity policies"); g == nil || g.Level != findings.LevelAdmin {
			t.Fatalf("PassRole+lambda across two policies: %+v", g)
		}
	})
	t.Run("management account owned by the MSP", func(t *testing.T) {
		var lic *findings.Licence
		for i := range snap.Licences {
			if snap.Licences[i].SKU == "aws-account" {
				lic = &snap.Licences[i]
			}
		}
		if lic == nil || lic.OwnerOfRecord != mspAcct || lic.Attributes["owner_email"] != "aws-billing@acme-it.example" {
			t.Fatalf("billing licence: %+v", lic)
		}
		var tr *findings.Trust
		for i := range snap.Trusts {
			if snap.Trusts[i].Kind == findings.TrustAWSOrgManagement {
				tr = &snap.Trusts[i]
			}
		}
		if tr == nil || tr.Counterparty != mspAcct || tr.Level != findings.LevelSuperAdmin || tr.Attributes["organization_access_role"] != "present" {
			t.Fatalf("org management trust: %+v", tr)
		}
		if oar := trustNamed(snap, "OrganizationAccountAccessRole", "arn:aws:iam::"+mspAcct+":root"); oar == nil || oar.Attributes["organization_access_role"] != "true" {
			t.Fatalf("OrganizationAccountAccessRole trust: %+v", oar)
		}
		if g := gapFor(snap, "contacts/root_email"); g == nil || g.Reason != findings.GapUnsupported {
			t.Fatalf("root e-mail gap: %+v", g)
		}
	})
	t.Run("vault with the key in the MSP account", func(t *testing.T) {
		b := backupNamed(snap, "msp-key-vault")
		if b == nil || b.KeyOwner != mspAcct || b.StorageOwner != custAcct || b.LastRecoveryPoint == nil {
			t.Fatalf("vault: %+v", b)
		}
		if d := backupNamed(snap, "Default"); d == nil || d.KeyOwner != "aws_managed" {
			t.Fatalf("default vault: %+v", d)
		}
	})
	t.Run("copy action to an MSP vault", func(t *testing.T) {
		b := backupNamed(snap, "prod-vault")
		if b == nil || len(b.Copies) != 1 || b.Copies[0].Owner != mspAcct || !b.Immutable || b.KeyOwner != custAcct {
			t.Fatalf("vault: %+v", b)
		}
		if b.Attributes["delete_denied_to"] != "arn:aws:iam::"+mspAcct+":root" || b.Attributes["key_policy_other_accounts"] != mspAcct {
			t.Fatalf("attributes: %+v", b.Attributes)
		}
		if b.LastRecoveryPoint == nil || b.LastRecoveryPoint.Format("2006-01-02") != "2026-10-31" {
			t.Fatalf("last recovery point: %v", b.LastRecoveryPoint)
		}
	})
	t.Run("bucket replication to another account", func(t *testing.T) {
		b := backupNamed(snap, "contoso-backups")
		if b == nil || len(b.Copies) != 1 || b.Copies[0].Owner != "444444444444" || b.KeyOwner != custAcct {
			t.Fatalf("bucket: %+v", b)
		}
		hasMSP := false
		for _, d := range b.Deleters {
			hasMSP = hasMSP || d == "arn:aws:iam::"+mspAcct+":root"
		}
		if !hasMSP {
			t.Fatalf("bucket policy deleter missing: %v", b.Deleters)
		}
		if backupNamed(snap, "website-assets") != nil {
			t.Error("a bucket that does not look like a backup target was recorded")
		}
		if b := backupNamed(snap, "db-exports"); b == nil || b.Attributes["backup_reason"] != "tag:purpose" {
			t.Fatalf("tagged bucket: %+v", b)
		}
	})
	t.Run("contacts", func(t *testing.T) {
		got := map[string]string{}
		for _, c := range snap.Systems[0].Contacts {
			got[c.Kind] = c.Email
		}
		if got["billing"] != "billing@acme-it.example" || got["security"] != "security@contoso.example" || got["management_account"] != "aws-billing@acme-it.example" {
			t.Fatalf("contacts: %+v", snap.Systems[0].Contacts)
		}
	})
	t.Run("efficient", func(t *testing.T) {
		c := fake.Counts()
		if c["iam:GetAccountAuthorizationDetails"] != 1 || c["iam:GetCredentialReport"] != 1 {
			t.Fatalf("counts: %v", c)
		}
	})
}
