package report

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/fsx/fsxtest"
)

const letterDigest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

// exitAssessment is a small exit-profile assessment of Contoso after
// Acme IT left: Entra and AD checked clean, AWS with its backups unread.
func exitAssessment() *findings.Assessment {
	asOf := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	alice := findings.PrincipalID(findings.PrincipalUser, "m365", "alice")
	app := findings.PrincipalID(findings.PrincipalServicePrincipal, "m365", "backup-app")
	adm := findings.PrincipalID(findings.PrincipalUser, "corp-ad", "administrator")
	snap := &findings.Snapshot{
		SchemaVersion: findings.SchemaVersion, StartedAt: asOf, FinishedAt: asOf,
		Systems: []findings.System{
			{ID: "m365", Kind: findings.SystemEntra, Name: "Contoso Ltd", NativeID: "tenant"},
			{ID: "corp-ad", Kind: findings.SystemLDAP, Flavour: "active_directory", Name: "contoso.com", NativeID: "DC=contoso,DC=com"},
			{ID: "prod", Kind: findings.SystemAWS, Name: "contoso-prod", NativeID: "412345678901"},
		},
		Principals: []findings.Principal{
			{ID: alice, System: "m365", Kind: findings.PrincipalUser, NativeID: "alice", DisplayName: "Alice", Enabled: true},
			{ID: app, System: "m365", Kind: findings.PrincipalServicePrincipal, NativeID: "backup-app", DisplayName: "Backup app", Enabled: true},
			{ID: adm, System: "corp-ad", Kind: findings.PrincipalUser, NativeID: "administrator", DisplayName: "Administrator", Enabled: true},
		},
		Grants: []findings.Grant{
			{ID: "grant:m365:alice:ga", System: "m365", PrincipalID: alice, Privilege: "Global Administrator", Level: findings.LevelSuperAdmin},
			{ID: "grant:corp-ad:administrator:da", System: "corp-ad", PrincipalID: adm, Privilege: "Domain Admins", Level: findings.LevelSuperAdmin},
		},
		Licences: []findings.Licence{{ID: "licence:m365:e3", System: "m365", Product: "Microsoft 365 E3", OwnerOfRecord: "tenant"}},
		Backups:  []findings.Backup{{ID: "backup:prod:vault", System: "prod", Name: "contoso-vault", StorageOwner: "412345678901"}},
		Gaps: []findings.Gap{{ID: findings.GapID("prod", "backups"), System: "prod", Collection: "backups", Reason: findings.GapDenied,
			Error: "AccessDenied", Remedy: "backup:ListBackupVaults"}},
		Attestations: []findings.Attestation{{ID: "attestation:declared:exit-0", System: "declared", Name: "Exit attestation",
			Date: asOf, Provider: "Acme IT", Evidence: "contracts/acme-signed.pdf", SHA256: letterDigest}},
	}
	return &findings.Assessment{
		SchemaVersion: findings.SchemaVersion, Tool: findings.Tool{Name: "keyholder", Version: "test"},
		SnapshotSHA256: strings.Repeat("a", 64), AssessmentSHA256: strings.Repeat("b", 64),
		Organization: "Contoso Ltd", Profile: "exit", ExitProvider: "Acme IT", AsOf: asOf, ScannedAt: asOf,
		Verdict: findings.VerdictIncomplete,
		Findings: []findings.Finding{
			{Check: exitCheck, Status: findings.StatusPass, Severity: findings.SeverityBlocker, System: "m365", Subjects: []string{"m365"}, Message: "nothing of Acme IT remains"},
			{Check: exitCheck, Status: findings.StatusPass, Severity: findings.SeverityBlocker, System: "corp-ad", Subjects: []string{"corp-ad"}, Message: "nothing of Acme IT remains"},
			{Check: exitCheck, Status: findings.StatusUnknown, Severity: findings.SeverityBlocker, System: "prod", Subjects: []string{"prod"},
				Message: "nothing of Acme IT remains among what was read", Gaps: []string{findings.GapID("prod", "backups")}},
		},
		GapChecks: map[string][]string{findings.GapID("prod", "backups"): {exitCheck, "KH-BAK-001"}},
		Snapshot:  snap,
	}
}

func absentIn(l *Letter, category string) []string {
	for _, c := range l.Absent {
		if strings.HasPrefix(c.Category, category) {
			return c.Systems
		}
	}
	return nil
}

