package report

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/keyholder/keyholder/findings"
)

// csvWriter writes findings.csv (one row per finding and subject) and
// access.csv (one row per privileged grant a principal holds, directly or
// through groups). Files are RFC 4180 (CRLF, quoted where needed), and
// every cell is safe to open in a spreadsheet: see csvCell.
type csvWriter struct{}

func (csvWriter) Format() string  { return "csv" }
func (csvWriter) Files() []string { return []string{"findings.csv", "access.csv"} }

// Write writes findings.csv.
func (c csvWriter) Write(w io.Writer, a *findings.Assessment) error {
	return c.WriteFile("findings.csv", w, a)
}

func (csvWriter) WriteFile(name string, w io.Writer, a *findings.Assessment) error {
	var rows [][]string
	switch name {
	case "findings.csv":
		rows = findingRows(a)
	case "access.csv":
		rows = accessRows(a)
	default:
		return fmt.Errorf("report: csv has no file %q", name)
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	for _, r := range rows {
		for i := range r {
			r[i] = csvCell(r[i])
		}
		if err := cw.Write(r); err != nil {
			return fmt.Errorf("report: csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: csv: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// csvCell makes a cell safe for spreadsheets (OWASP "CSV injection"):
// hidden and control characters are made visible (clean, except that the
// line breaks joining list items are kept), and a cell whose first visible
// character is one a spreadsheet reads as a formula (= + - @, or their
// full-width forms) is prefixed with an apostrophe so it stays text.
func csvCell(s string) string {
	if strings.Contains(s, "\n") {
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			lines[i] = clean(l)
		}
		s = strings.Join(lines, "\n")
	} else {
		s = clean(s)
	}
	t := strings.TrimLeftFunc(s, unicode.IsSpace)
	if t == "" {
		return s
	}
	switch []rune(t)[0] {
	case '=', '+', '-', '@', '＝', '＋', '－', '＠':
		return "'" + s
	}
	return s
}

func findingRows(a *findings.Assessment) [][]string {
	ix := newIndex(a)
	rows := [][]string{{
		"check", "title", "status", "severity", "system", "subject_id", "subject_name", "subject_party",
		"message", "evidence", "remediation", "waiver_reason", "waiver_expires", "gaps",
	}}
	for _, f := range checkOrder(a.Findings) {
		var wr, we string
		if f.Waiver != nil {
			wr, we = f.Waiver.Reason, f.Waiver.Expires.UTC().Format(isoDate)
		}
		subjects := slices.Clone(f.Subjects)
		slices.Sort(subjects)
		if len(subjects) == 0 {
			subjects = []string{""}
		}
		for _, sid := range subjects {
			var name, party string
			if sid != "" {
				n := ix.name(sid)
				name, party = n.Name, n.Party.Party
				if party == "" {
					party = "not attributed"
				}
			}
			ev := make([]string, len(f.Evidence))
			for i, e := range f.Evidence {
				ev[i] = ix.humanizeEvidence(e) // names, never id chains
			}
			rows = append(rows, []string{
				f.Check, f.Title, string(f.Status), string(f.Severity), f.System, sid, name, party,
				ix.humanize(f.Message), strings.Join(ev, "\n"), f.Remediation, wr, we, strings.Join(f.Gaps, "; "),
			})
		}
	}
	return rows
}

func accessRows(a *findings.Assessment) [][]string {
	ix := newIndex(a)
	rows := [][]string{{
		"system", "principal_id", "principal_name", "login", "principal_kind", "party", "enabled", "mfa",
		"privilege", "level", "scope", "assignment", "expires", "via", "direct", "sensitive", "last_activity",
	}}
	type row struct {
		p  *findings.Principal
		eg effectiveGrant
	}
	var out []row
	for i := range ix.snap.Principals {
		p := &ix.snap.Principals[i]
		for _, eg := range ix.effectiveGrants(p.ID) {
			if eg.Grant.Level.Rank() < findings.LevelPrivileged.Rank() {
				continue
			}
			out = append(out, row{p: p, eg: eg})
		}
	}
	slices.SortStableFunc(out, func(x, y row) int {
		return cmp.Or(
			strings.Compare(x.p.System, y.p.System),
			strings.Compare(strings.ToLower(principalName(x.p)), strings.ToLower(principalName(y.p))),
			strings.Compare(x.p.ID, y.p.ID),
			y.eg.Grant.Level.Rank()-x.eg.Grant.Level.Rank(),
			strings.Compare(x.eg.Grant.Privilege, y.eg.Grant.Privilege),
			strings.Compare(x.eg.Grant.Scope, y.eg.Grant.Scope),
			strings.Compare(strings.Join(x.eg.Via, "\x00"), strings.Join(y.eg.Via, "\x00")),
		)
	})
	for _, r := range out {
		p, g := r.p, r.eg.Grant
		party := ix.partyOf(p.ID).Party
		if party == "" {
			party = "not attributed"
		}
		last := "not known"
		if p.LastActivityKnown {
			last = "never"
			if p.LastActivity != nil {
				last = p.LastActivity.UTC().Format(isoDate)
			}
		}
		rows = append(rows, []string{
			p.System, p.ID, principalName(p), p.Login, string(p.Kind), party, strconv.FormatBool(p.Enabled), mfaLabel(p.MFA),
			g.Privilege, string(g.Level), g.Scope, string(g.Assignment), fmtDate(g.Expires), ix.viaNames(r.eg.Via),
			strconv.FormatBool(len(r.eg.Via) == 0), strings.Join(g.Sensitive, "; "), last,
		})
	}
	return rows
}
