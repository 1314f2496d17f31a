package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/keyholder/keyholder/findings"
)

// Filter narrows what a report shows to some checks and severities
// (--check and --severity). It is a view: the verdict, the per-system
// verdicts and the runbook stay those of the whole assessment, the report
// says it is filtered, and assessment.json is always written whole (its
// digest covers every finding).
type Filter struct {
	Checks     []string            // check ids; empty means all
	Severities []findings.Severity // empty means all
}

// Empty reports whether the filter keeps everything.
func (f Filter) Empty() bool { return len(f.Checks) == 0 && len(f.Severities) == 0 }

// ParseFilter reads comma-separated --check and --severity values. Check
// ids are upper-cased; a severity must be blocker, high, medium, low or
// info. Whether a check id exists is known only with the assessment (see
// Filter.Apply).
func ParseFilter(checks, severities string) (Filter, error) {
	var f Filter
	for _, c := range strings.Split(checks, ",") {
		if c = strings.ToUpper(strings.TrimSpace(c)); c != "" && !slices.Contains(f.Checks, c) {
			f.Checks = append(f.Checks, c)
		}
	}
	for _, s := range strings.Split(severities, ",") {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" {
			continue
		}
		sev := findings.Severity(s)
		switch sev {
		case findings.SeverityBlocker, findings.SeverityHigh, findings.SeverityMedium, findings.SeverityLow, findings.SeverityInfo:
		default:
			return Filter{}, fmt.Errorf("report: --severity %q: want blocker, high, medium, low or info", s)
		}
		if !slices.Contains(f.Severities, sev) {
			f.Severities = append(f.Severities, sev)
		}
	}
	return f, nil
}

// Apply returns a copy of a whose findings are only those the filter
// keeps. A check id the assessment does not know is an error, so a typo
// never yields a clean-looking report.
func (f Filter) Apply(a *findings.Assessment) (*findings.Assessment, error) {
	if f.Empty() || a == nil {
		return a, nil
	}
	known := map[string]bool{}
	for _, c := range a.Checks {
		known[c.ID] = true
	}
	for _, fi := range a.Findings {
		known[fi.Check] = true
	}
	for _, c := range f.Checks {
		if !known[c] {
			return nil, fmt.Errorf("report: --check %s: no such check in the assessment (see keyholder policies list)", c)
		}
	}
	out := *a
	out.Findings = nil
	for _, fi := range a.Findings {
		if (len(f.Checks) == 0 || slices.Contains(f.Checks, fi.Check)) && (len(f.Severities) == 0 || slices.Contains(f.Severities, fi.Severity)) {
			out.Findings = append(out.Findings, fi)
		}
	}
	if out.Findings == nil {
		out.Findings = []findings.Finding{}
	}
	return &out, nil
}

// String describes the filter for the report: "checks KH-SEG-001;
// severities blocker, high".
func (f Filter) String() string {
	var parts []string
	if len(f.Checks) > 0 {
		parts = append(parts, "checks "+strings.Join(f.Checks, ", "))
	}
	if len(f.Severities) > 0 {
		s := make([]string, len(f.Severities))
		for i, v := range f.Severities {
			s[i] = string(v)
		}
		parts = append(parts, "severities "+strings.Join(s, ", "))
	}
	return strings.Join(parts, "; ")
}

// filtered applies Options.Filter before the wrapped writer renders.
type filtered struct {
	FileWriter
	f Filter
}

func (w filtered) Write(out io.Writer, a *findings.Assessment) error {
	fa, err := w.f.Apply(a)
	if err != nil {
		return err
	}
	return w.FileWriter.Write(out, fa)
}

func (w filtered) WriteFile(name string, out io.Writer, a *findings.Assessment) error {
	fa, err := w.f.Apply(a)
	if err != nil {
		return err
	}
	return w.FileWriter.WriteFile(name, out, fa)
}

// filterSections keeps the check sections (and passed rows) the filter
// keeps.
func filterSections(secs []checkSection, passed []passedRow, f Filter) ([]checkSection, []passedRow) {
	keep := func(check, sev string) bool {
		if len(f.Checks) > 0 && !slices.Contains(f.Checks, check) {
			return false
		}
		if len(f.Severities) == 0 {
			return true
		}
		for _, s := range f.Severities {
			if strings.EqualFold(severityLabel(s), sev) {
				return true
			}
		}
		return false
	}
	var out []checkSection
	for _, s := range secs {
		if keep(s.Check, s.Severity) {
			out = append(out, s)
		}
	}
	var prows []passedRow
	for _, p := range passed {
		if keep(p.Check, p.Severity) {
			prows = append(prows, p)
		}
	}
	return out, prows
}
