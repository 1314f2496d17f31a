package report

import (
	"cmp"
	"slices"
	"strings"

	"github.com/keyholder/keyholder/findings"
)

type gapRow struct {
	System     string
	Collection string
	Reason     string
	Error      string
	Remedy     string
	Checks     []string
}

func gapReasonLabel(r findings.GapReason) string {
	switch r {
	case findings.GapDenied:
		return "access denied"
	case findings.GapUnlicensed:
		return "not licensed"
	case findings.GapUnsupported:
		return "not supported"
	case findings.GapFailed:
		return "failed"
	case findings.GapSkipped:
		return "skipped"
	}
	return clean(string(r))
}

// buildGaps lists each gap with the checks it left unknown. When the
// assessment carries the policies' own list (gap_checks: system kinds and
// not_affected_by applied), that list plus any unknown finding naming the
// gap; otherwise, for older assessments, the findings that name the gap,
// and, when none does, the checks that read its collection.
func buildGaps(ix *index) []gapRow {
	named := map[string][]string{}
	for _, f := range ix.a.Findings {
		for _, g := range f.Gaps {
			if ix.a.GapChecks != nil && f.Status != findings.StatusUnknown {
				continue
			}
			named[g] = append(named[g], f.Check)
		}
	}
	var out []gapRow
	for _, g := range ix.snap.Gaps {
		checks := slices.Clone(named[g.ID])
		if ix.a.GapChecks != nil {
			checks = append(checks, ix.a.GapChecks[g.ID]...)
		} else if len(checks) == 0 {
			top, _, _ := strings.Cut(g.Collection, "/")
			for _, c := range ix.a.Checks {
				if slices.Contains(c.Reads, top) || slices.Contains(c.Reads, g.Collection) {
					checks = append(checks, c.ID)
				}
			}
		}
		checks = cleanAll(slices.Compact(slices.Sorted(slices.Values(checks))))
		out = append(out, gapRow{
			System: ix.systemName(g.System), Collection: clean(g.Collection), Reason: gapReasonLabel(g.Reason),
			Error: clean(g.Error), Remedy: clean(g.Remedy), Checks: checks,
		})
	}
	slices.SortStableFunc(out, func(a, b gapRow) int {
		return cmp.Or(strings.Compare(a.System, b.System), strings.Compare(a.Collection, b.Collection))
	})
	return out
}
