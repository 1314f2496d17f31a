package report

import (
	"fmt"
	"strings"

	"github.com/keyholder/keyholder/findings"
)

// Exit codes of a run that completed, as documented in the CLI. Runtime
// (1) and usage (2) errors are the CLI's own.
const (
	ExitOK         = 0
	ExitFailing    = 3
	ExitIncomplete = 4
)

// DefaultFailOn is the --fail-on default.
const DefaultFailOn = findings.SeverityHigh

// ParseFailOn parses a --fail-on value: blocker, high, medium or low.
func ParseFailOn(s string) (findings.Severity, error) {
	switch sev := findings.Severity(strings.ToLower(strings.TrimSpace(s))); sev {
	case findings.SeverityBlocker, findings.SeverityHigh, findings.SeverityMedium, findings.SeverityLow, FailOnNone:
		return sev, nil
	}
	return "", fmt.Errorf("--fail-on %q: want blocker, high, medium, low or none", s)
}

// FailOnNone is --fail-on none: findings never set the exit code (neither
// 3 nor 4); the reports still say everything.
const FailOnNone = findings.Severity("none")

// ExitCode maps an assessment to keyholder's exit code:
//
//   - 3 (ExitFailing) when a check fails at or above failOn, or the
//     verdict is not_ready (a blocker fails, and blocker is the top of
//     every failOn). Warnings and waived findings never count.
//   - otherwise 4 (ExitIncomplete) when the verdict is incomplete or a
//     blocker check is unknown: the answer cannot be given yet.
//   - otherwise 0 (ExitOK).
//
// A definite failure wins over incompleteness: a run that shows a failing
// check is failing even if other facts are missing. An invalid or empty
// failOn is treated as DefaultFailOn.
func ExitCode(a *findings.Assessment, failOn findings.Severity) int {
	if failOn == FailOnNone {
		return ExitOK
	}
	if a == nil {
		return ExitIncomplete
	}
	if failOn.Rank() < findings.SeverityLow.Rank() {
		failOn = DefaultFailOn
	}
	incomplete := a.Verdict == findings.VerdictIncomplete
	failing := a.Verdict == findings.VerdictNotReady
	for _, f := range a.Findings {
		switch f.Status {
		case findings.StatusFail:
			if f.Severity.Rank() >= failOn.Rank() {
				failing = true
			}
		case findings.StatusUnknown:
			if f.Severity == findings.SeverityBlocker {
				incomplete = true
			}
		}
	}
	switch {
	case failing:
		return ExitFailing
	case incomplete:
		return ExitIncomplete
	}
	return ExitOK
}

// ExitSummary explains an exit code in one line, for the CLI.
func ExitSummary(a *findings.Assessment, failOn findings.Severity) string {
	if failOn.Rank() < findings.SeverityLow.Rank() {
		failOn = DefaultFailOn
	}
	failing, unknown := 0, 0
	failingChecks := map[string]bool{}
	for _, f := range a.Findings {
		switch {
		case f.Status == findings.StatusFail && (f.Severity.Rank() >= failOn.Rank()):
			failing++
			failingChecks[f.Check] = true
		case f.Status == findings.StatusUnknown && f.Severity == findings.SeverityBlocker:
			unknown++
		}
	}
	return fmt.Sprintf("verdict %s: %s across %s at or above %s, %s unknown",
		a.Verdict, plural(failing, "failing finding", "failing findings"), plural(len(failingChecks), "check", "checks"), failOn, plural(unknown, "blocker check", "blocker checks"))
}
