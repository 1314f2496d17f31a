package access

import (
	"slices"
	"strings"
	"time"

	"github.com/keyholder/keyholder/findings"
)

// Path is one way a principal holds a grant: directly (Via empty but for
// the grant's own via) or through the groups it is a member of.
type Path struct {
	Grant *findings.Grant
	// Via is the group chain from the principal to the grant's holder,
	// nearest first, followed by the grant's own Via.
	Via []string
}

// Paths lists every path by which each principal of a snapshot holds a
// grant, for views that show a person's access with how it arrives (the
// report's access tables). Compute is the judgement's view: one row per
// privilege with its shortest path, expiry applied; Paths keeps one path
// per grant reached (every grant on the principal or on a group it is in,
// each group reached once, by its nearest chain), so a person holding the
// same privilege through two groups shows both, and judges nothing. Both expand the same grants through
// the same memberships: scanners state a group's grant once, on the group.
//
// A Paths is built once per snapshot and answers For many times; it is
// not safe for concurrent use. The snapshot must not change while in use.
type Paths struct {
	grantsOf map[string][]*findings.Grant
	groupsOf map[string][]string
	memo     map[string][]Path
}

// NewPaths indexes snap's grants and memberships.
func NewPaths(snap *findings.Snapshot) *Paths {
	p := &Paths{grantsOf: map[string][]*findings.Grant{}, groupsOf: map[string][]string{}, memo: map[string][]Path{}}
	for i := range snap.Grants {
		g := &snap.Grants[i]
		p.grantsOf[g.PrincipalID] = append(p.grantsOf[g.PrincipalID], g)
	}
	for _, m := range snap.Memberships {
		p.groupsOf[m.MemberID] = append(p.groupsOf[m.MemberID], m.GroupID)
	}
	for k := range p.groupsOf {
		slices.Sort(p.groupsOf[k])
	}
	return p
}

// For returns the paths by which principal pid holds a grant, directly
// and through nested groups (each group is walked once, by its nearest
// chain, so cycles end),
// strongest level first, then privilege, scope and chain. A path stated
// twice (a grant on the group and the same grant already expanded on the
// member with the same chain) is listed once.
func (p *Paths) For(pid string) []Path {
	if out, ok := p.memo[pid]; ok {
		return out
	}
	var out []Path
	type item struct {
		id    string
		chain []string
	}
	seen := map[string]bool{pid: true}
	queue := []item{{id: pid}}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		for _, g := range p.grantsOf[it.id] {
			via := append(slices.Clone(it.chain), g.Via...)
			out = append(out, Path{Grant: g, Via: via})
		}
		for _, grp := range p.groupsOf[it.id] {
			if !seen[grp] {
				seen[grp] = true
				queue = append(queue, item{id: grp, chain: append(slices.Clone(it.chain), grp)})
			}
		}
	}
	slices.SortStableFunc(out, func(x, y Path) int {
		if d := y.Grant.Level.Rank() - x.Grant.Level.Rank(); d != 0 {
			return d
		}
		if c := strings.Compare(x.Grant.Privilege, y.Grant.Privilege); c != 0 {
			return c
		}
		if c := strings.Compare(x.Grant.Scope, y.Grant.Scope); c != 0 {
			return c
		}
		if c := strings.Compare(strings.Join(x.Via, "\x00"), strings.Join(y.Via, "\x00")); c != 0 {
			return c
		}
		return strings.Compare(x.Grant.ID, y.Grant.ID)
	})
	out = slices.CompactFunc(out, func(x, y Path) bool {
		return x.Grant.Privilege == y.Grant.Privilege && x.Grant.Scope == y.Grant.Scope &&
			x.Grant.Level == y.Grant.Level && x.Grant.Assignment == y.Grant.Assignment &&
			sameTime(x.Grant.Expires, y.Grant.Expires) && slices.Equal(x.Via, y.Via)
	})
	p.memo[pid] = out
	return out
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}
