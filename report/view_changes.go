package report

import (
	"cmp"
	"slices"
	"strings"

	"github.com/keyholder/keyholder/findings"
)

type changesView struct {
	From        string
	To          string
	FromRun     int64
	ToRun       int64
	VerdictFrom string
	VerdictTo   string
	Groups      []changeGroup
}

type changeGroup struct {
	Title string
	Class string // c-add, c-remove, c-change, c-fixed, c-bad
	Items []changeRow
	Total int
}

type changeRow struct {
	System  string
	Summary string
	Before  string
	After   string
}

func buildChanges(c *findings.Changes, ix *index) *changesView {
	if c == nil {
		return nil
	}
	cv := &changesView{From: fmtStamp(c.FromTime), To: fmtStamp(c.ToTime), FromRun: c.FromRun, ToRun: c.ToRun}
	if c.VerdictFrom != "" {
		cv.VerdictFrom, _ = verdictLabel(c.VerdictFrom)
	}
	if c.VerdictTo != "" {
		cv.VerdictTo, _ = verdictLabel(c.VerdictTo)
	}
	add := func(title, class string, items []findings.ChangeItem) {
		if len(items) == 0 {
			return
		}
		g := changeGroup{Title: title, Class: class}
		for _, it := range items {
			sys := ""
			if it.System != "" {
				sys = ix.systemName(it.System)
			}
			g.Items = append(g.Items, changeRow{System: sys, Summary: clean(cmp.Or(it.Summary, it.ID)), Before: clean(it.Before), After: clean(it.After)})
		}
		slices.SortStableFunc(g.Items, func(a, b changeRow) int {
			return cmp.Or(strings.Compare(a.System, b.System), strings.Compare(a.Summary, b.Summary))
		})
		g.Total = len(g.Items)
		cv.Groups = append(cv.Groups, g)
	}
	add("New findings", "c-bad", c.FindingsNew)
	add("Regressed findings", "c-bad", c.FindingsRegressed)
	add("Fixed findings", "c-fixed", c.FindingsFixed)
	add("New privileged grants", "c-add", c.GrantsAdded)
	add("Removed privileged grants", "c-remove", c.GrantsRemoved)
	add("Changed privileged grants", "c-change", c.GrantsChanged)
	add("New trusts", "c-add", c.TrustsAdded)
	add("Removed trusts", "c-remove", c.TrustsRemoved)
	add("Changed trusts", "c-change", c.TrustsChanged)
	add("New principals", "c-add", c.PrincipalsAdded)
	add("Removed principals", "c-remove", c.PrincipalsRemoved)
	add("Licences changed", "c-change", c.LicencesChanged)
	add("Backups changed", "c-change", c.BackupsChanged)
	return cv
}
