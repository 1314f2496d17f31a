package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/fsx/fsxtest"
)

var t0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

// testAssessment builds a small assessment with an embedded snapshot.
func testAssessment(t testing.TB, started time.Time, verdict findings.Verdict, users ...string) *findings.Assessment {
	t.Helper()
	snap := &findings.Snapshot{
		Tool:       findings.Tool{Name: "keyholder", Version: "test"},
		StartedAt:  started,
		FinishedAt: started.Add(time.Minute),
		ConfigHash: "cfg123",
		Systems:    []findings.System{{ID: "m365", Kind: findings.SystemEntra, Target: "m365", Name: "Contoso", NativeID: "tid"}},
	}
	for _, u := range users {
		pid := findings.PrincipalID(findings.PrincipalUser, "m365", u)
		snap.Principals = append(snap.Principals, findings.Principal{ID: pid, System: "m365", Kind: findings.PrincipalUser, NativeID: u, Login: u, Enabled: true, MFA: findings.MFAEnforced})
		snap.Grants = append(snap.Grants, findings.Grant{
			ID: findings.GrantID("m365", pid, "Global Administrator", "/", findings.AssignmentActive, nil), System: "m365",
			PrincipalID: pid, Privilege: "Global Administrator", Level: findings.LevelSuperAdmin, Scope: "/", Assignment: findings.AssignmentActive, Direct: true,
		})
	}
	sha, err := snap.SHA256()
	if err != nil {
		t.Fatal(err)
	}
	return &findings.Assessment{
		SchemaVersion:  findings.SchemaVersion,
		Tool:           snap.Tool,
		SnapshotSHA256: sha,
		ConfigHash:     "cfg123",
		Organization:   "Contoso Ltd",
		Profile:        "default",
		AsOf:           started,
		ScannedAt:      started,
		Verdict:        verdict,
		Findings: []findings.Finding{
			{Check: "KH-KEY-001", Title: "customer super-admins", Status: findings.StatusFail, Severity: findings.SeverityBlocker, System: "m365", Message: "too few"},
			{Check: "KH-SEG-001", Title: "provider admins", Status: findings.StatusFail, Severity: findings.SeverityHigh, System: "m365", Message: "msp admin"},
			{Check: "KH-COV-001", Title: "coverage", Status: findings.StatusUnknown, Severity: findings.SeverityHigh, System: "m365", Message: "gap"},
		},
		Snapshot: snap,
	}
}

func openTest(t *testing.T, path string, opts Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpenCreatesFileWithSchema(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "keyholder")
	path := filepath.Join(dir, "keyholder.db")
	s := openTest(t, path, Options{})
	ctx := context.Background()
	v, err := s.SchemaVersion(ctx)
	if err != nil || v != len(migrations) {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, len(migrations))
	}
	fsxtest.AssertPrivate(t, path)
	fsxtest.AssertPrivate(t, dir)
	if _, err := s.Save(ctx, testAssessment(t, t0, findings.VerdictNotReady, "alice")); err != nil {
		t.Fatal(err)
	}
	// WAL file is created with the database's mode (on Windows: inherits
	// the directory's owner-only ACL).
	if _, err := os.Stat(path + "-wal"); err == nil && runtime.GOOS != "windows" {
		fsxtest.AssertPrivate(t, path+"-wal")
	}
	var mode string
	if err := s.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	var app int64
	if err := s.db.QueryRow("PRAGMA application_id").Scan(&app); err != nil || app != applicationID {
		t.Errorf("application_id = %#x, %v", app, err)
	}
}

func TestMustExist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.db")
	_, err := Open(context.Background(), path, Options{MustExist: true})
	if !errors.Is(err, ErrNoStore) {
		t.Fatalf("err = %v, want ErrNoStore", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("MustExist created the file")
	}
}

