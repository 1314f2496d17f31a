package findings

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Diff says what changed from prev to cur. It compares the whole
// snapshots when they are at hand (a stored run, an evaluation in
// memory, an assessment written before Facts existed), else the facts
// the assessments carry: every principal, trust, licence and backup and
// the privileged grants, so a grant that fell from privileged to below
// shows as removed rather than changed. When either has neither, only
// findings and the verdict are compared. It returns nil when prev is nil
// (there is no previous run).
//
// Principals, trusts, licences and backups are matched by id. Privileged
// grants, including those a principal holds through its groups' grants
// (see HeldGrants), are matched by principal, privilege and scope, not by grant id
// (which includes the assignment and chain), so a grant that went from
// eligible to permanent is one change, not a removal and an addition.
// Findings are matched by check, system and subjects; a finding whose
// subjects changed is matched by check and system when that is unambiguous.
//
// Diff does not modify its arguments, and the same inputs give the same
// output: every list is sorted by system, id and summary.
func Diff(prev, cur *Assessment) *Changes {
	if prev == nil || cur == nil {
		return nil
	}
	c := &Changes{
		FromSnapshot: prev.SnapshotSHA256,
		ToSnapshot:   cur.SnapshotSHA256,
		FromTime:     scanTime(prev),
		ToTime:       scanTime(cur),
		VerdictFrom:  prev.Verdict,
		VerdictTo:    cur.Verdict,
	}
	// The whole snapshots when at hand (a stored run, an evaluation in
	// memory), else the facts the assessments carry: every principal,
	// trust, licence and backup, and the privileged grants.
	ps, cs := prev.whole(), cur.whole()
	notRead := map[string]string{}
	if ps != nil && cs != nil {
		pl := newLabeler(prev)
		cl := newLabeler(cur)
		notRead = systemsNotRead(prev, cur)
		c.PrincipalsAdded, c.PrincipalsRemoved = diffPrincipals(ps.Principals, cs.Principals, pl, cl)
		c.GrantsAdded, c.GrantsRemoved, c.GrantsChanged = diffGrants(HeldGrants(ps), HeldGrants(cs), pl, cl)
		c.TrustsAdded, c.TrustsRemoved, c.TrustsChanged = diffTrusts(ps.Trusts, cs.Trusts, pl, cl)
		c.LicencesChanged = diffLicences(ps.Licences, cs.Licences, pl, cl)
		c.BackupsChanged = diffBackups(ps.Backups, cs.Backups, pl, cl)
	}
	c.FindingsNew, c.FindingsFixed, c.FindingsRegressed = diffFindings(prev.Findings, cur.Findings)
	// A system this run did not read is "not read": nothing of it was
	// removed, fixed or changed, whatever its absence looks like.
	if len(notRead) > 0 {
		for _, l := range c.lists() {
			*l = slices.DeleteFunc(*l, func(it ChangeItem) bool { _, skip := notRead[it.System]; return skip })
		}
		for id, why := range notRead {
			c.SystemsNotRead = append(c.SystemsNotRead, ChangeItem{ID: id, System: id, Summary: id + " was not read in this run (" + why + "): nothing of it is compared"})
		}
		slices.SortFunc(c.SystemsNotRead, func(a, b ChangeItem) int { return strings.Compare(a.ID, b.ID) })
	}
	c.normalize()
	return c
}

// systemsNotRead lists the systems prev read and cur did not (missing,
// or a "system" gap), with the reason.
func systemsNotRead(prev, cur *Assessment) map[string]string {
	out := map[string]string{}
	curSys := map[string]bool{}
	for _, s := range cur.whole().Systems {
		curSys[s.ID] = true
	}
	failed := map[string]string{}
	for _, g := range cur.whole().Gaps {
		if g.Collection == "system" {
			failed[g.System] = string(g.Reason) + ": " + g.Error
		}
	}
	for id := range ReadSystems(prev) {
		switch {
		case !curSys[id]:
			out[id] = "not in this run's snapshot"
		case failed[id] != "":
			out[id] = "the target failed: " + failed[id]
		}
	}
	return out
}

