package report

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// clean makes text from the scanned systems safe to show: characters that
// are invisible or that reorder the text around them (bidi overrides and
// isolates, zero-width characters, control characters) are replaced by a
// visible "[U+202E]" marker, so a display name cannot hide or reverse what
// follows it. Line breaks and tabs become spaces. Escaping for HTML,
// Markdown or CSV is done on top of this by each writer.
func clean(s string) string {
	if !needsClean(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t' || r == '\u2028' || r == '\u2029':
			b.WriteByte(' ')
		case hiddenRune(r):
			fmt.Fprintf(&b, "[U+%04X]", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func needsClean(s string) bool {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			ascii = false
			break
		}
	}
	if ascii {
		return false // printable ASCII: the common case
	}
	for _, r := range s {
		if r == '\n' || r == '\r' || r == '\t' || r == '\u2028' || r == '\u2029' || hiddenRune(r) {
			return true
		}
	}
	return false
}

// hiddenRune reports whether r is a control or format character: C0 and C1
// controls, bidi embeddings, overrides, isolates and marks, zero-width
// spaces and joiners, the byte order mark, and the rest of Unicode's Cf
// category, and the replacement character for invalid UTF-8.
func hiddenRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == unicode.ReplacementChar
}

// cleanAll applies clean to each element.
func cleanAll(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = clean(s)
	}
	return out
}

// Date layouts used in reports. Dates are shown in UTC.
const (
	isoDate  = "2006-01-02"
	longDate = "2 January 2006"
	stamp    = "2006-01-02 15:04 UTC"
)

func fmtDate(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(isoDate)
}

func fmtStamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(stamp)
}

// days returns the whole days from a to b (negative when b is before a).
func days(a, b time.Time) int {
	d := b.UTC().Sub(a.UTC())
	n := int(d / (24 * time.Hour))
	if d < 0 && d%(24*time.Hour) != 0 {
		n--
	}
	return n
}

// ago says how long before asOf t was: "3 hours ago", "1 day ago",
// "412 days ago", or "in 3 days" for a time after asOf.
func ago(asOf time.Time, t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	d := asOf.Sub(*t)
	switch {
	case d >= 0 && d < time.Hour:
		return "less than an hour ago"
	case d >= 0 && d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour", "hours") + " ago"
	case d < 0 && d > -24*time.Hour:
		return "within a day"
	}
	n := days(*t, asOf)
	if n > 0 {
		return plural(n, "day", "days") + " ago"
	}
	return "in " + plural(-n, "day", "days")
}

// plural returns "1 thing" or "n things".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// shortHash shortens a hex digest for display.
func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// joinAnd joins items as "a", "a and b", "a, b and c".
func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
