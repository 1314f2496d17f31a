package findings

import "slices"

// ReadSystems returns the ids of the systems a run read: in its snapshot
// and not failed (no "system" gap). It is nil without a snapshot.
func ReadSystems(a *Assessment) map[string]bool {
	if a == nil || a.whole() == nil {
		return nil
	}
	failed := map[string]bool{}
	for _, g := range a.whole().Gaps {
		if g.Collection == "system" {
			failed[g.System] = true
		}
	}
	out := map[string]bool{}
	for _, s := range a.whole().Systems {
		if !failed[s.ID] {
			out[s.ID] = true
		}
	}
	return out
}

// Baseline builds the run to compare cur with: prev, except that each
// system cur read but prev did not (prev failed to read it, or did not
// have it) is taken from the newest of earlier (newest first) that read
// it. A run that missed a system is not the baseline for that system.
// It returns prev itself when nothing needs filling in, and never
// modifies its arguments.
func Baseline(prev, cur *Assessment, earlier []*Assessment) *Assessment {
	if prev == nil || prev.Snapshot == nil || cur == nil || cur.Snapshot == nil {
		return prev
	}
	prevRead := ReadSystems(prev)
	var missing []string
	for id := range ReadSystems(cur) {
		if !prevRead[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return prev
	}
	slices.Sort(missing)
	b := *prev
	s := *prev.Snapshot
	b.Snapshot = &s
	s.Systems = slices.Clone(s.Systems)
	s.Principals, s.Grants, s.Trusts = slices.Clone(s.Principals), slices.Clone(s.Grants), slices.Clone(s.Trusts)
	s.Licences, s.Backups, s.Memberships = slices.Clone(s.Licences), slices.Clone(s.Backups), slices.Clone(s.Memberships)
	s.Gaps = slices.Clone(s.Gaps)
	b.Findings, b.Parties = slices.Clone(b.Findings), slices.Clone(b.Parties)
	for _, id := range missing {
		var src *Assessment
		for _, e := range earlier {
			if ReadSystems(e)[id] {
				src = e
				break
			}
		}
		on := func(sys string) bool { return sys == id }
		// Drop what prev had of the system (a failed read) ...
		s.Systems = slices.DeleteFunc(s.Systems, func(x System) bool { return on(x.ID) })
		s.Principals = slices.DeleteFunc(s.Principals, func(x Principal) bool { return on(x.System) })
		s.Grants = slices.DeleteFunc(s.Grants, func(x Grant) bool { return on(x.System) })
		s.Trusts = slices.DeleteFunc(s.Trusts, func(x Trust) bool { return on(x.System) })
		s.Licences = slices.DeleteFunc(s.Licences, func(x Licence) bool { return on(x.System) })
		s.Backups = slices.DeleteFunc(s.Backups, func(x Backup) bool { return on(x.System) })
		s.Memberships = slices.DeleteFunc(s.Memberships, func(x Membership) bool { return on(x.System) })
		s.Gaps = slices.DeleteFunc(s.Gaps, func(x Gap) bool { return on(x.System) })
		b.Findings = slices.DeleteFunc(b.Findings, func(x Finding) bool { return on(x.System) })
		if src == nil {
			// No run ever read it: everything of it is new.
			continue
		}
		// ... and take it from the last run that read it.
		es := src.Snapshot
		for _, x := range es.Systems {
			if on(x.ID) {
				s.Systems = append(s.Systems, x)
			}
		}
		for _, x := range es.Principals {
			if on(x.System) {
				s.Principals = append(s.Principals, x)
			}
		}
		for _, x := range es.Grants {
			if on(x.System) {
				s.Grants = append(s.Grants, x)
			}
		}
		for _, x := range es.Trusts {
			if on(x.System) {
				s.Trusts = append(s.Trusts, x)
			}
		}
		for _, x := range es.Licences {
			if on(x.System) {
				s.Licences = append(s.Licences, x)
			}
		}
		for _, x := range es.Backups {
			if on(x.System) {
				s.Backups = append(s.Backups, x)
			}
		}
		for _, x := range src.Findings {
			if on(x.System) {
				b.Findings = append(b.Findings, x)
			}
		}
		known := map[string]bool{}
		for _, p := range b.Parties {
			known[p.Subject] = true
		}
		for _, p := range src.Parties {
			if !known[p.Subject] {
				b.Parties = append(b.Parties, p)
			}
		}
	}
	return &b
}
