package entra

import (
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/sim/graph"
)

const gdapGroup = "9d4a0000-0000-4000-8000-0000000000d1" // not in the tenant

// TestIssue12_GDAPGroupNotInDirectoryIsKept: a role assignment whose
// principal is in none of the tenant's objects (a partner's GDAP security
// group) is never dropped: it becomes an external principal "unresolved
// partner group" holding the role (issue 12 item 14).
func TestIssue12_GDAPGroupNotInDirectoryIsKept(t *testing.T) {
	sc := loadScenario(t)
	sc.RoleAssignments = append(sc.RoleAssignments, graph.RoleAssignment{ID: "ra-gdap-helpdesk", PrincipalID: gdapGroup,
		RoleDefinitionID: "729827e3-9c14-49f7-bb1b-9608f156bbb8", ForeignPrincipal: true})
	snap := newFixture(t, sc, "").scan(t)
	id := findings.PrincipalID(findings.PrincipalExternal, "m365", gdapGroup)
	var p *findings.Principal
	for i := range snap.Principals {
		if snap.Principals[i].ID == id {
			p = &snap.Principals[i]
		}
	}
	if p == nil || p.Attributes["unresolved_partner_group"] != "true" || p.DisplayName != "unresolved partner group "+gdapGroup {
		t.Fatalf("principal = %+v", p)
	}
	if g := findGrant(snap, gdapGroup, "Helpdesk Administrator", findings.AssignmentActive); g == nil || g.PrincipalID != id || g.Level != findings.LevelAdmin {
		t.Fatalf("grant = %+v", g)
	}

	t.Run("directory not fully read: not called a partner group", func(t *testing.T) {
		sc := loadScenario(t)
		sc.RoleAssignments = append(sc.RoleAssignments, graph.RoleAssignment{ID: "ra-gdap-helpdesk", PrincipalID: gdapGroup,
			RoleDefinitionID: "729827e3-9c14-49f7-bb1b-9608f156bbb8", ForeignPrincipal: true})
		sc.Permissions = []string{"User.Read.All", "RoleManagement.Read.Directory", "Organization.Read.All"}
		snap := newFixture(t, sc, "").scan(t)
		gs := grantsOf(snap, gdapGroup)
		if len(gs) == 0 {
			t.Fatal("the assignment was dropped")
		}
		for _, p := range snap.Principals {
			if p.NativeID == gdapGroup && p.Attributes["unresolved_partner_group"] == "true" {
				t.Errorf("called a partner group although the groups were not read: %+v", p)
			}
		}
	})
}

// TestIssue12_GapsNameTheCall: a gap names the Graph call beside its
// friendly name (issue 12 item 15).
func TestIssue12_GapsNameTheCall(t *testing.T) {
	sc := loadScenario(t)
	sc.Licence = "p1" // no P2: PIM is unlicensed
	snap := newFixture(t, sc, "").scan(t)
	g := gap(snap, "grants/pim_eligibility")
	if g == nil || !strings.Contains(g.Error, "PIM eligibility schedules (GET /roleManagement/directory/roleEligibilitySchedules): HTTP 400 AadPremiumLicenseRequired") {
		t.Fatalf("gap = %+v", g)
	}
	for label := range graphCalls {
		if got := callName(label + ": page 2"); !strings.HasPrefix(got, label+" (GET /") || !strings.HasSuffix(got, ": page 2") || callName(got) != got {
			t.Errorf("callName(%q) = %q", label, got)
		}
	}
}
