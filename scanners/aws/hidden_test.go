package aws

import (
	"slices"
	"testing"

	"github.com/keyholder/keyholder/findings"
)

const mspTenant = "0e5b0000-0000-4000-8000-00000000beef"

func resourceTrust(snap *findings.Snapshot, typ, resource string) *findings.Trust {
	for i := range snap.Trusts {
		if t := &snap.Trusts[i]; t.Kind == findings.TrustAWSResourcePolicy && t.Attributes["resource_type"] == typ && t.Attributes["resource"] == resource {
			return t
		}
	}
	return nil
}

// TestHiddenPathsIssue13: a SAML provider whose IdP is the MSP's Entra
// tenant gives the MSP's staff AdministratorAccess; resource policies let
// the MSP's account decrypt and delete backups; Systems Manager inventory
// shows the MSP's RMM agent.
func TestHiddenPathsIssue13(t *testing.T) {
	fake, url := startFake(t, loadScenario(t, "single.yaml"))
	s := newTestScanner(t, target(t, url, "backup_bucket_tags: {purpose: backup}"), testEnv(), "AKIACUSTOMERAUDIT01")
	snap := scan(t, s)

	t.Run("saml_provider_of_msp_tenant", func(t *testing.T) {
		tr := trustNamed(snap, "AcmeEntraAdmin", "arn:aws:iam::111111111111:saml-provider/AcmeEntra")
		if tr == nil || tr.Counterparty != mspTenant || tr.CounterpartyKind != "entra_tenant" ||
			tr.Attributes["idp_entity_id"] != "https://sts.windows.net/"+mspTenant+"/" || tr.Attributes["idp_type"] != "saml" || tr.Level != findings.LevelSuperAdmin {
			t.Fatalf("federated trust = %+v", tr)
		}
		ext := findings.PrincipalID(findings.PrincipalExternal, sys, mspTenant)
		p := principal(snap, ext)
		if p == nil || p.HomeOrg != mspTenant || p.HomeOrgKind != "entra_tenant" {
			t.Fatalf("federated counterparty principal = %+v", p)
		}
		g := grantNamed(snap, ext, "AdministratorAccess")
		if g == nil || g.Level != findings.LevelSuperAdmin || !slices.Equal(g.Via, []string{tr.ID, roleID("AcmeEntraAdmin")}) {
			t.Fatalf("MSP tenant's grant through the SAML role = %+v", g)
		}
	})
	t.Run("customer_saml_provider", func(t *testing.T) {
		tr := trustNamed(snap, "SupportFederated", "arn:aws:iam::111111111111:saml-provider/ContosoIdP")
		if tr == nil || tr.Counterparty != "c0c0c0c0-0000-4000-8000-000000000001" || tr.CounterpartyKind != "entra_tenant" {
			t.Fatalf("customer federated trust = %+v", tr)
		}
	})
	t.Run("github_oidc_by_sub_organisation", func(t *testing.T) {
		tr := trustNamed(snap, "GitHubDeploy", "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com")
		if tr == nil || tr.Counterparty != "contoso" || tr.CounterpartyKind != "github_account" || tr.Attributes["idp_host"] != "token.actions.githubusercontent.com" ||
			tr.Attributes["idp_client_ids"] != "sts.amazonaws.com" || tr.Conditions["token.actions.githubusercontent.com:sub"] != "StringLike:repo:contoso/*" {
			t.Fatalf("OIDC trust = %+v", tr)
		}
	})
	t.Run("resource_policies_let_msp_in", func(t *testing.T) {
		key := resourceTrust(snap, "kms_key", "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab")
		if key == nil || key.Counterparty != mspAcct || !slices.Equal(key.Permissions, []string{"kms:Decrypt"}) || key.Level != findings.LevelPrivileged {
			t.Errorf("KMS key trust = %+v", key)
		}
		bucket := resourceTrust(snap, "s3_bucket", "arn:aws:s3:::contoso-backups")
		if bucket == nil || !slices.Equal(bucket.Permissions, []string{"s3:DeleteObject"}) || bucket.Level != findings.LevelAdmin {
			t.Errorf("bucket trust = %+v", bucket)
		}
		var vault *findings.Trust
		for i := range snap.Trusts {
			if tr := &snap.Trusts[i]; tr.Kind == findings.TrustAWSResourcePolicy && tr.Attributes["resource_type"] == "backup_vault" {
				if vault != nil {
					t.Errorf("second vault trust %+v (the Deny statement of prod-vault is no trust)", tr)
				}
				vault = tr
			}
		}
		if vault == nil || vault.Counterparty != mspAcct || !slices.Contains(vault.Permissions, "backup:DeleteRecoveryPoint") || vault.Level != findings.LevelAdmin {
			t.Errorf("vault trust = %+v", vault)
		}
	})
	t.Run("ssm_remote_tools", func(t *testing.T) {
		var got []findings.Asset
		for _, a := range snap.Assets {
			if a.Kind == findings.AssetRemoteTool {
				got = append(got, a)
			}
		}
		if len(got) != 2 || got[0].Name != "NinjaOne" || got[0].Attributes["device_count"] != "2" ||
			got[0].Attributes["devices"] != "us-east-1/i-0a1b2c3d4e5f00001, us-east-1/i-0a1b2c3d4e5f00002" ||
			got[1].Name != "TeamViewer" || got[1].Attributes["device_count"] != "1" || got[1].Attributes["source"] != "ssm" {
			t.Fatalf("remote tools = %+v", got)
		}
		if snap.Systems[0].Attributes["device_inventory"] != "ssm" {
			t.Errorf("system does not say the inventory was read: %v", snap.Systems[0].Attributes)
		}
	})
	t.Run("roles_anywhere_trust_anchors", func(t *testing.T) {
		var pca, bundle *findings.Trust
		for i := range snap.Trusts {
			tr := &snap.Trusts[i]
			if tr.Kind != findings.TrustAWSRolesAnywhere {
				continue
			}
			switch tr.Attributes["source_type"] {
			case "AWS_ACM_PCA":
				pca = tr
			case "CERTIFICATE_BUNDLE":
				bundle = tr
			}
		}
		if pca == nil || pca.Counterparty != mspAcct || pca.CounterpartyKind != "aws_account" || pca.PrincipalID != roleID("CertAutomation") ||
			pca.Level != findings.LevelSuperAdmin {
			t.Errorf("PCA anchor trust = %+v", pca)
		}
		if bundle == nil || bundle.Counterparty != "Acme IT" || bundle.CounterpartyKind != "name" || bundle.PrincipalID != roleID("CertAutomation") {
			t.Errorf("bundle anchor trust = %+v", bundle)
		}
	})
	t.Run("request_budget", func(t *testing.T) {
		c := fake.Counts()
		for op, want := range map[string]int{
			"iam:ListSAMLProviders": 1, "iam:GetSAMLProvider": 2, "iam:ListOpenIDConnectProviders": 1,
			"iam:GetOpenIDConnectProvider": 1, "ssm:GetInventory": 1, "rolesanywhere:ListTrustAnchors": 1,
		} {
			if c[op] != want {
				t.Errorf("%s called %d times, want %d", op, c[op], want)
			}
		}
	})
}

