package workspace

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	scanrun "github.com/keyholder/keyholder/internal/scan"
	"github.com/keyholder/keyholder/policies"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/declared"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

// evaluate scans the fake with the given scenario changes and evaluates the
// snapshot with the built-in checks.
func evaluate(t *testing.T, edit func(cfg string) string) (*findings.Snapshot, *findings.Assessment) {
	t.Helper()
	h := newHarness(t, contoso(t))
	target := h.target()
	cfg := testConfig(t, target)
	if edit != nil {
		cfg = testConfig(t, edit(target))
	}
	// What `keyholder scan` runs: the runner with this scanner and the
	// declared inventory.
	reg := scanners.NewRegistry(Factory(), declared.Factory())
	snap, err := scanrun.Run(context.Background(), cfg, reg, scanrun.Options{Now: func() time.Time { return scannertest.FixedNow }, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	engine, err := policies.NewEngine(policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := engine.Evaluate(context.Background(), snap, cfg, policies.EvalOptions{Profile: policies.ProfileReadiness})
	if err != nil {
		t.Fatal(err)
	}
	return snap, a
}

func findingsOf(a *findings.Assessment, check string) []findings.Finding {
	var out []findings.Finding
	for _, f := range a.Findings {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

// hasFinding reports a finding of check with status whose message contains
// text.
func hasFinding(a *findings.Assessment, check string, status findings.Status, text string) bool {
	for _, f := range findingsOf(a, check) {
		if f.Status == status && strings.Contains(f.Message, text) {
			return true
		}
	}
	return false
}

// The checks take the Workspace system: each case of the issue ends in the
// finding a reader expects.
func TestChecksJudgeWorkspace(t *testing.T) {
	_, a := evaluate(t, nil)
	cases := []struct {
		check  string
		status findings.Status
		text   string
		why    string
	}{
		{"KH-KEY-002", findings.StatusFail, "bob@contoso.com", "a customer super admin without 2SV"},
		{"KH-SEG-001", findings.StatusFail, "tech@acme-it.com", "an MSP super admin from the MSP's own domain"},
		{"KH-SEG-001", findings.StatusFail, "dan@acme-it.com", "a delegated admin with user-management privileges via a group"},
		{"KH-KEY-005", findings.StatusFail, "it-support@acme-it.com", "the alternate e-mail is the MSP's"},
	}
	for _, c := range cases {
		if !hasFinding(a, c.check, c.status, c.text) {
			t.Errorf("%s: want %s %s mentioning %q; got:", c.why, c.check, c.status, c.text)
			for _, f := range findingsOf(a, c.check) {
				t.Logf("  %s %s %s", f.Status, f.System, f.Message)
			}
		}
	}
	// A suspended super admin does not count as a customer key holder.
	for _, f := range findingsOf(a, "KH-KEY-001") {
		if strings.Contains(strings.Join(f.Evidence, " "), "carol@contoso.com") && f.Status == findings.StatusPass {
			t.Errorf("KH-KEY-001 counted the suspended carol@contoso.com: %+v", f)
		}
	}
	var sys *findings.SystemVerdict
	for i := range a.Systems {
		if a.Systems[i].System == "gws" {
			sys = &a.Systems[i]
		}
	}
	if sys == nil || sys.Verdict == findings.VerdictReady {
		t.Errorf("gws verdict = %+v, want not ready (an MSP super admin)", sys)
	}
	if a.Verdict == findings.VerdictReady {
		t.Error("overall verdict ready with an MSP super admin and gaps")
	}
}

// What the API cannot show (reseller, delegation clients, OAuth apps) stays
// unknown until declared; a fresh declaration of each kind covers its own
// gap only (a reseller declaration says nothing about delegation clients),
// and with all three the checks they blocked are decided.
func TestDeclaredRelationshipCoversUnsupported(t *testing.T) {
	_, a := evaluate(t, nil)
	if !hasFinding(a, "KH-SEG-003", findings.StatusUnknown, "") {
		t.Fatal("KH-SEG-003 is not unknown without a declaration")
	}
	covered := func(a *findings.Assessment, c string) bool {
		checks, ok := a.GapChecks[findings.GapID("gws", c)]
		return ok && len(checks) == 0
	}
	_, a = evaluate(t, func(target string) string {
		return target + "declared:\n  relationships:\n    - {target: gws, provider: Acme IT, kind: reseller, verified: 2026-10-15}\n"
	})
	if !covered(a, gapReseller) || covered(a, gapDelegation) || covered(a, gapOAuthApps) {
		t.Errorf("a reseller declaration must cover the reseller gap only: reseller %v, delegation %v, oauth %v",
			covered(a, gapReseller), covered(a, gapDelegation), covered(a, gapOAuthApps))
	}
	if !hasFinding(a, "KH-SEG-003", findings.StatusUnknown, "") {
		t.Error("KH-SEG-003 decided while delegation clients and OAuth apps are unread and undeclared")
	}
	_, a = evaluate(t, func(target string) string {
		return target + `declared:
  relationships:
    - {target: gws, provider: Acme IT, kind: reseller, verified: 2026-10-15}
    - {target: gws, provider: customer, kind: domain_wide_delegation, verified: 2026-10-15}
    - {target: gws, provider: customer, kind: oauth_app, verified: 2026-10-15}
`
	})
	for _, f := range findingsOf(a, "KH-SEG-003") {
		if f.System == "gws" && f.Status == findings.StatusUnknown {
			t.Errorf("KH-SEG-003 still unknown with all three declarations: %s", f.Message)
		}
	}
	for _, c := range []string{gapReseller, gapDelegation, gapOAuthApps} {
		if !covered(a, c) {
			t.Errorf("gap %s not covered by its declaration", c)
		}
	}
}

// The billing owner no API shows is covered by a declared licence of the
// target, and only by that.
func TestDeclaredLicenceCoversBilling(t *testing.T) {
	id := findings.GapID("gws", gapBilling)
	_, a := evaluate(t, nil)
	if checks, ok := a.GapChecks[id]; !ok || len(checks) == 0 && !hasFinding(a, "KH-COV-001", findings.StatusWarn, "licences/billing") {
		t.Fatalf("billing gap not reported without a declaration: %v %v", checks, ok)
	}
	_, a = evaluate(t, func(target string) string {
		return target + "declared:\n  licences:\n    - {target: gws, product: Google Workspace Business Plus, seats: 50, owner_of_record: Contoso Ltd}\n"
	})
	if hasFinding(a, "KH-COV-001", findings.StatusWarn, "licences/billing") {
		t.Error("the declared licence did not cover the billing gap")
	}
}

// An allowance for a Workspace role (system_kind workspace) is accepted by
// the config and KH-SEG-001 applies it: the role is recognised as allowed,
// and the remaining failure is only that it is held permanently (allowances
// without an assignment ask for eligible or time-bound access).
func TestAllowedWorkspaceRole(t *testing.T) {
	_, a := evaluate(t, nil)
	if !hasFinding(a, "KH-SEG-001", findings.StatusFail, "dan@acme-it.com") {
		t.Fatal("precondition: the group's MSP member fails KH-SEG-001")
	}
	h := newHarness(t, contoso(t))
	doc := strings.Replace(`organization:
  name: Contoso Ltd
  domains: [contoso.com, contoso.co.uk]
providers:
  - name: Acme IT
    kind: msp
    domains: [acme-it.com]
    allowed: [{system_kind: workspace, privileges: ["User Management Admin"]}]
targets:
  - type: workspace
    name: gws
`, "\t", "", -1) + h.target()
	cfg, err := config.Parse([]byte(doc), "keyholder.yaml")
	if err != nil {
		t.Fatalf("config with a workspace allowance: %v", err)
	}
	reg := scanners.NewRegistry(Factory(), declared.Factory())
	snap, err := scanrun.Run(context.Background(), cfg, reg, scanrun.Options{Now: func() time.Time { return scannertest.FixedNow }, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	engine, err := policies.NewEngine(policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err = engine.Evaluate(context.Background(), snap, cfg, policies.EvalOptions{Profile: policies.ProfileReadiness})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range a.Findings {
		if f.Check == "KH-SEG-001" && strings.Contains(f.Message, "dan@acme-it.com") {
			ev := strings.Join(f.Evidence, " ")
			if strings.Contains(ev, "not in Acme IT's allowed list") || !strings.Contains(ev, "is allowed only") {
				t.Errorf("dan@acme-it.com: the workspace allowance was not applied: %s %v", f.Message, f.Evidence)
			}
		}
	}
	if !hasFinding(a, "KH-SEG-001", findings.StatusFail, "tech@acme-it.com") {
		t.Error("the MSP's Super Admin, not allowed, no longer fails")
	}
}

// KH-KEY-003 finds a break-glass account on the Workspace domain: an
// enabled, customer-owned super admin passes; a configured one that does
// not exist fails.
func TestBreakGlassOnWorkspace(t *testing.T) {
	h := newHarness(t, contoso(t))
	run := func(bg string) *findings.Assessment {
		doc := `organization:
  name: Contoso Ltd
  domains: [contoso.com, contoso.co.uk]
  break_glass: [` + bg + `]
providers:
  - {name: Acme IT, kind: msp, domains: [acme-it.com]}
targets:
  - type: workspace
    name: gws
` + h.target()
		cfg, err := config.Parse([]byte(doc), "keyholder.yaml")
		if err != nil {
			t.Fatal(err)
		}
		reg := scanners.NewRegistry(Factory(), declared.Factory())
		snap, err := scanrun.Run(context.Background(), cfg, reg, scanrun.Options{Now: func() time.Time { return scannertest.FixedNow }, Version: "test"})
		if err != nil {
			t.Fatal(err)
		}
		engine, err := policies.NewEngine(policies.Options{})
		if err != nil {
			t.Fatal(err)
		}
		a, err := engine.Evaluate(context.Background(), snap, cfg, policies.EvalOptions{Profile: policies.ProfileReadiness})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if a := run("alice@contoso.com"); !hasFinding(a, "KH-KEY-003", findings.StatusPass, "alice@contoso.com") {
		for _, f := range findingsOf(a, "KH-KEY-003") {
			t.Logf("  %s %s", f.Status, f.Message)
		}
		t.Error("alice@contoso.com, an enabled customer Super Admin, is not accepted as break-glass")
	}
	if a := run("bg-missing@contoso.com"); !hasFinding(a, "KH-KEY-003", findings.StatusFail, "bg-missing@contoso.com") {
		t.Error("a break-glass account missing from the Workspace does not fail")
	}
}
