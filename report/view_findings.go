package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/keyholder/keyholder/findings"
)

// checkSection is one check that did not pass everywhere: its status, why
// it matters, the fix, and one row per finding (a subject on a system).
// Sections are built from the findings and the checks the assessment
// carries, so a new check renders without code changes.
type checkSection struct {
	Anchor        string
	Check         string
	Title         string
	Severity      string
	SeverityCode  string
	StatusLabel   string // the worst status of its findings
	StatusClass   string
	Counts        string // "4 fail, 2 unknown"
	Why           string // the check's description: why it matters
	Fix           string // the check's remediation
	Rows          []findingRow
	Gaps          []gapWhy
	PassedSystems string
}

// findingRow is one finding of a check: who, where, whose, and what shows
// it, in names.
type findingRow struct {
	Anchor      string
	StatusLabel string
	StatusClass string
	System      string
	Subjects    []nameRef
	// Message is the finding's message with keyholder ids replaced by
	// names.
	Message  string
	Evidence []string
	// Fix is the finding's own remediation when it differs from the
	// check's.
	Fix    string
	Waiver *waiverView
}

type waiverView struct {
	Check   string
	Subject string
	Reason  string
	Expires string
}

type passedRow struct {
	Check    string
	Title    string
	Severity string
	Systems  string
}

// sortedFindings returns the findings by severity (strongest first),
// status (fail, unknown, warn, waived, pass), check, system and subjects.
func sortedFindings(fs []findings.Finding) []findings.Finding {
	out := slices.Clone(fs)
	slices.SortStableFunc(out, func(a, b findings.Finding) int {
		return cmp.Or(
			b.Severity.Rank()-a.Severity.Rank(),
			statusRank(a.Status)-statusRank(b.Status),
			strings.Compare(a.Check, b.Check),
			strings.Compare(a.System, b.System),
			strings.Compare(strings.Join(a.Subjects, "\x00"), strings.Join(b.Subjects, "\x00")),
			strings.Compare(a.Message, b.Message),
		)
	})
	return out
}

// checkOrder sorts findings by check: severity, the check's worst status,
// check id; within a check by status, system and subjects.
func checkOrder(fs []findings.Finding) []findings.Finding {
	worst := map[string]int{}
	for _, f := range fs {
		if r, ok := worst[f.Check]; !ok || statusRank(f.Status) < r {
			worst[f.Check] = statusRank(f.Status)
		}
	}
	out := slices.Clone(fs)
	slices.SortStableFunc(out, func(a, b findings.Finding) int {
		return cmp.Or(
			b.Severity.Rank()-a.Severity.Rank(),
			worst[a.Check]-worst[b.Check],
			strings.Compare(a.Check, b.Check),
			statusRank(a.Status)-statusRank(b.Status),
			strings.Compare(a.System, b.System),
			strings.Compare(strings.Join(a.Subjects, "\x00"), strings.Join(b.Subjects, "\x00")),
			strings.Compare(a.Message, b.Message),
		)
	})
	return out
}

// checkAnchor is the fragment of a check's section.
func checkAnchor(check string) string { return "c-" + anchorID(check) }

