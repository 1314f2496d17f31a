package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/keyholder/keyholder/findings"
)

type severityGroup struct {
	Severity string
	Label    string
	Counts   string
	Findings []findingView
}

type findingView struct {
	Anchor      string
	Check       string
	Title       string
	Status      string
	StatusLabel string
	StatusClass string
	Severity    string
	System      string
	Message     string
	Subjects    []nameRef
	Evidence    []string
	Remediation string
	Waiver      *waiverView
	Gaps        []string
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

func buildFindings(ix *index) ([]severityGroup, []passedRow) {
	var groups []severityGroup
	passed := map[string]*passedRow{}
	var passedSystems = map[string][]string{}
	anchors := map[string]int{}
	for _, f := range sortedFindings(ix.a.Findings) {
		if f.Status == findings.StatusPass {
			p, ok := passed[f.Check]
			if !ok {
				p = &passedRow{Check: clean(f.Check), Title: clean(f.Title), Severity: severityLabel(f.Severity)}
				passed[f.Check] = p
			}
			passedSystems[f.Check] = append(passedSystems[f.Check], cmp.Or(f.System, "all"))
			continue
		}
		sev := severityLabel(f.Severity)
		if len(groups) == 0 || groups[len(groups)-1].Severity != string(f.Severity) {
			groups = append(groups, severityGroup{Severity: clean(string(f.Severity)), Label: sev})
		}
		g := &groups[len(groups)-1]
		label, class := statusLabel(f.Status)
		anchor := "f-" + anchorID(f.Check+"-"+f.System)
		anchors[anchor]++
		if n := anchors[anchor]; n > 1 {
			anchor = fmt.Sprintf("%s-%d", anchor, n)
		}
		fv := findingView{
			Anchor: anchor, Check: clean(f.Check), Title: clean(f.Title), Status: clean(string(f.Status)),
			StatusLabel: label, StatusClass: class, Severity: sev, Message: clean(f.Message),
			Subjects: ix.names(f.Subjects), Evidence: cleanAll(f.Evidence), Remediation: clean(f.Remediation),
		}
		if f.System != "" {
			fv.System = ix.systemName(f.System)
		}
		if f.Waiver != nil {
			w := waiverFor(ix, f.Waiver)
			fv.Waiver = &w
		}
		for _, gid := range f.Gaps {
			if gp, ok := ix.gaps[gid]; ok {
				fv.Gaps = append(fv.Gaps, fmt.Sprintf("%s: %s not read (%s)", ix.systemName(gp.System), clean(gp.Collection), clean(string(gp.Reason))))
			} else {
				fv.Gaps = append(fv.Gaps, clean(gid))
			}
		}
		g.Findings = append(g.Findings, fv)
	}
	for i := range groups {
		counts := map[string]int{}
		for _, f := range groups[i].Findings {
			counts[f.StatusLabel]++
		}
		var parts []string
		for _, s := range []string{"Fail", "Unknown", "Warn", "Waived"} {
			if counts[s] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", counts[s], strings.ToLower(s)))
			}
		}
		groups[i].Counts = strings.Join(parts, ", ")
	}
	var prows []passedRow
	for id, p := range passed {
		sys := slices.Compact(slices.Sorted(slices.Values(passedSystems[id])))
		for i := range sys {
			sys[i] = clean(sys[i])
		}
		p.Systems = strings.Join(sys, ", ")
		prows = append(prows, *p)
	}
	slices.SortFunc(prows, func(a, b passedRow) int { return strings.Compare(a.Check, b.Check) })
	return groups, prows
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
