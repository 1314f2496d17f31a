package access

import (
	"slices"
	"testing"

	"github.com/keyholder/keyholder/findings"
)

// Issue 21: the report's view of a person's access is expanded here, from
// the same grants and memberships Compute reads: every path, each once.
func TestIssue21PathsListEveryPathOnce(t *testing.T) {
	snap := &findings.Snapshot{
		Memberships: []findings.Membership{
			m("alice", "inner"), m("inner", "admins"), m("alice", "admins"),
			m("admins", "inner"), // a cycle: walked once
			m("alice", "readers"),
		},
		Grants: []findings.Grant{
			g("admins", "Domain Admins", findings.LevelSuperAdmin, findings.AssignmentActive, nil),
			g("readers", "Read", findings.LevelRead, findings.AssignmentActive, nil),
			g("alice", "Helpdesk", findings.LevelPrivileged, findings.AssignmentActive, nil),
		},
	}
	ps := NewPaths(snap)
	got := ps.For("alice")
	var lines [][]string
	for _, p := range got {
		lines = append(lines, append([]string{p.Grant.Privilege}, p.Via...))
	}
	want := [][]string{
		{"Domain Admins", "admins"}, // the nearer of the two chains to admins
		{"Helpdesk"},
		{"Read", "readers"},
	}
	if !slices.EqualFunc(lines, want, slices.Equal[[]string]) {
		t.Errorf("paths of alice = %v; want %v", lines, want)
	}
	// Every row the judgement sees is among the paths a view shows.
	res := Compute(snap, Options{AsOf: asOf})
	for _, r := range res.Rows {
		found := false
		for _, p := range ps.For(r.Principal) {
			if p.Grant.Privilege == r.Privilege && p.Grant.Scope == r.Scope && p.Grant.Level == r.Level {
				found = true
			}
		}
		if !found {
			t.Errorf("Compute row %s %s has no path in Paths", r.Principal, r.Privilege)
		}
	}
	// Memoised: the same slice again.
	if again := ps.For("alice"); len(again) != len(got) || &again[0] != &got[0] {
		t.Error("For is not memoised")
	}
}

// A grant stated on the group and already expanded on the member with the
// same chain is one path, not two.
func TestIssue21PathsCompactRestatedGrants(t *testing.T) {
	snap := &findings.Snapshot{
		Memberships: []findings.Membership{m("bob", "admins")},
		Grants: []findings.Grant{
			g("admins", "Domain Admins", findings.LevelSuperAdmin, findings.AssignmentActive, nil),
			g("bob", "Domain Admins", findings.LevelSuperAdmin, findings.AssignmentActive, nil, "admins"),
		},
	}
	if got := NewPaths(snap).For("bob"); len(got) != 1 || !slices.Equal(got[0].Via, []string{"admins"}) {
		t.Errorf("paths of bob = %+v; want one, via admins", got)
	}
}
