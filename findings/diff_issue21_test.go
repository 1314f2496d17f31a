package findings

import (
	"strings"
	"testing"
)

// TestIssue21DiffMembershipIntoPrivilegedGroup: scanners put a grant on
// the group that holds it and memberships on its members (issue 21). A
// person added to a group nested in Domain Admins, or removed from one, is
// a privileged change (`review --fail-on-change privileged` exits 5), as
// it was when the scanner copied the grant onto each member.
func TestIssue21DiffMembershipIntoPrivilegedGroup(t *testing.T) {
	da := user("corp-ad", "S-1-5-21-1-512", "Domain Admins", PrincipalGroup)
	techs := user("corp-ad", "S-1-5-21-1-2001", "Acme Technicians", PrincipalGroup)
	hr := user("corp-ad", "S-1-5-21-1-2002", "HR Share", PrincipalGroup)
	tom := user("corp-ad", "S-1-5-21-1-1201", "acme-tom", PrincipalUser)
	lee := user("corp-ad", "S-1-5-21-1-1202", "acme-lee", PrincipalUser)
	ann := user("corp-ad", "S-1-5-21-1-1203", "ann", PrincipalUser)
	member := func(m, g Principal) Membership {
		return Membership{ID: ObjectID("membership", "corp-ad", m.NativeID, g.NativeID), System: "corp-ad", MemberID: m.ID, GroupID: g.ID}
	}
	snap := func(ms ...Membership) *Assessment {
		return &Assessment{Snapshot: &Snapshot{
			Systems:    []System{{ID: "corp-ad", Kind: SystemLDAP, Target: "corp-ad"}},
			Principals: []Principal{da, techs, hr, tom, lee, ann},
			Grants: []Grant{
				grant(da, "Domain Admins", LevelSuperAdmin, "DC=contoso,DC=com", AssignmentPermanent, nil),
				grant(hr, "HR Share", LevelLimited, "DC=contoso,DC=com", AssignmentPermanent, nil),
			},
			Memberships: ms,
		}}
	}
	// A cycle between the two groups must not loop.
	before := snap(member(techs, da), member(tom, techs), member(ann, hr), member(da, techs))
	after := snap(member(techs, da), member(tom, techs), member(lee, techs), member(da, techs))

	c := Diff(before, after)
	if !c.PrivilegedChanged() {
		t.Fatal("acme-lee joined Acme Technicians (in Domain Admins): PrivilegedChanged = false")
	}
	if len(c.GrantsAdded) != 1 || !strings.Contains(c.GrantsAdded[0].Summary, `acme-lee now holds "Domain Admins"`) {
		t.Errorf("grants added = %+v", c.GrantsAdded)
	}
	// ann left HR Share: limited access, not a privileged change.
	if len(c.GrantsRemoved) != 0 || len(c.GrantsChanged) != 0 {
		t.Errorf("removed %+v, changed %+v", c.GrantsRemoved, c.GrantsChanged)
	}
	back := Diff(after, before)
	if len(back.GrantsRemoved) != 1 || !strings.Contains(back.GrantsRemoved[0].Summary, `acme-lee no longer holds "Domain Admins"`) {
		t.Errorf("grants removed = %+v", back.GrantsRemoved)
	}
	if same := Diff(after, after); same.PrivilegedChanged() {
		t.Errorf("no change, but %+v", same)
	}
}
