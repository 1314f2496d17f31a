package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/internal/config"
)

// TestIssue22_DemoExitProfileWritesAttestation: demo --profile exit
// writes the exit attestation from its last (stored) run, through the
// real scanners and checks; attestation then writes it again from the
// store, from a file and from a directory, and refuses a readiness run.
func TestIssue22_DemoExitProfileWritesAttestation(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCmd(t, "demo", "-o", dir, "--profile", "exit", "--format", "json")
	if code != 0 {
		t.Fatalf("demo --profile exit: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "Exit attestation for the provider to sign: "+filepath.Join("attestation", "attestation.md")+", "+filepath.Join("attestation", "attestation.html")) {
		t.Errorf("demo output does not name the attestation:\n%s", out)
	}
	md := readFile(t, filepath.Join(dir, "attestation", "attestation.md"))
	for _, want := range []string{
		"# Exit attestation: Acme IT for Contoso Ltd",
		"**Not ready to sign:**", // the demo's MSP still holds access
		"| contoso.com (Active Directory) | Active Directory domain | items of Acme IT remain (listed below) |",
		"sAMAccountName acme-sam", "## Could not be verified", "## What only Acme IT can attest",
		"| Stored run | `run 2, chain digest ", "## Signatures",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("demo attestation.md lacks %q", want)
		}
	}
	if html := readFile(t, filepath.Join(dir, "attestation", "attestation.html")); !strings.Contains(html, "Attestation of exit from Contoso Ltd") {
		t.Error("demo attestation.html lacks its title")
	}

	// From the store, citing an evidence bundle.
	bundle := filepath.Join(t.TempDir(), "evidence.tar")
	if err := os.WriteFile(bundle, []byte("not really a tar, but bytes with a digest"), 0o600); err != nil {
		t.Fatal(err)
	}
	sum, _ := config.FileSHA256(bundle)
	store := filepath.Join(dir, "keyholder.db")
	outDir := filepath.Join(t.TempDir(), "letter")
	code, out, errOut = runCmd(t, "attestation", "--store", store, "--provider", "Acme IT", "-o", outDir, "--bundle", bundle)
	if code != 0 || !strings.Contains(out, filepath.Join(outDir, "attestation.html")) || !strings.Contains(out, "SHA-256 "+sum) || !strings.Contains(errOut, "not ready to sign") {
		t.Fatalf("attestation from the store: exit %d\n%s%s", code, out, errOut)
	}
	if md := readFile(t, filepath.Join(outDir, "attestation.md")); !strings.Contains(md, "| Evidence bundle evidence.tar SHA-256 | `"+sum+"` |") {
		t.Error("the letter does not cite the bundle's SHA-256")
	}
	// From the demo's directory (its assessment.json).
	outDir2 := filepath.Join(t.TempDir(), "letter2")
	if code, out, errOut := runCmd(t, "attestation", dir, "--provider", "Acme IT", "-o", outDir2); code != 0 {
		t.Fatalf("attestation from a directory: exit %d\n%s%s", code, out, errOut)
	}
	if md := readFile(t, filepath.Join(outDir2, "attestation.md")); strings.Contains(md, "Stored run") || !strings.Contains(md, "Snapshot SHA-256") {
		t.Error("a letter from a file names a stored run, or lacks the snapshot digest")
	}
	// Another provider, or a readiness run: refused.
	if code, _, errOut := runCmd(t, "attestation", filepath.Join(dir, "assessment.json"), "--provider", "Other MSP", "-o", t.TempDir()); code != exitUsage || !strings.Contains(errOut, "--profile exit --exit-provider") {
		t.Errorf("other provider: exit %d, %s", code, errOut)
	}
	if code, _, errOut := runCmd(t, "attestation", "--provider", "Acme IT", filepath.Join(dir, "week1"), "-o", t.TempDir(), "--paper", "a5"); code != exitUsage || !strings.Contains(errOut, "--paper") {
		t.Errorf("bad paper: exit %d, %s", code, errOut)
	}
	if code, _, errOut := runCmd(t, "attestation", "--provider", "Acme IT"); code != exitUsage || !strings.Contains(errOut, "-o DIR is required") {
		t.Errorf("no -o: exit %d, %s", code, errOut)
	}
}

