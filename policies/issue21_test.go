package policies

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/report"
)

// renderAll renders every report format's every file of a, except the
// assessment JSON itself (which carries the facts or the snapshot).
func renderAll(t *testing.T, a *findings.Assessment) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, format := range report.Formats() {
		w, err := report.New(format, report.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range w.Files() {
			if file == "assessment.json" {
				continue
			}
			var buf bytes.Buffer
			if err := w.WriteFile(file, &buf, a); err != nil {
				t.Fatalf("%s/%s: %v", format, file, err)
			}
			out[format+"/"+file] = buf.Bytes()
		}
	}
	return out
}

// TestIssue21_LeanFactsRenderSameReports: an assessment carrying only
// its lean facts renders every report (every person's access with its
// path in access.csv, the provider views, the pictures) byte for byte as
// it renders from the whole snapshot, and its file, read back, verifies
// and renders the same again.
func TestIssue21_LeanFactsRenderSameReports(t *testing.T) {
	bench, err := config.Parse([]byte(benchConfig), "bench.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		snap *findings.Snapshot
		cfg  *config.Config
	}{
		"base":      {baseSnapshot(), loadConfig(t, "base.yaml")},
		"generated": {generate(3_000, 30_000, 7), bench},
	} {
		t.Run(name, func(t *testing.T) {
			a := evaluate(t, tc.snap, tc.cfg, EvalOptions{Version: "v"})
			if a.Facts == nil || a.Snapshot == nil || a.SnapshotCounts == nil {
				t.Fatal("evaluate set no facts, snapshot or counts")
			}
			if c := a.SnapshotCounts; c.Principals != len(tc.snap.Principals) || c.Grants != len(tc.snap.Grants) {
				t.Errorf("counts %+v for %d principals, %d grants", c, len(tc.snap.Principals), len(tc.snap.Grants))
			}
			if len(a.Facts.Principals) != len(tc.snap.Principals) {
				t.Errorf("facts hold %d of %d principals", len(a.Facts.Principals), len(tc.snap.Principals))
			}
			if name == "generated" && len(a.Facts.Grants)*2 > len(tc.snap.Grants) {
				t.Errorf("facts hold %d of %d grants: not lean", len(a.Facts.Grants), len(tc.snap.Grants))
			}
			whole := *a
			whole.Facts = nil // as an assessment written before facts existed
			want := renderAll(t, &whole)
			lean := a.Lean()
			if lean.Snapshot != nil {
				t.Fatal("Lean kept the whole snapshot")
			}
			got := renderAll(t, lean)
			for file, w := range want {
				if !bytes.Equal(got[file], w) {
					t.Errorf("%s differs when rendered from the facts (%d bytes, from the snapshot %d)", file, len(got[file]), len(w))
				}
			}

			// Written, read back and verified.
			if err := lean.Seal(); err != nil {
				t.Fatal(err)
			}
			var file bytes.Buffer
			if err := findings.EncodeAssessment(&file, lean); err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(file.Bytes(), []byte(`"snapshot":`)) {
				t.Error("the assessment file embeds the snapshot")
			}
			back, err := findings.DecodeAssessment(bytes.NewReader(file.Bytes()), "assessment.json")
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := back.Verify(); !ok || err != nil {
				t.Fatalf("read back: Verify = %v, %v", ok, err)
			}
			if back.SnapshotSHA256 != a.SnapshotSHA256 {
				t.Error("snapshot_sha256 lost")
			}
			again := renderAll(t, back)
			for file, w := range want {
				if !bytes.Equal(again[file], w) {
					t.Errorf("%s differs when rendered from the assessment file", file)
				}
			}
			back.Findings[0].Message += " (edited)"
			if _, err := back.Verify(); err == nil {
				t.Error("an edited lean assessment verified")
			}
		})
	}
}

// TestIssue21_KnownDigestNotRehashed: a digest the caller vouches for
// (a seal it just wrote or verified) is recorded as snapshot_sha256; without
// one, Evaluate hashes the snapshot and gets the same digest.
func TestIssue21_KnownDigestNotRehashed(t *testing.T) {
	cfg := loadConfig(t, "base.yaml")
	snap := baseSnapshot()
	want, err := snap.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if a := evaluate(t, baseSnapshot(), cfg, EvalOptions{}); a.SnapshotSHA256 != want {
		t.Errorf("hashed %s, digest %s", a.SnapshotSHA256, want)
	}
	if a := evaluate(t, baseSnapshot(), cfg, EvalOptions{SnapshotSHA256: "vouched"}); a.SnapshotSHA256 != "vouched" {
		t.Errorf("recorded %s, not the digest passed in", a.SnapshotSHA256)
	}
}