// buildFindings groups the findings by check. Checks that passed
// everywhere go to the passed table; a check that passed on some systems
// says where.
func buildFindings(ix *index) ([]checkSection, []passedRow) {
	info := map[string]findings.CheckInfo{}
	for _, c := range ix.a.Checks {
		info[c.ID] = c
	}
	passedSystems := map[string][]string{}
	notPassed := map[string]bool{}
	for _, f := range ix.a.Findings {
		if f.Status == findings.StatusPass {
			passedSystems[f.Check] = append(passedSystems[f.Check], ix.sysOrAll(f.System))
		} else {
			notPassed[f.Check] = true
		}
	}
	var sections []checkSection
	counts := map[string]map[string]int{}
	gaps := map[string][]string{}
	rowAnchors := map[string]int{}
	for _, f := range checkOrder(ix.a.Findings) {
		if f.Status == findings.StatusPass {
			continue
		}
		if len(sections) == 0 || sections[len(sections)-1].Check != clean(f.Check) {
			ci := info[f.Check]
			label, class := statusLabel(f.Status)
			sections = append(sections, checkSection{
				Anchor: checkAnchor(f.Check), Check: clean(f.Check), Title: clean(cmp.Or(ci.Title, f.Title)),
				Severity: severityLabel(f.Severity), SeverityCode: clean(string(f.Severity)),
				StatusLabel: label, StatusClass: class,
				Why: clean(ci.Description), Fix: ix.humanize(ci.Remediation),
			})
			counts[f.Check] = map[string]int{}
		}
		sec := &sections[len(sections)-1]
		label, class := statusLabel(f.Status)
		counts[f.Check][label]++
		anchor := "f-" + anchorID(f.Check+"-"+f.System)
		rowAnchors[anchor]++
		if n := rowAnchors[anchor]; n > 1 {
			anchor = fmt.Sprintf("%s-%d", anchor, n)
		}
		row := findingRow{
			Anchor: anchor, StatusLabel: label, StatusClass: class,
			Subjects: ix.names(f.Subjects), Message: ix.humanize(f.Message),
		}
		if f.System != "" {
			row.System = ix.systemName(f.System)
		}
		for _, e := range f.Evidence {
			row.Evidence = append(row.Evidence, ix.humanizeEvidence(e))
		}
		if fix := ix.humanize(f.Remediation); fix != "" && fix != sec.Fix {
			if sec.Fix == "" {
				sec.Fix = fix
			} else {
				row.Fix = fix
			}
		}
		if f.Waiver != nil {
			w := waiverFor(ix, f.Waiver)
			row.Waiver = &w
		}
		gaps[f.Check] = append(gaps[f.Check], f.Gaps...)
		sec.Rows = append(sec.Rows, row)
	}
	for i := range sections {
		s := &sections[i]
		var parts []string
		for _, st := range []string{"Fail", "Unknown", "Warn", "Waived"} {
			if n := counts[s.Check][st]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, strings.ToLower(st)))
			}
		}
		s.Counts = strings.Join(parts, ", ")
		s.Gaps = ix.gapWhys(gaps[s.Check])
		if ps := passedSystems[s.Check]; len(ps) > 0 {
			s.PassedSystems = strings.Join(slices.Compact(slices.Sorted(slices.Values(ps))), ", ")
		}
	}
	var prows []passedRow
	for id, sys := range passedSystems {
		if notPassed[id] {
			continue
		}
		ci := info[id]
		title, sev := ci.Title, ci.Severity
		for _, f := range ix.a.Findings {
			if f.Check == id {
				title, sev = cmp.Or(title, f.Title), cmp.Or(sev, f.Severity)
				break
			}
		}
		prows = append(prows, passedRow{Check: clean(id), Title: clean(title), Severity: severityLabel(sev),
			Systems: strings.Join(slices.Compact(slices.Sorted(slices.Values(sys))), ", ")})
	}
	slices.SortFunc(prows, func(a, b passedRow) int { return strings.Compare(a.Check, b.Check) })
	return sections, prows
}

// humanizeEvidence names the ids in an evidence line and writes a group
// chain ("via a > b") with arrows.
func (ix *index) humanizeEvidence(e string) string {
	s := ix.humanize(e)
	if strings.Contains(s, "via ") {
		s = strings.ReplaceAll(s, " > ", " → ")
	}
	return s
}

func waiverFor(ix *index, w *findings.Waiver) waiverView {
	wv := waiverView{Check: clean(w.Check), Reason: clean(w.Reason), Expires: w.Expires.UTC().Format(isoDate)}
	if w.Subject != "" {
		wv.Subject = ix.name(w.Subject).Name
	}
	return wv
}

// anchorID keeps letters, digits and dashes so ids are valid fragments.
func anchorID(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}
