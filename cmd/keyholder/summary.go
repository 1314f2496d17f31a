package main

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/scan"
)

// summaryLines are the end-of-scan lines, one per target: scanned /
// scanned with N gaps / failed (short reason). The full error stays in the
// log line "scan failed" and in the target's system gap in the reports;
// the summary names only what failed, e.g.
// "corp-ad: failed (unreachable: connection refused (10.0.0.5:636))" or
// "aws: failed (unreachable: no answer within 1s)". cfg, when not nil,
// supplies each target's configured timeout for that wording.
func summaryLines(sum []scan.TargetSummary, cfg *config.Config) []string {
	timeouts := targetTimeouts(cfg)
	out := make([]string, 0, len(sum))
	for _, s := range sum {
		if s.Outcome == scan.Failed || s.Outcome == scan.Skipped {
			s.Reason = shortReason(s.Reason, timeouts[s.Target])
		}
		out = append(out, s.String())
	}
	return out
}

var (
	// The short forms scanners.Classify gives; the scan puts them before
	// the full error text of the target's system gap.
	unreachableRe = regexp.MustCompile(`unreachable: (connection refused|host not found|no answer within the timeout|no route to host)( \([^()]*\))?`)
	tlsRe         = regexp.MustCompile(`TLS: [^():]*[^():\s]( \([^()]*\))?`)
)

const maxReason = 100

// shortReason is the part of a target's failure text a person acts on.
// timeout is the target's configured timeout ("" when unset).
func shortReason(reason, timeout string) string {
	if strings.HasPrefix(reason, "scan cancelled before it finished") {
		return "cancelled before it finished"
	}
	if m := unreachableRe.FindStringSubmatch(reason); m != nil {
		what := m[1]
		if what == "no answer within the timeout" && timeout != "" {
			what = "no answer within " + timeout
		}
		// Keep the address in parentheses; drop hints such as
		// "(raise the target's timeout ...)".
		if m[2] != "" && !strings.Contains(strings.TrimPrefix(m[2], " "), " ") {
			what += m[2]
		}
		return "unreachable: " + what
	}
	if m := tlsRe.FindString(reason); m != "" {
		return m
	}
	return truncate(reason, maxReason)
}

// truncate cuts s to at most n runes, marking the cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// targetTimeouts maps each target of cfg to its timeout key, as written.
func targetTimeouts(cfg *config.Config) map[string]string {
	out := map[string]string{}
	if cfg == nil {
		return out
	}
	for _, t := range cfg.Targets {
		if t.Node == nil {
			continue
		}
		for i := 0; i+1 < len(t.Node.Content); i += 2 {
			if t.Node.Content[i].Value == "timeout" {
				out[t.Name] = t.Node.Content[i+1].Value
			}
		}
	}
	return out
}
