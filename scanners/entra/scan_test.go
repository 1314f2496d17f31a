package entra

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/goldentest"
)

const mspTenant = "0e5b0000-0000-4000-8000-00000000beef"

// TestTenantCases scans the fake Contoso tenant and checks every case the
// scanner must report, then compares the whole snapshot with the golden
// file (go test -run TestTenantCases -update rewrites it).
func TestTenantCases(t *testing.T) {
	f := newFixture(t, loadScenario(t), "")
	snap := f.scan(t)

	t.Run("system", func(t *testing.T) {
		sys := snap.Systems[0]
		if sys.ID != "m365" || sys.NativeID != tenantID || sys.Name != "Contoso Ltd" || sys.Kind != findings.SystemEntra {
			t.Fatalf("system = %+v", sys)
		}
		if !slices.Equal(sys.Domains, []string{"contoso.example", "contoso.onmicrosoft.example"}) {
			t.Errorf("domains = %v", sys.Domains)
		}
		if len(sys.Contacts) != 1 || sys.Contacts[0] != (findings.Contact{Kind: "technical", Email: "it@msp.example"}) {
			t.Errorf("contacts = %+v", sys.Contacts)
		}
		if sys.Attributes["initial_domain"] != "contoso.onmicrosoft.example" || sys.Attributes["dirsync_enabled"] != "true" ||
			sys.Attributes["m365_backup_status"] != "enabled" {
			t.Errorf("attributes = %v", sys.Attributes)
		}
	})

	t.Run("global_admin_direct_permanent", func(t *testing.T) {
		g := findGrant(snap, idAlice, "Global Administrator", findings.AssignmentPermanent)
		if g == nil || g.Level != findings.LevelSuperAdmin || !g.Direct || g.Scope != "/" {
			t.Fatalf("alice's GA grant = %+v (all: %+v)", g, grantsOf(snap, idAlice))
		}
	})

	t.Run("global_admin_via_role_assignable_group", func(t *testing.T) {
		grp := findGrant(snap, idTier0, "Global Administrator", findings.AssignmentPermanent)
		if grp == nil || !grp.Direct {
			t.Fatalf("group grant = %+v", grp)
		}
		for _, member := range []string{idBob, idOps} {
			g := findGrant(snap, member, "Global Administrator", findings.AssignmentPermanent)
			if g == nil || g.Direct || g.Level != findings.LevelSuperAdmin || !slices.Equal(g.Via, []string{grp.PrincipalID}) {
				t.Errorf("%s's grant through the group = %+v", member, g)
			}
		}
		// All Staff holds no role: its members get nothing through it.
		if g := findGrant(snap, idCarol, "Global Administrator", findings.AssignmentPermanent); g != nil {
			t.Errorf("carol has a GA grant she should not: %+v", g)
		}
	})

	t.Run("global_admin_pim_eligible_only", func(t *testing.T) {
		gs := grantsOf(snap, idCarol)
		if len(gs) != 1 || gs[0].Assignment != findings.AssignmentEligible || gs[0].Level != findings.LevelSuperAdmin ||
			gs[0].Expires == nil || !gs[0].Expires.Equal(date("2027-03-01T00:00:00Z")) {
			t.Fatalf("carol's grants = %+v", gs)
		}
	})

	t.Run("au_scoped_admin", func(t *testing.T) {
		gs := grantsOf(snap, idDave)
		var ua *findings.Grant
		for i := range gs {
			if gs[i].Privilege == "User Administrator" {
				ua = &gs[i]
			}
		}
		if ua == nil || ua.Scope != "/administrativeUnits/"+idAUOslo || ua.Attributes["scope_name"] != "administrative unit Branch Oslo" || ua.Level != findings.LevelAdmin {
			t.Fatalf("dave's AU grant = %+v", ua)
		}
	})

	t.Run("b2b_guest_admin_from_msp", func(t *testing.T) {
		p := principal(snap, idTech1)
		if p == nil || p.Kind != findings.PrincipalGuest || p.Domain != "msp.example" || p.HomeOrg != "msp.example" || p.HomeOrgKind != "domain" {
			t.Fatalf("tech1 = %+v", p)
		}
		g := findGrant(snap, idTech1, "Exchange Administrator", findings.AssignmentTimeBound)
		if g == nil || g.Expires == nil || !g.Expires.Equal(date("2026-12-01T00:00:00Z")) {
			t.Fatalf("tech1's time-bound Exchange grant = %+v (all %+v)", g, grantsOf(snap, idTech1))
		}
		if findGrant(snap, idTech1, "Helpdesk Administrator", findings.AssignmentEligible) == nil {
			t.Errorf("tech1's eligible Helpdesk grant missing")
		}
		// The issuer form of the identity gives the domain too.
		if p := principal(snap, idOps); p == nil || p.Domain != "msp.example" {
			t.Errorf("ops = %+v", p)
		}
	})

	t.Run("service_principal_of_other_tenant_with_role_management", func(t *testing.T) {
		p := principal(snap, idRMM)
		if p == nil || p.Kind != findings.PrincipalServicePrincipal || p.HomeOrg != mspTenant || p.HomeOrgKind != "entra_tenant" {
			t.Fatalf("rmm = %+v", p)
		}
		g := findGrant(snap, idRMM, "RoleManagement.ReadWrite.Directory", findings.AssignmentActive)
		if g == nil || g.Level != findings.LevelSuperAdmin || g.Scope != "Microsoft Graph" || g.PrivilegeID != "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8" {
			t.Fatalf("rmm's Graph permission = %+v", g)
		}
		tr := trust(snap, findings.TrustThirdPartyApp, mspTenant)
		if tr == nil || tr.PrincipalID != p.ID || tr.Level != findings.LevelSuperAdmin ||
			!slices.Contains(tr.Permissions, "RoleManagement.ReadWrite.Directory") || !slices.Contains(tr.Permissions, "role:Application Administrator") {
			t.Fatalf("rmm trust = %+v", tr)
		}
	})

	t.Run("backup_capable_third_party_app", func(t *testing.T) {
		tr := trust(snap, findings.TrustThirdPartyApp, "7e4d0000-0000-4000-8000-000000000001")
		if tr == nil || tr.Attributes["backup_capable"] != "true" || tr.Attributes["data_access"] != "files,mail" ||
			!slices.Contains(tr.Permissions, "full_access_as_app") || !slices.Contains(tr.Permissions, "delegated:offline_access") {
			t.Fatalf("backup app trust = %+v", tr)
		}
		// Per-user consent is not collected ($filter consentType eq 'AllPrincipals').
		if g := findGrant(snap, idHRSync, "Mail.Read", findings.AssignmentActive); g != nil {
			t.Errorf("per-user delegated grant collected: %+v", g)
		}
	})

	t.Run("partner_created_subscription", func(t *testing.T) {
		var e5, p2 *findings.Licence
		for i := range snap.Licences {
			switch snap.Licences[i].Product {
			case "SPE_E5":
				e5 = &snap.Licences[i]
			case "AAD_PREMIUM_P2":
				p2 = &snap.Licences[i]
			}
		}
		if e5 == nil || e5.Channel != "partner" || e5.OwnerOfRecord != mspTenant || e5.OwnerKind != "entra_tenant" ||
			e5.Quantity != 25 || e5.Consumed != 21 || e5.Renews == nil {
			t.Fatalf("E5 = %+v", e5)
		}
		if p2 == nil || p2.Channel != "direct" || p2.OwnerOfRecord != tenantID {
			t.Fatalf("P2 = %+v", p2)
		}
	})

	t.Run("cross_tenant_partner", func(t *testing.T) {
		tr := trust(snap, findings.TrustEntraPartner, mspTenant)
		if tr == nil || tr.Attributes["is_service_provider"] != "true" || tr.Conditions["inbound_mfa_accepted"] != "true" {
			t.Fatalf("partner trust = %+v", tr)
		}
	})

	t.Run("gdap_is_a_gap_not_no_partner", func(t *testing.T) {
		g := gap(snap, "trusts/gdap")
		if g == nil || g.Reason != findings.GapUnsupported || !strings.Contains(g.Remedy, "declared.relationships") {
			t.Fatalf("gdap gap = %+v", g)
		}
		for _, tr := range snap.Trusts {
			if tr.Kind == findings.TrustEntraGDAP {
				t.Errorf("GDAP trust invented: %+v", tr)
			}
		}
		if len(snap.Gaps) != 1 {
			t.Errorf("gaps besides GDAP: %+v", snap.Gaps)
		}
	})

	t.Run("mfa", func(t *testing.T) {
		for id, want := range map[string]findings.MFA{
			idAlice: findings.MFARegistered, idCarol: findings.MFANone, idErin: findings.MFAUnknown,
			idOps: findings.MFARegistered, idTech1: findings.MFAUnknown, idRMM: findings.MFAUnknown,
		} {
			if p := principal(snap, id); p == nil || p.MFA != want {
				t.Errorf("%s: mfa %v, want %v", id, p.MFA, want)
			}
		}
	})

	t.Run("activity_and_credentials", func(t *testing.T) {
		bob := principal(snap, idBob)
		if !bob.LastActivityKnown || bob.LastActivity == nil || !bob.LastActivity.Equal(date("2026-10-20T08:00:00Z")) {
			t.Errorf("bob's last activity = %v known=%v", bob.LastActivity, bob.LastActivityKnown)
		}
		if bg := principal(snap, idBreakGlass); !bg.LastActivityKnown || bg.LastActivity != nil {
			t.Errorf("never-signed-in user: %v known=%v", bg.LastActivity, bg.LastActivityKnown)
		}
		hr := principal(snap, idHRSync)
		if hr == nil || len(hr.Credentials) != 3 {
			t.Fatalf("hr sync credentials = %+v", hr)
		}
		active := 0
		for _, c := range hr.Credentials {
			if c.Active {
				active++
			}
		}
		if active != 2 {
			t.Errorf("active credentials = %d, want 2 (one secret expired)", active)
		}
		if g := findGrant(snap, idTech1, "Application owner", findings.AssignmentActive); g == nil || g.Attributes["app_id"] != "33330000-0000-4000-8000-000000000003" {
			t.Errorf("tech1's app ownership = %+v", g)
		}
	})

	t.Run("backups", func(t *testing.T) {
		if len(snap.Backups) != 2 {
			t.Fatalf("backups = %+v", snap.Backups)
		}
		b := snap.Backups[0]
		if b.StorageOwner != tenantID || b.Location != "Microsoft 365 Backup" || b.Protects == "" {
			t.Errorf("backup = %+v", b)
		}
	})

	t.Run("golden", func(t *testing.T) {
		var buf bytes.Buffer
		if err := snap.Encode(&buf); err != nil {
			t.Fatal(err)
		}
		// The fake listens on a random port; the golden file holds a fixed name.
		got := bytes.ReplaceAll(buf.Bytes(), []byte(f.srv.URL), []byte("http://graph.fake"))
		golden(t, filepath.Join("testdata", "golden", "tenant.json"), got)
	})
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	goldentest.Check(t, path, got, *update)
}
