package diffview

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/keyholder/keyholder/findings"
)

// Formats lists the supported formats.
var Formats = []string{"text", "md", "json"}

// Options tune rendering.
type Options struct {
	// MaxItems caps each section of the text and Markdown output (the
	// rest is counted, "… and 12 more"); 0 shows everything. JSON is
	// never capped.
	MaxItems int
	// FromLabel and ToLabel name the two sides ("run 12", "a.json");
	// by default the run ids or "previous"/"current".
	FromLabel, ToLabel string
}

// Write renders c in format ("text", "md" or "json") to w.
func Write(w io.Writer, format string, c *findings.Changes, opts Options) error {
	switch format {
	case "text", "":
		return Text(w, c, opts)
	case "md", "markdown":
		return Markdown(w, c, opts)
	case "json":
		return JSON(w, c)
	}
	return fmt.Errorf("diffview: unknown format %q (want text, md or json)", format)
}

// Document is the JSON form: the changes plus the two answers automation
// asks most.
type Document struct {
	SchemaVersion     string            `json:"schema_version"`
	Count             int               `json:"count"`
	PrivilegedChanged bool              `json:"privileged_changed"`
	Changes           *findings.Changes `json:"changes"`
}

// JSON writes c as an indented Document.
func JSON(w io.Writer, c *findings.Changes) error {
	if c == nil {
		c = &findings.Changes{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(Document{
		SchemaVersion:     findings.SchemaVersion,
		Count:             c.Count(),
		PrivilegedChanged: c.PrivilegedChanged(),
		Changes:           c,
	})
}

// section is one list of changes with its heading and marker.
type section struct {
	title  string
	marker string // "+", "-", "~"
	items  []findings.ChangeItem
}

// Sections in reading order: privileged access first, then what could be
// lost at exit, then findings.
func sections(c *findings.Changes) []section {
	return []section{
		{"Systems not read in this run (not compared)", "?", c.SystemsNotRead},
		{"Privileged grants added", "+", c.GrantsAdded},
		{"Privileged grants removed", "-", c.GrantsRemoved},
		{"Privileged grants changed", "~", c.GrantsChanged},
		{"Trusts and apps added", "+", c.TrustsAdded},
		{"Trusts and apps removed", "-", c.TrustsRemoved},
		{"Trusts and apps changed", "~", c.TrustsChanged},
		{"Principals added", "+", c.PrincipalsAdded},
		{"Principals removed", "-", c.PrincipalsRemoved},
		{"Licences and owner of record", "~", c.LicencesChanged},
		{"Backups", "~", c.BackupsChanged},
		{"New findings", "+", c.FindingsNew},
		{"Regressed findings", "!", c.FindingsRegressed},
		{"Fixed findings", "-", c.FindingsFixed},
	}
}

func labels(c *findings.Changes, opts Options) (from, to string) {
	from, to = opts.FromLabel, opts.ToLabel
	if from == "" {
		from = "previous run"
		if c.FromRun > 0 {
			from = fmt.Sprintf("run %d", c.FromRun)
		}
	}
	if to == "" {
		to = "this run"
		if c.ToRun > 0 {
			to = fmt.Sprintf("run %d", c.ToRun)
		}
	}
	return from, to
}

func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return " (" + t.UTC().Format("2006-01-02 15:04 UTC") + ")"
}

func headline(c *findings.Changes) string {
	n := c.Count()
	switch {
	case n == 0:
		return "No changes."
	case c.PrivilegedChanged():
		return fmt.Sprintf("%d %s; privileged access changed.", n, plural(n, "change", "changes"))
	}
	return fmt.Sprintf("%d %s; privileged access unchanged.", n, plural(n, "change", "changes"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func verdictLine(c *findings.Changes) string {
	if c.VerdictFrom == "" && c.VerdictTo == "" {
		return ""
	}
	if !c.VerdictChanged() {
		return string(c.VerdictTo) + " (unchanged)"
	}
	return string(c.VerdictFrom) + " → " + string(c.VerdictTo)
}

// Text writes c for a terminal or an e-mail from cron.
func Text(w io.Writer, c *findings.Changes, opts Options) error {
	if c == nil {
		_, err := fmt.Fprintln(w, "No previous run to compare with.")
		return err
	}
	var b strings.Builder
	from, to := labels(c, opts)
	fmt.Fprintf(&b, "Changes from %s%s to %s%s\n", from, when(c.FromTime), to, when(c.ToTime))
	if v := verdictLine(c); v != "" {
		fmt.Fprintf(&b, "Verdict: %s\n", v)
	}
	fmt.Fprintln(&b, headline(c))
	for _, s := range sections(c) {
		if len(s.items) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s (%d)\n", s.title, len(s.items))
		for i, it := range s.items {
			if opts.MaxItems > 0 && i == opts.MaxItems {
				fmt.Fprintf(&b, "  … and %d more (use --format json for all)\n", len(s.items)-i)
				break
			}
			suffix, before, after := detail(it)
			fmt.Fprintf(&b, "  %s %s%s%s\n", s.marker, sys(it.System, "[%s] "), oneLine(it.Summary), oneLine(suffix))
			if before != "" || after != "" {
				fmt.Fprintf(&b, "      before: %s\n      after:  %s\n", oneLine(orDash(before)), oneLine(orDash(after)))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Markdown writes c as a Markdown fragment with a level-2 heading.
func Markdown(w io.Writer, c *findings.Changes, opts Options) error {
	var b strings.Builder
	if c == nil {
		b.WriteString("## Changes\n\nNo previous run to compare with.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	from, to := labels(c, opts)
	fmt.Fprintf(&b, "## Changes from %s%s to %s%s\n\n", mdEscape(from), when(c.FromTime), mdEscape(to), when(c.ToTime))
	if c.VerdictFrom != "" || c.VerdictTo != "" {
		if c.VerdictChanged() {
			fmt.Fprintf(&b, "**Verdict:** `%s` → `%s`\n\n", c.VerdictFrom, c.VerdictTo)
		} else {
			fmt.Fprintf(&b, "**Verdict:** `%s` (unchanged)\n\n", c.VerdictTo)
		}
	}
	fmt.Fprintf(&b, "%s\n", headline(c))
	for _, s := range sections(c) {
		if len(s.items) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n### %s (%d)\n\n", s.title, len(s.items))
		for i, it := range s.items {
			if opts.MaxItems > 0 && i == opts.MaxItems {
				fmt.Fprintf(&b, "- … and %d more\n", len(s.items)-i)
				break
			}
			suffix, before, after := detail(it)
			fmt.Fprintf(&b, "- %s%s%s", sys(it.System, "**%s**: "), mdEscape(it.Summary), mdEscape(suffix))
			if before != "" || after != "" {
				fmt.Fprintf(&b, "<br>before: %s<br>after: %s", mdCode(orDash(before)), mdCode(orDash(after)))
			}
			fmt.Fprintf(&b, " <sub>`%s`</sub>\n", strings.ReplaceAll(it.ID, "`", "'"))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// detail decides how an item's before/after values are shown: as a
// suffix when only one side is set (a new finding's status, a removed
// item's last state) unless the summary already says it, or as a
// before/after pair.
func detail(it findings.ChangeItem) (suffix, before, after string) {
	switch {
	case it.Before != "" && it.After != "":
		return "", it.Before, it.After
	case it.After != "" && !strings.Contains(it.Summary, it.After):
		return " (" + it.After + ")", "", ""
	case it.Before != "" && !strings.Contains(it.Summary, it.Before):
		return " (was " + it.Before + ")", "", ""
	}
	return "", "", ""
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func sys(system, format string) string {
	if system == "" {
		return ""
	}
	return fmt.Sprintf(format, system)
}

// oneLine keeps a value on one line so a crafted display name cannot forge
// extra lines of output.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s)
}

var mdReplacer = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", "&lt;", ">", "&gt;", "|", `\|`,
)

// mdEscape makes text from the scanned systems inert in Markdown (and in
// the HTML a Markdown viewer makes of it).
func mdEscape(s string) string { return mdReplacer.Replace(oneLine(s)) }

func mdCode(s string) string {
	s = oneLine(s)
	s = strings.ReplaceAll(s, "`", "'")
	s = strings.ReplaceAll(s, "|", `\|`)
	return "`" + s + "`"
}
