package findings

// LeanFacts returns the part of s that an assessment carries as its
// Facts: what its findings and report views show, so that a saved
// assessment renders its reports alone without a second copy of a
// snapshot that may hold millions of grants. s must be in canonical form
// (Canonicalize); so is the result, which shares s's collections it keeps
// whole and holds shallow copies of the grants and memberships it keeps
// (s is not modified).
//
// Kept whole: the header, and every system, principal, licence, backup,
// trust, asset, attestation and gap. Of the grants: every grant at level
// privileged or stronger, every grant reachable (directly or through
// its groups) by a principal for which keepAll is true (the policy layer
// passes the principals of parties other than the customer, whose every
// right the provider views list), and for a system with grants but none
// of those, its first grant (the attestation letter lists where grants
// were read). Of the memberships: those that lead
// from such a principal to its groups, and those that lead a member to a
// holder of a privileged grant (nested groups included), so the views'
// effective access and its paths are the same as from s.
func LeanFacts(s *Snapshot, keepAll func(principalID string) bool) *Snapshot {
	out := *s
	out.ContentSHA256 = ""
	groupsOf := map[string][]int{}  // member id -> membership indices
	membersOf := map[string][]int{} // group id -> membership indices
	for i := range s.Memberships {
		m := &s.Memberships[i]
		groupsOf[m.MemberID] = append(groupsOf[m.MemberID], i)
		membersOf[m.GroupID] = append(membersOf[m.GroupID], i)
	}
	keepM := make([]bool, len(s.Memberships))

	// Upwards from every principal whose every right is shown.
	up := map[string]bool{}
	var queue []string
	for i := range s.Principals {
		if id := s.Principals[i].ID; keepAll != nil && keepAll(id) {
			up[id] = true
			queue = append(queue, id)
		}
	}
	for len(queue) > 0 {
		id := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, mi := range groupsOf[id] {
			keepM[mi] = true
			if g := s.Memberships[mi].GroupID; !up[g] {
				up[g] = true
				queue = append(queue, g)
			}
		}
	}

	// Downwards from every holder of a privileged grant.
	down := map[string]bool{}
	privileged := LevelPrivileged.Rank()
	// A system whose grants are all weak and the customer's keeps one of
	// them (the first), so the facts still say grants were read there.
	keep := make([]bool, len(s.Grants))
	kept := 0
	witnessed := map[string]bool{}
	for i := range s.Grants {
		if g := &s.Grants[i]; g.Level.Rank() >= privileged || up[g.PrincipalID] {
			keep[i] = true
			witnessed[g.System] = true
			kept++
		}
	}
	for i := range s.Grants {
		if g := &s.Grants[i]; !witnessed[g.System] {
			keep[i] = true
			witnessed[g.System] = true
			kept++
		}
	}
	out.Grants = make([]Grant, 0, kept) // exactly: a million grants leave no spare room
	for i := range s.Grants {
		g := &s.Grants[i]
		strong := g.Level.Rank() >= privileged
		if keep[i] {
			out.Grants = append(out.Grants, *g)
		}
		if strong && !down[g.PrincipalID] {
			down[g.PrincipalID] = true
			queue = append(queue, g.PrincipalID)
		}
	}
	for len(queue) > 0 {
		id := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, mi := range membersOf[id] {
			keepM[mi] = true
			if m := s.Memberships[mi].MemberID; !down[m] {
				down[m] = true
				queue = append(queue, m)
			}
		}
	}
	out.Memberships = make([]Membership, 0)
	for i, keep := range keepM {
		if keep {
			out.Memberships = append(out.Memberships, s.Memberships[i])
		}
	}
	return &out
}
