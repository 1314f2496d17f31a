package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/keyholder/keyholder/findings"
)

// Page one of the report is the executive's: the verdict, each blocker in
// one plain sentence, the three most important actions, and per system
// whether the customer holds the keys. Everything here is derived from the
// findings and checks the assessment carries, so a new check shows up on
// page one without code changes.

// blockerView is one blocker check that fails, is unknown or is waived on
// one system.
type blockerView struct {
	StatusLabel string
	StatusClass string
	Check       string
	Anchor      string
	System      string
	// Sentence is the finding's message: what is wrong, in names.
	Sentence string
	// Why lists, for an unknown blocker, what was not read and what to
	// grant so it can be read.
	Why    []gapWhy
	Waiver *waiverView
}

// gapWhy explains one gap in a few words: what was not read and why, and
// what to grant.
type gapWhy struct {
	What  string // "organization not read (access denied)"
	Grant string // "organizations:DescribeOrganization on the audit role"
}

// actionView is one of the most important things to do.
type actionView struct {
	Number   int
	Text     string
	Check    string
	Anchor   string
	Severity string
	Systems  string
}

// maxActions is how many actions page one names.
const maxActions = 3

func (ix *index) sysOrAll(id string) string {
	if id == "" {
		return "all systems"
	}
	return ix.systemName(id)
}

// findingGaps are the gaps behind a finding: the ones it names, or, when
// it names none, the gaps on its system the policies mapped to its check.
func (ix *index) findingGaps(f findings.Finding) []string {
	if len(f.Gaps) > 0 || f.Status != findings.StatusUnknown {
		return f.Gaps
	}
	var out []string
	for gid, checks := range ix.a.GapChecks {
		g, ok := ix.gaps[gid]
		if ok && (f.System == "" || g.System == f.System) && slices.Contains(checks, f.Check) {
			out = append(out, gid)
		}
	}
	slices.Sort(out)
	return out
}