// TestIssue22_AttestationLetter: what the letter says is verified
// absent, not verified, still found, and when it is ready to sign.
func TestIssue22_AttestationLetter(t *testing.T) {
	a := exitAssessment()
	l, err := BuildLetter(a, LetterOptions{Provider: "acme it", Run: 7, ChainDigest: strings.Repeat("c", 64), BundleName: "evidence.tar", BundleSHA256: strings.Repeat("d", 64)})
	if err != nil {
		t.Fatal(err)
	}
	if got := absentIn(l, "user and guest accounts"); !slices.Equal(got, []string{"Contoso Ltd (Entra ID)", "contoso.com (Active Directory)"}) {
		t.Errorf("accounts verified absent in %q", got)
	}
	if got := absentIn(l, "apps"); !slices.Equal(got, []string{"Contoso Ltd (Entra ID)"}) {
		t.Errorf("apps verified absent in %q", got)
	}
	if got := absentIn(l, "licences"); !slices.Equal(got, []string{"Contoso Ltd (Entra ID)"}) {
		t.Errorf("licences verified absent in %q (only Entra has licences read)", got)
	}
	if got := absentIn(l, "backups"); got != nil {
		t.Errorf("backups claimed absent in %q although the AWS backups were not read", got)
	}
	if got := absentIn(l, "trusts"); got != nil {
		t.Errorf("trusts claimed absent in %q although no system read any", got)
	}
	if len(l.Gaps) != 1 || !strings.Contains(l.Gaps[0].What, "backups not read") || l.Gaps[0].Remedy != "backup:ListBackupVaults" {
		t.Errorf("gaps = %+v", l.Gaps)
	}
	if l.ReadyToSign || l.Unverified != 1 {
		t.Errorf("ready %v, unverified %d; want not ready, the AWS account unverified", l.ReadyToSign, l.Unverified)
	}
	if len(l.Recorded) != 1 || !strings.Contains(l.Recorded[0], letterDigest) {
		t.Errorf("recorded attestations = %q", l.Recorded)
	}
	ev := map[string]string{}
	for _, e := range l.Evidence {
		ev[e.What] = e.Value
	}
	if ev["Evidence bundle evidence.tar SHA-256"] != strings.Repeat("d", 64) || !strings.Contains(ev["Stored run"], "run 7, chain digest "+strings.Repeat("c", 64)) ||
		ev["Assessment SHA-256"] != strings.Repeat("b", 64) || ev["Snapshot SHA-256"] != strings.Repeat("a", 64) {
		t.Errorf("evidence = %v", ev)
	}

	// AWS read in full and clean: ready to sign.
	a = exitAssessment()
	a.Snapshot.Gaps, a.GapChecks = nil, nil
	a.Findings[2].Status, a.Findings[2].Gaps = findings.StatusPass, nil
	l, err = BuildLetter(a, LetterOptions{Provider: "Acme IT"})
	if err != nil {
		t.Fatal(err)
	}
	if !l.ReadyToSign || !slices.Contains(absentIn(l, "backups"), "contoso-prod (AWS 412345678901)") {
		t.Errorf("clean exit: ready %v, absent %+v", l.ReadyToSign, l.Absent)
	}
	if md, err := RenderLetter("md", l); err != nil || !strings.Contains(string(md), "**Ready to sign:** every system was checked") || strings.Contains(string(md), "## Still found") {
		t.Errorf("clean exit letter (%v):\n%s", err, md)
	}

	// Something left: named, and the letter is not ready.
	a = exitAssessment()
	a.Findings[1] = findings.Finding{Check: exitCheck, Status: findings.StatusFail, Severity: findings.SeverityBlocker, System: "corp-ad",
		Subjects: []string{a.Snapshot.Principals[2].ID}, Message: "user administrator remains with access on corp-ad"}
	l, err = BuildLetter(a, LetterOptions{Provider: "Acme IT"})
	if err != nil {
		t.Fatal(err)
	}
	if l.ReadyToSign || l.Remaining != 1 || l.Left[0].Identifier != "sAMAccountName Administrator" {
		t.Errorf("remaining: ready %v, left %+v", l.ReadyToSign, l.Left)
	}
	if got := absentIn(l, "user and guest accounts"); slices.Contains(got, "contoso.com (Active Directory)") {
		t.Errorf("accounts claimed absent in AD where one remains: %q", got)
	}

	// Only an exit run of that provider.
	a = exitAssessment()
	if _, err := BuildLetter(a, LetterOptions{Provider: "Other MSP"}); !errors.Is(err, ErrNotExitRun) {
		t.Errorf("other provider: %v", err)
	}
	a.Profile = "readiness"
	if _, err := BuildLetter(a, LetterOptions{Provider: "Acme IT"}); !errors.Is(err, ErrNotExitRun) {
		t.Errorf("readiness run: %v", err)
	}
}

