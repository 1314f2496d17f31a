package diffview

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/goldentest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// loadChanges reads the diff the findings package's golden test keeps of
// its fixtures, which cover every kind of change.
func loadChanges(t *testing.T) *findings.Changes {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "findings", "testdata", "diff", "changes.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c findings.Changes
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	c.FromRun, c.ToRun = 12, 13
	return &c
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldentest.Check(t, filepath.Join("testdata", name), got, *update)
}

func TestGolden(t *testing.T) {
	c := loadChanges(t)
	for _, tc := range []struct {
		format, file string
		opts         Options
	}{
		{"text", "changes.txt", Options{}},
		{"md", "changes.md", Options{}},
		{"json", "changes.json", Options{}},
		{"text", "changes-capped.txt", Options{MaxItems: 1, FromLabel: "a.json", ToLabel: "b.json"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, tc.format, c, tc.opts); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.file, buf.Bytes())
			var again bytes.Buffer
			if err := Write(&again, tc.format, c, tc.opts); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), again.Bytes()) {
				t.Error("output is not deterministic")
			}
		})
	}
}

func TestEverySectionRendered(t *testing.T) {
	c := loadChanges(t)
	// A system the later run could not read (findings'
	// TestIssue12_DiffSystemNotRead covers how Diff fills it).
	c.SystemsNotRead = []findings.ChangeItem{{ID: "gh", System: "gh",
		Summary: "gh was not read in this run (the target failed: failed: 401 Bad credentials): nothing of it is compared"}}
	var txt, md bytes.Buffer
	if err := Text(&txt, c, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := Markdown(&md, c, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, s := range sections(c) {
		if len(s.items) == 0 {
			t.Errorf("fixture has no %q items", s.title)
			continue
		}
		if !strings.Contains(txt.String(), s.title) || !strings.Contains(md.String(), "### "+s.title) {
			t.Errorf("section %q missing", s.title)
		}
	}
	if !strings.Contains(txt.String(), "Verdict: not_ready → ready_with_actions") {
		t.Error("verdict change missing")
	}
}

func TestJSONDocument(t *testing.T) {
	c := loadChanges(t)
	var buf bytes.Buffer
	if err := JSON(&buf, c); err != nil {
		t.Fatal(err)
	}
	var d Document
	if err := json.Unmarshal(buf.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	if d.Count != c.Count() || !d.PrivilegedChanged || d.SchemaVersion != findings.SchemaVersion {
		t.Errorf("document header = %d %v %q", d.Count, d.PrivilegedChanged, d.SchemaVersion)
	}
	if d.Changes.ToRun != 13 || len(d.Changes.GrantsChanged) != 2 {
		t.Errorf("document body = %+v", d.Changes)
	}
}

func TestNoChangesAndNil(t *testing.T) {
	c := &findings.Changes{VerdictFrom: "ready", VerdictTo: "ready"}
	var buf bytes.Buffer
	if err := Text(&buf, c, Options{}); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); !strings.Contains(got, "No changes.") || !strings.Contains(got, "Verdict: ready (unchanged)") {
		t.Errorf("no-change text = %q", got)
	}
	buf.Reset()
	if err := Text(&buf, nil, Options{}); err != nil || !strings.Contains(buf.String(), "No previous run") {
		t.Errorf("nil text = %q, %v", buf.String(), err)
	}
	if err := Write(&buf, "yaml", c, Options{}); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestUntrustedTextIsInert(t *testing.T) {
	c := &findings.Changes{
		PrincipalsAdded: []findings.ChangeItem{{ID: "user:m365:x", System: "m365",
			Summary: "user evil\nVerdict: ready <script>alert(1)</script> | [link](http://x) `code`"}},
	}
	var txt, md bytes.Buffer
	if err := Text(&txt, c, Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(txt.String(), "\nVerdict: ready") {
		t.Errorf("newline in a name forged a line:\n%s", txt.String())
	}
	if err := Markdown(&md, c, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script>", "[link](http", "| [", "`code`"} {
		if strings.Contains(md.String(), bad) {
			t.Errorf("markdown keeps %q:\n%s", bad, md.String())
		}
	}
}
