package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/store"
	"github.com/keyholder/keyholder/policies"
)

// TestIssue12_EditedInputsRefused: evaluate and report check the SHA-256
// recorded in the snapshot / assessment they read, refuse a modified file
// with a clear error, and with --allow-modified proceed and say so.
func TestIssue12_EditedInputsRefused(t *testing.T) {
	dir := t.TempDir()
	fh, err := os.Open(evalFixtureSnapshot)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := findings.DecodeSnapshot(fh, evalFixtureSnapshot)
	fh.Close()
	if err != nil {
		t.Fatal(err)
	}
	sealed := filepath.Join(dir, "snapshot.json")
	if err := writeSnapshot(sealed, snap); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(sealed)
	if !strings.Contains(string(b), `"content_sha256"`) {
		t.Fatal("the written snapshot records no content_sha256")
	}
	if code, out, stderr := runCmd(t, "evaluate", sealed, "-c", evalFixtureConfig, "-o", filepath.Join(dir, "ok")); code != exitOK {
		t.Fatalf("a sealed, unmodified snapshot: exit %d\n%s%s", code, out, stderr)
	}
	// Edit one fact: the MSP's guest becomes a customer's address.
	edited := filepath.Join(dir, "edited.json")
	os.WriteFile(edited, []byte(strings.Replace(string(b), "tom@acme-it.com", "tom@contoso.com", 1)), 0o600)
	code, _, stderr := runCmd(t, "evaluate", edited, "-c", evalFixtureConfig, "-o", filepath.Join(dir, "bad"))
	if code != exitUsage || !strings.Contains(stderr, "does not match its recorded SHA-256") || !strings.Contains(stderr, "edited.json") {
		t.Fatalf("modified snapshot: exit %d, stderr %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad", "assessment.json")); err == nil {
		t.Error("an assessment was written from a refused snapshot")
	}
	code, _, stderr = runCmd(t, "evaluate", edited, "-c", evalFixtureConfig, "-o", filepath.Join(dir, "allowed"), "--allow-modified")
	if code == exitUsage || !strings.Contains(stderr, "warning") {
		t.Fatalf("--allow-modified: exit %d, stderr %s", code, stderr)
	}
	allowed := filepath.Join(dir, "allowed", "assessment.json")
	a := loadAssessmentFile(t, allowed)
	if len(a.ModifiedInputs) != 1 || !strings.Contains(a.ModifiedInputs[0], "edited.json") {
		t.Errorf("modified_inputs %v, want the edited snapshot", a.ModifiedInputs)
	}
	if a.AssessmentSHA256 == "" {
		t.Error("the assessment records no assessment_sha256")
	}

	// report: the evaluated assessment renders; an edited one is refused.
	good := filepath.Join(dir, "ok", "assessment.json")
	if code, out, stderr := runCmd(t, "report", good, "--format", "md", "-o", filepath.Join(dir, "r1"), "--fail-on", "none"); code != exitOK {
		t.Fatalf("report of an unmodified assessment: exit %d\n%s%s", code, out, stderr)
	}
	ab, _ := os.ReadFile(good)
	forged := filepath.Join(dir, "forged.json")
	os.WriteFile(forged, []byte(strings.Replace(string(ab), `"verdict": "ready"`, `"verdict": "ready_with_actions"`, 1)), 0o600)
	code, _, stderr = runCmd(t, "report", forged, "--format", "md", "-o", filepath.Join(dir, "r2"), "--fail-on", "none")
	if code != exitUsage || !strings.Contains(stderr, "forged.json") || !strings.Contains(stderr, "recorded SHA-256") {
		t.Fatalf("report of an edited assessment: exit %d, stderr %s", code, stderr)
	}
	code, _, stderr = runCmd(t, "report", forged, "--format", "md", "-o", filepath.Join(dir, "r3"), "--fail-on", "none", "--allow-modified")
	if code != exitOK {
		t.Fatalf("report --allow-modified: exit %d %s", code, stderr)
	}
	md, _ := os.ReadFile(filepath.Join(dir, "r3", "report.md"))
	if !strings.Contains(string(md), "Modified input") || !strings.Contains(string(md), "forged.json") {
		t.Errorf("the report does not state the modified input:\n%.600s", md)
	}
}

