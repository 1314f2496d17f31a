package report

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
)

func TestCSVCellInjection(t *testing.T) {
	cases := []struct{ in, want string }{
		{"=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")"},
		{"+1+1", "'+1+1"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"  =1+1", "'  =1+1"},
		{"\t=1+1", "' =1+1"},
		{"＝1+1", "'＝1+1"},
		{"=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"},
		{"Alice Chen", "Alice Chen"},
		{"a=b", "a=b"},
		{"2026-11-20", "2026-11-20"},
		{"", ""},
		{"evil\u202Etxt", "evil[U+202E]txt"},
		{"line one\nline two", "line one\nline two"},
		{"\n=1+1", "'\n=1+1"},
	}
	for _, c := range cases {
		if got := csvCell(c.in); got != c.want {
			t.Errorf("csvCell(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	if !bytes.Contains(b, []byte("\r\n")) {
		t.Error("CSV lines are not CRLF-terminated (RFC 4180)")
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestFindingsCSV(t *testing.T) {
	a := fixture(t)
	rows := readCSV(t, render(t, "csv", "findings.csv", a, Options{}))
	want := 1
	for _, f := range a.Findings {
		want += max(1, len(f.Subjects))
	}
	if len(rows) != want {
		t.Fatalf("%d rows, want %d (header + one per finding and subject)", len(rows), want)
	}
	col := func(name string) int { return slices.Index(rows[0], name) }
	// The corp-ad KH-SEG-001 finding names four Acme IT accounts: four rows.
	n := 0
	for _, r := range rows[1:] {
		if r[col("check")] == "KH-SEG-001" && r[col("system")] == "corp-ad" {
			n++
			if r[col("subject_party")] != "Acme IT" {
				t.Errorf("subject %s party %q", r[col("subject_name")], r[col("subject_party")])
			}
		}
		if r[col("status")] == "waived" && (r[col("waiver_reason")] == "" || r[col("waiver_expires")] != "2027-01-31") {
			t.Errorf("waived row without waiver: %v", r)
		}
	}
	if n != 4 {
		t.Errorf("KH-SEG-001 corp-ad has %d rows, want 4", n)
	}
	// Blockers first.
	if rows[1][col("severity")] != "blocker" || rows[1][col("status")] != "fail" {
		t.Errorf("first row is %v, want a failing blocker", rows[1])
	}
}

func TestAccessCSV(t *testing.T) {
	a := fixture(t)
	rows := readCSV(t, render(t, "csv", "access.csv", a, Options{}))
	col := func(name string) int { return slices.Index(rows[0], name) }
	find := func(login, privilege string) []string {
		for _, r := range rows[1:] {
			if r[col("login")] == login && r[col("privilege")] == privilege {
				return r
			}
		}
		return nil
	}
	// Tom Baker holds Domain Admins through Acme Technicians, nested.
	r := find("acme-tbaker", "Domain Admins")
	if r == nil {
		t.Fatal("acme-tbaker's Domain Admins (through nested groups) is missing")
	}
	if r[col("via")] != "Acme Technicians → Domain Admins" || r[col("direct")] != "false" || r[col("party")] != "Acme IT" {
		t.Errorf("acme-tbaker row: via %q direct %q party %q", r[col("via")], r[col("direct")], r[col("party")])
	}
	// Direct grants are direct.
	if r := find("alice@contoso.com", "Global Administrator"); r == nil || r[col("direct")] != "true" || r[col("party")] != "customer" {
		t.Errorf("alice's Global Administrator row: %v", r)
	}
	// Unknown parties say so; limited and read grants are left out.
	if r := find("ops-legacy", "PowerUserAccess"); r == nil || r[col("party")] != "unknown" {
		t.Errorf("ops-legacy row: %v", r)
	}
	for _, r := range rows[1:] {
		if lvl := findings.Level(r[col("level")]); lvl.Rank() < findings.LevelPrivileged.Rank() {
			t.Errorf("non-privileged grant listed: %v", r)
		}
	}
	// Every privileged grant of the snapshot appears for its holder.
	for _, g := range a.Snapshot.Grants {
		if g.Level.Rank() < findings.LevelPrivileged.Rank() {
			continue
		}
		found := false
		for _, r := range rows[1:] {
			if r[col("principal_id")] == g.PrincipalID && r[col("privilege")] == g.Privilege {
				found = true
			}
		}
		if !found {
			t.Errorf("grant %s (%s) missing", g.ID, g.Privilege)
		}
	}
}

func TestCSVQuoting(t *testing.T) {
	a := fixture(t)
	a.Findings = []findings.Finding{{
		Check: "KH-TEST-001", Title: "Quotes \"and\", commas", Status: findings.StatusFail, Severity: findings.SeverityHigh,
		Message: "-1 day, said \"=x\"", Evidence: []string{"=first", "second, with comma"},
	}}
	rows := readCSV(t, render(t, "csv", "findings.csv", a, Options{}))
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	r := rows[1]
	if r[1] != "Quotes \"and\", commas" {
		t.Errorf("title %q", r[1])
	}
	if r[8] != "'-1 day, said \"=x\"" {
		t.Errorf("message %q", r[8])
	}
	if r[9] != "'=first\nsecond, with comma" {
		t.Errorf("evidence %q", r[9])
	}
	if strings.Count(string(render(t, "csv", "findings.csv", a, Options{})), "\r\n") != 3 {
		t.Error("want header, one row with an embedded line break: 3 CRLF")
	}
}
