package policies

import (
	"slices"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
)

func stepsOf(a *findings.Assessment, phase string) []findings.RunbookStep {
	var out []findings.RunbookStep
	for _, s := range a.Runbook {
		if s.Phase == phase {
			out = append(out, s)
		}
	}
	return out
}

func TestRunbook(t *testing.T) {
	snap := baseSnapshot()
	cfg := loadConfig(t, "base.yaml")
	// Something to do in every phase.
	dropGrants(snap, alice)
	dropMember(snap, bob, gaGroup)                    // m365: one customer GA left
	licenceOf(snap, adobe).OwnerOfRecord = "Acme IT"  // transfer, with notice dates
	licenceOf(snap, adobe).Renews = date(2027, 3, 31) // notice window 2026-10-02..2026-12-31
	backupOf(snap, vault).KeyOwner = "999999999999"   // re-encrypt
	addGrant(snap, grant("prod", acmeRole, "AdministratorAccess", findings.LevelSuperAdmin, findings.AssignmentActive))
	prin(snap, carol).Credentials = []findings.Credential{{ID: "AKIACAROL", Kind: "access_key", Active: true, Created: daysAgo(10), LastUsedKnown: true}}
	a := evaluate(t, snap, cfg, EvalOptions{})

	// Ordered by phase, numbered from 1.
	rank := map[string]int{}
	for i, p := range phases {
		rank[p] = i
	}
	for i, s := range a.Runbook {
		if s.Order != i+1 {
			t.Fatalf("step %d has order %d", i, s.Order)
		}
		if i > 0 && rank[s.Phase] < rank[a.Runbook[i-1].Phase] {
			t.Fatalf("phase %s after %s", s.Phase, a.Runbook[i-1].Phase)
		}
	}
	for _, p := range phases {
		if len(stepsOf(a, p)) == 0 {
			t.Errorf("no %s step", p)
		}
	}

	var m365Keys *findings.RunbookStep
	for _, s := range stepsOf(a, "secure_keys") {
		if s.System == "m365" {
			m365Keys = &s
		}
	}
	if m365Keys == nil || m365Keys.Done || !strings.Contains(m365Keys.Action, "at least 2") || !slices.Equal(m365Keys.Identifiers, []string{bg1}) {
		t.Errorf("m365 secure_keys step: %+v", m365Keys)
	}

	tr := stepsOf(a, "transfer_ownership")
	if len(tr) == 0 || !slices.Contains(tr[0].Identifiers, adobe) || tr[0].Due == nil || tr[0].Due.Format("2006-01-02") != "2026-12-31" ||
		!strings.Contains(tr[0].Action, "give notice between 2026-10-02 and 2026-12-31") {
		t.Errorf("first transfer step: %+v", tr)
	}

	found := false
	for _, s := range stepsOf(a, "secure_backups") {
		if slices.Contains(s.Identifiers, vault) && strings.Contains(s.Action, "Re-encrypt") {
			found = true
		}
	}
	if !found {
		t.Errorf("no re-encrypt step for the vault: %+v", stepsOf(a, "secure_backups"))
	}

	cut := map[string][]string{}
	for _, s := range stepsOf(a, "cut_access") {
		cut[s.System] = append(cut[s.System], s.Identifiers...)
	}
	for sys, id := range map[string]string{"m365": tom, "corp-ad": jim, "gh": ghAcme, "prod": acmeTrust} {
		if !slices.Contains(cut[sys], id) {
			t.Errorf("cut_access on %s lacks %s: %v", sys, id, cut[sys])
		}
	}
	if !slices.Contains(cut["m365"], acmeApp+"#secret-1") || !slices.Contains(cut["m365"], "trust:m365:declared:gdap:acme-it-1") {
		t.Errorf("cut_access on m365 lacks the app secret or the GDAP declaration: %v", cut["m365"])
	}
	if slices.Contains(cut["m365"], alice) {
		t.Error("a customer account is in cut_access")
	}

	rot := map[string][]string{}
	for _, s := range stepsOf(a, "rotate_secrets") {
		rot[s.System] = s.Identifiers
	}
	if !slices.Contains(rot["prod"], carol+"#AKIACAROL") || !slices.Contains(rot["m365"], bg1) {
		t.Errorf("rotate_secrets: %v", rot)
	}
	if at := stepsOf(a, "attestations"); len(at) != 1 || at[0].Done {
		t.Errorf("attestations: %+v", at)
	}
}

