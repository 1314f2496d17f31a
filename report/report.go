package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/fsx"
)

// Writer renders an assessment in one format.
//
// Contract:
//
//  1. Write only reads a; it never changes the assessment.
//  2. The same assessment gives byte-identical output.
//  3. Write renders only facts and judgements found in a (and the Options
//     the writer was built with); it reads no config, clock or network.
type Writer interface {
	// Format is the name used with --format: "html", "md", "json", "csv",
	// "sarif", "runbook-csv", "runbook-json".
	Format() string
	// Write renders the format's main file to w.
	Write(w io.Writer, a *findings.Assessment) error
}

// FileWriter is a Writer that names the files WriteAll creates for it.
// Every built-in writer implements it. Most formats are one file; CSV is
// two (findings.csv and access.csv), and its Write writes the first.
type FileWriter interface {
	Writer
	// Files returns the file names, main file first.
	Files() []string
	// WriteFile renders the file called name (one of Files) to w.
	WriteFile(name string, w io.Writer, a *findings.Assessment) error
}

// Options tune the rendering. The zero value is valid.
type Options struct {
	// Paper is the print page size of the HTML report: "a4" (default)
	// or "letter".
	Paper string
	// Permissions are the read-only permissions the scanners used, shown
	// in the appendix. Optional: the CLI fills them from the scanner
	// registry for the system kinds in the snapshot.
	Permissions []PermissionSet
	// SARIFArtifact is the file SARIF results point at (code-scanning
	// dashboards need a file location); default "keyholder.yaml", the
	// config that names the scanned targets.
	SARIFArtifact string
	// Filter narrows the findings of html, md (their findings section),
	// csv and sarif to some checks and severities; the report says so.
	// The zero value shows everything.
	Filter Filter
}

// PermissionSet lists the permissions one scanner needs.
type PermissionSet struct {
	// Scanner is the target type ("entra", "aws", ...).
	Scanner string
	Summary string
	Items   []Permission
}

// Permission is one read-only permission and why it is needed.
type Permission struct {
	Name     string
	Why      string
	Optional bool
}

// Formats returns the names of the supported formats in their usual order.
func Formats() []string {
	return []string{"html", "md", "json", "csv", "sarif", "runbook-csv", "runbook-json"}
}

// New returns the writer for format.
func New(format string, opts Options) (FileWriter, error) {
	w, err := newWriter(format, opts)
	if err != nil || opts.Filter.Empty() {
		return w, err
	}
	switch w.Format() {
	case "csv", "sarif":
		// Their rows are findings: render only those the filter keeps.
		return filtered{FileWriter: w, f: opts.Filter}, nil
	}
	// html and md filter their findings section themselves (page one and
	// the keys stay whole); json is always whole; the runbook does not
	// come from findings.
	return w, nil
}

func newWriter(format string, opts Options) (FileWriter, error) {
	opts, err := opts.normalise()
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "html":
		return &htmlWriter{opts: opts}, nil
	case "md", "markdown":
		return &markdownWriter{opts: opts}, nil
	case "json":
		return jsonWriter{}, nil
	case "csv":
		return csvWriter{}, nil
	case "sarif":
		return &sarifWriter{opts: opts}, nil
	case "runbook-csv", "runbook-json":
		return runbookWriter{format: strings.ToLower(strings.TrimSpace(format))}, nil
	}
	return nil, fmt.Errorf("report: unknown format %q (want %s)", format, strings.Join(Formats(), ", "))
}

func (o Options) normalise() (Options, error) {
	switch strings.ToLower(o.Paper) {
	case "", "a4":
		o.Paper = "A4"
	case "letter":
		o.Paper = "letter"
	default:
		return o, fmt.Errorf("report: paper %q: want a4 or letter", o.Paper)
	}
	if o.SARIFArtifact == "" {
		o.SARIFArtifact = "keyholder.yaml"
	}
	return o, nil
}

// ParseFormats splits a comma-separated list such as "html,md,json" into
// known format names, without duplicates, in the order given. "all" means
// every format.
func ParseFormats(list string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(list, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		switch f {
		case "":
			continue
		case "all":
			for _, g := range Formats() {
				if !slices.Contains(out, g) {
					out = append(out, g)
				}
			}
			continue
		case "markdown":
			f = "md"
		}
		if !slices.Contains(Formats(), f) {
			return nil, fmt.Errorf("report: unknown format %q (want %s or all)", f, strings.Join(Formats(), ", "))
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("report: no format given")
	}
	return out, nil
}

// WriteAll renders a in each of formats into dir and returns the paths it
// wrote, in order. Files are written through internal/fsx: atomically,
// mode 0600, in a directory restricted to 0700. Every file is rendered
// before the first is written, so a rendering error leaves no partial
// report set behind.
func WriteAll(dir string, formats []string, a *findings.Assessment, opts Options) ([]string, error) {
	if a == nil {
		return nil, errors.New("report: no assessment")
	}
	type file struct {
		path string
		data []byte
	}
	var files []file
	for _, f := range formats {
		w, err := New(f, opts)
		if err != nil {
			return nil, err
		}
		for _, name := range w.Files() {
			var buf bytes.Buffer
			if err := w.WriteFile(name, &buf, a); err != nil {
				return nil, err
			}
			files = append(files, file{path: filepath.Join(dir, name), data: buf.Bytes()})
		}
	}
	if err := fsx.MkdirPrivate(dir); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	paths := make([]string, 0, len(files))
	for _, f := range files {
		if err := fsx.WriteFile(f.path, f.data); err != nil {
			return paths, fmt.Errorf("report: %w", err)
		}
		paths = append(paths, f.path)
	}
	return paths, nil
}
