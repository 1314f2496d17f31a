package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/report"
	"github.com/keyholder/keyholder/scanners/all"
)

type reportFlags struct {
	formats       string
	out           string
	failOn        string
	paper         string
	artifact      string
	checks        string
	severity      string
	allowModified bool
}

func newReportCmd(a *app) *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "report ASSESSMENT.json [--format html,md,json,csv,sarif,runbook-csv,runbook-json] [-o DIR] [--fail-on blocker|high|medium|low] [--check IDS] [--severity LIST]",
		Short: "Render a saved assessment as HTML, Markdown, JSON, CSV, SARIF or a runbook checklist",
		Long: `report re-renders a saved assessment (assessment.json from scan, review or
show, or "-" for stdin) without scanning anything, and exits as the scan
would have.

Formats (--format, comma-separated, or "all"), written into -o DIR:
  html   report.html      the self-contained, printable report (no scripts, no network)
  md     report.md        the same content in Markdown, for tickets and wikis
  json   assessment.json  the assessment (schema: docs/schema/assessment.schema.json)
  csv    findings.csv     one row per finding and subject
         access.csv       one row per privileged grant, through groups
  sarif  report.sarif     SARIF 2.1.0 for code-scanning dashboards
  runbook-csv   runbook.csv   the exit runbook as a checklist, one line per object
  runbook-json  runbook.json  the same (schema: docs/schema/runbook.schema.json)

--check and --severity (comma-separated) narrow the findings of html, md,
csv and sarif to those checks and severities; the verdict, page one and
the runbook stay those of every check, and assessment.json stays whole.

An assessment records its SHA-256 (assessment_sha256): report refuses one
edited since (exit 2, naming the file); --allow-modified renders it anyway
and the report's first page says so.

Files are written with mode 0600 in a directory restricted to 0700; they
list account names and identifiers, never a secret. -o - writes one
single-file format to stdout.

Exit codes:
  0  no failing check at or above --fail-on (default high)
  1  runtime error (a report could not be written)
  2  usage error (unknown format or --fail-on; the file is not an assessment,
     or was edited since it was written and --allow-modified is not given)
  3  failing checks at or above --fail-on (a not_ready verdict always counts)
  4  incomplete: nothing fails at or above --fail-on, but a blocker check is unknown
With --fail-on none the exit code is 0 whatever the findings.`,
		Example: `  keyholder report assessment.json -o reports --format all
  keyholder report assessment.json --format sarif -o - > keyholder.sarif
  keyholder report assessment.json --format md -o - --fail-on blocker
  keyholder report assessment.json --format runbook-csv -o handover
  keyholder report assessment.json --format html,csv --check KH-SEG-001,KH-SEG-003 --severity blocker,high`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReportCmd(a, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.formats, "format", "html", "formats to write: html, md, json, csv, sarif, runbook-csv, runbook-json (comma-separated) or all")
	fl.StringVar(&f.checks, "check", "", "show only the findings of these checks (comma-separated ids)")
	fl.StringVar(&f.severity, "severity", "", "show only findings of these severities: blocker, high, medium, low, info")
	fl.StringVarP(&f.out, "out", "o", "keyholder-report", "directory to write into (restricted to 0700), or - for stdout (one single-file format)")
	fl.StringVar(&f.failOn, "fail-on", string(report.DefaultFailOn), "exit 3 on a failing check at or above: blocker, high, medium, low, or none")
	fl.StringVar(&f.paper, "paper", "a4", "print page size of the HTML report: a4 or letter")
	fl.BoolVar(&f.allowModified, "allow-modified", false, "render an assessment whose content no longer matches its recorded SHA-256 (the reports say so)")
	fl.StringVar(&f.artifact, "sarif-artifact", "keyholder.yaml", "file SARIF results point at (the config that names the targets)")
	return cmd
}

func runReportCmd(a *app, path string, f reportFlags) error {
	// Every usage error before any output.
	formats, err := report.ParseFormats(f.formats)
	if err != nil {
		return withCode(exitUsage, err)
	}
	failOn := findings.Severity("")
	if !strings.EqualFold(strings.TrimSpace(f.failOn), "none") {
		if failOn, err = report.ParseFailOn(f.failOn); err != nil {
			return withCode(exitUsage, err)
		}
	}
	filter, err := report.ParseFilter(f.checks, f.severity)
	if err != nil {
		return withCode(exitUsage, err)
	}
	as, err := readAssessment(a, path)
	if err != nil {
		return withCode(exitUsage, err)
	}
	modified, err := checkSealed(a, path, as.Verify, f.allowModified)
	if err != nil {
		return err
	}
	if modified != "" {
		as.ModifiedInputs = append(as.ModifiedInputs, modified)
	}
	if _, err := filter.Apply(as); err != nil {
		return withCode(exitUsage, err)
	}
	opts := reportOptions(all.Registry(), as, f.artifact)
	opts.Paper = f.paper
	opts.Filter = filter

	if f.out == "-" {
		if len(formats) != 1 {
			return withCode(exitUsage, fmt.Errorf("-o - writes one format to stdout; got %s", strings.Join(formats, ",")))
		}
		w, err := report.New(formats[0], opts)
		if err != nil {
			return withCode(exitUsage, err)
		}
		if files := w.Files(); len(files) != 1 {
			return withCode(exitUsage, fmt.Errorf("%s writes %s: give -o DIR", formats[0], strings.Join(files, " and ")))
		}
		if err := w.Write(a.stdout, as); err != nil {
			return err
		}
	} else {
		if _, err := report.New(formats[0], opts); err != nil {
			return withCode(exitUsage, err) // a bad --paper
		}
		paths, err := report.WriteAll(f.out, formats, as, opts)
		for _, p := range paths {
			fmt.Fprintln(a.stdout, p)
		}
		if err != nil {
			return err
		}
	}
	if failOn == "" {
		return nil
	}
	if code := report.ExitCode(as, failOn); code != exitOK {
		return withCode(code, errors.New(report.ExitSummary(as, failOn)))
	}
	return nil
}

// readAssessment decodes the assessment at path ("-" is stdin). Errors
// name the file; nothing from its content but the JSON position is shown.
func readAssessment(a *app, path string) (*findings.Assessment, error) {
	var r io.Reader
	name := path
	if path == "-" {
		r, name = a.stdin, "stdin"
	} else {
		fh, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer fh.Close()
		r = fh
	}
	as, err := findings.DecodeAssessment(r, name)
	if err != nil {
		return nil, fmt.Errorf("not a keyholder assessment: %w", err)
	}
	return as, nil
}
