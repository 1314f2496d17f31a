package evidence

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/keyholder/keyholder/findings"
)

// maxDiffs caps the differences Compare names one by one.
const maxDiffs = 20

// Compare names every way a re-evaluation (fresh) differs from the
// bundled assessment (bundled) in what the assessment judges: the
// verdict, each system's verdict, and each finding (by check, system and
// subjects: status, severity, message, evidence, gaps, waiver).
func Compare(bundled, fresh *findings.Assessment) []Problem {
	var ps []Problem
	add := func(format string, args ...any) {
		ps = append(ps, Problem{Kind: ProblemReevaluation, Member: AssessmentName, Msg: fmt.Sprintf(format, args...)})
	}
	if bundled.Verdict != fresh.Verdict {
		add("verdict: bundled %s, re-evaluated %s", bundled.Verdict, fresh.Verdict)
	}
	sys := map[string]findings.Verdict{}
	for _, s := range bundled.Systems {
		sys[s.System] = s.Verdict
	}
	seen := map[string]bool{}
	for _, s := range fresh.Systems {
		seen[s.System] = true
		if v, ok := sys[s.System]; !ok {
			add("system %s: not in the bundled assessment, re-evaluated %s", s.System, s.Verdict)
		} else if v != s.Verdict {
			add("system %s: bundled verdict %s, re-evaluated %s", s.System, v, s.Verdict)
		}
	}
	for _, s := range bundled.Systems {
		if !seen[s.System] {
			add("system %s: in the bundled assessment (%s), not re-evaluated", s.System, s.Verdict)
		}
	}
	b, f := findingIndex(bundled.Findings), findingIndex(fresh.Findings)
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range f {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	n := 0
	for _, k := range sorted {
		bs, fs := b[k], f[k]
		if equalJSON(bs, fs) {
			continue
		}
		n++
		if n > maxDiffs {
			continue
		}
		switch {
		case len(fs) == 0:
			add("finding %s: in the bundled assessment (%s), not in the re-evaluation", k, statuses(bs))
		case len(bs) == 0:
			add("finding %s: re-evaluated %s, not in the bundled assessment", k, statuses(fs))
		case statuses(bs) != statuses(fs):
			add("finding %s: bundled %s, re-evaluated %s", k, statuses(bs), statuses(fs))
		default:
			add("finding %s: same status (%s), but its %s differs", k, statuses(bs), fieldsDiffer(bs, fs))
		}
	}
	if n > maxDiffs {
		add("and %d more findings differ", n-maxDiffs)
	}
	return ps
}

// findingIndex groups findings by check, system and subjects.
func findingIndex(fs []findings.Finding) map[string][]findings.Finding {
	m := map[string][]findings.Finding{}
	for _, f := range fs {
		k := f.Check
		if f.System != "" {
			k += " on " + f.System
		}
		if len(f.Subjects) > 0 {
			k += " [" + strings.Join(f.Subjects, ", ") + "]"
		}
		m[k] = append(m[k], f)
	}
	for _, v := range m {
		sort.SliceStable(v, func(i, j int) bool { return mustJSON(v[i]) < mustJSON(v[j]) })
	}
	return m
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func equalJSON(a, b []findings.Finding) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if mustJSON(a[i]) != mustJSON(b[i]) {
			return false
		}
	}
	return true
}

func statuses(fs []findings.Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, string(f.Status))
	}
	return strings.Join(out, ", ")
}

// fieldsDiffer names the fields of two equally long finding lists that
// differ.
func fieldsDiffer(a, b []findings.Finding) string {
	if len(a) != len(b) {
		return "count"
	}
	set := map[string]bool{}
	for i := range a {
		x, y := a[i], b[i]
		if x.Severity != y.Severity {
			set["severity"] = true
		}
		if x.Message != y.Message {
			set["message"] = true
		}
		if x.Title != y.Title {
			set["title"] = true
		}
		if mustJSON(x.Evidence) != mustJSON(y.Evidence) {
			set["evidence"] = true
		}
		if mustJSON(x.Gaps) != mustJSON(y.Gaps) {
			set["gaps"] = true
		}
		if mustJSON(x.Waiver) != mustJSON(y.Waiver) {
			set["waiver"] = true
		}
		if x.Remediation != y.Remediation {
			set["remediation"] = true
		}
	}
	if len(set) == 0 {
		return "content"
	}
	var out []string
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