// DiffSnapshots compares two bare snapshots (no findings, no parties). It
// fills the snapshot hashes, which canonicalises both snapshots.
func DiffSnapshots(prev, cur *Snapshot) (*Changes, error) {
	if prev == nil || cur == nil {
		return nil, nil
	}
	ph, err := prev.SHA256()
	if err != nil {
		return nil, err
	}
	ch, err := cur.SHA256()
	if err != nil {
		return nil, err
	}
	return Diff(
		&Assessment{SnapshotSHA256: ph, ScannedAt: prev.StartedAt, Snapshot: prev},
		&Assessment{SnapshotSHA256: ch, ScannedAt: cur.StartedAt, Snapshot: cur},
	), nil
}

// Count returns the number of change items, counting a verdict change as
// one.
func (c *Changes) Count() int {
	if c == nil {
		return 0
	}
	n := 0
	for _, l := range c.lists() {
		n += len(*l)
	}
	if c.VerdictChanged() {
		n++
	}
	return n
}

// VerdictChanged reports whether the verdict differs between the runs.
func (c *Changes) VerdictChanged() bool {
	return c != nil && c.VerdictFrom != c.VerdictTo
}

// PrivilegedChanged reports whether privileged access changed: a
// privileged grant added, removed or changed, or a trust added, removed or
// changed. This is what `review --fail-on-change privileged` tests.
func (c *Changes) PrivilegedChanged() bool {
	if c == nil {
		return false
	}
	return len(c.GrantsAdded)+len(c.GrantsRemoved)+len(c.GrantsChanged)+
		len(c.TrustsAdded)+len(c.TrustsRemoved)+len(c.TrustsChanged) > 0
}

// Empty reports whether nothing changed.
func (c *Changes) Empty() bool { return c.Count() == 0 }

func (c *Changes) lists() []*[]ChangeItem {
	return []*[]ChangeItem{
		&c.PrincipalsAdded, &c.PrincipalsRemoved,
		&c.GrantsAdded, &c.GrantsRemoved, &c.GrantsChanged,
		&c.TrustsAdded, &c.TrustsRemoved, &c.TrustsChanged,
		&c.LicencesChanged, &c.BackupsChanged,
		&c.FindingsNew, &c.FindingsFixed, &c.FindingsRegressed,
	}
}

// normalize sorts every list and makes nil lists empty, so JSON always
// has every key with an array (trusts_changed is omitted when empty).
func (c *Changes) normalize() {
	for _, l := range c.lists() {
		if *l == nil {
			*l = []ChangeItem{}
		}
		slices.SortStableFunc(*l, func(a, b ChangeItem) int {
			if x := strings.Compare(a.System, b.System); x != 0 {
				return x
			}
			if x := strings.Compare(a.ID, b.ID); x != 0 {
				return x
			}
			return strings.Compare(a.Summary, b.Summary)
		})
	}
	c.FromTime = c.FromTime.UTC()
	c.ToTime = c.ToTime.UTC()
}

func scanTime(a *Assessment) time.Time {
	if !a.ScannedAt.IsZero() {
		return a.ScannedAt
	}
	if s := a.whole(); s != nil {
		return s.StartedAt
	}
	return time.Time{}
}

// labeler names principals and parties for summaries.
type labeler struct {
	principals map[string]*Principal
	parties    map[string]Attribution
}

func newLabeler(a *Assessment) *labeler {
	l := &labeler{principals: map[string]*Principal{}, parties: map[string]Attribution{}}
	if s := a.whole(); s != nil {
		for i := range s.Principals {
			p := &s.Principals[i]
			l.principals[p.ID] = p
		}
	}
	for _, at := range a.Parties {
		l.parties[at.Subject] = at
	}
	return l
}

// party returns " [Party]" for a subject with a known attribution.
func (l *labeler) party(id string) string {
	at, ok := l.parties[id]
	if !ok || at.Party == "" {
		return ""
	}
	return " [" + at.Party + "]"
}

// principal returns a short readable name for a principal id.
func (l *labeler) principal(id string) string {
	p, ok := l.principals[id]
	if !ok {
		return id + l.party(id)
	}
	name := p.Login
	if name == "" {
		name = p.DisplayName
	}
	if name == "" {
		name = p.NativeID
	}
	if p.DisplayName != "" && p.DisplayName != name {
		name += " (" + p.DisplayName + ")"
	}
	return string(p.Kind) + " " + name + l.party(id)
}