// sentence makes a finding's message a sentence for page one: ids named,
// the customer called by its name, a capital first and a full stop last.
func (ix *index) sentence(msg string) string {
	s := ix.orgNamed(ix.humanize(msg))
	s = upperFirst(strings.TrimSpace(s))
	if s != "" && !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// orgNamed calls the customer by its name on page one.
func (ix *index) orgNamed(s string) string {
	if org := clean(ix.a.Organization); org != "" {
		s = strings.NewReplacer("the customer's", org+"'s", "the customer", org).Replace(s)
	}
	return s
}

// summarize folds the gaps behind an unknown into one short line for
// page one: the collections not read (without region or reason), and
// everything to grant, each once.
func (ix *index) summarize(ids []string) []gapWhy {
	var what, grant []string
	for _, id := range slices.Compact(slices.Sorted(slices.Values(ids))) {
		c := id
		if g, ok := ix.gaps[id]; ok {
			c = g.Collection
		}
		parts := strings.SplitN(c, "/", 3)
		if len(parts) > 2 {
			parts = parts[:2]
		}
		w := collectionLabel(strings.Join(parts, "/"))
		if !slices.Contains(what, w) {
			what = append(what, w)
		}
		if gr := ix.gapWhy(id).Grant; gr != "" && !slices.Contains(grant, gr) {
			grant = append(grant, gr)
		}
	}
	if len(what) == 0 {
		return nil
	}
	return []gapWhy{{What: strings.Join(what, ", ") + " not read", Grant: strings.Join(grant, "; ")}}
}

// gapWhy explains the gap with id gid.
func (ix *index) gapWhy(gid string) gapWhy {
	g, ok := ix.gaps[gid]
	if !ok {
		return gapWhy{What: clean(gid) + " not read"}
	}
	w := gapWhy{What: fmt.Sprintf("%s not read (%s)", collectionLabel(g.Collection), gapReasonLabel(g.Reason)), Grant: clean(g.Remedy)}
	if w.Grant == "" {
		w.Grant = "grant read access to " + collectionLabel(g.Collection) + " and scan again"
	}
	return w
}

// collectionLabel is a snapshot collection in words ("activity/audit_log"
// becomes "activity: audit log").
func collectionLabel(c string) string {
	c = clean(c)
	c = strings.ReplaceAll(c, "_", " ")
	return strings.ReplaceAll(c, "/", " / ")
}

// unknownWhy explains why a system's keys or verdict are unknown: the gaps
// behind its unknown blocker findings (or, when none names a gap, behind
// any of its unknown findings).
func (ix *index) unknownWhy(system string) []gapWhy {
	var ids []string
	for _, sev := range []bool{true, false} {
		for _, f := range ix.a.Findings {
			if f.System != system || f.Status != findings.StatusUnknown || (f.Severity == findings.SeverityBlocker) != sev {
				continue
			}
			ids = append(ids, ix.findingGaps(f)...)
		}
		if len(ids) > 0 {
			break
		}
	}
	if len(ids) == 0 {
		for _, g := range ix.snap.Gaps {
			if g.System == system {
				ids = append(ids, g.ID)
			}
		}
	}
	return ix.summarize(ids)
}

func (ix *index) gapWhys(ids []string) []gapWhy {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	var out []gapWhy
	for _, id := range ids {
		w := ix.gapWhy(id)
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// buildBlockers lists every blocker finding that is not a pass, failures
// first, each as its message: one plain sentence naming what is wrong.
func buildBlockers(ix *index, anchors map[string]string) []blockerView {
	var out []blockerView
	for _, f := range sortedFindings(ix.a.Findings) {
		if f.Severity != findings.SeverityBlocker || f.Status == findings.StatusPass {
			continue
		}
		label, class := statusLabel(f.Status)
		b := blockerView{
			StatusLabel: label, StatusClass: class, Check: clean(f.Check), Anchor: anchors[f.Check],
			Sentence: ix.sentence(cmp.Or(f.Message, f.Title)),
		}
		if f.System != "" {
			b.System = ix.systemName(f.System)
		}
		if f.Status == findings.StatusUnknown {
			b.Why = ix.summarize(ix.findingGaps(f))
		}
		if f.Waiver != nil {
			w := waiverFor(ix, f.Waiver)
			b.Waiver = &w
		}
		out = append(out, b)
	}
	return out
}

// buildActions names the most important things to do: one per check, in
// order of severity (failures before unknowns, then warnings), the check's
// remediation for a failure and the access to grant for an unknown.
func buildActions(ix *index, anchors map[string]string, n int) []actionView {
	type item struct {
		check   string
		sev     findings.Severity
		status  findings.Status
		systems []string
		gaps    []string
		remedy  string
		title   string
	}
	byCheck := map[string]*item{}
	var order []*item
	for _, f := range sortedFindings(ix.a.Findings) {
		if f.Status != findings.StatusFail && f.Status != findings.StatusUnknown && f.Status != findings.StatusWarn {
			continue
		}
		key := f.Check + "\x00" + string(f.Status)
		it, ok := byCheck[key]
		if !ok {
			it = &item{check: f.Check, sev: f.Severity, status: f.Status, title: f.Title}
			byCheck[key] = it
			order = append(order, it)
		}
		if f.System != "" && !slices.Contains(it.systems, f.System) {
			it.systems = append(it.systems, f.System)
		}
		it.gaps = append(it.gaps, ix.findingGaps(f)...)
		if it.remedy == "" {
			it.remedy = f.Remediation
		}
	}
	info := map[string]findings.CheckInfo{}
	for _, c := range ix.a.Checks {
		info[c.ID] = c
	}
	slices.SortStableFunc(order, func(a, b *item) int {
		return cmp.Or(b.sev.Rank()-a.sev.Rank(), statusRank(a.status)-statusRank(b.status), len(b.systems)-len(a.systems))
	})
	var out []actionView
	for _, it := range order {
		if len(out) == n {
			break
		}
		var text string
		if it.status == findings.StatusUnknown {
			var grants []string
			for _, w := range ix.gapWhys(it.gaps) {
				if w.Grant != "" && !slices.Contains(grants, w.Grant) {
					grants = append(grants, w.Grant)
				}
			}
			what := clean(cmp.Or(info[it.check].Title, it.title))
			if len(grants) > 0 {
				text = fmt.Sprintf("Let keyholder read what it could not (%s), then scan again: until then nobody can tell whether %s.", strings.Join(grants, "; "), lowerFirst(strings.TrimSuffix(what, ".")))
			} else {
				text = fmt.Sprintf("Find out whether %s, and scan again.", lowerFirst(strings.TrimSuffix(what, ".")))
			}
		} else {
			text = ix.humanize(firstSentence(cmp.Or(info[it.check].Remediation, it.remedy, it.title)))
		}
		text = ix.orgNamed(text)
		sys := make([]string, len(it.systems))
		for i, s := range it.systems {
			sys[i] = ix.systemName(s)
		}
		slices.Sort(sys)
		out = append(out, actionView{
			Number: len(out) + 1, Text: text, Check: clean(it.check), Anchor: anchors[it.check],
			Severity: severityLabel(it.sev), Systems: joinAnd(sys),
		})
	}
	return out
}

// firstSentence is s up to and including its first full stop followed by a
// space, so a long remediation reads as one action.
func firstSentence(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, ". "); i > 0 {
		return s[:i+1]
	}
	return s
}

// lowerFirst lower-cases the first letter unless the first word is an
// acronym ("AWS management account" stays as it is).
func lowerFirst(s string) string {
	if len(s) < 2 || strings.ToUpper(s[1:2]) == s[1:2] {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// humanize replaces keyholder ids that appear in text (principal, group,
// trust, backup and licence ids) with their names, so evidence reads
// "via Acme Technicians → Domain Admins", never as a chain of GUIDs.
func (ix *index) humanize(s string) string {
	s = clean(s)
	if ix.idNames == nil {
		var pairs []string
		add := func(id string) {
			if strings.Count(id, ":") < 2 {
				return // only full keyholder ids, never bare words
			}
			if n := ix.name(id); n.Name != "" && n.Name != n.ID {
				pairs = append(pairs, clean(id), n.Name)
			}
		}
		for id := range ix.principals {
			add(id)
		}
		for id := range ix.trusts {
			add(id)
		}
		for id := range ix.objects {
			add(id)
		}
		// Longer ids first, so an id that prefixes another never wins.
		type pair struct{ id, name string }
		ps := make([]pair, 0, len(pairs)/2)
		for i := 0; i < len(pairs); i += 2 {
			ps = append(ps, pair{pairs[i], pairs[i+1]})
		}
		slices.SortFunc(ps, func(a, b pair) int { return cmp.Or(len(b.id)-len(a.id), strings.Compare(a.id, b.id)) })
		// "name (id)" loses the id; a bare id becomes the name. The
		// bracketed forms come first: the replacer tries them in order.
		flat := make([]string, 0, 4*len(ps))
		for _, p := range ps {
			flat = append(flat, " ("+p.id+")", "")
		}
		for _, p := range ps {
			flat = append(flat, p.id, p.name)
		}
		ix.idNames = strings.NewReplacer(flat...)
	}
	return ix.idNames.Replace(s)
}
