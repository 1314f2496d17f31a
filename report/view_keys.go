package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/keyholder/keyholder/findings"
)

type keyRow struct {
	System     string
	Kind       string
	Customer   []nameRef
	MFA        string
	MFAClass   string
	BreakGlass []nameRef
	Provider   []nameRef
	HoldsKeys  string
	HoldsClass string
	// Why says, for an Unknown "holds keys" cell, what was not read and
	// what to grant; VerdictWhy says it for an Incomplete verdict when
	// the keys are known.
	Why        []gapWhy
	VerdictWhy []gapWhy
	Verdict    verdictView
}

func buildKeys(ix *index) []keyRow {
	var out []keyRow
	svs := slices.Clone(ix.a.Systems)
	slices.SortFunc(svs, func(a, b findings.SystemVerdict) int { return strings.Compare(a.System, b.System) })
	for _, sv := range svs {
		if sv.Kind == findings.SystemDeclared || sv.Kind == findings.SystemDomains {
			continue // inventories and public records hold no keys
		}
		r := keyRow{
			System:     ix.systemName(sv.System),
			Kind:       kindLabel(&findings.System{Kind: sv.Kind, Flavour: flavour(ix, sv.System)}),
			Customer:   ix.names(sv.CustomerSuperAdmins),
			BreakGlass: ix.names(sv.BreakGlass),
			Provider:   ix.names(sv.ProviderSuperAdmins),
			Verdict:    chip(sv.Verdict),
		}
		n := len(sv.CustomerSuperAdmins)
		switch {
		case sv.MFANotApplicable:
			r.MFA, r.MFAClass = "n/a", "muted" // the directory reports no MFA state
		case n == 0:
			r.MFA, r.MFAClass = "—", "muted"
		case sv.CustomerSuperAdminsWithMFA >= n:
			r.MFA, r.MFAClass = fmt.Sprintf("%d of %d", sv.CustomerSuperAdminsWithMFA, n), "good"
		default:
			r.MFA, r.MFAClass = fmt.Sprintf("%d of %d", sv.CustomerSuperAdminsWithMFA, n), "bad"
		}
		switch sv.HoldsKeys {
		case "yes":
			r.HoldsKeys, r.HoldsClass = "Yes", "good"
		case "no":
			r.HoldsKeys, r.HoldsClass = "No", "bad"
		case "n/a":
			r.HoldsKeys, r.HoldsClass = "n/a", "muted"
		default:
			r.HoldsKeys, r.HoldsClass = "Unknown", "warn"
		}
		switch {
		case sv.HoldsKeys != "yes" && sv.HoldsKeys != "no" && sv.HoldsKeys != "n/a":
			r.Why = ix.unknownWhy(sv.System)
		case sv.Verdict == findings.VerdictIncomplete:
			r.VerdictWhy = ix.unknownWhy(sv.System)
		}
		out = append(out, r)
	}
	return out
}

func flavour(ix *index, system string) string {
	if s, ok := ix.systems[system]; ok {
		return s.Flavour
	}
	return ""
}
