package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/keyholder/keyholder/findings"
)

type verdictView struct {
	Code     string
	Label    string
	Class    string
	Headline string
	Detail   string
}

type scopeItem struct {
	// Label is the system as people know it (systemLabel).
	Label    string
	ID       string
	Kind     string
	Name     string
	NativeID string
	Insecure []string
	Gaps     int
}

type tile struct {
	Label string
	Value int
	Class string
}

// providers returns the provider parties the assessment names, sorted.
func (ix *index) providers() []string {
	var out []string
	for name, kind := range ix.partyKind {
		if kind == "msp" || kind == "vendor" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

func overallVerdict(a *findings.Assessment, ix *index) verdictView {
	v := chip(a.Verdict)
	who := "its providers"
	if a.ExitProvider != "" {
		who = clean(a.ExitProvider)
	} else if p := ix.providers(); len(p) > 0 {
		names := make([]string, len(p))
		for i, n := range p {
			names[i] = clean(n)
		}
		who = joinAnd(names)
	}
	org := clean(cmp.Or(a.Organization, "The organisation"))
	switch a.Verdict {
	case findings.VerdictNotReady:
		v.Headline = fmt.Sprintf("%s is not ready to end the contract with %s.", org, who)
	case findings.VerdictIncomplete:
		v.Headline = fmt.Sprintf("%s cannot yet tell whether it could end the contract with %s.", org, who)
	case findings.VerdictReadyWithActions:
		v.Headline = fmt.Sprintf("%s holds the keys; actions remain before ending the contract with %s.", org, who)
	case findings.VerdictReady:
		v.Headline = fmt.Sprintf("%s is ready to end the contract with %s.", org, who)
	default:
		v.Headline = "No verdict was recorded."
	}
	if a.ExitProvider != "" {
		switch a.Verdict {
		case findings.VerdictReady:
			v.Headline = fmt.Sprintf("No access of %s remains at %s.", who, org)
		case findings.VerdictNotReady:
			v.Headline = fmt.Sprintf("Access of %s remains at %s.", who, org)
		}
	}
	failSys, unknownSys := map[string]bool{}, map[string]bool{}
	fails, unknowns := 0, 0
	for _, f := range a.Findings {
		if f.Severity != findings.SeverityBlocker {
			continue
		}
		switch f.Status {
		case findings.StatusFail:
			fails++
			failSys[ix.sysOrAll(f.System)] = true
		case findings.StatusUnknown:
			unknowns++
			unknownSys[ix.sysOrAll(f.System)] = true
		}
	}
	var parts []string
	if fails > 0 {
		parts = append(parts, fmt.Sprintf("%s %s in %s", plural(fails, "blocker check", "blocker checks"), failVerb(fails), joinAnd(sortedKeys(failSys))))
	}
	if unknowns > 0 {
		parts = append(parts, fmt.Sprintf("%s could not be evaluated in %s", plural(unknowns, "blocker check", "blocker checks"), joinAnd(sortedKeys(unknownSys))))
	}
	if len(parts) == 0 {
		v.Detail = "No blocker check fails or is unknown."
	} else {
		v.Detail = clean(upperFirst(strings.Join(parts, "; ")) + ".")
	}
	// A waived blocker caps the verdict and is named here, on page one;
	// an input used although edited is stated as well.
	if len(a.WaivedBlockers) > 0 && a.Verdict == findings.VerdictReadyWithActions {
		v.Headline = fmt.Sprintf("%s has accepted a blocker risk by waiver; actions remain before ending the contract with %s.", org, who)
	}
	for _, w := range a.WaivedBlockers {
		v.Detail += clean(fmt.Sprintf(" Blocker %s waived on %s until %s: %s.", w.Check, ix.sysOrAll(w.System), w.Waiver.Expires.Format("2006-01-02"), w.Waiver.Reason))
	}
	for _, m := range a.ModifiedInputs {
		v.Detail += clean(" Modified input: " + m + ".")
	}
	return v
}

func failVerb(n int) string {
	if n == 1 {
		return "fails"
	}
	return "fail"
}

func buildScope(ix *index) []scopeItem {
	gaps := map[string]int{}
	for _, g := range ix.snap.Gaps {
		gaps[g.System]++
	}
	var out []scopeItem
	for _, s := range ix.snap.Systems {
		out = append(out, scopeItem{Label: ix.systemName(s.ID), ID: clean(s.ID), Kind: kindLabel(&s), Name: clean(s.Name), NativeID: clean(s.NativeID), Insecure: cleanAll(s.Insecure), Gaps: gaps[s.ID]})
	}
	// Systems the assessment names but the snapshot lacks (a saved
	// assessment without its snapshot) still appear.
	for _, sv := range ix.a.Systems {
		if _, ok := ix.systems[sv.System]; !ok {
			out = append(out, scopeItem{Label: ix.systemName(sv.System), ID: clean(sv.System), Kind: kindLabel(&findings.System{Kind: sv.Kind}), Name: clean(sv.Name), Gaps: gaps[sv.System]})
		}
	}
	slices.SortFunc(out, func(a, b scopeItem) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func buildTiles(a *findings.Assessment) []tile {
	count := func(ok func(findings.Finding) bool) int {
		n := 0
		for _, f := range a.Findings {
			if ok(f) {
				n++
			}
		}
		return n
	}
	failAt := func(sevs ...findings.Severity) func(findings.Finding) bool {
		return func(f findings.Finding) bool {
			return f.Status == findings.StatusFail && slices.Contains(sevs, f.Severity)
		}
	}
	status := func(s findings.Status) func(findings.Finding) bool {
		return func(f findings.Finding) bool { return f.Status == s }
	}
	t := []tile{
		{Label: "Blockers failing", Value: count(failAt(findings.SeverityBlocker)), Class: "t-blocker"},
		{Label: "High failing", Value: count(failAt(findings.SeverityHigh)), Class: "t-high"},
		{Label: "Medium and low failing", Value: count(failAt(findings.SeverityMedium, findings.SeverityLow, findings.SeverityInfo)), Class: "t-medium"},
		{Label: "Unknown", Value: count(status(findings.StatusUnknown)), Class: "t-unknown"},
		{Label: "Warnings", Value: count(status(findings.StatusWarn)), Class: "t-warn"},
		{Label: "Waived", Value: count(status(findings.StatusWaived)), Class: "t-waived"},
		{Label: "Passed", Value: count(status(findings.StatusPass)), Class: "t-pass"},
	}
	for i := range t {
		if t[i].Value == 0 {
			t[i].Class += " t-zero"
		}
	}
	return t
}
