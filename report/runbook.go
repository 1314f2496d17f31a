package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"

	"github.com/keyholder/keyholder/findings"
)

// RunbookSchemaVersion is the version of runbook.json
// (docs/schema/runbook.schema.json).
const RunbookSchemaVersion = "1"

// runbookExport is runbook.json: the exit runbook as a checklist, one item
// per identifier to act on.
type runbookExport struct {
	SchemaVersion  string        `json:"schema_version"`
	Organization   string        `json:"organization"`
	AsOf           string        `json:"as_of"`
	SnapshotSHA256 string        `json:"snapshot_sha256"`
	Items          []runbookItem `json:"items"`
}

// runbookItem is one line of the checklist. Owner is left empty for the
// reader to fill in.
type runbookItem struct {
	Step           int    `json:"step"`
	Phase          string `json:"phase"`
	System         string `json:"system"`
	SystemID       string `json:"system_id"`
	Action         string `json:"action"`
	Identifier     string `json:"identifier"`
	IdentifierKind string `json:"identifier_kind"`
	Name           string `json:"name"`
	KeyholderID    string `json:"keyholder_id"`
	Party          string `json:"party"`
	Owner          string `json:"owner"`
	Due            string `json:"due"`
	Status         string `json:"status"`
}

// runbookItems flattens the runbook view: one item per identifier, or one
// per step without identifiers.
func runbookItems(a *findings.Assessment) []runbookItem {
	ix := newIndex(a)
	out := []runbookItem{}
	for _, ph := range buildRunbook(ix) {
		for _, s := range ph.Steps {
			base := runbookItem{
				Step: s.Number, Phase: s.Phase, System: s.System, SystemID: s.SystemID,
				Action: s.Action, Due: s.DueISO, Status: statusCode(s),
			}
			if len(s.Targets) == 0 {
				out = append(out, base)
				continue
			}
			for _, t := range s.Targets {
				it := base
				it.Identifier, it.IdentifierKind, it.Name, it.KeyholderID = t.Exact, t.Kind, t.Name, t.ID
				if t.Party.Party != "" {
					it.Party = t.Party.Name
				}
				out = append(out, it)
			}
		}
	}
	return out
}

func statusCode(s stepView) string {
	switch {
	case s.Done:
		return "done"
	case s.Verify:
		return "verify"
	}
	return "to_do"
}

// runbookWriter writes runbook.csv or runbook.json.
type runbookWriter struct {
	format string // "runbook-csv" or "runbook-json"
}

func (r runbookWriter) Format() string { return r.format }

func (r runbookWriter) Files() []string {
	if r.format == "runbook-csv" {
		return []string{"runbook.csv"}
	}
	return []string{"runbook.json"}
}

func (r runbookWriter) WriteFile(name string, w io.Writer, a *findings.Assessment) error {
	if name != r.Files()[0] {
		return fmt.Errorf("report: %s has no file %q", r.format, name)
	}
	return r.Write(w, a)
}

func (r runbookWriter) Write(w io.Writer, a *findings.Assessment) error {
	items := runbookItems(a)
	var buf bytes.Buffer
	if r.format == "runbook-json" {
		doc := runbookExport{
			SchemaVersion: RunbookSchemaVersion, Organization: clean(a.Organization),
			AsOf: a.AsOf.UTC().Format(isoDate), SnapshotSHA256: clean(a.SnapshotSHA256), Items: items,
		}
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(doc); err != nil {
			return fmt.Errorf("report: runbook json: %w", err)
		}
	} else {
		cw := csv.NewWriter(&buf)
		cw.UseCRLF = true
		rows := [][]string{{"step", "phase", "system", "action", "identifier", "identifier_kind", "name", "keyholder_id", "party", "owner", "due", "status"}}
		for _, it := range items {
			rows = append(rows, []string{fmt.Sprint(it.Step), it.Phase, it.System, it.Action, it.Identifier, it.IdentifierKind, it.Name, it.KeyholderID, it.Party, it.Owner, it.Due, it.Status})
		}
		for _, row := range rows {
			for i := range row {
				row[i] = csvCell(row[i])
			}
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("report: runbook csv: %w", err)
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return fmt.Errorf("report: runbook csv: %w", err)
		}
	}
	_, err := w.Write(buf.Bytes())
	return err
}
