package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/keyholder/keyholder/findings"
)

type phaseView struct {
	Title string
	Steps []stepView
}

type stepView struct {
	Number   int
	Phase    string
	Action   string
	System   string
	SystemID string
	// Targets are the step's identifiers as the admin consoles name
	// them, keyholder's id second.
	Targets  []targetRef
	Due      string
	DueISO   string
	DueClass string
	Done     bool
	Verify   bool
	// Status is "done", "verify" or "to do".
	Status      string
	StatusClass string
}

// targetRef is one identifier of a step with the party it belongs to.
type targetRef struct {
	identRef
	Party partyRef
}

// stepStatus names a step's state: done (the facts show it), verify
// (it rests on a check that could not be evaluated) or to do.
func stepStatus(s findings.RunbookStep) (label, class string) {
	switch {
	case s.Done:
		return "done", "good"
	case s.Verify:
		return "verify", "warn"
	}
	return "to do", ""
}

// phaseTitles returns the runbook phases in the order the exit is done.
func phaseTitles() []struct{ key, title string } {
	return []struct{ key, title string }{
		{"secure_keys", "Secure the keys"},
		{"transfer_ownership", "Transfer ownership"},
		{"secure_backups", "Secure the backups"},
		{"cut_access", "Cut the provider's access"},
		{"rotate_secrets", "Rotate secrets the provider knew"},
		{"attestations", "Collect attestations"},
		{"rescan", "Re-scan with the exit profile"},
	}
}

func buildRunbook(ix *index) []phaseView {
	steps := slices.Clone(ix.a.Runbook)
	phases := phaseTitles()
	rank := func(phase string) int {
		for i, p := range phases {
			if p.key == phase {
				return i
			}
		}
		return len(phases)
	}
	slices.SortStableFunc(steps, func(a, b findings.RunbookStep) int {
		return cmp.Or(rank(a.Phase)-rank(b.Phase), a.Order-b.Order, strings.Compare(a.System, b.System), strings.Compare(a.Action, b.Action))
	})
	var out []phaseView
	n := 0
	for _, s := range steps {
		title := ""
		if r := rank(s.Phase); r < len(phases) {
			title = phases[r].title
		} else {
			title = clean(upperFirst(strings.ReplaceAll(s.Phase, "_", " ")))
		}
		if len(out) == 0 || out[len(out)-1].Title != title {
			out = append(out, phaseView{Title: title})
		}
		n++
		sv := stepView{Number: n, Phase: clean(s.Phase), Action: ix.humanize(s.Action), Done: s.Done, Verify: s.Verify && !s.Done}
		sv.Status, sv.StatusClass = stepStatus(s)
		for _, id := range s.Identifiers {
			t := targetRef{identRef: ix.identifier(id)}
			pid, _, _ := strings.Cut(id, "#")
			if _, ok := ix.party[pid]; ok {
				t.Party = ix.partyOf(pid)
			}
			sv.Targets = append(sv.Targets, t)
		}
		if s.System != "" {
			sv.System = ix.systemName(s.System)
			sv.SystemID = clean(s.System)
		}
		if s.Due != nil {
			sv.Due = fmtDate(s.Due)
			sv.DueISO = fmtDate(s.Due)
			d := days(ix.a.AsOf, *s.Due)
			switch {
			case s.Done:
			case d < 0:
				sv.Due += " (overdue)"
				sv.DueClass = "bad"
			case d <= 60:
				sv.Due += fmt.Sprintf(" (in %s)", plural(d, "day", "days"))
				sv.DueClass = "warn"
			}
		}
		out[len(out)-1].Steps = append(out[len(out)-1].Steps, sv)
	}
	return out
}

// PartySuffix is " (Party)" unless the target's name already says it.
func (t targetRef) PartySuffix() string { return partySuffix(t.Name, t.Party) }
