package report

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"

	"github.com/keyholder/keyholder/findings"
)

//go:embed templates/report.html.tmpl templates/style.css templates/report.md.tmpl
var templateFS embed.FS

// htmlWriter renders the self-contained HTML report.
type htmlWriter struct {
	opts Options
}

func (*htmlWriter) Format() string  { return "html" }
func (*htmlWriter) Files() []string { return []string{"report.html"} }

func (h *htmlWriter) WriteFile(name string, w io.Writer, a *findings.Assessment) error {
	if name != "report.html" {
		return fmt.Errorf("report: html has no file %q", name)
	}
	return h.Write(w, a)
}

// Write renders the report. It renders into memory first so a template
// error never leaves half a page behind.
func (h *htmlWriter) Write(w io.Writer, a *findings.Assessment) error {
	tmpl, err := htmlTemplate()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, buildView(a, h.opts)); err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

func htmlTemplate() (*template.Template, error) {
	css, err := templateFS.ReadFile("templates/style.css")
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	funcs := template.FuncMap{
		// css returns the embedded style sheet. It is a constant of this
		// package, never data from the assessment.
		"css": func() template.CSS { return template.CSS(css) },
	}
	t, err := template.New("report.html.tmpl").Funcs(funcs).ParseFS(templateFS, "templates/report.html.tmpl")
	if err != nil {
		return nil, fmt.Errorf("report: html template: %w", err)
	}
	return t, nil
}
