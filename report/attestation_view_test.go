package report

import (
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
)

// TestIssue22_ReportShowsAttestationDigest: a recorded attestation is
// named in the runbook with its date and the SHA-256 of its signed copy.
func TestIssue22_ReportShowsAttestationDigest(t *testing.T) {
	const digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	a := fixture(t)
	at := findings.Attestation{ID: "attestation:declared:exit-0", System: "declared", Name: "Acme IT exit attestation",
		Date: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), Provider: "Acme IT", Evidence: "contracts/acme-signed.pdf", SHA256: digest}
	a.Snapshot.Attestations = append(a.Snapshot.Attestations, at)
	found := false
	for i := range a.Runbook {
		if a.Runbook[i].Phase == "attestations" {
			a.Runbook[i].Identifiers = append(a.Runbook[i].Identifiers, at.ID)
			a.Runbook[i].Done = true
			found = true
		}
	}
	if !found {
		t.Fatal("the fixture has no attestations step")
	}
	for _, f := range []struct{ format, file string }{{"md", "report.md"}, {"html", "report.html"}} {
		out := string(render(t, f.format, f.file, a, fixtureOptions()))
		if !strings.Contains(out, "Acme IT exit attestation") || !strings.Contains(out, "2026-11-20, signed copy SHA-256 "+digest) {
			t.Errorf("%s does not show the attestation with its signed copy's SHA-256", f.file)
		}
	}
}
