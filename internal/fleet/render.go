package fleet

import (
	"bytes"
	"embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/fsx"
	"github.com/keyholder/keyholder/report"
)

//go:embed templates/fleet.html.tmpl
var templateFS embed.FS

// Formats are the output formats, in the order files are written.
var Formats = []string{"html", "csv", "json"}

// FileName returns the file a format is written to.
func FileName(format string) string { return "fleet." + format }

// ParseFormats parses a comma-separated --format list ("all" for every
// format).
func ParseFormats(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		switch {
		case f == "all":
			return slices.Clone(Formats), nil
		case slices.Contains(Formats, f):
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		case f == "":
		default:
			return nil, fmt.Errorf("--format %q: want html, csv, json or all", f)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--format %q: want html, csv, json or all", s)
	}
	return out, nil
}

// Write renders v in format to w.
func Write(w io.Writer, format string, v *View, paper string) error {
	var buf bytes.Buffer
	var err error
	switch format {
	case "json":
		err = writeJSON(&buf, v)
	case "csv":
		err = writeCSV(&buf, v)
	case "html":
		err = writeHTML(&buf, v, paper)
	default:
		return fmt.Errorf("fleet: unknown format %q", format)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// WriteAll writes every format into dir (created 0700), each file
// written whole or not at all, and returns the paths.
func WriteAll(dir string, formats []string, v *View, paper string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	var paths []string
	for _, f := range formats {
		var buf bytes.Buffer
		if err := Write(&buf, f, v, paper); err != nil {
			return paths, err
		}
		p := filepath.Join(dir, FileName(f))
		// Atomic, 0600 (an owner-only ACL on Windows), like every report.
		if err := fsx.WriteFile(p, buf.Bytes()); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

func writeJSON(w io.Writer, v *View) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// csvHeader is one row per estate.
var csvHeader = []string{"estate", "organization", "profile", "run", "started", "age_hours", "stale", "verdict",
	"previous_verdict", "trend", "changes", "failing", "blockers", "unknown", "principals", "privileged_grants",
	"holds_keys", "blocker_checks", "provider_principals", "provider_privileged_grants", "provider_privileges"}

func writeCSV(w io.Writer, v *View) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, e := range v.Estates {
		prev, changes := "", ""
		if e.PreviousVerdict != nil {
			prev = string(*e.PreviousVerdict)
		}
		if e.Changes != nil {
			changes = strconv.Itoa(*e.Changes)
		}
		var holds, blockers, privs []string
		for _, s := range e.Systems {
			holds = append(holds, s.System+"="+s.HoldsKeys)
		}
		for _, b := range e.BlockerFindings {
			if b.System != "" {
				blockers = append(blockers, b.Check+"@"+b.System)
			} else {
				blockers = append(blockers, b.Check)
			}
		}
		for _, p := range e.Providers {
			privs = append(privs, p.Party+": "+strings.Join(p.Privileges, ", "))
		}
		row := []string{e.Estate, e.Organization, e.Profile, strconv.FormatInt(e.Run, 10), e.Started.Format("2006-01-02T15:04:05Z"),
			strconv.FormatFloat(e.AgeHours, 'f', 1, 64), strconv.FormatBool(e.Stale), string(e.Verdict), prev, e.Trend, changes,
			strconv.Itoa(e.Failing), strconv.Itoa(e.Blockers), strconv.Itoa(e.Unknown), strconv.Itoa(e.Principals),
			strconv.Itoa(e.PrivilegedGrants), strings.Join(holds, "; "), strings.Join(blockers, "; "),
			strconv.Itoa(e.ProviderPrincipals), strconv.Itoa(e.ProviderPrivilegedGrants), strings.Join(privs, "; ")}
		for i, c := range row {
			row[i] = csvSafe(c)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe defuses spreadsheet formulas in text cells (estate and system
// names come from configs and scanned data).
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return s
		}
		return "'" + s
	}
	return s
}

func verdictClass(v findings.Verdict) string {
	switch v {
	case findings.VerdictNotReady:
		return "v-not-ready"
	case findings.VerdictIncomplete:
		return "v-incomplete"
	case findings.VerdictReadyWithActions:
		return "v-actions"
	case findings.VerdictReady:
		return "v-ready"
	}
	return "v-incomplete"
}

func verdictLabel(v findings.Verdict) string {
	switch v {
	case findings.VerdictNotReady:
		return "Not ready"
	case findings.VerdictIncomplete:
		return "Incomplete"
	case findings.VerdictReadyWithActions:
		return "Ready with actions"
	case findings.VerdictReady:
		return "Ready"
	}
	return string(v)
}

func writeHTML(w io.Writer, v *View, paper string) error {
	switch strings.ToLower(paper) {
	case "", "a4":
		paper = "A4"
	case "letter":
		paper = "letter"
	default:
		return fmt.Errorf("--paper %q: want a4 or letter", paper)
	}
	funcs := template.FuncMap{
		"css":          func() template.CSS { return template.CSS(report.StyleSheet()) },
		"verdictClass": verdictClass,
		"verdictLabel": verdictLabel,
		"age": func(h float64) string {
			if h < 48 {
				return fmt.Sprintf("%.0f h", h)
			}
			return fmt.Sprintf("%.0f d", h/24)
		},
		"date":  func(e Estate) string { return e.Started.Format("2006-01-02 15:04") },
		"deref": func(v *findings.Verdict) findings.Verdict { return *v },
	}
	t, err := template.New("fleet.html.tmpl").Funcs(funcs).ParseFS(templateFS, "templates/fleet.html.tmpl")
	if err != nil {
		return fmt.Errorf("fleet: html template: %w", err)
	}
	data := struct {
		*View
		Paper     string
		Generated string
		Order     []findings.Verdict
	}{v, paper, v.GeneratedAt.Format("2006-01-02 15:04 UTC"),
		[]findings.Verdict{findings.VerdictNotReady, findings.VerdictIncomplete, findings.VerdictReadyWithActions, findings.VerdictReady}}
	if err := t.Execute(w, data); err != nil {
		return fmt.Errorf("fleet: html: %w", err)
	}
	return nil
}
