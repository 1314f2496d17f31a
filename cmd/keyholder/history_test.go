package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/store"
)

// fixtureDir holds two assessments that differ in every way the diff
// reports (written by the findings package's golden test).
var fixtureDir = filepath.Join("..", "..", "findings", "testdata", "diff")

func loadFixture(t *testing.T, name string) *findings.Assessment {
	t.Helper()
	f, err := os.Open(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a, err := findings.DecodeAssessment(f, name)
	if err != nil {
		t.Fatal(err)
	}
	// The fixtures carry placeholder hashes; the store checks them.
	a.SnapshotSHA256 = ""
	return a
}

// seedStore stores prev, cur, prev (ids 1, 2, 3).
func seedStore(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, name := range []string{"prev.assessment.json", "cur.assessment.json", "prev.assessment.json"} {
		if _, err := s.Save(context.Background(), loadFixture(t, name)); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestHistoryListsRuns(t *testing.T) {
	path := seedStore(t)
	code, out, errOut := runCmd(t, "history", "--store", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "RUN") {
		t.Fatalf("history output:\n%s", out)
	}
	if !strings.HasPrefix(lines[1], "3 ") || !strings.Contains(lines[2], "ready_with_actions") || !strings.Contains(lines[3], "not_ready") {
		t.Errorf("history rows:\n%s", out)
	}
	code, out, _ = runCmd(t, "history", "--store", path, "--format", "json", "-n", "1")
	var doc struct {
		Runs []historyRun `json:"runs"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || len(doc.Runs) != 1 || doc.Runs[0].ID != 3 || doc.Runs[0].Changes != nil {
		t.Errorf("history json (exit %d):\n%s", code, out)
	}
}

func TestHistoryStoreErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "none.db")
	code, _, errOut := runCmd(t, "history", "--store", missing)
	if code != exitUsage || !strings.Contains(errOut, "no store") {
		t.Errorf("missing store: exit %d, %s", code, errOut)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("history created a store")
	}
	notStore := filepath.Join(dir, "keyholder.yaml")
	os.WriteFile(notStore, []byte("organization: {name: X}\n"), 0o600)
	code, _, errOut = runCmd(t, "history", "--store", notStore)
	if code != exitUsage || !strings.Contains(errOut, "not an SQLite database") {
		t.Errorf("foreign file: exit %d, %s", code, errOut)
	}
	if b, _ := os.ReadFile(notStore); string(b) != "organization: {name: X}\n" {
		t.Error("foreign file modified")
	}
	t.Setenv(storeEnv, seedStore(t))
	if code, out, _ := runCmd(t, "history"); code != 0 || !strings.Contains(out, "ready_with_actions") {
		t.Errorf("$%s not used: exit %d\n%s", storeEnv, code, out)
	}
}

func TestDiffRuns(t *testing.T) {
	path := seedStore(t)
	// Default: the last two runs (2 -> 3 is cur -> prev: everything reversed).
	code, out, errOut := runCmd(t, "diff", "--store", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "Changes from run 2") || !strings.Contains(out, "to run 3") || !strings.Contains(out, "Verdict: ready_with_actions → not_ready") {
		t.Errorf("default diff:\n%s", out)
	}
	code, out, _ = runCmd(t, "diff", "1", "2", "--store", path, "--format", "md")
	if code != 0 || !strings.Contains(out, "## Changes from run 1") || !strings.Contains(out, "### Privileged grants added (1)") {
		t.Errorf("diff 1 2 md (exit %d):\n%s", code, out)
	}
	// One argument: that run against the latest.
	code, out, _ = runCmd(t, "diff", "1", "--store", path, "--format", "json", "--fail-on-change", "any")
	var doc struct {
		Count   int `json:"count"`
		Changes struct {
			FromRun int64 `json:"from_run"`
			ToRun   int64 `json:"to_run"`
		} `json:"changes"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err, out)
	}
	if code != 0 || doc.Count != 0 || doc.Changes.FromRun != 1 || doc.Changes.ToRun != 3 {
		t.Errorf("diff 1 latest: exit %d, %+v", code, doc)
	}
	// --fail-on-change exits 5 only when the watched change is there.
	if code, _, _ := runCmd(t, "diff", "1", "2", "--store", path, "--fail-on-change", "privileged"); code != exitChanged {
		t.Errorf("privileged change: exit %d, want %d", code, exitChanged)
	}
	if code, _, _ := runCmd(t, "diff", "1", "2", "--store", path); code != 0 {
		t.Errorf("default --fail-on-change: exit %d, want 0", code)
	}
	for _, args := range [][]string{{"diff", "9"}, {"diff", "yesterday"}, {"diff", "--format", "xml"}, {"diff", "--fail-on-change", "some"}} {
		if code, _, _ := runCmd(t, append(args, "--store", path)...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

func TestDiffNeedsTwoRuns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "one.db")
	s, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save(context.Background(), loadFixture(t, "prev.assessment.json")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	code, _, errOut := runCmd(t, "diff", "--store", path)
	if code != exitUsage || !strings.Contains(errOut, "holds 1 run(s); two are needed") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

func TestDiffFiles(t *testing.T) {
	prev := filepath.Join(fixtureDir, "prev.assessment.json")
	cur := filepath.Join(fixtureDir, "cur.assessment.json")
	// No store needed: point --store at a path that must not be created.
	nostore := filepath.Join(t.TempDir(), "unused.db")
	code, out, errOut := runCmd(t, "diff", prev, cur, "--store", nostore)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "internal", "diffview", "testdata", "changes.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// Same body as the renderer's golden file, labelled by file name.
	body := strings.SplitN(string(want), "\n", 2)[1]
	if !strings.HasPrefix(out, "Changes from prev.assessment.json (2026-11-01 06:00 UTC) to cur.assessment.json") || !strings.HasSuffix(out, body) {
		t.Errorf("file diff differs from the golden rendering:\n%s", out)
	}
	if _, err := os.Stat(nostore); err == nil {
		t.Error("file diff created a store")
	}

	// Snapshots: facts only, no findings.
	dir := t.TempDir()
	for name, src := range map[string]string{"a.json": "prev.assessment.json", "b.json": "cur.assessment.json"} {
		a := loadFixture(t, src)
		b, err := a.Snapshot.CanonicalJSON()
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name), b, 0o600)
	}
	code, out, errOut = runCmd(t, "diff", filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json"), "--fail-on-change", "privileged")
	if code != exitChanged {
		t.Fatalf("snapshot diff: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "Privileged grants added (1)") || strings.Contains(out, "findings") || strings.Contains(out, "Verdict") {
		t.Errorf("snapshot diff:\n%s", out)
	}
	// Mixed: snapshot against assessment compares facts only too.
	code, out, _ = runCmd(t, "diff", filepath.Join(dir, "a.json"), cur)
	if code != 0 || strings.Contains(out, "New findings") {
		t.Errorf("mixed diff (exit %d):\n%s", code, out)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"hello": 1}`), 0o600)
	if code, _, errOut := runCmd(t, "diff", bad, cur); code != exitUsage || !strings.Contains(errOut, "neither an assessment nor a snapshot") {
		t.Errorf("bad file: exit %d %s", code, errOut)
	}
}

func TestPrune(t *testing.T) {
	path := seedStore(t)
	if code, _, _ := runCmd(t, "prune", "--store", path); code != exitUsage {
		t.Errorf("prune without rules: exit %d", code)
	}
	if code, _, _ := runCmd(t, "prune", "--store", path, "--older-than", "soon"); code != exitUsage {
		t.Errorf("bad age: exit %d", code)
	}
	code, out, _ := runCmd(t, "prune", "--store", path, "--keep", "1", "--dry-run")
	if code != 0 || !strings.Contains(out, "would delete 2 run(s)") || !strings.Contains(out, ": 1, 2") {
		t.Errorf("dry run (exit %d): %s", code, out)
	}
	code, out, _ = runCmd(t, "prune", "--store", path, "--keep", "1")
	if code != 0 || !strings.Contains(out, "deleted 2 run(s)") {
		t.Errorf("prune (exit %d): %s", code, out)
	}
	_, out, _ = runCmd(t, "history", "--store", path, "--format", "json")
	if strings.Count(out, `"id":`) != 1 || !strings.Contains(out, `"id": 3`) {
		t.Errorf("after prune:\n%s", out)
	}
	// The fixture runs started in 2026-11; with --now a year later, all are old.
	code, out, _ = runCmd(t, "prune", "--store", path, "--older-than", "30d", "--now", "2027-11-01T00:00:00Z")
	if code != 0 || !strings.Contains(out, "deleted 1 run(s)") {
		t.Errorf("prune --older-than (exit %d): %s", code, out)
	}
}

func TestParseAge(t *testing.T) {
	for in, want := range map[string]string{"90d": "2160h0m0s", "2w": "336h0m0s", "36h": "36h0m0s"} {
		d, err := parseAge(in)
		if err != nil || d.String() != want {
			t.Errorf("parseAge(%q) = %v, %v", in, d, err)
		}
	}
	for _, in := range []string{"-3d", "0d", "d", "3x", "-1h"} {
		if _, err := parseAge(in); err == nil {
			t.Errorf("parseAge(%q) accepted", in)
		}
	}
}

// TestIssue22_HistoryVerify: history --verify passes on an intact store,
// names an altered or removed run with exit 7, and passes after prune.
func TestIssue22_HistoryVerify(t *testing.T) {
	path := seedStore(t)
	code, out, errOut := runCmd(t, "history", "--store", path, "--verify")
	if code != 0 || !strings.Contains(out, "the chain holds") || !strings.Contains(out, "head: run 3") {
		t.Fatalf("intact store: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCmd(t, "history", "--store", path, "--verify", "--format", "json")
	var doc struct {
		OK      bool `json:"ok"`
		Estates []struct {
			Head string `json:"head"`
		} `json:"estates"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || !doc.OK || len(doc.Estates) != 1 || len(doc.Estates[0].Head) != 64 {
		t.Fatalf("json: exit %d\n%s", code, out)
	}

	code, out, _ = runCmd(t, "history", "--store", path, "--format", "json")
	var list struct {
		Runs []historyRun `json:"runs"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list.Runs) != 3 || len(list.Runs[0].ChainDigest) != 64 || list.Runs[0].ChainDigest != doc.Estates[0].Head {
		t.Errorf("history json: the latest run's chain_digest is not the head:\n%s", out)
	}

	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("UPDATE runs SET verdict = 'ready' WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCmd(t, "history", "--store", path, "--verify")
	if code != exitTampered || !strings.Contains(out, "run 1 altered: verdict is \"ready\" in the store, \"not_ready\" when it was recorded") || !strings.Contains(errOut, "does not verify") {
		t.Errorf("altered run: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := db.Exec("UPDATE runs SET verdict = 'not_ready' WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("DELETE FROM runs WHERE id = 2"); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCmd(t, "history", "--store", path, "--verify")
	if code != exitTampered || !strings.Contains(out, "run 2 removed") {
		t.Errorf("removed run: exit %d\n%s", code, out)
	}
}

// TestIssue22_PruneThenVerify: prune keeps the pruned runs' chain
// records, and the chain still verifies.
func TestIssue22_PruneThenVerify(t *testing.T) {
	path := seedStore(t)
	code, out, errOut := runCmd(t, "prune", "--store", path, "--keep", "1")
	if code != 0 || !strings.Contains(out, "chain records were kept") {
		t.Fatalf("prune: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCmd(t, "history", "--store", path, "--verify")
	if code != 0 || !strings.Contains(out, "run(s) 1, 2 were pruned") {
		t.Errorf("after prune: exit %d\n%s%s", code, out, errOut)
	}
}

// TestIssue22_VerifyTextNamesUnchainedAndPruned: the text of --verify
// says which runs predate the chain (not a failure) and which were pruned.
func TestIssue22_VerifyTextNamesUnchainedAndPruned(t *testing.T) {
	var b strings.Builder
	writeChainText(&b, "k.db", store.ChainReport{Estates: []store.EstateChain{{
		Estate: "Contoso Ltd", Runs: 4, Chained: 2, Unchained: []int64{1, 2}, ChainStart: 5,
		Pruned: []store.PrunedLink{{Run: 3, Seq: 1}}, HeadRun: 6, HeadSeq: 3, Head: strings.Repeat("e", 64), Problems: []store.ChainProblem{},
	}}})
	out := b.String()
	for _, want := range []string{
		"estate Contoso Ltd: 4 run(s), 2 chained — the chain holds",
		"run(s) 1, 2 predate the chain (stored before keyholder kept one; not verifiable); the chain begins at run 5",
		"run(s) 3 were pruned; their chain records were kept",
		"head: run 6, link 3, sha256:" + strings.Repeat("e", 64),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--verify text lacks %q:\n%s", want, out)
		}
	}
}