// TestIssue21_DiffAcrossFormats: diffing an old-format assessment (the
// whole snapshot embedded) against a lean one of the same facts, or two
// lean ones, finds no change.
func TestIssue21_DiffAcrossFormats(t *testing.T) {
	bench, err := config.Parse([]byte(benchConfig), "bench.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a := evaluate(t, generate(2_000, 20_000, 3), bench, EvalOptions{Version: "v"})
	whole := *a
	whole.Facts = nil
	lean := a.Lean()
	for name, pair := range map[string][2]*findings.Assessment{"old→lean": {&whole, lean}, "lean→old": {lean, &whole}, "lean→lean": {lean, lean}} {
		if c := findings.Diff(pair[0], pair[1]); c.Count() != 0 {
			t.Errorf("%s: %d changes, want none", name, c.Count())
		}
	}
	// And a real change still shows: a principal gone from the facts.
	gone := *lean
	facts := *lean.Facts
	facts.Principals = facts.Principals[1:]
	gone.Facts = &facts
	if c := findings.Diff(lean, &gone); len(c.PrincipalsRemoved) != 1 {
		t.Errorf("removed principal: %d changes", len(c.PrincipalsRemoved))
	}
}

// TestIssue21_LetterFromFacts: the exit attestation letter built from a
// lean assessment (its file) is the one built from the whole snapshot.
func TestIssue21_LetterFromFacts(t *testing.T) {
	a := evaluate(t, baseSnapshot(), loadConfig(t, "base.yaml"), EvalOptions{Profile: ProfileExit, ExitProvider: "Acme IT", Version: "v"})
	whole := *a
	whole.Facts = nil
	opts := report.LetterOptions{Provider: "Acme IT"}
	want, err := report.BuildLetter(&whole, opts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := report.BuildLetter(a.Lean(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the letter from the facts differs:\n%+v\nfrom the snapshot:\n%+v", got, want)
	}
}

// TestIssue21_FoldedRowsSameAssessment: summarising the effective-access
// rows as they are made and keeping only those a later step reads (the
// memory of a large evaluation) changes nothing in the assessment: every
// finding, verdict, runbook step and fact is the same byte for byte as
// with every row kept.
func TestIssue21_FoldedRowsSameAssessment(t *testing.T) {
	bench, err := config.Parse([]byte(benchConfig), "bench.yaml")
	if err != nil {
		t.Fatal(err)
	}
	encode := func(a *findings.Assessment) []byte {
		var b bytes.Buffer
		if err := findings.EncodeAssessment(&b, a); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	for name, tc := range map[string]struct {
		snap func() *findings.Snapshot
		cfg  *config.Config
	}{
		"base":      {baseSnapshot, loadConfig(t, "base.yaml")},
		"generated": {func() *findings.Snapshot { return generate(3_000, 30_000, 7) }, bench},
		// A provider's read right matters where it is a sensitive segment.
		"provider reads payroll": {func() *findings.Snapshot {
			s := baseSnapshot()
			g := grant("gh", ghAcme, "read", findings.LevelRead, findings.AssignmentActive)
			g.Scope = "contoso/payroll"
			g.ID = findings.GrantID("gh", ghAcme, "read", g.Scope, g.Assignment, nil)
			addGrant(s, g)
			return s
		}, loadConfig(t, "base.yaml")},
	} {
		t.Run(name, func(t *testing.T) {
			folded := encode(evaluate(t, tc.snap(), tc.cfg, EvalOptions{Version: "v"}))
			foldAccessRows = false
			defer func() { foldAccessRows = true }()
			full := encode(evaluate(t, tc.snap(), tc.cfg, EvalOptions{Version: "v"}))
			if !bytes.Equal(folded, full) {
				t.Errorf("assessment with folded rows differs from the one with every row kept (%d vs %d bytes)", len(folded), len(full))
			}
		})
	}
}