func TestDefaultPath(t *testing.T) {
	if runtime.GOOS == "windows" {
		// %LOCALAPPDATA%\keyholder unless XDG_DATA_HOME is set (and absolute).
		t.Setenv("XDG_DATA_HOME", `D:\xdg`)
		if p, _ := DefaultPath(); p != `D:\xdg\keyholder\keyholder.db` {
			t.Errorf("DefaultPath = %q", p)
		}
		t.Setenv("XDG_DATA_HOME", "")
		t.Setenv("LOCALAPPDATA", `C:\Users\kh\AppData\Local`)
		if p, _ := DefaultPath(); p != `C:\Users\kh\AppData\Local\keyholder\keyholder.db` {
			t.Errorf("DefaultPath = %q", p)
		}
		return
	}
	t.Setenv("XDG_DATA_HOME", "/data/xdg")
	if p, _ := DefaultPath(); p != "/data/xdg/keyholder/keyholder.db" {
		t.Errorf("DefaultPath = %q", p)
	}
	t.Setenv("XDG_DATA_HOME", "relative/ignored")
	t.Setenv("HOME", "/home/kh")
	if p, _ := DefaultPath(); p != "/home/kh/.local/share/keyholder/keyholder.db" {
		t.Errorf("DefaultPath = %q", p)
	}
	t.Setenv("XDG_DATA_HOME", "")
	if p, _ := DefaultPath(); p != "/home/kh/.local/share/keyholder/keyholder.db" {
		t.Errorf("DefaultPath = %q", p)
	}
}

func confSaveGetRoundTrip(t *testing.T, target func(*testing.T) string) {
	ctx := context.Background()
	s := openTest(t, target(t), Options{Now: func() time.Time { return t0.Add(time.Hour) }})
	a := testAssessment(t, t0, findings.VerdictNotReady, "alice", "bob")
	a.Changes = &findings.Changes{PrincipalsAdded: []findings.ChangeItem{{ID: "x", Summary: "x"}}, VerdictFrom: findings.VerdictReady, VerdictTo: findings.VerdictNotReady}
	r, err := s.Save(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	want := Run{ID: 1, Estate: "Contoso Ltd", Started: t0, Finished: t0.Add(time.Minute), StoredAt: t0.Add(time.Hour), ConfigHash: "cfg123",
		ToolVersion: "test", Organization: "Contoso Ltd", Profile: "default", Verdict: findings.VerdictNotReady,
		SnapshotSHA: a.SnapshotSHA256, Failing: 2, Blockers: 1, Unknown: 1, Principals: 2, PrivilegedGrants: 2, Changes: 2}
	if len(r.ChainDigest) != 64 {
		t.Errorf("ChainDigest = %q; want a SHA-256", r.ChainDigest)
	}
	want.ChainDigest = r.ChainDigest
	if d := cmp.Diff(want, r); d != "" {
		t.Errorf("Save run (-want +got):\n%s", d)
	}
	gr, ga, err := s.Get(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, gr); d != "" {
		t.Errorf("Get run (-want +got):\n%s", d)
	}
	var wantDoc, gotDoc bytes.Buffer
	if err := findings.EncodeAssessment(&wantDoc, a); err != nil {
		t.Fatal(err)
	}
	if err := findings.EncodeAssessment(&gotDoc, ga); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(wantDoc.String(), gotDoc.String()); d != "" {
		t.Errorf("assessment round trip (-want +got):\n%s", d)
	}
	if _, _, err := s.Get(ctx, 99); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(99) err = %v, want ErrNotFound", err)
	}
}

func confSaveRejectsMismatchedSnapshot(t *testing.T, target func(*testing.T) string) {
	s := openTest(t, target(t), Options{})
	a := testAssessment(t, t0, findings.VerdictReady, "alice")
	a.SnapshotSHA256 = "deadbeef"
	if _, err := s.Save(context.Background(), a); err == nil {
		t.Fatal("Save accepted an assessment naming another snapshot")
	}
	a.Snapshot = nil
	if _, err := s.Save(context.Background(), a); err == nil {
		t.Fatal("Save accepted an assessment without a snapshot")
	}
}

