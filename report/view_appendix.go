package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/keyholder/keyholder/findings"
)

type checkRow struct {
	ID       string
	Title    string
	Severity string
	Source   string
	Reads    string
	Results  string
}

type attributionRow struct {
	Subject nameRef
	Kind    string
	Reason  string
}

func buildChecks(ix *index) []checkRow {
	res := map[string]map[findings.Status]int{}
	for _, f := range ix.a.Findings {
		if res[f.Check] == nil {
			res[f.Check] = map[findings.Status]int{}
		}
		res[f.Check][f.Status]++
	}
	var out []checkRow
	for _, c := range ix.a.Checks {
		var parts []string
		for _, s := range []findings.Status{findings.StatusFail, findings.StatusUnknown, findings.StatusWarn, findings.StatusWaived, findings.StatusPass} {
			if n := res[c.ID][s]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, s))
			}
		}
		if len(parts) == 0 {
			parts = []string{"no result"}
		}
		out = append(out, checkRow{
			ID: clean(c.ID), Title: clean(c.Title), Severity: severityLabel(c.Severity), Source: clean(c.Source),
			Reads: clean(strings.Join(c.Reads, ", ")), Results: strings.Join(parts, ", "),
		})
	}
	slices.SortFunc(out, func(a, b checkRow) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// buildAttributions lists why each principal, licence, backup and trust
// the report names belongs to its party: everything attributed to a
// provider, the key holders and finding subjects, and unknown principals
// holding privilege. (Every principal of a large directory would drown
// the table; the JSON has every attribution.)
func buildAttributions(ix *index) []attributionRow {
	// Customer principals the report names: key holders and subjects.
	named := map[string]bool{}
	for _, sv := range ix.a.Systems {
		for _, l := range [][]string{sv.CustomerSuperAdmins, sv.ProviderSuperAdmins, sv.BreakGlass} {
			for _, id := range l {
				named[id] = true
			}
		}
	}
	for _, f := range ix.a.Findings {
		if f.Status != findings.StatusPass {
			for _, id := range f.Subjects {
				named[id] = true
			}
		}
	}
	var out []attributionRow
	for _, at := range ix.a.Parties {
		_, isPrincipal := ix.principals[at.Subject]
		provider := at.PartyKind == "msp" || at.PartyKind == "vendor"
		unknown := at.PartyKind == findings.PartyUnknown || at.Party == findings.PartyUnknown
		switch {
		case provider, named[at.Subject]:
		case unknown && isPrincipal && privileged(ix.roles(at.Subject)):
		default:
			continue
		}
		kind := "principal"
		switch {
		case ix.trusts[at.Subject] != nil:
			kind = "trust"
		case ix.objects[at.Subject] != "":
			kind = strings.SplitN(at.Subject, ":", 2)[0]
		case ix.principals[at.Subject] == nil:
			kind = "other"
		}
		out = append(out, attributionRow{Subject: ix.name(at.Subject), Kind: clean(kind), Reason: clean(at.Reason)})
	}
	slices.SortStableFunc(out, func(a, b attributionRow) int {
		return cmp.Or(strings.Compare(a.Subject.Party.Name, b.Subject.Party.Name), strings.Compare(a.Kind, b.Kind), strings.Compare(strings.ToLower(a.Subject.Name), strings.ToLower(b.Subject.Name)), strings.Compare(a.Subject.ID, b.Subject.ID))
	})
	return out
}
