package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIssue22_AttestationDigest: declared.attestations[].sha256 must be
// a SHA-256 of a named file, and matches the file when it is present.
func TestIssue22_AttestationDigest(t *testing.T) {
	dir := t.TempDir()
	signed := []byte("%PDF-1.7 signed attestation of Acme IT\n")
	if err := os.WriteFile(filepath.Join(dir, "acme-signed.pdf"), signed, 0o600); err != nil {
		t.Fatal(err)
	}
	good, err := FileSHA256(filepath.Join(dir, "acme-signed.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	entry := func(evidence, sum string) string {
		return base + "declared:\n  attestations:\n    - {name: Exit, date: 2026-11-20, provider: Acme IT, evidence: \"" + evidence + "\", sha256: \"" + sum + "\"}\n"
	}
	load := func(yaml string) string {
		t.Helper()
		path := filepath.Join(dir, "keyholder.yaml")
		if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		if err == nil {
			return ""
		}
		return err.Error()
	}
	if got := load(entry("acme-signed.pdf", good)); got != "" {
		t.Errorf("matching digest (relative to the config): %s", got)
	}
	if got := load(entry("acme-signed.pdf", strings.ToUpper(good))); got != "" {
		t.Errorf("upper-case digest: %s", got)
	}
	if got := load(entry("https://dms.example/acme.pdf", good)); got != "" {
		t.Errorf("evidence not on this machine: %s", got)
	}
	bad := strings.Repeat("0", 64)
	if got := load(entry("acme-signed.pdf", bad)); !strings.Contains(got, "declared.attestations[0].sha256: acme-signed.pdf has SHA-256 "+good+", not the recorded "+bad) {
		t.Errorf("changed file: %q", got)
	}
	if got := load(entry("acme-signed.pdf", "abc")); !strings.Contains(got, "declared.attestations[0].sha256: want the 64 hexadecimal digits") {
		t.Errorf("malformed digest: %q", got)
	}
	if got := load(base + "declared:\n  attestations: [{name: Exit, date: 2026-11-20, sha256: \"" + good + "\"}]\n"); !strings.Contains(got, "a digest needs the file it covers") {
		t.Errorf("digest without evidence: %q", got)
	}
}
