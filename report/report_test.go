package report

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/fsx/fsxtest"
)

func TestParseFormats(t *testing.T) {
	cases := []struct {
		in   string
		want []string
		err  bool
	}{
		{"html", []string{"html"}, false},
		{"html, md,json,html", []string{"html", "md", "json"}, false},
		{"markdown,sarif", []string{"md", "sarif"}, false},
		{"all", Formats(), false},
		{"csv,all", []string{"csv", "html", "md", "json", "sarif", "runbook-csv", "runbook-json"}, false},
		{"runbook-csv,runbook-json", []string{"runbook-csv", "runbook-json"}, false},
		{"pdf", nil, true},
		{" , ", nil, true},
	}
	for _, c := range cases {
		got, err := ParseFormats(c.in)
		if (err != nil) != c.err || !slices.Equal(got, c.want) {
			t.Errorf("ParseFormats(%q) = %v, %v; want %v (error %v)", c.in, got, err, c.want, c.err)
		}
	}
}

func TestNewRejectsUnknown(t *testing.T) {
	if _, err := New("pdf", Options{}); err == nil || !strings.Contains(err.Error(), "html, md, json, csv, sarif") {
		t.Errorf("New(pdf): %v", err)
	}
	if _, err := New("html", Options{Paper: "a3"}); err == nil {
		t.Error("paper a3 accepted")
	}
	for _, f := range Formats() {
		w, err := New(f, Options{})
		if err != nil || w.Format() != f {
			t.Errorf("New(%s) = %v, %v", f, w, err)
		}
		var buf bytes.Buffer
		if err := w.WriteFile("nope.txt", &buf, fixture(t)); err == nil {
			t.Errorf("%s wrote an unknown file", f)
		}
	}
}

func TestWriteAll(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out", "reports")
	paths, err := WriteAll(dir, Formats(), fixture(t), fixtureOptions())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"report.html", "report.md", "assessment.json", "findings.csv", "access.csv", "report.sarif", "runbook.csv", "runbook.json"}
	if len(paths) != len(want) {
		t.Fatalf("wrote %v", paths)
	}
	for i, p := range paths {
		if filepath.Base(p) != want[i] || filepath.Dir(p) != dir {
			t.Errorf("path %d = %s, want %s in %s", i, p, want[i], dir)
		}
		fsxtest.AssertPrivate(t, p) // 0600, or an owner-only ACL on Windows
		got, _ := os.ReadFile(p)
		golden, _ := os.ReadFile(filepath.Join("testdata", "golden", want[i]))
		if !bytes.Equal(got, golden) {
			t.Errorf("%s differs from its golden file", p)
		}
	}
	fsxtest.AssertPrivate(t, dir)
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(want) {
		t.Errorf("dir holds %d entries (temporary files left?)", len(entries))
	}
}

func TestWriteAllWritesNothingOnError(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if _, err := WriteAll(dir, []string{"html", "pdf"}, fixture(t), Options{}); err == nil {
		t.Fatal("unknown format accepted")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("directory created despite the error: %v", err)
	}
	if _, err := WriteAll(dir, []string{"html"}, nil, Options{}); err == nil {
		t.Error("nil assessment accepted")
	}
}

// TestWritersDoNotModifyInput renders every format from one assessment
// and checks it is unchanged: writers only read.
func TestWritersDoNotModifyInput(t *testing.T) {
	a := fixture(t)
	before := render(t, "json", "assessment.json", a, Options{})
	// Shuffle a collection so a writer that sorts in place would show.
	s := a.Snapshot.Principals
	s[0], s[len(s)-1] = s[len(s)-1], s[0]
	first, last := s[0].ID, s[len(s)-1].ID
	for _, f := range Formats() {
		w, _ := New(f, Options{})
		for _, name := range w.Files() {
			var buf bytes.Buffer
			if err := w.WriteFile(name, &buf, a); err != nil {
				t.Fatal(err)
			}
		}
	}
	if s[0].ID != first || s[len(s)-1].ID != last {
		t.Error("a writer reordered the caller's snapshot")
	}
	s[0], s[len(s)-1] = s[len(s)-1], s[0]
	if after := render(t, "json", "assessment.json", a, Options{}); !bytes.Equal(before, after) {
		t.Error("rendering changed the assessment")
	}
}

func TestPaperSize(t *testing.T) {
	a4 := render(t, "html", "report.html", fixture(t), Options{})
	letter := render(t, "html", "report.html", fixture(t), Options{Paper: "letter"})
	if !bytes.Contains(a4, []byte("size: A4;")) || !bytes.Contains(letter, []byte("size: letter;")) {
		t.Error("paper size not applied to @page")
	}
}

// TestOptionalSections covers what the Contoso fixture does not show: a
// partial scan, an insecure transport, expired waivers, an exit-profile
// run, and a ready verdict.
func TestOptionalSections(t *testing.T) {
	a := fixture(t)
	a.Partial = true
	a.Snapshot.Systems[0].Insecure = []string{"plaintext_ldap"}
	a.ExpiredWaivers = []findings.Waiver{{Check: "KH-SEG-006", Subject: a.Snapshot.Principals[0].ID, Reason: "old exception", Expires: a.AsOf.AddDate(0, -1, 0)}}
	a.Profile, a.ExitProvider = "exit", "Acme IT"
	html := string(render(t, "html", "report.html", a, Options{}))
	md := string(render(t, "md", "report.md", a, Options{}))
	for _, want := range []string{"Partial scan.", "insecure: plaintext_ldap", "Expired waivers", "old exception", "2026-10-20", "Access of Acme IT remains at Contoso Ltd.", "exit of Acme IT"} {
		if !strings.Contains(html, want) {
			t.Errorf("html lacks %q", want)
		}
		if !strings.Contains(strings.ReplaceAll(md, "\\", ""), want) {
			t.Errorf("md lacks %q", want)
		}
	}
	a.Verdict = findings.VerdictReady
	if html := string(render(t, "html", "report.html", a, Options{})); !strings.Contains(html, "No access of Acme IT remains at Contoso Ltd.") {
		t.Error("exit profile, ready: headline missing")
	}
	a.ExitProvider, a.Profile = "", "readiness"
	if html := string(render(t, "html", "report.html", a, Options{})); !strings.Contains(html, "Contoso Ltd is ready to end the contract with Acme IT.") || !strings.Contains(html, "v-ready") {
		t.Error("ready headline or style missing")
	}
}
