package ldap

import (
	"sort"
	"strings"
)

// link resolves the membership edges read from both sides (a member's
// memberOf and primary group, a group's member/uniqueMember/memberUid) into
// each group's members list, sorted by principal id and without
// duplicates. Member DNs that match nothing read are kept in unresolved.
func (c *collector) link() {
	var byUID map[string][]*object
	for _, o := range c.objs {
		if len(o.memberUIDs) > 0 {
			byUID = map[string][]*object{}
			break
		}
	}
	var byGID map[string][]*object
	if byUID != nil || c.anyGID() {
		byGID = map[string][]*object{}
	}
	for _, o := range c.objs {
		if byUID != nil && !o.isGroup {
			for _, u := range o.uids {
				byUID[u] = append(byUID[u], o)
			}
		}
		if byGID != nil && o.isGroup && o.gidNumber != "" {
			byGID[o.gidNumber] = append(byGID[o.gidNumber], o)
		}
	}
	for _, o := range c.objs {
		for _, pk := range o.parents {
			if g := c.byKey[pk]; g != nil && g.isGroup {
				if g == o {
					g.selfLoop = true
					continue
				}
				g.members = append(g.members, o)
			}
		}
		// posix primary group: a user's gidNumber names a posixGroup.
		if byGID != nil && !o.isGroup && o.gidNumber != "" {
			var names []string
			for _, g := range byGID[o.gidNumber] {
				g.members = append(g.members, o)
				o.primaryKey = g.key
				names = append(names, g.p.DisplayName)
			}
			// The membership alone does not say it is the primary group
			// (the grant said so before issue 21 moved the expansion).
			if len(names) > 0 && o.p.Attributes != nil {
				o.p.Attributes["primary_group"] = strings.Join(sortedUnique(names), ", ")
			}
		}
	}
	for _, g := range c.objs {
		if !g.isGroup {
			continue
		}
		for _, mk := range g.memberKeys {
			switch m := c.byKey[mk]; {
			case m == nil:
				g.unresolved = append(g.unresolved, mk)
			case m == g:
				g.selfLoop = true
			default:
				g.members = append(g.members, m)
			}
		}
		for _, uid := range g.memberUIDs {
			ms := byUID[uid]
			if len(ms) == 0 {
				g.unresolved = append(g.unresolved, "memberUid="+uid)
			}
			g.members = append(g.members, ms...)
		}
		g.members = uniqueObjects(g.members)
		g.unresolved = sortedUnique(g.unresolved)
	}
}

func (c *collector) anyGID() bool {
	for _, o := range c.objs {
		if o.isGroup && o.gidNumber != "" {
			return true
		}
	}
	return false
}

func uniqueObjects(in []*object) []*object {
	if len(in) < 2 {
		return in
	}
	sort.Slice(in, func(i, j int) bool { return in[i].p.ID < in[j].p.ID })
	j := 1
	for i := 1; i < len(in); i++ {
		if in[i] != in[j-1] {
			in[j] = in[i]
			j++
		}
	}
	return in[:j]
}

// reachable walks the members of root breadth-first and returns every
// object it reaches once (root itself excluded), in the order met: members
// sorted by principal id, so the result is deterministic. Cycles end the
// walk where an object is met again. The chains themselves are not built
// here: the snapshot carries memberships and policies/access names them.
func reachable(root *object) []*object {
	visited := map[*object]bool{root: true}
	var out []*object
	for i := -1; i < len(out); i++ {
		g := root
		if i >= 0 {
			g = out[i]
		}
		for _, m := range g.members {
			if !visited[m] {
				visited[m] = true
				out = append(out, m)
			}
		}
	}
	return out
}

// markCycles finds groups that sit on a membership cycle (strongly
// connected components of the group graph with more than one group, or a
// group that contains itself) with Tarjan's algorithm, iteratively so a
// deep hierarchy cannot overflow the stack. It returns the number of
// cycles found and flags their groups.
func (c *collector) markCycles() int {
	index := map[*object]int{}
	low := map[*object]int{}
	onStack := map[*object]bool{}
	var stack []*object
	next := 0
	cycles := 0
	type frame struct {
		g *object
		i int
	}
	groups := make([]*object, 0)
	for _, o := range c.objs {
		if o.isGroup {
			groups = append(groups, o)
		}
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].p.ID < groups[j].p.ID })
	for _, start := range groups {
		if _, done := index[start]; done {
			continue
		}
		work := []frame{{g: start}}
		index[start], low[start] = next, next
		next++
		stack = append(stack, start)
		onStack[start] = true
		for len(work) > 0 {
			f := &work[len(work)-1]
			if f.i < len(f.g.members) {
				m := f.g.members[f.i]
				f.i++
				if !m.isGroup {
					continue
				}
				if _, seen := index[m]; !seen {
					index[m], low[m] = next, next
					next++
					stack = append(stack, m)
					onStack[m] = true
					work = append(work, frame{g: m})
				} else if onStack[m] && index[m] < low[f.g] {
					low[f.g] = index[m]
				}
				continue
			}
			g := f.g
			work = work[:len(work)-1]
			if len(work) > 0 {
				parent := work[len(work)-1].g
				if low[g] < low[parent] {
					low[parent] = low[g]
				}
			}
			if low[g] != index[g] {
				continue
			}
			var comp []*object
			for {
				top := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[top] = false
				comp = append(comp, top)
				if top == g {
					break
				}
			}
			if len(comp) > 1 || selfMember(g) {
				cycles++
				for _, x := range comp {
					if x.p.Attributes == nil {
						x.p.Attributes = map[string]string{}
					}
					x.p.Attributes["membership_cycle"] = "true"
				}
			}
		}
	}
	return cycles
}

func selfMember(g *object) bool { return g.selfLoop }
