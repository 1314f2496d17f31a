package scan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners/declared"
)

// Outcome is how a scan of one target ended.
type Outcome string

// Outcomes, worst last.
const (
	Scanned         Outcome = "scanned"
	ScannedWithGaps Outcome = "scanned with gaps"
	Skipped         Outcome = "skipped"
	Failed          Outcome = "failed"
)

// TargetSummary is the end-of-scan line for one target.
type TargetSummary struct {
	Target  string
	Outcome Outcome
	// Gaps counts the target's collection gaps (not the system gap).
	Gaps int
	// Reason says why a failed target failed (from its system gap).
	Reason string
}

// String is the line printed at the end of a scan, e.g.
// "corp-ad: failed (unreachable: connection refused (10.0.0.5:636))".
func (s TargetSummary) String() string {
	switch s.Outcome {
	case ScannedWithGaps:
		return fmt.Sprintf("%s: scanned with %d gap%s", s.Target, s.Gaps, map[bool]string{true: "", false: "s"}[s.Gaps == 1])
	case Failed, Skipped:
		return fmt.Sprintf("%s: %s (%s)", s.Target, s.Outcome, s.Reason)
	}
	return s.Target + ": " + string(s.Outcome)
}

// Summarize returns one line per scanned system of snap (the declared
// inventory left out), sorted by target. A target whose system gap is not
// "skipped" could not be scanned at all: Failed.
func Summarize(snap *findings.Snapshot) []TargetSummary {
	if snap == nil {
		return nil
	}
	byTarget := map[string]*TargetSummary{}
	sysTarget := map[string]string{}
	var names []string
	for _, s := range snap.Systems {
		t := s.Target
		if t == "" {
			t = s.ID
		}
		sysTarget[s.ID] = t
		if s.ID == declared.SystemID || s.Kind == findings.SystemDeclared || byTarget[t] != nil {
			continue
		}
		byTarget[t] = &TargetSummary{Target: t, Outcome: Scanned}
		names = append(names, t)
	}
	for _, g := range snap.Gaps {
		ts := byTarget[sysTarget[g.System]]
		if ts == nil {
			continue
		}
		if g.Collection != "system" || g.System != ts.Target {
			ts.Gaps++
			continue
		}
		reason := g.Error
		if i := strings.IndexByte(reason, '\n'); i >= 0 {
			reason = reason[:i]
		}
		if reason == "" {
			reason = string(g.Reason)
		}
		ts.Reason = reason
		if g.Reason == findings.GapSkipped {
			ts.Outcome = Skipped
		} else {
			ts.Outcome = Failed
		}
	}
	sort.Strings(names)
	out := make([]TargetSummary, 0, len(names))
	for _, n := range names {
		ts := byTarget[n]
		if ts.Outcome == Scanned && ts.Gaps > 0 {
			ts.Outcome = ScannedWithGaps
		}
		out = append(out, *ts)
	}
	return out
}

// AnyFailed reports whether a target could not be scanned at all.
func AnyFailed(sum []TargetSummary) bool {
	for _, s := range sum {
		if s.Outcome == Failed {
			return true
		}
	}
	return false
}