func TestRunbookExitProfile(t *testing.T) {
	snap := baseSnapshot()
	cfg := loadConfig(t, "base.yaml")
	snap.Attestations = []findings.Attestation{{ID: "attestation:declared:deletion-1", System: "declared", Name: "deletion", Date: *daysAgo(3), Provider: "Acme IT"}}
	cfg.Providers = append(cfg.Providers, config.Provider{Name: "Other MSP", Kind: "msp"})
	a := evaluate(t, snap, cfg, EvalOptions{Profile: ProfileExit, ExitProvider: "Acme IT"})
	at := stepsOf(a, "attestations")
	if len(at) != 1 || !at[0].Done || !slices.Equal(at[0].Identifiers, []string{"attestation:declared:deletion-1"}) || !strings.Contains(at[0].Action, "Acme IT") {
		t.Errorf("attestations: %+v", at)
	}
	rs := stepsOf(a, "rescan")
	if len(rs) != 1 || rs[0].Done || !strings.Contains(rs[0].Action, `--exit-provider "Acme IT"`) {
		t.Errorf("rescan (KH-EXIT-001 still fails): %+v", rs)
	}
}

// TestIssue15RunbookUnknownSaysWhatToVerify: a step resting on an unknown
// check is marked verify and says what to verify and how (the collection
// not read and what to grant), never "register MFA: unknown: … have MFA";
// a step whose check passed is done.
func TestIssue15RunbookUnknownSaysWhatToVerify(t *testing.T) {
	snap := baseSnapshot()
	cfg := loadConfig(t, "base.yaml")
	snap.Gaps = append(snap.Gaps, findings.Gap{ID: findings.GapID("m365", "mfa"), System: "m365", Collection: "mfa",
		Reason: findings.GapDenied, Error: "403", Remedy: "UserAuthenticationMethod.Read.All"})
	// As the scanner leaves it: no MFA state read on m365.
	for i := range snap.Principals {
		if snap.Principals[i].System == "m365" {
			snap.Principals[i].MFA = findings.MFAUnknown
		}
	}
	a := evaluate(t, snap, cfg, EvalOptions{})
	var verify, done, m365Verify int
	for _, s := range a.Runbook {
		if strings.Contains(s.Action, "unknown:") || strings.Contains(s.Action, "— but") {
			t.Errorf("self-contradictory step: %s", s.Action)
		}
		if s.Verify {
			verify++
			if s.Done || !strings.HasPrefix(s.Action, "Verify") {
				t.Errorf("verify step does not say what to verify: %+v", s)
			}
			// The Azure subscription's holders are the m365 principals
			// (their MFA is Entra's), so its step is a verify too; only
			// m365's names the gap, which is on m365.
			if s.System == "m365" && (!strings.Contains(s.Action, "UserAuthenticationMethod.Read.All") || !strings.Contains(s.Action, "mfa")) {
				t.Errorf("verify step does not say what to verify and how: %+v", s)
			}
			if s.System == "m365" {
				m365Verify++
			}
		}
		if s.Done {
			done++
		}
		if strings.Contains(s.Action, " m365") && !strings.Contains(s.Action, "(Entra ID)") {
			t.Errorf("step names the system by its target id: %s", s.Action)
		}
	}
	if verify == 0 || m365Verify == 0 {
		t.Errorf("no verify step for the unknown MFA check on m365: %+v", a.Runbook)
	}
	if done == 0 {
		t.Error("no step shows done although KH-KEY-001 passes")
	}
}
