package access

import (
	"slices"

	"github.com/keyholder/keyholder/findings"
)

// Graph is the membership graph of a snapshot: which principal is a direct
// member of which group (or team, or role-assignable group). Cycles are
// allowed; every walk visits a node once.
type Graph struct {
	members  map[string][]string // group -> direct members, sorted
	groupsOf map[string][]string // member -> direct groups, sorted
}

// NewGraph indexes memberships.
func NewGraph(ms []findings.Membership) *Graph {
	g := &Graph{members: map[string][]string{}, groupsOf: map[string][]string{}}
	for _, m := range ms {
		if m.MemberID == "" || m.GroupID == "" {
			continue
		}
		g.members[m.GroupID] = append(g.members[m.GroupID], m.MemberID)
		g.groupsOf[m.MemberID] = append(g.groupsOf[m.MemberID], m.GroupID)
	}
	for k, v := range g.members {
		slices.Sort(v)
		g.members[k] = slices.Compact(v)
	}
	for k, v := range g.groupsOf {
		slices.Sort(v)
		g.groupsOf[k] = slices.Compact(v)
	}
	return g
}

// HasMembers reports whether id has direct members.
func (g *Graph) HasMembers(id string) bool { return len(g.members[id]) > 0 }

// DirectMembers returns the direct members of group, sorted.
func (g *Graph) DirectMembers(group string) []string { return g.members[group] }

// DirectGroups returns the groups id is a direct member of, sorted.
func (g *Graph) DirectGroups(id string) []string { return g.groupsOf[id] }

// Reached is a transitive member of a group and the chain that leads to
// it: Via lists the groups from the member's own group (nearest) to the
// group the walk started from (outermost), inclusive.
type Reached struct {
	ID  string
	Via []string
}

// Walk returns every transitive member of group (not group itself) in
// breadth-first order, so each member is reached by a shortest chain; ties
// are broken by id. Each member appears once even when cycles or several
// paths lead to it. Members reached through the same group share one Via
// slice: callers must not modify it.
func (g *Graph) Walk(group string) []Reached {
	direct := g.members[group]
	if len(direct) == 0 {
		return nil
	}
	type node struct {
		id     string
		parent int // index into out, -1 for the start group
	}
	seen := map[string]bool{group: true}
	var out []Reached
	var nodes []node
	queue := []int{}
	push := func(id string, parent int) {
		if seen[id] {
			return
		}
		seen[id] = true
		nodes = append(nodes, node{id: id, parent: parent})
		queue = append(queue, len(nodes)-1)
	}
	for _, m := range direct {
		push(m, -1)
	}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for _, m := range g.members[nodes[i].id] {
			push(m, i)
		}
	}
	// Members reached through the same group share its chain (read-only),
	// so a group of thousands costs one slice, not thousands.
	out = make([]Reached, len(nodes))
	top := []string{group}
	chains := map[int][]string{}
	var chain func(p int) []string
	chain = func(p int) []string {
		if p < 0 {
			return top
		}
		if c, ok := chains[p]; ok {
			return c
		}
		rest := chain(nodes[p].parent)
		c := make([]string, 0, len(rest)+1)
		c = append(append(c, nodes[p].id), rest...)
		chains[p] = c
		return c
	}
	for i, n := range nodes {
		out[i] = Reached{ID: n.id, Via: slices.Clip(chain(n.parent))}
	}
	return out
}

// TransitiveMembers returns the set of transitive members of group.
func (g *Graph) TransitiveMembers(group string) map[string]bool {
	out := map[string]bool{}
	stack := slices.Clone(g.members[group])
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if out[id] {
			continue
		}
		out[id] = true
		stack = append(stack, g.members[id]...)
	}
	return out
}

// Cycles returns the membership cycles: every strongly connected set of
// two or more groups (or a group that contains itself), each sorted, the
// list sorted by first id. It uses Tarjan's algorithm, iteratively.
func (g *Graph) Cycles() [][]string {
	index := map[string]int{}
	low := map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	var out [][]string
	next := 0

	groups := make([]string, 0, len(g.members))
	for k := range g.members {
		groups = append(groups, k)
	}
	slices.Sort(groups)

	type frame struct {
		id string
		i  int // next child index
	}
	for _, root := range groups {
		if _, ok := index[root]; ok {
			continue
		}
		call := []frame{{id: root}}
		index[root], low[root] = next, next
		next++
		stack = append(stack, root)
		onStack[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			children := g.members[f.id]
			if f.i < len(children) {
				c := children[f.i]
				f.i++
				if _, ok := index[c]; !ok {
					index[c], low[c] = next, next
					next++
					stack = append(stack, c)
					onStack[c] = true
					call = append(call, frame{id: c})
				} else if onStack[c] {
					low[f.id] = min(low[f.id], index[c])
				}
				continue
			}
			// f is finished.
			id := f.id
			call = call[:len(call)-1]
			if len(call) > 0 {
				p := call[len(call)-1].id
				low[p] = min(low[p], low[id])
			}
			if low[id] == index[id] {
				var scc []string
				for {
					n := len(stack) - 1
					top := stack[n]
					stack = stack[:n]
					onStack[top] = false
					scc = append(scc, top)
					if top == id {
						break
					}
				}
				if len(scc) > 1 || slices.Contains(g.members[id], id) {
					slices.Sort(scc)
					out = append(out, scc)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b []string) int { return compareStr(a[0], b[0]) })
	return out
}

func compareStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
