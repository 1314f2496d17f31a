package entra

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/sim/graph"
)

// Object ids of testdata/hidden.yaml.
const (
	idTechOne   = "7ec10000-0000-4000-8000-000000000007"
	idTechTwo   = "7ec10000-0000-4000-8000-000000000008"
	idTechThree = "7ec10000-0000-4000-8000-000000000009"
	idTechFour  = "7ec10000-0000-4000-8000-00000000000a"
	idAutoSP    = "5e000000-0000-4000-8000-000000000031"
	idMonitorSP = "5e000000-0000-4000-8000-000000000032"
)

func loadHidden(t testing.TB) *graph.Scenario {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "hidden.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := graph.ParseScenario(b)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func pathGrant(snap *findings.Snapshot, holder, privilege, path string) *findings.Grant {
	for _, g := range grantsOf(snap, holder) {
		if g.Privilege == privilege && g.Attributes["path"] == path {
			return &g
		}
	}
	return nil
}

// TestHiddenPathsIssue13 scans a tenant whose MSP reaches Global
// Administrator and other top roles only through hidden paths, and
// checks each is a grant with Via naming the object it runs through.
func TestHiddenPathsIssue13(t *testing.T) {
	f := newFixture(t, loadHidden(t), "")
	snap := f.scan(t)
	tier0 := findings.PrincipalID(findings.PrincipalGroup, "m365", idTier0)

	t.Run("pim_for_groups_eligible_member_is_eligible_global_admin", func(t *testing.T) {
		g := pathGrant(snap, idTechOne, "Global Administrator", "pim_group_eligible_member")
		if g == nil || g.Assignment != findings.AssignmentEligible || g.Level != findings.LevelSuperAdmin ||
			!slices.Equal(g.Via, []string{tier0}) || g.Direct || g.Expires == nil || g.Expires.Format("2006-01-02") != "2027-06-30" {
			t.Fatalf("tech1's path grant = %+v (all: %+v)", g, grantsOf(snap, idTechOne))
		}
	})
	t.Run("owner_of_role_assignable_group", func(t *testing.T) {
		g := pathGrant(snap, idTechTwo, "Global Administrator", "group_owner")
		if g == nil || g.Assignment != findings.AssignmentActive || !slices.Equal(g.Via, []string{tier0}) || g.Level != findings.LevelSuperAdmin {
			t.Fatalf("tech2's owner grant = %+v (all: %+v)", g, grantsOf(snap, idTechTwo))
		}
	})
	t.Run("pim_for_groups_time_bound_owner", func(t *testing.T) {
		g := pathGrant(snap, idTechThree, "Global Administrator", "pim_group_owner")
		if g == nil || g.Assignment != findings.AssignmentTimeBound || g.Expires == nil || !slices.Equal(g.Via, []string{tier0}) {
			t.Fatalf("tech3's owner schedule grant = %+v (all: %+v)", g, grantsOf(snap, idTechThree))
		}
	})
	t.Run("active_member_schedule_not_doubled", func(t *testing.T) {
		if g := pathGrant(snap, idAlice, "Global Administrator", "pim_group_member"); g != nil {
			t.Errorf("alice, an active member already in the expansion, got a second path grant %+v", g)
		}
	})
	t.Run("owners_of_privileged_app_act_as_it", func(t *testing.T) {
		sp := findings.PrincipalID(findings.PrincipalServicePrincipal, "m365", idAutoSP)
		for _, holder := range []string{idTechFour, idTechThree} { // SP owner, app registration owner
			for _, priv := range []string{"Privileged Role Administrator", "Directory.ReadWrite.All"} {
				g := pathGrant(snap, holder, priv, "app_owner")
				if g == nil || !slices.Equal(g.Via, []string{sp}) || g.Level.Rank() < findings.LevelAdmin.Rank() {
					t.Errorf("%s's %s through the app = %+v", holder, priv, g)
				}
			}
		}
		// The monitor app holds only a read permission: owning it is no path.
		for _, g := range snap.Grants {
			if slices.Contains(g.Via, findings.PrincipalID(findings.PrincipalServicePrincipal, "m365", idMonitorSP)) {
				t.Errorf("path through a read-only app: %+v", g)
			}
		}
	})
	t.Run("contacts_left_behind", func(t *testing.T) {
		want := []findings.Contact{ // canonical order: by kind
			{Kind: "marketing", Email: "news@contoso.example"}, {Kind: "privacy", Email: "privacy@acme-it.example"},
			{Kind: "security", Email: "soc@acme-it.example"}, {Kind: "technical", Email: "it@contoso.example"},
		}
		if got := snap.Systems[0].Contacts; !slices.Equal(got, want) {
			t.Errorf("contacts = %+v, want %+v", got, want)
		}
	})
	t.Run("foreign_tenant_named", func(t *testing.T) {
		tr := trust(snap, findings.TrustThirdPartyApp, mspTenant)
		if tr == nil || tr.Attributes["counterparty_tenant_name"] != "Acme IT GmbH" || tr.Attributes["counterparty_tenant_domain"] != "acme-it.example" {
			t.Fatalf("third-party trust = %+v", tr)
		}
		if p := principal(snap, idMonitorSP); p == nil || p.Attributes["home_tenant_domain"] != "acme-it.example" {
			t.Errorf("monitor app principal = %+v", p)
		}
	})
	t.Run("intune_remote_tools", func(t *testing.T) {
		var tools []findings.Asset
		for _, a := range snap.Assets {
			if a.Kind == findings.AssetRemoteTool {
				tools = append(tools, a)
			}
		}
		if len(tools) != 1 {
			t.Fatalf("remote tools = %+v", tools)
		}
		a := tools[0]
		if a.Name != "NinjaOne" || a.Attributes["device_count"] != "3" || a.Attributes["source"] != "intune" ||
			a.Attributes["devices"] != "CONTOSO-LT-01, CONTOSO-LT-02, CONTOSO-SRV-01" || a.Attributes["version"] != "5.6.1, 5.7.0" ||
			a.Attributes["devices_known"] != "true" {
			t.Errorf("NinjaOne asset = %+v", a)
		}
		if snap.Systems[0].Attributes["device_inventory"] != "intune" {
			t.Errorf("system does not say the inventory was read: %v", snap.Systems[0].Attributes)
		}
	})
	t.Run("no_gaps", func(t *testing.T) {
		for _, g := range snap.Gaps {
			if g.Collection != "trusts/gdap" { // structural: GDAP is not readable from the customer side
				t.Errorf("gap %+v", g)
			}
		}
	})
	t.Run("request_budget", func(t *testing.T) {
		st := f.srv.Stats()
		// One group holds a role: its two PIM for Groups lists share one
		// $batch; one foreign tenant is named in one $batch; Intune is one
		// list plus one $batch for the two matching apps' devices.
		for route, want := range map[string]int{
			"/identityGovernance/privilegedAccess/group/eligibilitySchedules":             1,
			"/identityGovernance/privilegedAccess/group/assignmentSchedules":              1,
			"/tenantRelationships/findTenantInformationByTenantId(tenantId='{tenantId}')": 1,
			"/deviceManagement/detectedApps":                                              1,
			"/deviceManagement/detectedApps/{id}/managedDevices":                          2,
		} {
			if got := st.ByRoute[route]; got != want {
				t.Errorf("%s: %d operations, want %d", route, got, want)
			}
		}
		t.Logf("requests: %s", st.Summary())
	})
}

