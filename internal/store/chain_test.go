package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/keyholder/keyholder/findings"
)

// chainStore stores, interleaved, five runs of estate Alpha (ids 1, 3,
// 5, 7, 9) and four of Beta (2, 4, 6, 8).
func chainStore(t *testing.T, loc string) *Store {
	t.Helper()
	ctx := context.Background()
	s := openTest(t, loc, Options{})
	for day := 0; day < 5; day++ {
		for _, org := range []string{"Alpha", "Beta"} {
			if org == "Beta" && day == 4 {
				continue
			}
			v := findings.VerdictNotReady
			if day%2 == 1 {
				v = findings.VerdictIncomplete
			}
			if _, err := s.Save(ctx, estateAssessment(t, org, day, v)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return s
}

func verify(t *testing.T, s *Store, estate string) ChainReport {
	t.Helper()
	rep, err := s.VerifyChain(context.Background(), estate)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// wantProblem checks that the report names run (0: any) with kind and a
// detail containing each of words, and that Beta stayed clean.
func wantProblem(t *testing.T, rep ChainReport, run int64, kind string, words ...string) {
	t.Helper()
	if rep.OK() {
		t.Fatalf("VerifyChain passed; want run %d %s", run, kind)
	}
	for _, e := range rep.Estates {
		if e.Estate == "Beta" && len(e.Problems) > 0 {
			t.Errorf("Beta has problems %v; only Alpha was touched", e.Problems)
		}
		for _, p := range e.Problems {
			if p.Kind != kind || (run != 0 && p.Run != run) {
				continue
			}
			ok := true
			for _, w := range words {
				ok = ok && strings.Contains(p.Detail, w)
			}
			if ok {
				return
			}
		}
	}
	t.Errorf("no %q problem naming run %d with %q in %+v", kind, run, words, rep)
}

// confChain is issue 22's history chain, on each backend (a case of the
// conformance suite): tampering, removal, reordering, prune.
func confChain(t *testing.T, target func(*testing.T) string) {
	ctx := context.Background()
	t.Run("IntactChainVerifies", func(t *testing.T) {
		s := chainStore(t, target(t))
		rep := verify(t, s, "")
		if !rep.OK() || len(rep.Estates) != 2 {
			t.Fatalf("intact chain: %+v", rep)
		}
		a := rep.Estates[0]
		if a.Estate != "Alpha" || a.Chained != 5 || a.HeadRun != 9 || a.HeadSeq != 5 || a.ChainStart != 1 || len(a.Unchained) != 0 {
			t.Errorf("Alpha chain = %+v", a)
		}
		r, _ := s.Run(ctx, 9)
		if a.Head != r.ChainDigest || len(a.Head) != 64 {
			t.Errorf("head %q, run 9 digest %q", a.Head, r.ChainDigest)
		}
		if only := verify(t, s, "Beta"); len(only.Estates) != 1 || only.Estates[0].HeadRun != 8 {
			t.Errorf("VerifyChain(Beta) = %+v", only)
		}
	})
	t.Run("AlteredColumnNamed", func(t *testing.T) {
		s := chainStore(t, target(t))
		if _, err := s.db.ExecContext(ctx, s.rebind("UPDATE runs SET verdict = 'ready', blockers = 0 WHERE id = ?"), 5); err != nil {
			t.Fatal(err)
		}
		rep := verify(t, s, "")
		wantProblem(t, rep, 5, ChainAltered, "verdict", `"ready"`, `"not_ready"`)
		wantProblem(t, rep, 5, ChainAltered, "blocker count")
	})
	t.Run("AlteredSnapshotNamed", func(t *testing.T) {
		s := chainStore(t, target(t))
		_, a, err := s.Get(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		a.Snapshot.Principals = a.Snapshot.Principals[:0]
		b, _ := a.Snapshot.CanonicalJSON()
		doc, _ := compress(b)
		if _, err := s.db.ExecContext(ctx, s.rebind("UPDATE runs SET snapshot = ? WHERE id = ?"), doc, 3); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, verify(t, s, ""), 3, ChainAltered, "snapshot was changed")
	})
	t.Run("AlteredAssessmentNamed", func(t *testing.T) {
		s := chainStore(t, target(t))
		doc, _ := compress([]byte(`{"schema_version":"1","verdict":"ready"}`))
		if _, err := s.db.ExecContext(ctx, s.rebind("UPDATE runs SET assessment = ? WHERE id = ?"), doc, 7); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, verify(t, s, ""), 7, ChainAltered, "assessment was changed")
	})
	t.Run("EditedRecordNamed", func(t *testing.T) {
		s := chainStore(t, target(t))
		// Someone edits the verdict and the record to match, without
		// recomputing every later link.
		var rec string
		if err := s.db.QueryRowContext(ctx, s.rebind("SELECT chain_record FROM runs WHERE id = ?"), 3).Scan(&rec); err != nil {
			t.Fatal(err)
		}
		rec = strings.Replace(rec, `"verdict":"incomplete"`, `"verdict":"ready"`, 1)
		if _, err := s.db.ExecContext(ctx, s.rebind("UPDATE runs SET verdict = 'ready', chain_record = ?, chain_digest = ? WHERE id = ?"), rec, sha256Hex([]byte(rec)), 3); err != nil {
			t.Fatal(err)
		}
		// Run 3's own record is consistent now; run 5 links to the old one.
		wantProblem(t, verify(t, s, ""), 3, ChainAltered, "rewritten", "run 5")
	})
	t.Run("RemovedRunNamed", func(t *testing.T) {
		s := chainStore(t, target(t))
		if _, err := s.db.ExecContext(ctx, s.rebind("DELETE FROM runs WHERE id = ?"), 5); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, verify(t, s, ""), 5, ChainRemoved, "position 3")
	})
	t.Run("RemovedLatestRunNamed", func(t *testing.T) {
		s := chainStore(t, target(t))
		if _, err := s.db.ExecContext(ctx, s.rebind("DELETE FROM runs WHERE id = ?"), 9); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, verify(t, s, ""), 9, ChainRemoved, "latest")
	})
	t.Run("RemovedFirstRunNamed", func(t *testing.T) {
		s := chainStore(t, target(t))
		if _, err := s.db.ExecContext(ctx, s.rebind("DELETE FROM runs WHERE id = ?"), 1); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, verify(t, s, ""), 0, ChainRemoved, "position")
	})
	t.Run("ReorderedTimestampsNamed", func(t *testing.T) {
		s := chainStore(t, target(t))
		var a, b string
		if err := s.db.QueryRowContext(ctx, "SELECT started FROM runs WHERE id = 3").Scan(&a); err != nil {
			t.Fatal(err)
		}
		if err := s.db.QueryRowContext(ctx, "SELECT started FROM runs WHERE id = 5").Scan(&b); err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.ExecContext(ctx, s.rebind("UPDATE runs SET started = ? WHERE id = ?"), b, 3); err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.ExecContext(ctx, s.rebind("UPDATE runs SET started = ? WHERE id = ?"), a, 5); err != nil {
			t.Fatal(err)
		}
		rep := verify(t, s, "")
		wantProblem(t, rep, 3, ChainReordered, "run 5's start time")
		wantProblem(t, rep, 5, ChainReordered, "run 3's start time")
	})
	t.Run("ReorderedIDsNamed", func(t *testing.T) {
		s := chainStore(t, target(t))
		for _, q := range []string{"UPDATE runs SET id = 1000 WHERE id = 3", "UPDATE runs SET id = 3 WHERE id = 5", "UPDATE runs SET id = 5 WHERE id = 1000"} {
			if _, err := s.db.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		rep := verify(t, s, "")
		wantProblem(t, rep, 3, ChainReordered, "stored as 3 is recorded as run 5")
		wantProblem(t, rep, 5, ChainReordered, "stored as 5 is recorded as run 3")
	})
	t.Run("InsertedRunNamed", func(t *testing.T) {
		s := chainStore(t, target(t))
		if _, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO runs (estate, started, finished, stored_at, verdict, organization, snapshot_sha, snapshot, assessment)
			VALUES ('Alpha', '2026-11-09T09:00:00.000000000Z', '2026-11-09T09:00:00.000000000Z', '2026-11-09T09:00:00.000000000Z', 'ready', 'Alpha', 'x', ?, ?)`), []byte("{}"), []byte("{}")); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, verify(t, s, ""), 10, ChainUnlinked, "no chain record")
	})
	t.Run("PruneKeepsChainVerifiable", func(t *testing.T) {
		s := chainStore(t, target(t))
		ids, err := s.Prune(ctx, PruneOptions{Keep: 2})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids, []int64{1, 2, 3, 4, 5}) {
			t.Fatalf("pruned %v", ids)
		}
		rep := verify(t, s, "")
		if !rep.OK() {
			t.Fatalf("after prune: %+v", rep)
		}
		a := rep.Estates[0]
		var pruned []int64
		for _, p := range a.Pruned {
			pruned = append(pruned, p.Run)
			if len(p.Digest) != 64 || p.PrunedAt == "" {
				t.Errorf("pruned link %+v", p)
			}
		}
		if !slices.Equal(pruned, []int64{1, 3, 5}) || a.Chained != 2 || a.HeadRun != 9 {
			t.Errorf("Alpha after prune = %+v; want 1, 3, 5 pruned, 2 chained, head 9", a)
		}
		// Dry runs record nothing; a second prune adds to the record.
		if _, err := s.Prune(ctx, PruneOptions{Keep: 1, DryRun: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Prune(ctx, PruneOptions{Keep: 1, Estate: "Alpha"}); err != nil {
			t.Fatal(err)
		}
		rep = verify(t, s, "Alpha")
		if !rep.OK() || len(rep.Estates[0].Pruned) != 4 {
			t.Errorf("after second prune: %+v", rep)
		}
		// New runs still link to the head after pruning.
		if _, err := s.Save(ctx, estateAssessment(t, "Alpha", 9, findings.VerdictReady)); err != nil {
			t.Fatal(err)
		}
		if rep := verify(t, s, ""); !rep.OK() || rep.Estates[0].HeadSeq != 6 {
			t.Errorf("after a new run: %+v", rep)
		}
		// Deleting the prune record of a run in the middle is caught.
		if _, err := s.db.ExecContext(ctx, s.rebind("DELETE FROM pruned_runs WHERE run_id = ?"), 3); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, verify(t, s, ""), 3, ChainRemoved, "position 2")
	})
	t.Run("SetChangesKeepsChain", func(t *testing.T) {
		s := chainStore(t, target(t))
		if err := s.SetChanges(ctx, 3, &findings.Changes{VerdictFrom: "ready", VerdictTo: "not_ready"}); err != nil {
			t.Fatal(err)
		}
		if rep := verify(t, s, ""); !rep.OK() {
			t.Errorf("after SetChanges: %+v", rep)
		}
		if _, a, err := s.Get(ctx, 3); err != nil || a.Changes == nil || a.Changes.VerdictTo != "not_ready" {
			t.Errorf("Get after SetChanges: %v", err)
		}
	})
}

// TestIssue22_HistoryChainFileEdit edits the SQLite file itself (not
// through SQL): a changed byte in a stored run is named.
func TestIssue22_HistoryChainFileEdit(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	s := chainStore(t, path)
	if _, err := s.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The tool version column "test" of every run becomes "tost": same
	// length, so the file stays a valid database.
	n := bytes.Count(b, []byte("cfg123test"))
	if n == 0 {
		t.Fatal("no column text found in the file to edit")
	}
	b = bytes.ReplaceAll(b, []byte("cfg123test"), []byte("cfg123tost"))
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s2 := openTest(t, path, Options{})
	rep := verify(t, s2, "")
	wantProblem(t, rep, 0, ChainAltered, "tool version", "tost")
}

// BenchmarkVerifyChain: history --verify over 52 weekly runs of an estate
// whose snapshot holds 5 000 principals (every document is decompressed
// and hashed).
func BenchmarkVerifyChain(b *testing.B) {
	users := make([]string, 5000)
	for i := range users {
		users[i] = fmt.Sprintf("user%05d", i)
	}
	a := testAssessment(b, t0, findings.VerdictNotReady, users...)
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "k.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for range 52 {
		if _, err := s.Save(context.Background(), a); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		rep, err := s.VerifyChain(context.Background(), "")
		if err != nil || !rep.OK() {
			b.Fatalf("%+v %v", rep, err)
		}
	}
}

// openAtSchema opens a fresh location migrated only to version (an old
// keyholder's store), on either backend.
func openAtSchema(t *testing.T, loc string, version int) *Store {
	t.Helper()
	ctx := context.Background()
	var s *Store
	if IsURL(loc) {
		cfg, err := pgx.ParseConfig(loc)
		if err != nil {
			t.Fatal(err)
		}
		s = &Store{db: stdlib.OpenDB(*cfg), path: loc, now: time.Now, pg: true}
	} else {
		if err := prepareFile(loc, false); err != nil {
			t.Fatal(err)
		}
		db, err := sql.Open("sqlite", "file:"+loc+"?_txlock=immediate")
		if err != nil {
			t.Fatal(err)
		}
		s = &Store{db: db, path: loc, now: time.Now}
	}
	if err := s.migrateTo(ctx, version); err != nil {
		t.Fatal(err)
	}
	return s
}

// confOldRunsPredateChain: a store of schema 4 (before the chain) is
// upgraded; its runs are reported as predating the chain, which begins at
// the first run stored afterwards, and --verify passes.
func confOldRunsPredateChain(t *testing.T, target func(*testing.T) string) {
	ctx := context.Background()
	loc := target(t)
	old := openAtSchema(t, loc, 4)
	a := estateAssessment(t, "Alpha", 0, findings.VerdictNotReady)
	snapJSON, _ := a.Snapshot.CanonicalJSON()
	snapDoc, _ := compress(snapJSON)
	assessDoc, _ := compress([]byte(`{"schema_version":"1"}`))
	for i := 0; i < 2; i++ {
		if _, err := old.db.ExecContext(ctx, old.rebind(`INSERT INTO runs (estate, started, finished, stored_at, verdict, organization, snapshot_sha, snapshot, assessment, encoding)
			VALUES ('Alpha', '2026-10-01T09:00:00.000000000Z', '2026-10-01T09:01:00.000000000Z', '2026-10-01T09:02:00.000000000Z', 'not_ready', 'Alpha', ?, ?, ?, 'gzip')`),
			a.SnapshotSHA256, snapDoc, assessDoc); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()
	s := openTest(t, loc, Options{})
	r, err := s.Save(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	rep := verify(t, s, "")
	if !rep.OK() || len(rep.Estates) != 1 {
		t.Fatalf("after the upgrade: %+v", rep)
	}
	e := rep.Estates[0]
	if !slices.Equal(e.Unchained, []int64{1, 2}) || e.ChainStart != r.ID || e.Chained != 1 || e.HeadRun != r.ID {
		t.Errorf("chain after the upgrade = %+v; want runs 1, 2 predating it, the chain starting at %d", e, r.ID)
	}
	var rec string
	if err := s.db.QueryRowContext(ctx, s.rebind("SELECT chain_record FROM runs WHERE id = ?"), r.ID).Scan(&rec); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rec, `"seq":1,"id":3,"prev_id":2,"prev":""`) {
		t.Errorf("first chained record = %s; want position 1 after run 2, no previous digest", rec)
	}
	// A run slipped in after the chain began has no record: named.
	if _, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO runs (estate, started, finished, stored_at, verdict, organization, snapshot_sha, snapshot, assessment, encoding)
		VALUES ('Alpha', '2026-12-01T09:00:00.000000000Z', '2026-12-01T09:01:00.000000000Z', '2026-12-01T09:02:00.000000000Z', 'ready', 'Alpha', ?, ?, ?, 'gzip')`),
		a.SnapshotSHA256, snapDoc, assessDoc); err != nil {
		t.Fatal(err)
	}
	wantProblem(t, verify(t, s, ""), 4, ChainUnlinked, "after the chain began (run 3)")
}
