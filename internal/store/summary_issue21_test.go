package store

import (
	"slices"
	"testing"

	"github.com/keyholder/keyholder/findings"
)

// TestIssue21FootprintCountsGroupHeldGrants: a provider technician who
// holds Domain Admins through a nested group counts in the provider's
// footprint, though the grant sits on Domain Admins itself and only the
// memberships reach the technician (issue 21).
func TestIssue21FootprintCountsGroupHeldGrants(t *testing.T) {
	da := findings.Principal{ID: "group:corp:da", System: "corp", Kind: findings.PrincipalGroup, DisplayName: "Domain Admins"}
	techs := findings.Principal{ID: "group:corp:techs", System: "corp", Kind: findings.PrincipalGroup, DisplayName: "Acme Technicians"}
	tom := findings.Principal{ID: "user:corp:tom", System: "corp", Kind: findings.PrincipalUser, Login: "acme-tom"}
	a := &findings.Assessment{
		Snapshot: &findings.Snapshot{
			Principals: []findings.Principal{da, techs, tom},
			Grants: []findings.Grant{{ID: "grant:corp:da", System: "corp", PrincipalID: da.ID, Privilege: "Domain Admins",
				Level: findings.LevelSuperAdmin, Scope: "DC=corp", Assignment: findings.AssignmentPermanent, Direct: true}},
			Memberships: []findings.Membership{
				{ID: "m1", System: "corp", MemberID: techs.ID, GroupID: da.ID},
				{ID: "m2", System: "corp", MemberID: tom.ID, GroupID: techs.ID},
			},
		},
		Parties: []findings.Attribution{
			{Subject: tom.ID, Party: "Acme IT", PartyKind: "msp"},
			{Subject: da.ID, Party: "customer", PartyKind: "customer"},
		},
	}
	s := Summarize(a)
	if len(s.Providers) != 1 {
		t.Fatalf("providers = %+v", s.Providers)
	}
	p := s.Providers[0]
	if p.Party != "Acme IT" || p.PrivilegedGrants != 1 || p.SuperAdminGrants != 1 || !slices.Equal(p.Privileges, []string{"Domain Admins"}) {
		t.Errorf("footprint = %+v, want Acme IT holding Domain Admins through Acme Technicians", p)
	}
}

// TestIssue21RunCountsGroupHeldGrants: the run's privileged_grants (the
// history and fleet column) counts what each principal holds, so it does
// not drop when a scanner stops copying a group's grant onto its members.
func TestIssue21RunCountsGroupHeldGrants(t *testing.T) {
	da := findings.Principal{ID: "group:corp:da", System: "corp", Kind: findings.PrincipalGroup}
	tom := findings.Principal{ID: "user:corp:tom", System: "corp", Kind: findings.PrincipalUser}
	ann := findings.Principal{ID: "user:corp:ann", System: "corp", Kind: findings.PrincipalUser}
	a := &findings.Assessment{Snapshot: &findings.Snapshot{
		Principals: []findings.Principal{da, tom, ann},
		Grants: []findings.Grant{{ID: "grant:corp:da", System: "corp", PrincipalID: da.ID, Privilege: "Domain Admins",
			Level: findings.LevelSuperAdmin, Scope: "DC=corp", Assignment: findings.AssignmentPermanent, Direct: true}},
		Memberships: []findings.Membership{
			{ID: "m1", System: "corp", MemberID: tom.ID, GroupID: da.ID},
			{ID: "m2", System: "corp", MemberID: ann.ID, GroupID: da.ID},
		},
	}}
	if r := summarize(a); r.PrivilegedGrants != 3 {
		t.Errorf("privileged grants = %d, want 3 (the group's and its two members')", r.PrivilegedGrants)
	}
}
