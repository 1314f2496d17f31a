package ldap

import (
	"slices"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
)

// view indexes a snapshot for assertions by name.
type view struct {
	t    testing.TB
	snap *findings.Snapshot
	ids  map[string]findings.Principal
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

// grants returns the grants of privilege held by the principal called who.
func (v *view) grants(who, privilege string) []findings.Grant {
	v.t.Helper()
	p := v.principal(who)
	var out []findings.Grant
	for _, g := range v.snap.Grants {
		if g.PrincipalID == p.ID && g.Privilege == privilege {
			out = append(out, g)
		}
	}
	return out
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
	for _, g := range v.snap.Grants {
		if g.PrincipalID == p.ID {
			out = append(out, g.Privilege)
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