func diffPrincipals(prev, cur []Principal, pl, cl *labeler) (added, removed []ChangeItem) {
	pm := indexBy(prev, func(p Principal) string { return p.ID })
	cm := indexBy(cur, func(p Principal) string { return p.ID })
	for id, p := range cm {
		if _, ok := pm[id]; !ok {
			added = append(added, ChangeItem{ID: id, System: p.System, Summary: cl.principal(id) + enabledNote(p)})
		}
	}
	for id, p := range pm {
		if _, ok := cm[id]; !ok {
			removed = append(removed, ChangeItem{ID: id, System: p.System, Summary: pl.principal(id)})
		}
	}
	return added, removed
}

func enabledNote(p Principal) string {
	if !p.Enabled && p.Kind != PrincipalGroup && p.Kind != PrincipalTeam {
		return " (disabled)"
	}
	return ""
}

// HeldGrants returns the grants of s plus, for each privileged grant on a
// group (or team), the same grant as held by each transitive member
// through the memberships, so that a person joining or leaving a
// privileged group is a privileged change: the scanners put a grant on the
// group that holds it and leave the members to the memberships (issue
// 21). Only who holds what is derived here, for matching runs and
// counting a party's footprint; the paths (via) and the effective access
// the checks judge are computed by policies/access. Cycles are walked
// once. s is not modified.
func HeldGrants(s *Snapshot) []Grant {
	if len(s.Memberships) == 0 {
		return s.Grants
	}
	members := map[string][]string{}
	for _, m := range s.Memberships {
		if m.MemberID != "" && m.GroupID != "" {
			members[m.GroupID] = append(members[m.GroupID], m.MemberID)
		}
	}
	out := s.Grants
	copied := false
	reached := map[string][]string{}
	for _, g := range s.Grants {
		if g.Level.Rank() < LevelPrivileged.Rank() || len(members[g.PrincipalID]) == 0 {
			continue
		}
		ms, ok := reached[g.PrincipalID]
		if !ok {
			seen := map[string]bool{g.PrincipalID: true}
			queue := []string{g.PrincipalID}
			for len(queue) > 0 {
				id := queue[0]
				queue = queue[1:]
				for _, m := range members[id] {
					if !seen[m] {
						seen[m] = true
						ms = append(ms, m)
						queue = append(queue, m)
					}
				}
			}
			reached[g.PrincipalID] = ms
		}
		if !copied {
			out = slices.Clone(s.Grants)
			copied = true
		}
		for _, m := range ms {
			h := g
			h.PrincipalID = m
			out = append(out, h)
		}
	}
	return out
}

// grantKey matches grants across runs.
type grantKey struct{ principal, privilege, scope string }

func diffGrants(prev, cur []Grant, pl, cl *labeler) (added, removed, changed []ChangeItem) {
	group := func(gs []Grant) map[grantKey][]Grant {
		m := map[grantKey][]Grant{}
		for _, g := range gs {
			k := grantKey{g.PrincipalID, g.Privilege, g.Scope}
			m[k] = append(m[k], g)
		}
		return m
	}
	pm, cm := group(prev), group(cur)
	keys := map[grantKey]bool{}
	for k := range pm {
		keys[k] = true
	}
	for k := range cm {
		keys[k] = true
	}
	for k := range keys {
		pg, cg := pm[k], cm[k]
		if !privileged(pg) && !privileged(cg) {
			continue
		}
		switch {
		case len(pg) == 0:
			g := first(cg)
			added = append(added, ChangeItem{ID: g.ID, System: g.System,
				Summary: fmt.Sprintf("%s now holds %s (%s)", cl.principal(k.principal), privAt(k), grantState(cg)),
				After:   grantState(cg)})
		case len(cg) == 0:
			g := first(pg)
			removed = append(removed, ChangeItem{ID: g.ID, System: g.System,
				Summary: fmt.Sprintf("%s no longer holds %s (%s)", pl.principal(k.principal), privAt(k), grantState(pg)),
				Before:  grantState(pg)})
		default:
			before, after := grantState(pg), grantState(cg)
			if before == after {
				continue
			}
			g := first(cg)
			changed = append(changed, ChangeItem{ID: g.ID, System: g.System,
				Summary: fmt.Sprintf("%s: %s changed", cl.principal(k.principal), privAt(k)),
				Before:  before, After: after})
		}
	}
	return added, removed, changed
}

func privileged(gs []Grant) bool {
	for _, g := range gs {
		if g.Level.Rank() >= LevelPrivileged.Rank() {
			return true
		}
	}
	return false
}