// TestIssue12_ValidateRejectsRefusedWaivers: validate rejects the waivers
// the engine would refuse, with the reason.
func TestIssue12_ValidateRejectsRefusedWaivers(t *testing.T) {
	b, err := os.ReadFile(evalFixtureConfig)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "k.yaml")
	cfg := string(b) + `  waivers:
    - {check: KH-KEY-001, reason: "hiring", expires: 2027-01-31}
    - {check: KH-COV-001, subject: gh, reason: "token pending", expires: 2027-01-31}
    - {check: KH-SEG-005, reason: "shared login being replaced", expires: 2027-01-31}
`
	os.WriteFile(path, []byte(cfg), 0o600)
	code, out, _ := runCmd(t, "validate", "-c", path)
	if code != exitUsage {
		t.Fatalf("exit %d, want %d\n%s", code, exitUsage, out)
	}
	for _, want := range []string{"policy.waivers[0].subject: KH-KEY-001 is a blocker", "policy.waivers[1].check: KH-COV-001 cannot be waived"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "waivers[2]") {
		t.Errorf("a subject-less waiver of a non-blocker was refused:\n%s", out)
	}
}

// TestIssue12_DiffSkipsRunsThatMissedASystem: in the run history, a run
// that did not read a system shows it as not read (nothing removed), and
// the next run that reads it again is compared with the last run that
// read it (nothing re-added).
func TestIssue12_DiffSkipsRunsThatMissedASystem(t *testing.T) {
	ctx := t.Context()
	fh, err := os.Open(evalFixtureSnapshot)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	base, err := findings.DecodeSnapshot(fh, evalFixtureSnapshot)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(evalFixtureConfig)
	if err != nil {
		t.Fatal(err)
	}
	e, err := policies.NewEngine(policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "runs.db")
	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, ghRead := range []bool{true, false, true} {
		b, _ := base.CanonicalJSON()
		snap, err := findings.DecodeSnapshot(strings.NewReader(string(b)), "copy")
		if err != nil {
			t.Fatal(err)
		}
		snap.FinishedAt = snap.FinishedAt.AddDate(0, 0, 7*i)
		if !ghRead {
			keep := func(sys string) bool { return sys != "gh" }
			snap.Principals = slices.DeleteFunc(snap.Principals, func(p findings.Principal) bool { return !keep(p.System) })
			snap.Grants = slices.DeleteFunc(snap.Grants, func(g findings.Grant) bool { return !keep(g.System) })
			snap.Trusts = slices.DeleteFunc(snap.Trusts, func(tr findings.Trust) bool { return !keep(tr.System) })
			snap.Backups = slices.DeleteFunc(snap.Backups, func(b findings.Backup) bool { return !keep(b.System) })
			snap.Gaps = append(snap.Gaps, findings.Gap{ID: findings.GapID("gh", "system"), System: "gh", Collection: "system", Reason: findings.GapFailed, Error: "401 Bad credentials"})
		}
		a, err := e.Evaluate(ctx, snap, cfg, policies.EvalOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Save(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	code, out, stderr := runCmd(t, "diff", "1", "2", "--store", db, "--format", "json")
	if code != exitOK {
		t.Fatalf("diff 1 2: exit %d %s", code, stderr)
	}
	var doc struct{ Changes findings.Changes }
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	c := doc.Changes
	if len(c.PrincipalsRemoved)+len(c.GrantsRemoved)+len(c.FindingsFixed) != 0 || len(c.SystemsNotRead) != 1 {
		t.Errorf("run 2 missed gh: removed %v %v, fixed %v, not read %v", c.PrincipalsRemoved, c.GrantsRemoved, c.FindingsFixed, c.SystemsNotRead)
	}
	code, out, stderr = runCmd(t, "diff", "2", "3", "--store", db, "--format", "json")
	if code != exitOK {
		t.Fatalf("diff 2 3: exit %d %s", code, stderr)
	}
	doc.Changes = findings.Changes{}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	c = doc.Changes
	if len(c.PrincipalsAdded)+len(c.GrantsAdded)+len(c.FindingsNew) != 0 {
		t.Errorf("gh read again looks new: added %v %v, new findings %v", c.PrincipalsAdded, c.GrantsAdded, c.FindingsNew)
	}
}