// TestIssue22_AttestationLetterFiles: both files are written (0600), the
// Markdown carries every section and escapes names, and a hostile name
// stays text in the HTML.
func TestIssue22_AttestationLetterFiles(t *testing.T) {
	a := exitAssessment()
	a.Organization = "Contoso <script>alert(1)</script> | Ltd"
	l, err := BuildLetter(a, LetterOptions{Provider: "Acme IT", BundleName: "evidence.tar", BundleSHA256: strings.Repeat("d", 64)})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "letter")
	paths, err := WriteLetter(dir, l)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2 {
		t.Fatalf("wrote %v", paths)
	}
	for _, p := range paths {
		fsxtest.AssertPrivate(t, p) // 0600, or an owner-only ACL on Windows
	}
	md, _ := os.ReadFile(paths[0])
	for _, want := range []string{"# Exit attestation: Acme IT for Contoso", "## Systems checked", "## Verified absent", "## Could not be verified",
		"## What only Acme IT can attest", "## Evidence", "`" + strings.Repeat("d", 64) + "`", "## Signatures", "Signature: ____", "\\<script\\>", "\\| Ltd"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("attestation.md lacks %q", want)
		}
	}
	html, _ := os.ReadFile(paths[1])
	if strings.Contains(string(html), "<script>") {
		t.Error("attestation.html carries a raw <script> from a name")
	}
}

// TestIssue22_ChromiumPrintsAttestation prints the letter to PDF as a
// reader would (A4 and Letter) and lays it out at a phone's width.
func TestIssue22_ChromiumPrintsAttestation(t *testing.T) {
	b := newBrowser(t)
	l, err := BuildLetter(exitAssessment(), LetterOptions{Provider: "Acme IT", BundleName: "evidence.tar", BundleSHA256: strings.Repeat("d", 64)})
	if err != nil {
		t.Fatal(err)
	}
	html, err := RenderLetter("html", l)
	if err != nil {
		t.Fatal(err)
	}
	page := writeHTML(t, b.work, "attestation.html", html)
	pdf := b.pdf(page)
	if info := pdfInfo(t, pdf); !strings.Contains(info, "(A4)") {
		t.Errorf("PDF is not A4:\n%s", info)
	}
	pages := 0
	if m := regexp.MustCompile(`Pages:\s+(\d+)`).FindStringSubmatch(pdfInfo(t, pdf)); m != nil {
		pages, _ = parseInt(m[1])
	}
	text := collapse(pdfText(t, pdf, 1, pages))
	for _, want := range []string{
		"Acme IT", "Attestation of exit from Contoso Ltd", "Not ready to sign.", "Statement", "Systems checked", "contoso.com (Active Directory)",
		"Verified absent", "user and guest accounts", "Could not be verified", "backups not read (access denied)",
		"What only Acme IT can attest", "Evidence", "Signatures", "For Acme IT (departing provider)", "For Contoso Ltd (received)", "Page 1 of",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("printed letter lacks %q:\n%.2000s", want, text)
		}
	}
	// The digests print whole (pdftotext may break a long word at the
	// line end; joined again it must be there).
	if !strings.Contains(strings.ReplaceAll(text, " ", ""), strings.Repeat("d", 64)) {
		t.Error("printed letter lacks the bundle's SHA-256")
	}
	l.Paper = "letter"
	lh, _ := RenderLetter("html", l)
	if info := pdfInfo(t, b.pdf(writeHTML(t, b.work, "attestation-letter.html", lh))); !strings.Contains(info, "(letter)") {
		t.Errorf("PDF is not Letter:\n%s", info)
	}
	for _, w := range []int{1280, 420} {
		lay := b.measure(html, w)
		if lay.Scroll > lay.Inner {
			t.Errorf("at %d px the letter is %d px wide: it overflows sideways; widest: %q", w, lay.Scroll, lay.Wide)
		}
		if len(lay.Broken) > 0 {
			t.Errorf("at %d px words in table cells are broken mid-word: %q", w, lay.Broken)
		}
	}
}

func parseInt(s string) (int, error) {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, errors.New("not a number")
		}
		n = n*10 + int(r-'0')
	}
	return n, nil
}