// first returns the grant with the smallest id, for a stable item id.
func first(gs []Grant) Grant {
	f := gs[0]
	for _, g := range gs[1:] {
		if g.ID < f.ID {
			f = g
		}
	}
	return f
}

func privAt(k grantKey) string {
	if k.scope == "" {
		return fmt.Sprintf("%q", k.privilege)
	}
	return fmt.Sprintf("%q at %s", k.privilege, k.scope)
}

// grantState describes what a set of grants with one key amounts to: the
// strongest level and every distinct assignment with its expiry.
func grantState(gs []Grant) string {
	var level Level
	var holds []string
	for _, g := range gs {
		if g.Level.Rank() > level.Rank() {
			level = g.Level
		}
		h := string(g.Assignment)
		if g.Expires != nil {
			h += " until " + fmtTime(*g.Expires)
		}
		holds = append(holds, h)
	}
	sort.Strings(holds)
	holds = slices.Compact(holds)
	return string(level) + ", " + strings.Join(holds, " + ")
}

func fmtTime(t time.Time) string {
	t = t.UTC()
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format("2006-01-02")
	}
	return t.Format("2006-01-02T15:04Z")
}

func fmtTimePtr(t *time.Time) string {
	if t == nil {
		return "none"
	}
	return fmtTime(*t)
}

func isApp(k TrustKind) bool { return k == TrustThirdPartyApp || k == TrustGitHubApp }

func trustNoun(t Trust) string {
	if isApp(t.Kind) {
		return "app " + fmt.Sprintf("%q", t.Name)
	}
	return string(t.Kind) + " " + fmt.Sprintf("%q", t.Name)
}

func trustDesc(t Trust) string {
	s := fmt.Sprintf("%s, counterparty %s", trustNoun(t), t.Counterparty)
	if t.CounterpartyKind != "" {
		s += " (" + t.CounterpartyKind + ")"
	}
	if t.Level != "" {
		s += ", level " + string(t.Level)
	}
	return s
}

// trustFields lists the comparable facts of a trust, name first.
func trustFields(t Trust) [][2]string {
	conds := make([]string, 0, len(t.Conditions))
	for k, v := range t.Conditions {
		conds = append(conds, k+"="+v)
	}
	sort.Strings(conds)
	perms := slices.Clone(t.Permissions)
	sort.Strings(perms)
	return [][2]string{
		{"counterparty", t.Counterparty + " (" + t.CounterpartyKind + ")"},
		{"principal", t.PrincipalID},
		{"conditions", joinOrNone(conds)},
		{"permissions", joinOrNone(perms)},
		{"level", orNone(string(t.Level))},
		{"expires", fmtTimePtr(t.Expires)},
	}
}

func diffTrusts(prev, cur []Trust, pl, cl *labeler) (added, removed, changed []ChangeItem) {
	pm := indexBy(prev, func(t Trust) string { return t.ID })
	cm := indexBy(cur, func(t Trust) string { return t.ID })
	for id, t := range cm {
		p, ok := pm[id]
		if !ok {
			added = append(added, ChangeItem{ID: id, System: t.System, Summary: trustDesc(t) + cl.party(id) + conditionsNote(t)})
			continue
		}
		if before, after, ok := fieldChanges(trustFields(p), trustFields(t)); ok {
			changed = append(changed, ChangeItem{ID: id, System: t.System, Summary: trustNoun(t) + cl.party(id) + " changed", Before: before, After: after})
		}
	}
	for id, t := range pm {
		if _, ok := cm[id]; !ok {
			removed = append(removed, ChangeItem{ID: id, System: t.System, Summary: trustDesc(t) + pl.party(id)})
		}
	}
	return added, removed, changed
}

func conditionsNote(t Trust) string {
	if t.Kind != TrustAWSRole {
		return ""
	}
	if len(t.Conditions) == 0 {
		return ", no conditions"
	}
	return ""
}

func licenceFields(l Licence) [][2]string {
	return [][2]string{
		{"owner_of_record", l.OwnerOfRecord + kindSuffix(l.OwnerKind)},
		{"channel", orNone(l.Channel)},
		{"provider", orNone(l.Provider)},
		{"status", orNone(l.Status)},
		{"renews", fmtTimePtr(l.Renews)},
	}
}