// TestHiddenPathGapsIssue13: unreadable federation or inventory is a gap.
func TestHiddenPathGapsIssue13(t *testing.T) {
	sc := loadScenario(t, "single.yaml")
	sc.Faults.Deny = append(sc.Faults.Deny, "iam:GetSAMLProvider", "ssm:GetInventory")
	_, url := startFake(t, sc)
	s := newTestScanner(t, target(t, url), testEnv(), "AKIACUSTOMERAUDIT01")
	snap := scan(t, s)
	for _, col := range []string{"trusts/federation", "inventory/ssm"} {
		if g := gapFor(snap, col); g == nil || g.Reason != findings.GapDenied {
			t.Errorf("gap %s = %+v", col, g)
		}
	}
	tr := trustNamed(snap, "AcmeEntraAdmin", "arn:aws:iam::111111111111:saml-provider/AcmeEntra")
	if tr == nil || tr.CounterpartyKind != "federated" || tr.Attributes["idp_read"] != "false" {
		t.Errorf("trust of an unread provider = %+v", tr)
	}
	for _, a := range snap.Assets {
		if a.Kind == findings.AssetRemoteTool {
			t.Errorf("remote tool without inventory: %+v", a)
		}
	}
	for _, sy := range snap.Systems {
		if v, ok := sy.Attributes["device_inventory"]; ok {
			t.Errorf("%s: device_inventory = %q without an inventory", sy.ID, v)
		}
	}
}

// TestInventoryPagingIssue13: the SSM inventory is read page by page
// (here one instance a page) and every page counts.
func TestInventoryPagingIssue13(t *testing.T) {
	sc := loadScenario(t, "single.yaml")
	sc.PageSize = map[string]int{"ssm:GetInventory": 1}
	fake, url := startFake(t, sc)
	snap := scan(t, newTestScanner(t, target(t, url), testEnv(), "AKIACUSTOMERAUDIT01"))
	if got := fake.Counts()["ssm:GetInventory"]; got != 3 {
		t.Errorf("GetInventory called %d times, want 3 (one instance with applications a page)", got)
	}
	found := false
	for _, a := range snap.Assets {
		if a.Kind == findings.AssetRemoteTool && a.Name == "NinjaOne" {
			found = true
			if a.Attributes["device_count"] != "2" {
				t.Errorf("NinjaOne across pages = %+v", a)
			}
		}
	}
	if !found {
		t.Error("NinjaOne not found across pages")
	}
}
