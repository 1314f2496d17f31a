package policies

import (
	"slices"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
)

// TestIssue22_ExitAttestationShownNeverPasses: KH-EXIT-001 shows the
// departed provider's signed attestation (with its SHA-256) beside every
// result, but an attestation alone never turns remaining access into a
// pass, nor a gap into a pass.
func TestIssue22_ExitAttestationShownNeverPasses(t *testing.T) {
	const digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	attest := func(s *findings.Snapshot) {
		s.Attestations = []findings.Attestation{{ID: "attestation:declared:exit-0", System: "declared", Name: "Exit attestation",
			Date: *daysAgo(2), Provider: "Acme IT", Evidence: "contracts/acme-signed.pdf", SHA256: digest}}
	}
	exit001 := func(a *findings.Assessment, sys string) []findings.Finding {
		var out []findings.Finding
		for _, f := range a.Findings {
			if f.Check == "KH-EXIT-001" && (sys == "" || f.System == sys) {
				out = append(out, f)
			}
		}
		return out
	}
	hasEvidence := func(f findings.Finding, words ...string) bool {
		return slices.ContainsFunc(f.Evidence, func(e string) bool {
			for _, w := range words {
				if !strings.Contains(e, w) {
					return false
				}
			}
			return true
		})
	}

	// Remaining access plus an attestation: still fails, and says why.
	snap := baseSnapshot()
	attest(snap)
	a := evaluate(t, snap, loadConfig(t, "base.yaml"), EvalOptions{Profile: ProfileExit, ExitProvider: "Acme IT"})
	var tomFinding *findings.Finding
	for _, f := range exit001(a, "m365") {
		if slices.Contains(f.Subjects, tom) {
			tomFinding = &f
		}
	}
	if tomFinding == nil || tomFinding.Status != findings.StatusFail {
		t.Fatalf("KH-EXIT-001 on m365 with an attestation and the MSP's account left: %+v; want fail", exit001(a, "m365"))
	}
	if !hasEvidence(*tomFinding, "Acme IT attested \"Exit attestation\"", digest) || !hasEvidence(*tomFinding, "does not outweigh access found") {
		t.Errorf("failing finding evidence = %q; want the attestation and that it does not outweigh the access", tomFinding.Evidence)
	}
	if a.Verdict == findings.VerdictReady || a.Verdict == findings.VerdictReadyWithActions {
		t.Errorf("verdict %s with the MSP's access left", a.Verdict)
	}

	// Nothing left, attestation recorded: pass, showing the signed copy.
	snap = baseSnapshot()
	cfg := loadConfig(t, "base.yaml")
	removeAcmeAll(snap, cfg)
	attest(snap)
	a = evaluate(t, snap, cfg, EvalOptions{Profile: ProfileExit, ExitProvider: "Acme IT"})
	fs := exit001(a, "corp-ad")
	if len(fs) != 1 || fs[0].Status != findings.StatusPass || !hasEvidence(fs[0], "signed copy contracts/acme-signed.pdf, SHA-256 "+digest) {
		t.Errorf("KH-EXIT-001 on corp-ad, nothing left, attested: %+v", fs)
	}

	// Without an attestation the pass says none is recorded.
	snap = baseSnapshot()
	removeAcmeAll(snap, cfg)
	a = evaluate(t, snap, cfg, EvalOptions{Profile: ProfileExit, ExitProvider: "Acme IT"})
	if fs := exit001(a, "corp-ad"); len(fs) != 1 || fs[0].Status != findings.StatusPass || !hasEvidence(fs[0], "no attestation of Acme IT is recorded") {
		t.Errorf("KH-EXIT-001 on corp-ad, nothing left, no attestation: %+v", fs)
	}

	// A gap on what KH-EXIT-001 reads stays unknown despite the attestation.
	snap = baseSnapshot()
	removeAcmeAll(snap, cfg)
	attest(snap)
	addGap(snap, "corp-ad", "principals")
	a = evaluate(t, snap, cfg, EvalOptions{Profile: ProfileExit, ExitProvider: "Acme IT"})
	if fs := exit001(a, "corp-ad"); len(fs) != 1 || fs[0].Status != findings.StatusUnknown {
		t.Errorf("KH-EXIT-001 on corp-ad with its principals unread, attested: %+v; want unknown", fs)
	}
}