func diffLicences(prev, cur []Licence, pl, cl *labeler) []ChangeItem {
	var out []ChangeItem
	pm := indexBy(prev, func(l Licence) string { return l.ID })
	cm := indexBy(cur, func(l Licence) string { return l.ID })
	for id, l := range cm {
		p, ok := pm[id]
		if !ok {
			out = append(out, ChangeItem{ID: id, System: l.System,
				Summary: fmt.Sprintf("added: %s%s", l.Product, cl.party(id)),
				After:   setFields(licenceFields(l))})
			continue
		}
		if before, after, ok := fieldChanges(licenceFields(p), licenceFields(l)); ok {
			what := "changed"
			if p.OwnerOfRecord != l.OwnerOfRecord || p.OwnerKind != l.OwnerKind {
				what = "owner of record changed"
			}
			out = append(out, ChangeItem{ID: id, System: l.System,
				Summary: fmt.Sprintf("%s: %s%s", what, l.Product, cl.party(id)), Before: before, After: after})
		}
	}
	for id, l := range pm {
		if _, ok := cm[id]; !ok {
			out = append(out, ChangeItem{ID: id, System: l.System,
				Summary: fmt.Sprintf("removed: %s%s", l.Product, pl.party(id)),
				Before:  setFields(licenceFields(l))})
		}
	}
	return out
}

func backupFields(b Backup) [][2]string {
	copies := make([]string, 0, len(b.Copies))
	for _, c := range b.Copies {
		copies = append(copies, c.Destination+" ("+c.Owner+")")
	}
	sort.Strings(copies)
	deleters := slices.Clone(b.Deleters)
	sort.Strings(deleters)
	return [][2]string{
		{"location", b.Location},
		{"storage_owner", b.StorageOwner + kindSuffix(b.StorageOwnerKind)},
		{"key", orNone(b.KeyID)},
		{"key_owner", orNone(b.KeyOwner) + kindSuffix(b.KeyOwnerKind)},
		{"copies", joinOrNone(copies)},
		{"immutable", fmt.Sprint(b.Immutable)},
		{"deleters", joinOrNone(deleters)},
	}
}

func diffBackups(prev, cur []Backup, pl, cl *labeler) []ChangeItem {
	var out []ChangeItem
	pm := indexBy(prev, func(b Backup) string { return b.ID })
	cm := indexBy(cur, func(b Backup) string { return b.ID })
	for id, b := range cm {
		p, ok := pm[id]
		if !ok {
			out = append(out, ChangeItem{ID: id, System: b.System,
				Summary: fmt.Sprintf("added: %s%s", b.Name, cl.party(id)),
				After:   setFields(backupFields(b))})
			continue
		}
		if before, after, ok := fieldChanges(backupFields(p), backupFields(b)); ok {
			out = append(out, ChangeItem{ID: id, System: b.System,
				Summary: fmt.Sprintf("changed: %s%s", b.Name, cl.party(id)), Before: before, After: after})
		}
	}
	for id, b := range pm {
		if _, ok := cm[id]; !ok {
			out = append(out, ChangeItem{ID: id, System: b.System,
				Summary: fmt.Sprintf("removed: %s%s", b.Name, pl.party(id)),
				Before:  setFields(backupFields(b))})
		}
	}
	return out
}

// fieldChanges compares two field lists (same names, same order) and
// returns "name: value; ..." for the fields that differ.
func fieldChanges(prev, cur [][2]string) (before, after string, changed bool) {
	var b, a [][2]string
	for i := range prev {
		if prev[i][1] != cur[i][1] {
			b = append(b, prev[i])
			a = append(a, cur[i])
		}
	}
	if len(b) == 0 {
		return "", "", false
	}
	return fieldString(b), fieldString(a), true
}

func fieldString(fs [][2]string) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f[0] + ": " + f[1]
	}
	return strings.Join(parts, "; ")
}

// setFields is fieldString without the fields that hold nothing, for
// items that were added or removed as a whole.
func setFields(fs [][2]string) string {
	var set [][2]string
	for _, f := range fs {
		if f[1] != "none" && f[1] != "false" && f[1] != "" {
			set = append(set, f)
		}
	}
	return fieldString(set)
}

func kindSuffix(kind string) string {
	if kind == "" {
		return ""
	}
	return " (" + kind + ")"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func joinOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}

