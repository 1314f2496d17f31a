// Package report renders a findings.Assessment for the people who read it:
// the executive (page one of the HTML report), the security team (findings,
// JSON, CSV, SARIF, exit codes) and the incoming MSP (transfer checklist and
// exit runbook).
//
// Formats, each a Writer chosen by name (see Formats and New):
//
//	html   report.html      one self-contained, printable file (no scripts, no network)
//	md     report.md        the same content for tickets and wikis
//	json   assessment.json  the assessment itself, with schema_version; schema in docs/schema
//	csv    findings.csv     one row per finding and subject
//	       access.csv       one row per privileged grant (effective, through groups)
//	sarif  report.sarif     SARIF 2.1.0: one rule per check, one result per failing finding
//	runbook-csv   runbook.csv   the exit runbook, one line per object to act on
//	runbook-json  runbook.json  the same; schema in docs/schema/runbook.schema.json
//
// WriteAll writes several formats into a directory through internal/fsx
// (files 0600, written atomically, in a directory restricted to 0700).
// ExitCode and ParseFailOn map an assessment to the exit codes documented
// in the CLI: 0 nothing fails at or above --fail-on, 3 failing, 4
// incomplete (a blocker check is unknown).
//
// The HTML and Markdown writers render the same view: view.go holds the
// view and buildView, and each section has its own file sharing index.go
// (the lookups every section needs): view_pageone.go (blockers and the
// three first actions), view_summary.go (verdict, scope, tiles),
// view_keys.go, view_changes.go, view_providers.go, view_pictures.go (the
// footprint matrix and backup map as inline SVG), view_ownership.go (with
// timeline.go), view_backups.go, view_findings.go (grouped by check),
// view_gaps.go, view_runbook.go (with identifiers.go: objects named as
// their admin consoles name them), view_appendix.go. Sections are built
// from the findings and checks the assessment carries, so a new check
// renders without code changes. Filter (--check, --severity) narrows the
// findings shown. Text from the scanned
// systems passes through clean, which makes bidi overrides and other
// invisible characters visible, before each format's own escaping.
//
// Output is deterministic: the same assessment gives byte-identical files.
// Times are shown as of the assessment (never the wall clock), and every
// list is sorted here even if the policy layer already sorted it.
//
// This package must not judge. Verdicts, statuses, parties and runbook steps
// come from the assessment; the report only lays them out (it does expand
// group memberships to show who holds a grant, and it computes notice
// window dates for display). It must not read config, the network or the
// clock, and nothing it writes may contain a secret: it renders only the
// snapshot's facts, which never hold one.
package report