// TestHiddenPathGapsIssue13: without the new permissions, or without an
// Intune licence, each path is a gap, never silence.
func TestHiddenPathGapsIssue13(t *testing.T) {
	sc := loadHidden(t)
	var perms []string
	for _, p := range graph.DefaultPermissions() {
		switch p {
		case "PrivilegedEligibilitySchedule.Read.AzureADGroup", "CrossTenantInformation.ReadBasic.All", "DeviceManagementManagedDevices.Read.All":
			continue
		}
		perms = append(perms, p)
	}
	sc.Permissions = perms
	snap := newFixture(t, sc, "").scan(t)
	for col, reason := range map[string]findings.GapReason{
		"grants/pim_groups": findings.GapDenied, "trusts/tenant_names": findings.GapDenied, "inventory/intune": findings.GapDenied,
	} {
		g := gap(snap, col)
		if g == nil || g.Reason != reason || g.Remedy == "" {
			t.Errorf("gap %s = %+v", col, g)
		}
	}
	if pathGrant(snap, idTechOne, "Global Administrator", "pim_group_eligible_member") != nil {
		t.Error("eligible path reported although the schedules were not read")
	}
	// Ownership still comes from the group list.
	if pathGrant(snap, idTechTwo, "Global Administrator", "group_owner") == nil {
		t.Error("group owner path lost")
	}

	sc = loadHidden(t)
	sc.NoIntune = true
	snap = newFixture(t, sc, "").scan(t)
	if g := gap(snap, "inventory/intune"); g == nil || g.Reason != findings.GapUnlicensed {
		t.Errorf("Intune without licence: gap = %+v", g)
	}
	if v, ok := snap.Systems[0].Attributes["device_inventory"]; ok {
		t.Errorf("device_inventory = %q without an inventory", v)
	}
	for _, a := range snap.Assets {
		if a.Kind == findings.AssetRemoteTool {
			t.Errorf("remote tool reported without an inventory: %+v", a)
		}
	}

	// A tenant the config attributes needs no name: a failed lookup of
	// it is no gap.
	sc = loadHidden(t)
	sc.Permissions = perms
	f := newFixture(t, sc, "")
	f.sc.env.Config.Providers = append(f.sc.env.Config.Providers, providerWithTenant("Acme IT", mspTenant))
	snap = f.scan(t)
	if g := gap(snap, "trusts/tenant_names"); g != nil {
		t.Errorf("gap for a configured tenant: %+v", g)
	}
}

func providerWithTenant(name, tenant string) config.Provider {
	return config.Provider{Name: name, Kind: "msp", PartyRules: config.PartyRules{EntraTenants: []string{tenant}}}
}