func confListResolvePrevious(t *testing.T, target func(*testing.T) string) {
	ctx := context.Background()
	s := openTest(t, target(t), Options{})
	for i := 0; i < 4; i++ {
		if _, err := s.Save(ctx, testAssessment(t, t0.Add(time.Duration(i)*24*time.Hour), findings.VerdictNotReady, fmt.Sprintf("u%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := s.List(ctx, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, r := range runs {
		ids = append(ids, r.ID)
	}
	if d := cmp.Diff([]int64{4, 3, 2, 1}, ids); d != "" {
		t.Errorf("List ids (-want +got):\n%s", d)
	}
	if runs, _ := s.List(ctx, ListOptions{Limit: 2}); len(runs) != 2 || runs[0].ID != 4 {
		t.Errorf("List limit 2 = %+v", runs)
	}
	for ref, want := range map[string]int64{"latest": 4, "last": 4, "latest~1": 3, "latest~3": 1, "2": 2} {
		got, err := s.Resolve(ctx, ref)
		if err != nil || got != want {
			t.Errorf("Resolve(%q) = %d, %v; want %d", ref, got, err, want)
		}
	}
	for _, ref := range []string{"latest~4", "9"} {
		if _, err := s.Resolve(ctx, ref); !errors.Is(err, ErrNotFound) {
			t.Errorf("Resolve(%q) err = %v, want ErrNotFound", ref, err)
		}
	}
	if _, err := s.Resolve(ctx, "yesterday"); !errors.Is(err, ErrBadRef) {
		t.Errorf("Resolve(yesterday) err = %v, want a usage error", err)
	}
	p, ok, err := s.Previous(ctx, 3, Match{})
	if err != nil || !ok || p.ID != 2 {
		t.Errorf("Previous(3) = %d, %v, %v", p.ID, ok, err)
	}
	if _, ok, _ := s.Previous(ctx, 1, Match{}); ok {
		t.Error("Previous(1) found a run")
	}
	other := testAssessment(t, t0.Add(5*24*time.Hour), findings.VerdictReady, "z")
	other.Organization = "Fabrikam"
	if _, err := s.Save(ctx, other); err != nil {
		t.Fatal(err)
	}
	if p, ok, _ := s.Previous(ctx, 6, Match{Organization: "Contoso Ltd"}); !ok || p.ID != 4 {
		t.Errorf("Previous(6, Contoso) = %d, %v; want 4", p.ID, ok)
	}
	if p, ok, _ := s.Previous(ctx, 6, Match{Organization: "Fabrikam"}); !ok || p.ID != 5 {
		t.Errorf("Previous(6, Fabrikam) = %d, %v; want 5", p.ID, ok)
	}
	if p, ok, _ := s.Previous(ctx, 6, Match{}); !ok || p.ID != 5 {
		t.Errorf("Previous(6) = %d, %v; want 5", p.ID, ok)
	}
	if _, ok, _ := s.Previous(ctx, 5, Match{Organization: "Fabrikam"}); ok {
		t.Error("Previous(5, Fabrikam) found a run")
	}
	if p, ok, _ := s.Previous(ctx, 6, Match{Organization: "Contoso Ltd", Profile: "default"}); !ok || p.ID != 4 {
		t.Errorf("Previous(6, Contoso, default) = %d, %v; want 4", p.ID, ok)
	}
	if _, ok, _ := s.Previous(ctx, 6, Match{Profile: "exit"}); ok {
		t.Error("Previous(6, exit profile) found a run")
	}
}

func confSetChanges(t *testing.T, target func(*testing.T) string) {
	ctx := context.Background()
	s := openTest(t, target(t), Options{})
	r, err := s.Save(ctx, testAssessment(t, t0, findings.VerdictNotReady, "alice"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Changes != -1 {
		t.Errorf("Changes without diff = %d, want -1", r.Changes)
	}
	c := &findings.Changes{GrantsAdded: []findings.ChangeItem{{ID: "g", Summary: "g"}}, VerdictFrom: "ready", VerdictTo: "ready"}
	if err := s.SetChanges(ctx, r.ID, c); err != nil {
		t.Fatal(err)
	}
	got, a, err := s.Get(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Changes != 1 || a.Changes == nil || len(a.Changes.GrantsAdded) != 1 {
		t.Errorf("after SetChanges: count %d, changes %+v", got.Changes, a.Changes)
	}
	if err := s.SetChanges(ctx, 42, c); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetChanges(42) err = %v", err)
	}
}

func confPrune(t *testing.T, target func(*testing.T) string) {
	ctx := context.Background()
	now := t0.Add(10 * 24 * time.Hour)
	cases := []struct {
		name string
		opts PruneOptions
		want []int64 // deleted
	}{
		{"keep 3", PruneOptions{Keep: 3}, []int64{1, 2}},
		{"keep more than stored", PruneOptions{Keep: 9}, nil},
		{"older than 7.5 days", PruneOptions{OlderThan: 180 * time.Hour}, []int64{1, 2, 3}},
		{"both rules: keep 4 wins", PruneOptions{Keep: 4, OlderThan: 180 * time.Hour}, []int64{1}},
		{"both rules: age wins", PruneOptions{Keep: 1, OlderThan: 204 * time.Hour}, []int64{1, 2}},
		{"dry run", PruneOptions{Keep: 1, DryRun: true}, []int64{1, 2, 3, 4}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t, target(t), Options{Now: func() time.Time { return now }})
			// runs started 0, 1, 2, 3, 4 days after t0 (ids 1..5)
			for i := 0; i < 5; i++ {
				if _, err := s.Save(ctx, testAssessment(t, t0.Add(time.Duration(i)*24*time.Hour), findings.VerdictReady, "a")); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.Prune(ctx, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("deleted (-want +got):\n%s", d)
			}
			runs, _ := s.List(ctx, ListOptions{})
			wantLeft := 5 - len(tc.want)
			if tc.opts.DryRun {
				wantLeft = 5
			}
			if len(runs) != wantLeft {
				t.Errorf("%d runs left, want %d", len(runs), wantLeft)
			}
			for _, r := range runs {
				for _, d := range got {
					if r.ID == d && !tc.opts.DryRun {
						t.Errorf("run %d still listed after prune", d)
					}
				}
			}
		})
	}
	s := openTest(t, target(t), Options{})
	if _, err := s.Prune(ctx, PruneOptions{}); err == nil {
		t.Error("Prune without rules succeeded")
	}
	if _, err := s.Prune(ctx, PruneOptions{Keep: -1}); err == nil {
		t.Error("Prune with negative keep succeeded")
	}
}

// TestMigrationFromOldSchema builds a store at schema 1 with a run in it,
// reopens it, and checks the upgrade kept the run and added the columns.
func TestMigrationFromOldSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	if err := prepareFile(path, false); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	old := &Store{db: db, path: path, now: time.Now}
	if err := old.migrateTo(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO runs (started, finished, stored_at, verdict, snapshot_sha, snapshot, assessment)
		VALUES ('2026-01-01T00:00:00.000000000Z','2026-01-01T00:01:00.000000000Z','2026-01-01T00:02:00.000000000Z','ready','abc','{}','{}')`); err != nil {
		t.Fatal(err)
	}
	// At schema 2, a full run stored as plain JSON text.
	if err := old.migrateTo(ctx, 2); err != nil {
		t.Fatal(err)
	}
	a := testAssessment(t, t0, findings.VerdictNotReady, "alice")
	snapJSON, _ := a.Snapshot.CanonicalJSON()
	bare := *a
	bare.Snapshot = nil
	var ab bytes.Buffer
	if err := findings.EncodeAssessment(&ab, &bare); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO runs (started, finished, stored_at, verdict, organization, snapshot_sha, snapshot, assessment, failing)
		VALUES ('2026-11-01T09:00:00.000000000Z','2026-11-01T09:01:00.000000000Z','2026-11-01T09:02:00.000000000Z','not_ready','Contoso Ltd',?,?,?,2)`,
		a.SnapshotSHA256, string(snapJSON), ab.String()); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s := openTest(t, path, Options{})
	if v, _ := s.SchemaVersion(ctx); v != len(migrations) {
		t.Fatalf("schema after upgrade = %d, want %d", v, len(migrations))
	}
	runs, err := s.List(ctx, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[1].Verdict != findings.VerdictReady || runs[1].Changes != -1 || runs[1].SnapshotSHA != "abc" || runs[0].Failing != 2 {
		t.Errorf("runs after upgrade = %+v", runs)
	}
	// Schema 4: old runs belong to the estate named by their organization,
	// and fleet lists them without a summary.
	if runs[0].Estate != "Contoso Ltd" || runs[1].Estate != "" {
		t.Errorf("estates after upgrade = %q, %q; want the organizations", runs[0].Estate, runs[1].Estate)
	}
	if es, err := s.Estates(ctx); err != nil || len(es) != 2 || es[0].Summary != nil {
		t.Errorf("Estates after upgrade = %+v, %v", es, err)
	}
	// The old plain-JSON run still reads, and can take a diff.
	_, got, err := s.Get(ctx, 2)
	if err != nil || got.Snapshot == nil || len(got.Snapshot.Principals) != 1 {
		t.Fatalf("old run: %v", err)
	}
	if err := s.SetChanges(ctx, 2, &findings.Changes{VerdictFrom: "ready", VerdictTo: "not_ready"}); err != nil {
		t.Fatal(err)
	}
	if _, got, err = s.Get(ctx, 2); err != nil || got.Changes == nil {
		t.Fatalf("old run after SetChanges: %v", err)
	}
	// New runs are compressed and read back the same.
	r, err := s.Save(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	var enc string
	var size int
	if err := s.db.QueryRow("SELECT encoding, length(snapshot) FROM runs WHERE id = ?", r.ID).Scan(&enc, &size); err != nil || enc != encodingGzip || size >= len(snapJSON) {
		t.Errorf("new run: encoding %q, %d bytes stored for %d of JSON (%v)", enc, size, len(snapJSON), err)
	}
	if _, got, err = s.Get(ctx, r.ID); err != nil || got.SnapshotSHA256 != a.SnapshotSHA256 {
		t.Errorf("new run: %v", err)
	}
	// Issue 22: the chain begins at the first run stored after the
	// upgrade; the older runs are named as predating it, not as a failure.
	rep, err := s.VerifyChain(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Errorf("VerifyChain after upgrade: %+v; want no problem", rep)
	}
	for _, e := range rep.Estates {
		if e.Estate == "Contoso Ltd" && (e.ChainStart != r.ID || !slices.Equal(e.Unchained, []int64{2}) || e.Chained != 1) {
			t.Errorf("Contoso Ltd chain = %+v; want run 2 unchained, the chain starting at %d", e, r.ID)
		}
		if e.Estate == "" && (e.ChainStart != 0 || !slices.Equal(e.Unchained, []int64{1})) {
			t.Errorf("unnamed estate chain = %+v; want run 1 unchained", e)
		}
	}
	// Reopening an up-to-date store is a no-op.
	s2 := openTest(t, path, Options{})
	if v, _ := s2.SchemaVersion(ctx); v != len(migrations) {
		t.Errorf("schema after reopen = %d", v)
	}
}

func confConcurrentWriters(t *testing.T, target func(*testing.T) string) {
	ctx := context.Background()
	path := target(t)
	const writers, perWriter = 6, 5
	// One assessment per writer: Save canonicalises the snapshot it gets.
	as := make([]*findings.Assessment, writers)
	for i := range as {
		as[i] = testAssessment(t, t0, findings.VerdictNotReady, "alice")
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers*perWriter)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		a := as[w]
		go func() {
			defer wg.Done()
			// Each writer is its own "process": its own Open of a file
			// that may not exist yet, so the migration races too.
			s, err := Open(ctx, path, Options{})
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			for i := 0; i < perWriter; i++ {
				if _, err := s.Save(ctx, a); err != nil {
					errs <- err
				}
				if _, err := s.List(ctx, ListOptions{Limit: 3}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s := openTest(t, path, Options{})
	runs, err := s.List(ctx, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != writers*perWriter {
		t.Fatalf("%d runs stored, want %d", len(runs), writers*perWriter)
	}
	seen := map[int64]bool{}
	for _, r := range runs {
		if seen[r.ID] {
			t.Errorf("duplicate id %d", r.ID)
		}
		seen[r.ID] = true
	}
	// Issue 22: concurrent writers of one estate still form one chain.
	rep, err := s.VerifyChain(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.Estates) != 1 || rep.Estates[0].HeadSeq != writers*perWriter {
		t.Errorf("chain after concurrent writers: %+v; want one unbroken chain of %d", rep, writers*perWriter)
	}
}

// mustUnchanged asserts that path still holds want.
func mustUnchanged(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s was modified (%d bytes, was %d)", path, len(got), len(want))
	}
}

func TestRefusesForeignAndCorruptFiles(t *testing.T) {
	ctx := context.Background()

	// A valid keyholder store, then damaged copies of it.
	good := filepath.Join(t.TempDir(), "good.db")
	gs := openTest(t, good, Options{})
	for i := 0; i < 3; i++ {
		if _, err := gs.Save(ctx, testAssessment(t, t0, findings.VerdictReady, "alice", "bob", "carol")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := gs.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	gs.Close()
	goodBytes, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(goodBytes) < 3*4096 {
		t.Fatalf("test store unexpectedly small: %d bytes", len(goodBytes))
	}

	// A foreign SQLite database.
	foreign := filepath.Join(t.TempDir(), "foreign.db")
	fdb, err := sql.Open("sqlite", foreign)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fdb.Exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')"); err != nil {
		t.Fatal(err)
	}
	fdb.Close()
	foreignBytes, _ := os.ReadFile(foreign)

	damagedPages := append([]byte(nil), goodBytes...)
	for i := 4096; i < len(damagedPages); i++ {
		damagedPages[i] = 0xA5
	}
	damagedSchema := append([]byte(nil), goodBytes...)
	for i := 100; i < 4096; i++ {
		damagedSchema[i] = 0xFF
	}
	newer := append([]byte(nil), goodBytes...)
	newer[60], newer[61], newer[62], newer[63] = 0, 0, 0, 99 // user_version 99

	cases := []struct {
		name    string
		content []byte
		want    error
		// atOpen: the error comes from Open; otherwise from List/Get.
		atOpen bool
	}{
		{"text file", []byte("organization:\n  name: Contoso\n"), ErrNotStore, true},
		{"random bytes", bytes.Repeat([]byte{0x13, 0x37}, 5000), ErrNotStore, true},
		{"truncated header", []byte(sqliteMagic + "abc"), ErrCorrupt, true},
		{"foreign sqlite", foreignBytes, ErrNotStore, true},
		{"damaged schema page", damagedSchema, ErrCorrupt, true},
		{"damaged data pages", damagedPages, ErrCorrupt, false},
		{"newer schema", newer, ErrNewer, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "k.db")
			if err := os.WriteFile(path, tc.content, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(ctx, path, Options{BusyTimeout: time.Second})
			if tc.atOpen {
				if !errors.Is(err, tc.want) {
					t.Fatalf("Open err = %v, want %v", err, tc.want)
				}
			} else {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				_, err = s.List(ctx, ListOptions{})
				if err == nil {
					_, _, err = s.Get(ctx, 1)
				}
				if !errors.Is(err, tc.want) {
					t.Errorf("read err = %v, want %v", err, tc.want)
				}
				_, err = s.Save(ctx, testAssessment(t, t0, findings.VerdictReady, "x"))
				if err == nil {
					t.Errorf("Save into a corrupt store succeeded")
				}
				s.Close()
			}
			mustUnchanged(t, path, tc.content)
		})
	}
}

func BenchmarkSaveGet(b *testing.B) {
	users := make([]string, 50000)
	for i := range users {
		users[i] = fmt.Sprintf("user%05d", i)
	}
	a := testAssessment(b, t0, findings.VerdictNotReady, users...)
	raw, _ := a.Snapshot.CanonicalJSON()
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "k.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for b.Loop() {
		r, err := s.Save(context.Background(), a)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := s.Get(context.Background(), r.ID); err != nil {
			b.Fatal(err)
		}
	}
	var size int64
	s.db.QueryRow("SELECT sum(length(snapshot)) / count(*) FROM runs").Scan(&size)
	b.ReportMetric(float64(size)/1e6, "MB-stored")
	b.ReportMetric(float64(len(raw))/1e6, "MB-json")
}
