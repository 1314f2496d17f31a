package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/template"

	"github.com/keyholder/keyholder/findings"
)

// markdownWriter renders the report as CommonMark with GitHub tables, for
// tickets and wikis. It carries the same sections as the HTML report; the
// timeline becomes a dated list.
type markdownWriter struct {
	opts Options
}

func (*markdownWriter) Format() string  { return "md" }
func (*markdownWriter) Files() []string { return []string{"report.md"} }

func (m *markdownWriter) WriteFile(name string, w io.Writer, a *findings.Assessment) error {
	if name != "report.md" {
		return fmt.Errorf("report: md has no file %q", name)
	}
	return m.Write(w, a)
}

func (m *markdownWriter) Write(w io.Writer, a *findings.Assessment) error {
	t, err := template.New("report.md.tmpl").Funcs(template.FuncMap{
		"md":   mdText,
		"code": mdCode,
	}).ParseFS(templateFS, "templates/report.md.tmpl")
	if err != nil {
		return fmt.Errorf("report: markdown template: %w", err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, buildView(a, m.opts)); err != nil {
		return fmt.Errorf("report: markdown: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// mdText escapes text for any inline position in Markdown, including
// table cells, list items and headings: every character that can start
// markup (emphasis, code, links, raw HTML, entities, table pipes,
// strikethrough, heading marks) is backslash-escaped, and a leading
// character that could open a block (list marker, quote, numbered list)
// is escaped too. Line breaks are already gone (see clean).
func mdText(s string) string {
	s = clean(s)
	var b strings.Builder
	for i, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '~', '&', '#':
			b.WriteByte('\\')
		case '-', '+', '=':
			if i == 0 {
				b.WriteByte('\\')
			}
		case '.', ')':
			if i > 0 && allDigits(s[:i]) {
				b.WriteByte('\\')
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// mdCode renders an identifier as a code span. Identifiers that a code
// span cannot hold safely (backticks, or pipes that would split a table
// cell) fall back to escaped text.
func mdCode(s string) string {
	s = clean(s)
	if s == "" {
		return ""
	}
	if strings.ContainsAny(s, "`|") {
		return mdText(s)
	}
	return "`" + s + "`"
}
