package ldap

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/policies/access"
)

// view indexes a snapshot for assertions by name.
type view struct {
	t    testing.TB
	snap *findings.Snapshot
	ids  map[string]findings.Principal
	acc  *access.Result
}

func newView(t testing.TB, snap *findings.Snapshot) *view {
	v := &view{t: t, snap: snap, ids: map[string]findings.Principal{}}
	for _, p := range snap.Principals {
		v.ids[p.ID] = p
	}
	return v
}

// principal returns the one principal whose login or display name is name.
func (v *view) principal(name string) findings.Principal {
	v.t.Helper()
	var found []findings.Principal
	for _, p := range v.snap.Principals {
		if strings.EqualFold(p.Login, name) || p.DisplayName == name {
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		v.t.Fatalf("%d principals named %q", len(found), name)
	}
	return found[0]
}

func (v *view) has(name string) bool {
	for _, p := range v.snap.Principals {
		if strings.EqualFold(p.Login, name) || p.DisplayName == name {
			return true
		}
	}
	return false
}

func (v *view) name(id string) string {
	p, ok := v.ids[id]
	if !ok {
		return "?" + id
	}
	if p.Kind == findings.PrincipalGroup || p.Login == "" {
		return p.DisplayName
	}
	return p.Login
}

// grants returns what the principal called who holds of privilege, as
// the policies see it: the rows of policies/access (issue 21: the scanner
// puts a grant on the group that holds it and the memberships; access
// expands them). Each row is returned as a grant: Via, Direct, Level and
// Sensitive are the row's, Attributes those of the grant the row's path
// comes from (the group's grant for a member), with "membership" added as
// the path shows it (direct, nested, primary_group) unless the grant says
// (in_chain_unresolved).
func (v *view) grants(who, privilege string) []findings.Grant {
	v.t.Helper()
	p := v.principal(who)
	var out []findings.Grant
	for _, r := range v.access().Rows {
		if r.Principal != p.ID || r.Privilege != privilege {
			continue
		}
		g := findings.Grant{
			ID: r.Grant, System: r.System, PrincipalID: r.Principal, Privilege: r.Privilege, PrivilegeID: r.PrivilegeID,
			Level: r.Level, Scope: r.Scope, Assignment: r.Assignment(), Expires: r.Expires, Via: r.Via, Direct: r.Direct,
			Sensitive: r.Sensitive, Attributes: map[string]string{},
		}
		if src := v.grantByID(r.Grant); src != nil {
			for k, val := range src.Attributes {
				g.Attributes[k] = val
			}
		}
		if _, ok := g.Attributes["membership"]; !ok && !r.Direct {
			g.Attributes["membership"] = v.membershipOf(p, r.Via)
		}
		out = append(out, g)
	}
	return out
}

// membershipOf says how the first hop of a path is held: direct, through
// nesting, or as the member's primary group (AD primaryGroupID, posix
// gidNumber), which the principal's primary_group attribute names.
func (v *view) membershipOf(p findings.Principal, via []string) string {
	groups := 0
	for _, id := range via {
		if _, ok := v.ids[id]; ok {
			groups++
		}
	}
	switch {
	case groups > 1:
		return "nested"
	case groups == 1 && p.Attributes["primary_group"] != "" &&
		slices.Contains(strings.Split(p.Attributes["primary_group"], ", "), v.ids[via[0]].DisplayName):
		return "primary_group"
	case groups == 1:
		return "direct"
	}
	return ""
}

func (v *view) access() *access.Result {
	if v.acc == nil {
		v.acc = access.Compute(v.snap, access.Options{AsOf: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)})
	}
	return v.acc
}

func (v *view) grantByID(id string) *findings.Grant {
	for i := range v.snap.Grants {
		if v.snap.Grants[i].ID == id {
			return &v.snap.Grants[i]
		}
	}
	return nil
}

// grant returns the single grant of privilege held by who.
func (v *view) grant(who, privilege string) findings.Grant {
	v.t.Helper()
	gs := v.grants(who, privilege)
	if len(gs) != 1 {
		v.t.Fatalf("%s holds %d %q grants, want 1", who, len(gs), privilege)
	}
	return gs[0]
}

// via names the chain of a grant.
func (v *view) via(g findings.Grant) []string {
	out := make([]string, len(g.Via))
	for i, id := range g.Via {
		out[i] = v.name(id)
	}
	return out
}

// privileges lists every privilege who holds, sorted.
func (v *view) privileges(who string) []string {
	v.t.Helper()
	p := v.principal(who)
	var out []string
	for _, r := range v.access().Rows {
		if r.Principal == p.ID {
			out = append(out, r.Privilege)
		}
	}
	slices.Sort(out)
	return out
}

func (v *view) gap(collection string) *findings.Gap {
	for i := range v.snap.Gaps {
		if v.snap.Gaps[i].Collection == collection {
			return &v.snap.Gaps[i]
		}
	}
	return nil
}

func (v *view) memberOf(member, group string) bool {
	m, g := v.principal(member), v.principal(group)
	for _, ms := range v.snap.Memberships {
		if ms.MemberID == m.ID && ms.GroupID == g.ID {
			return true
		}
	}
	return false
}

// expectVia checks a grant's chain by names.
func (v *view) expectVia(who, privilege string, want ...string) findings.Grant {
	v.t.Helper()
	g := v.grant(who, privilege)
	if got := v.via(g); !slices.Equal(got, want) {
		v.t.Errorf("%s %s via = %q, want %q", who, privilege, got, want)
	}
	return g
}
