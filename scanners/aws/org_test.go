package aws

import (
	"testing"

	"github.com/keyholder/keyholder/findings"
)

func orgTarget(t testing.TB, url string) []string {
	return []string{"organization: {enabled: true, accounts: all, exclude: [\"555555555555\"], concurrency: 2}"}
}

func TestScanOrganization(t *testing.T) {
	fake, url := startFake(t, loadScenario(t, "org.yaml"))
	s := newTestScanner(t, target(t, url, orgTarget(t, url)...), testEnv(), "AKIAORGMANAGEMENT01")
	snap := scan(t, s)
	golden(t, snap, url, "org.golden.json")

	systems := map[string]findings.System{}
	for _, sy := range snap.Systems {
		systems[sy.ID] = sy
	}
	t.Run("one system per member", func(t *testing.T) {
		for _, id := range []string{"prod", "prod/222222222222", "prod/333333333333"} {
			if _, ok := systems[id]; !ok {
				t.Errorf("missing system %s (have %v)", id, snap.Systems)
			}
		}
		if _, ok := systems["prod/555555555555"]; ok {
			t.Error("excluded account was scanned")
		}
		if systems["prod/222222222222"].NativeID != "222222222222" {
			t.Errorf("native id: %+v", systems["prod/222222222222"])
		}
	})
	t.Run("member whose role cannot be assumed is a gap", func(t *testing.T) {
		var g *findings.Gap
		for i := range snap.Gaps {
			if snap.Gaps[i].System == "prod/333333333333" && snap.Gaps[i].Collection == "system" {
				g = &snap.Gaps[i]
			}
		}
		if g == nil || g.Reason != findings.GapDenied {
			t.Fatalf("gap: %+v (all: %+v)", g, snap.Gaps)
		}
		for _, p := range snap.Principals {
			if p.System == "prod/333333333333" {
				t.Fatalf("principal from the unassumable account: %+v", p)
			}
		}
		if fake.Counts()["sts:AssumeRole"] < 2 {
			t.Fatalf("AssumeRole calls: %v", fake.Counts())
		}
	})
	t.Run("member root e-mail from ListAccounts", func(t *testing.T) {
		p := principal(snap, findings.PrincipalID(findings.PrincipalRoot, "prod/222222222222", "222222222222"))
		if p == nil || len(p.Emails) != 1 || p.Emails[0] != "aws-workloads@contoso.example" {
			t.Fatalf("root: %+v", p)
		}
		if m := principal(snap, findings.PrincipalID(findings.PrincipalRoot, "prod", "111111111111")); m == nil || m.Emails[0] != "aws-management@contoso.example" {
			t.Fatalf("management root: %+v", m)
		}
	})
	t.Run("Identity Center admin permission set assigned to an MSP group", func(t *testing.T) {
		var grp *findings.Principal
		for i := range snap.Principals {
			if snap.Principals[i].DisplayName == "Acme-Admins" {
				grp = &snap.Principals[i]
			}
		}
		if grp == nil || grp.System != "prod" {
			t.Fatalf("group: %+v", grp)
		}
		g := grantNamed(snap, grp.ID, "AdministratorAccess")
		if g == nil || g.System != "prod/222222222222" || g.Scope != "222222222222" || g.Level != findings.LevelSuperAdmin {
			t.Fatalf("grant: %+v", g)
		}
		var dave *findings.Principal
		for i := range snap.Principals {
			if snap.Principals[i].Login == "dave@acme-it.example" {
				dave = &snap.Principals[i]
			}
		}
		if dave == nil || dave.Emails[0] != "dave@acme-it.example" || dave.Domain != "acme-it.example" {
			t.Fatalf("dave: %+v", dave)
		}
		member := false
		for _, m := range snap.Memberships {
			member = member || (m.MemberID == dave.ID && m.GroupID == grp.ID)
		}
		if !member {
			t.Fatal("dave is not a member of Acme-Admins")
		}
		if g := grantNamed(snap, dave.ID, "BackupOperator"); g == nil || g.Level != findings.LevelPrivileged || g.System != "prod" {
			t.Fatalf("inline permission set: %+v", g)
		}
	})
	t.Run("OrganizationAccountAccessRole in a member", func(t *testing.T) {
		var tr *findings.Trust
		for i := range snap.Trusts {
			if snap.Trusts[i].System == "prod/222222222222" && snap.Trusts[i].Kind == findings.TrustAWSOrgManagement {
				tr = &snap.Trusts[i]
			}
		}
		if tr == nil || tr.Counterparty != "111111111111" || tr.Level != findings.LevelSuperAdmin {
			t.Fatalf("trust: %+v", tr)
		}
	})
	t.Run("SCPs from the management account", func(t *testing.T) {
		if v := systems["prod"].Attributes["service_control_policies"]; v != "DenyLeaveOrganization,FullAWSAccess" {
			t.Fatalf("scps: %q", v)
		}
		for _, l := range snap.Licences {
			if l.SKU == "aws-account" && l.OwnerOfRecord != "111111111111" {
				t.Fatalf("billing owner: %+v", l)
			}
		}
	})
}