// TestIssue22_SignedAttestationRecorded: --signed prints the entry with
// the file's SHA-256; with it in the config, validate passes, and after
// the signed copy changes it fails naming the key.
func TestIssue22_SignedAttestationRecorded(t *testing.T) {
	dir := t.TempDir()
	signed := filepath.Join(dir, "acme-exit-signed.pdf")
	if err := os.WriteFile(signed, []byte("%PDF-1.7 signed by Acme IT\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, "attestation", "--provider", "Acme IT", "--signed", signed, "--date", "2026-11-21")
	sum, _ := config.FileSHA256(signed)
	if code != 0 || !strings.Contains(out, "sha256: "+sum) || !strings.Contains(out, "date: 2026-11-21") || !strings.Contains(out, `provider: "Acme IT"`) {
		t.Fatalf("--signed: exit %d\n%s%s", code, out, errOut)
	}
	cfgText := "organization: {name: Contoso Ltd, domains: [contoso.com]}\nproviders:\n  - {name: Acme IT, kind: msp, domains: [acme-it.com]}\n" +
		strings.Replace(out[strings.Index(out, "declared:"):], signed, "acme-exit-signed.pdf", 1)
	cfg := filepath.Join(dir, "keyholder.yaml")
	if err := os.WriteFile(cfg, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCmd(t, "validate", "-c", cfg); code != 0 {
		t.Fatalf("validate with the recorded attestation: exit %d\n%s%s\n%s", code, out, errOut, cfgText)
	}
	if err := os.WriteFile(signed, []byte("%PDF-1.7 signed by Acme IT, edited\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCmd(t, "validate", "-c", cfg); code != exitUsage || !regexp.MustCompile(`declared\.attestations\[0\]\.sha256: (.*[\\/])?acme-exit-signed\.pdf has SHA-256`).MatchString(out+errOut) {
		t.Errorf("validate after the signed copy changed: exit %d\n%s%s", code, out, errOut)
	}
}

// TestIssue22_RecordedAttestationShownByExitCheckAndReport: a signed
// copy recorded with its SHA-256 reaches the snapshot through a real
// scan; KH-EXIT-001 shows it and the report's runbook names it with its
// digest; the letter written from that run lists it as recorded.
func TestIssue22_RecordedAttestationShownByExitCheckAndReport(t *testing.T) {
	dir := t.TempDir()
	signed := filepath.Join(dir, "acme-exit-signed.pdf")
	if err := os.WriteFile(signed, []byte("%PDF-1.7 signed by Acme IT\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sum, _ := config.FileSHA256(signed)
	cfg := filepath.Join(dir, "keyholder.yaml")
	if err := os.WriteFile(cfg, []byte(`organization: {name: Contoso Ltd, domains: [contoso.com]}
providers:
  - {name: Acme IT, kind: msp, domains: [acme-it.com]}
targets: []
declared:
  attestations:
    - {name: "Exit attestation", date: 2026-11-21, provider: "Acme IT", evidence: "acme-exit-signed.pdf", sha256: "`+sum+`"}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, stdout, errOut := runCmd(t, "scan", "-c", cfg, "-o", out, "--profile", "exit", "--exit-provider", "Acme IT",
		"--format", "md,json", "--fail-on", "none", "--now", "2026-11-22T09:00:00Z")
	if code != 0 {
		t.Fatalf("scan: exit %d\n%s%s", code, stdout, errOut)
	}
	as := readFile(t, filepath.Join(out, "assessment.json"))
	if !strings.Contains(as, `Acme IT attested \"Exit attestation\" on 2026-11-21; signed copy acme-exit-signed.pdf, SHA-256 `+sum) {
		t.Error("KH-EXIT-001 does not show the recorded attestation with its digest")
	}
	if md := readFile(t, filepath.Join(out, "report.md")); !strings.Contains(md, "2026-11-21, signed copy SHA-256 "+sum) {
		t.Error("report.md does not name the attestation with its signed copy's digest")
	}
	letter := filepath.Join(dir, "letter")
	if code, stdout, errOut := runCmd(t, "attestation", out, "--provider", "Acme IT", "-o", letter); code != 0 {
		t.Fatalf("attestation: exit %d\n%s%s", code, stdout, errOut)
	}
	if md := readFile(t, filepath.Join(letter, "attestation.md")); !strings.Contains(md, "Exit attestation, dated 2026-11-21, signed copy SHA-256 "+sum) {
		t.Error("the letter does not list the recorded attestation")
	}
}

// TestIssue22_AttestationPicksLatestExitRun: without RUN, the latest
// exit-profile run is used, not a later readiness run; a store with none
// is a usage error.
func TestIssue22_AttestationPicksLatestExitRun(t *testing.T) {
	path := seedStore(t) // readiness runs only
	if code, _, errOut := runCmd(t, "attestation", "--store", path, "--provider", "Acme IT", "-o", t.TempDir()); code != exitUsage || !strings.Contains(errOut, "no exit-profile run") {
		t.Errorf("store without an exit run: exit %d, %s", code, errOut)
	}
	if code, _, errOut := runCmd(t, "attestation", "--store", path, "--provider", "Acme IT", "-o", t.TempDir(), "latest"); code != exitUsage || !strings.Contains(errOut, "--profile exit") {
		t.Errorf("readiness run named: exit %d, %s", code, errOut)
	}
}