// Finding status classes for the diff. Pass and waived are "good";
// fail, warn and unknown are "bad" in increasing order of concern for
// fail over warn; unknown is its own kind (facts are missing).
func badness(s Status) int {
	switch s {
	case StatusFail:
		return 3
	case StatusWarn:
		return 2
	case StatusUnknown:
		return 1
	}
	return 0 // pass, waived
}

func findingKey(f Finding) string {
	subj := slices.Clone(f.Subjects)
	sort.Strings(subj)
	return f.Check + "\x00" + f.System + "\x00" + strings.Join(subj, "\x00")
}

func findingLoose(f Finding) string { return f.Check + "\x00" + f.System }

// diffFindings sorts findings into new, fixed and regressed:
//
//   - new: a finding that did not exist before and is now fail, warn or
//     unknown;
//   - fixed: a finding that was fail, warn or unknown and now passes, is
//     waived, or is no longer reported;
//   - regressed: a finding that existed before and got worse — into fail
//     from anything else, into warn from pass or waived, or into unknown
//     from pass, waived, fail or warn (a check that can no longer be
//     evaluated may hide a failure).
//
// A fail that became a warn is an improvement but not a fix and is not
// listed.
func diffFindings(prev, cur []Finding) (newF, fixed, regressed []ChangeItem) {
	pm := indexFindings(prev)
	cm := indexFindings(cur)
	// Pair findings whose subjects changed but whose check and system are
	// unambiguous on both sides.
	pLoose := map[string][]string{}
	cLoose := map[string][]string{}
	for k, f := range pm {
		if _, ok := cm[k]; !ok {
			pLoose[findingLoose(f)] = append(pLoose[findingLoose(f)], k)
		}
	}
	for k, f := range cm {
		if _, ok := pm[k]; !ok {
			cLoose[findingLoose(f)] = append(cLoose[findingLoose(f)], k)
		}
	}
	pair := map[string]string{} // cur key -> prev key
	paired := map[string]bool{} // prev keys paired
	for lk, ck := range cLoose {
		if pk := pLoose[lk]; len(ck) == 1 && len(pk) == 1 {
			pair[ck[0]] = pk[0]
			paired[pk[0]] = true
		}
	}
	for k, f := range cm {
		pk := k
		if _, ok := pm[k]; !ok {
			pk = pair[k]
		}
		p, existed := pm[pk]
		item := findingItem(f)
		switch {
		case !existed:
			if badness(f.Status) > 0 {
				item.After = string(f.Status)
				newF = append(newF, item)
			}
		case badness(f.Status) == 0 && badness(p.Status) > 0:
			item.Before, item.After = string(p.Status), string(f.Status)
			fixed = append(fixed, item)
		case worse(p.Status, f.Status):
			item.Before, item.After = string(p.Status), string(f.Status)
			regressed = append(regressed, item)
		}
	}
	for k, p := range pm {
		if _, ok := cm[k]; ok || paired[k] {
			continue
		}
		if badness(p.Status) > 0 {
			item := findingItem(p)
			item.Before, item.After = string(p.Status), "not reported"
			fixed = append(fixed, item)
		}
	}
	return newF, fixed, regressed
}

func worse(before, after Status) bool {
	switch after {
	case StatusFail:
		return before != StatusFail
	case StatusWarn:
		return badness(before) == 0
	case StatusUnknown:
		return before != StatusUnknown
	}
	return false
}

// indexFindings maps findings by key; of duplicates the worst status
// wins, so the diff never hides a failure.
func indexFindings(fs []Finding) map[string]Finding {
	m := make(map[string]Finding, len(fs))
	for _, f := range fs {
		k := findingKey(f)
		if old, ok := m[k]; ok && badness(old.Status) >= badness(f.Status) {
			continue
		}
		m[k] = f
	}
	return m
}

func findingItem(f Finding) ChangeItem {
	id := f.Check
	if len(f.Subjects) > 0 {
		subj := slices.Clone(f.Subjects)
		sort.Strings(subj)
		id += " " + strings.Join(subj, ",")
	}
	title := f.Title
	if f.Message != "" {
		title = f.Message
	}
	return ChangeItem{ID: id, System: f.System,
		Summary: fmt.Sprintf("%s [%s] %s", f.Check, f.Severity, title)}
}

func indexBy[T any](list []T, id func(T) string) map[string]T {
	m := make(map[string]T, len(list))
	for _, v := range list {
		m[id(v)] = v
	}
	return m
}
