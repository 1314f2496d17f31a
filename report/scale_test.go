package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
)

// bigAssessment is a large directory: users in nested groups, a few
// privileged groups, a provider with a hundred technicians, and a finding
// per provider account.
func bigAssessment(users, groups int) *findings.Assessment {
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	s := &findings.Snapshot{SchemaVersion: findings.SchemaVersion, StartedAt: at, FinishedAt: at,
		Systems: []findings.System{{ID: "ad", Kind: findings.SystemLDAP, Target: "ad", Name: "corp", NativeID: "DC=corp", Flavour: "active_directory"}}}
	a := &findings.Assessment{SchemaVersion: findings.SchemaVersion, Organization: "Big Corp", Profile: "readiness",
		AsOf: at, ScannedAt: at, Verdict: findings.VerdictNotReady, SnapshotSHA256: strings.Repeat("b", 64), Snapshot: s}
	gid := func(i int) string { return findings.PrincipalID(findings.PrincipalGroup, "ad", fmt.Sprint("g", i)) }
	for i := 0; i < groups; i++ {
		s.Principals = append(s.Principals, findings.Principal{ID: gid(i), System: "ad", Kind: findings.PrincipalGroup, NativeID: fmt.Sprint("g", i), DisplayName: fmt.Sprint("Group ", i), Enabled: true, MFA: findings.MFAUnknown})
		if i > 0 { // a nesting chain five deep
			parent := (i - 1) / 5
			s.Memberships = append(s.Memberships, findings.Membership{ID: fmt.Sprint("m-g", i), System: "ad", MemberID: gid(i), GroupID: gid(parent)})
		}
		a.Parties = append(a.Parties, findings.Attribution{Subject: gid(i), Party: "customer", PartyKind: "customer", Reason: "OU"})
	}
	for _, g := range []int{0, 1, 2} {
		s.Grants = append(s.Grants, findings.Grant{ID: fmt.Sprint("grant-", g), System: "ad", PrincipalID: gid(g), Privilege: fmt.Sprint("Admins ", g), Level: findings.LevelSuperAdmin, Scope: "DC=corp", Assignment: findings.AssignmentPermanent, Direct: true})
	}
	for i := 0; i < users; i++ {
		id := findings.PrincipalID(findings.PrincipalUser, "ad", fmt.Sprint("u", i))
		s.Principals = append(s.Principals, findings.Principal{ID: id, System: "ad", Kind: findings.PrincipalUser, NativeID: fmt.Sprint("u", i), DisplayName: fmt.Sprint("User ", i), Login: fmt.Sprint("user", i), Enabled: true, MFA: findings.MFAUnknown})
		for k := 0; k < 3; k++ {
			s.Memberships = append(s.Memberships, findings.Membership{ID: fmt.Sprint("m-u", i, "-", k), System: "ad", MemberID: id, GroupID: gid((i*7 + k*13) % groups)})
		}
		party, kind := "customer", "customer"
		if i%500 == 0 {
			party, kind = "Acme IT", "msp"
			a.Findings = append(a.Findings, findings.Finding{Check: "KH-SEG-001", Title: "Provider holds no super-admin", Status: findings.StatusFail, Severity: findings.SeverityHigh, System: "ad", Subjects: []string{id}, Message: "provider account is admin"})
		}
		a.Parties = append(a.Parties, findings.Attribution{Subject: id, Party: party, PartyKind: kind, Reason: "rule"})
	}
	s.Canonicalize()
	return a
}

func BenchmarkWriters(b *testing.B) {
	a := bigAssessment(50_000, 5_000)
	for _, format := range Formats() {
		w, _ := New(format, Options{})
		b.Run(format, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				for _, name := range w.Files() {
					if err := w.WriteFile(name, io.Discard, a); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// TestLargeDirectory renders a 50,000-user directory in every format
// within a bound, and keeps the HTML report readable in size: it lists
// provider accounts and findings, not every user.
func TestLargeDirectory(t *testing.T) {
	if testing.Short() {
		t.Skip("large directory: skipped with -short")
	}
	a := bigAssessment(50_000, 5_000)
	start := time.Now()
	sizes := map[string]int{}
	for _, format := range Formats() {
		w, _ := New(format, Options{})
		for _, name := range w.Files() {
			var buf bytes.Buffer
			if err := w.WriteFile(name, &buf, a); err != nil {
				t.Fatal(err)
			}
			sizes[name] = buf.Len()
		}
	}
	elapsed := time.Since(start)
	t.Logf("rendered all formats in %v: %v", elapsed, sizes)
	if elapsed > 2*time.Minute {
		t.Errorf("rendering took %v", elapsed)
	}
	if sizes["report.html"] > 2<<20 {
		t.Errorf("report.html is %d bytes for 100 provider accounts", sizes["report.html"])
	}
	// Every user reaches a privileged group through nesting: access.csv
	// has a row for each.
	if sizes["access.csv"] < 50_000*40 {
		t.Errorf("access.csv is %d bytes; expected a row per user", sizes["access.csv"])
	}
}

// TestBareAssessmentRenders renders an assessment with no snapshot, no
// changes and empty lists in every format without failing.
func TestBareAssessmentRenders(t *testing.T) {
	a := &findings.Assessment{Organization: "", Verdict: "", Systems: []findings.SystemVerdict{{System: "x"}}}
	for _, format := range Formats() {
		w, _ := New(format, Options{})
		for _, name := range w.Files() {
			var buf bytes.Buffer
			if err := w.WriteFile(name, &buf, a); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	html := render(t, "html", "report.html", a, Options{})
	for _, want := range []string{"No verdict", "No previous run to compare with.", "No backup location is known", "No runbook steps were produced."} {
		if !bytes.Contains(html, []byte(want)) {
			t.Errorf("bare report lacks %q", want)
		}
	}
}

// TestChangesCountedOnPageOne keeps page one short: it counts the changes
// of each kind, and every change is listed after the gaps and in Markdown.
func TestChangesCountedOnPageOne(t *testing.T) {
	a := fixture(t)
	for i := 0; i < 7; i++ {
		a.Changes.GrantsAdded = append(a.Changes.GrantsAdded, findings.ChangeItem{ID: fmt.Sprint("g", i), System: "m365", Summary: fmt.Sprintf("extra grant %d", i)})
	}
	html := string(render(t, "html", "report.html", a, Options{}))
	pageOne := html[:strings.Index(html, `<section id="providers"`)]
	if n := strings.Count(pageOne, "extra grant"); n > 0 {
		t.Errorf("page one lists %d of the extra grants; it should count them", n)
	}
	if !strings.Contains(pageOne, "New privileged grants: 9") {
		t.Error("page one does not count the changes")
	}
	if !strings.Contains(html, `<section id="all-changes">`) || strings.Count(html, "extra grant") != 7 {
		t.Errorf("the full change list is missing: %d mentions", strings.Count(html, "extra grant"))
	}
	md := string(render(t, "md", "report.md", a, Options{}))
	if strings.Count(md, "extra grant") != 7 {
		t.Error("Markdown should list every change")
	}
	// Without changes there is no list.
	b := fixture(t)
	b.Changes = nil
	if strings.Contains(string(render(t, "html", "report.html", b, Options{})), `id="all-changes"`) {
		t.Error("change list shown although there was no previous run")
	}
}
