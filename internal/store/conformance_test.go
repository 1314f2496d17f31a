package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/testpg"
)

// conformance is the one suite every backend passes. target returns a
// fresh, empty store location (a file path or a PostgreSQL URL) each
// time it is called; several Opens of one location share a store.
func conformance(t *testing.T, target func(*testing.T) string) {
	cases := []struct {
		name string
		fn   func(*testing.T, func(*testing.T) string)
	}{
		{"SaveGetRoundTrip", confSaveGetRoundTrip},
		{"SaveRejectsMismatchedSnapshot", confSaveRejectsMismatchedSnapshot},
		{"ListResolvePrevious", confListResolvePrevious},
		{"SetChanges", confSetChanges},
		{"Prune", confPrune},
		{"ConcurrentWriters", confConcurrentWriters},
		{"EstatesKeptApart", confEstatesKeptApart},
		{"PruneKeepsPerEstate", confPruneKeepsPerEstate},
		{"ParallelEstateWriters", confParallelEstateWriters},
		{"ListingNeverLoadsDocuments", confListingNeverLoadsDocuments},
		{"SchemaAndMustExist", confSchemaAndMustExist},
		{"Issue22_Chain", confChain},
		{"Issue22_OldRunsPredateChain", confOldRunsPredateChain},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, target) })
	}
}

func TestConformanceSQLite(t *testing.T) {
	conformance(t, func(t *testing.T) string { return filepath.Join(t.TempDir(), "k.db") })
}

func TestConformancePostgres(t *testing.T) {
	srv := testpg.Start(t)
	conformance(t, func(t *testing.T) string { return srv.NewDatabase(t) })
}

func estateAssessment(t testing.TB, org string, day int, verdict findings.Verdict) *findings.Assessment {
	a := testAssessment(t, t0.Add(time.Duration(day)*24*time.Hour), verdict, "alice")
	a.Organization = org
	return a
}

func confEstatesKeptApart(t *testing.T, target func(*testing.T) string) {
	ctx := context.Background()
	s := openTest(t, target(t), Options{})
	// ids: 1 A, 2 B, 3 A (as estate "a-prod" by --estate), 4 B
	mustSave := func(estate string, a *findings.Assessment) Run {
		r, err := s.SaveEstate(ctx, estate, a)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	mustSave("Alpha", estateAssessment(t, "Alpha", 0, findings.VerdictNotReady))
	mustSave("Beta", estateAssessment(t, "Beta", 0, findings.VerdictReady))
	if r := mustSave("alpha-prod", estateAssessment(t, "Alpha", 1, findings.VerdictIncomplete)); r.Estate != "alpha-prod" {
		t.Errorf("SaveEstate estate = %q", r.Estate)
	}
	if r, err := s.Save(ctx, estateAssessment(t, "Beta", 1, findings.VerdictNotReady)); err != nil || r.Estate != "Beta" {
		t.Fatalf("Save estate = %q, %v; want the organization", r.Estate, err)
	}
	runs, err := s.List(ctx, ListOptions{Estate: "Beta"})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].ID != 4 || runs[1].ID != 2 {
		t.Errorf("List(Beta) = %+v; want runs 4, 2", runs)
	}
	if id, err := s.ResolveIn(ctx, "Alpha", "latest"); err != nil || id != 1 {
		t.Errorf("ResolveIn(Alpha, latest) = %d, %v; want 1", id, err)
	}
	if id, err := s.ResolveIn(ctx, "Beta", "latest~1"); err != nil || id != 2 {
		t.Errorf("ResolveIn(Beta, latest~1) = %d, %v; want 2", id, err)
	}
	if _, err := s.ResolveIn(ctx, "Beta", "1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ResolveIn(Beta, 1) err = %v; want ErrNotFound (run 1 is Alpha's)", err)
	}
	if _, err := s.ResolveIn(ctx, "Gamma", "latest"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ResolveIn(Gamma, latest) err = %v; want ErrNotFound", err)
	}
	if p, ok, err := s.Previous(ctx, 3, Match{Estate: "alpha-prod"}); err != nil || ok {
		t.Errorf("Previous(3, alpha-prod) = %d, %v, %v; want none", p.ID, ok, err)
	}
	if p, ok, _ := s.Previous(ctx, 4, Match{Estate: "Beta"}); !ok || p.ID != 2 {
		t.Errorf("Previous(4, Beta) = %d, %v; want 2", p.ID, ok)
	}
	es, err := s.Estates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]int64{}
	for _, e := range es {
		prev := int64(0)
		if e.Previous != nil {
			prev = e.Previous.ID
		}
		got[e.Latest.Estate] = [2]int64{e.Latest.ID, prev}
		if e.Summary == nil || len(e.Summary.Blockers) != 1 || e.Summary.Blockers[0].Check != "KH-KEY-001" {
			t.Errorf("estate %s summary = %+v; want the one blocker KH-KEY-001", e.Latest.Estate, e.Summary)
		}
	}
	want := map[string][2]int64{"Alpha": {1, 0}, "alpha-prod": {3, 0}, "Beta": {4, 2}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Estates latest/previous (-want +got):\n%s", d)
	}
}

func confPruneKeepsPerEstate(t *testing.T, target func(*testing.T) string) {
	ctx := context.Background()
	s := openTest(t, target(t), Options{})
	// Alpha: ids 1,3,5; Beta: ids 2,4,6
	for day := 0; day < 3; day++ {
		for _, org := range []string{"Alpha", "Beta"} {
			if _, err := s.Save(ctx, estateAssessment(t, org, day, findings.VerdictReady)); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := s.Prune(ctx, PruneOptions{Keep: 2, Estate: "Alpha"})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]int64{1}, got); d != "" {
		t.Errorf("Prune(keep 2, Alpha) deleted (-want +got):\n%s", d)
	}
	got, err = s.Prune(ctx, PruneOptions{Keep: 1})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]int64{2, 3, 4}, got); d != "" {
		t.Errorf("Prune(keep 1) deleted (-want +got):\n%s", d)
	}
	runs, _ := s.List(ctx, ListOptions{})
	if len(runs) != 2 || runs[0].ID != 6 || runs[1].ID != 5 {
		t.Errorf("left %+v; want the latest run of each estate (6, 5)", runs)
	}
}

// confParallelEstateWriters: many jobs, each its own Open, each storing
// runs for its own estate, all at once; every run must be stored under
// its estate and each estate's latest must be its last save.
func confParallelEstateWriters(t *testing.T, target func(*testing.T) string) {
	ctx := context.Background()
	loc := target(t)
	const estates, runsEach = 8, 4
	var wg sync.WaitGroup
	errs := make(chan error, estates*runsEach)
	for e := 0; e < estates; e++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(ctx, loc, Options{})
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			org := fmt.Sprintf("estate-%02d", e)
			for i := 0; i < runsEach; i++ {
				v := findings.VerdictNotReady
				if i == runsEach-1 && e%2 == 0 {
					v = findings.VerdictReady
				}
				if _, err := s.Save(ctx, estateAssessment(t, org, i, v)); err != nil {
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
	s := openTest(t, loc, Options{})
	runs, err := s.List(ctx, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != estates*runsEach {
		t.Fatalf("%d runs stored, want %d (lost runs)", len(runs), estates*runsEach)
	}
	es, err := s.Estates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != estates {
		t.Fatalf("Estates = %d, want %d", len(es), estates)
	}
	for _, e := range es {
		var n int
		fmt.Sscanf(e.Latest.Estate, "estate-%d", &n)
		want := findings.VerdictNotReady
		if n%2 == 0 {
			want = findings.VerdictReady
		}
		if e.Latest.Verdict != want || e.Previous == nil || e.Previous.Verdict != findings.VerdictNotReady {
			t.Errorf("%s: latest %s (previous %+v); want %s after not_ready", e.Latest.Estate, e.Latest.Verdict, e.Previous, want)
		}
	}
}

// confListingNeverLoadsDocuments damages the stored documents of a run:
// listing, Run, Estates and Resolve still work (they never read them);
// Get fails with ErrCorrupt.
func confListingNeverLoadsDocuments(t *testing.T, target func(*testing.T) string) {
	ctx := context.Background()
	s := openTest(t, target(t), Options{})
	r, err := s.Save(ctx, testAssessment(t, t0, findings.VerdictNotReady, "alice"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, s.rebind("UPDATE runs SET snapshot = ?, assessment = ? WHERE id = ?"), []byte("not gzip"), []byte("not gzip"), r.ID); err != nil {
		t.Fatal(err)
	}
	if runs, err := s.List(ctx, ListOptions{}); err != nil || len(runs) != 1 {
		t.Errorf("List = %d runs, %v", len(runs), err)
	}
	if es, err := s.Estates(ctx); err != nil || len(es) != 1 || es[0].Summary == nil {
		t.Errorf("Estates = %+v, %v", es, err)
	}
	if _, err := s.ResolveIn(ctx, "Contoso Ltd", "latest"); err != nil {
		t.Errorf("ResolveIn: %v", err)
	}
	if _, _, err := s.Get(ctx, r.ID); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Get of damaged run err = %v; want ErrCorrupt", err)
	}
}

func confSchemaAndMustExist(t *testing.T, target func(*testing.T) string) {
	ctx := context.Background()
	loc := target(t)
	if _, err := Open(ctx, loc, Options{MustExist: true}); !errors.Is(err, ErrNoStore) {
		t.Errorf("Open(MustExist) of an empty location err = %v; want ErrNoStore", err)
	}
	s := openTest(t, loc, Options{})
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(migrations) {
		t.Errorf("SchemaVersion = %d, %v; want %d", v, err, len(migrations))
	}
	if strings.Contains(s.Path(), "password") {
		t.Errorf("Path() = %q", s.Path())
	}
	s2, err := Open(ctx, loc, Options{MustExist: true})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	s2.Close()
}

func TestPostgresURLWithPasswordRefused(t *testing.T) {
	for _, u := range []string{
		"postgres://keyholder:s3cr3t@db.example:5432/keyholder",
		"postgresql://keyholder@db.example/keyholder?password=s3cr3t&sslmode=require",
	} {
		_, err := Open(context.Background(), u, Options{})
		if !errors.Is(err, ErrPasswordInURL) {
			t.Errorf("Open(%q) err = %v; want ErrPasswordInURL", u, err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("error repeats the password: %v", err)
		}
	}
}

// TestPostgresRefusesForeignDatabase: a newer schema is refused, and a
// database with someone else's runs table is left alone.
func TestPostgresRefusesForeignDatabase(t *testing.T) {
	srv := testpg.Start(t)
	loc := srv.NewDatabase(t)
	ctx := context.Background()
	s, err := Open(ctx, loc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, "UPDATE keyholder_schema SET version = 99"); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, loc, Options{}); !errors.Is(err, ErrNewer) {
		t.Errorf("Open of a newer schema err = %v; want ErrNewer", err)
	}
	if _, err := s.db.ExecContext(ctx, "DROP TABLE keyholder_schema; DROP TABLE runs; CREATE TABLE runs (x int)"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(ctx, loc, Options{}); !errors.Is(err, ErrNotStore) {
		t.Errorf("Open of a foreign runs table err = %v; want ErrNotStore", err)
	}
}

// TestPostgresPasswordFromEnvironmentOrFile: against a server that wants
// a password, a URL without one connects with PGPASSWORD, or with a
// password file named by PGPASSFILE, and fails without either.
func TestPostgresPasswordFromEnvironmentOrFile(t *testing.T) {
	const pw = "c0rrect-h0rse"
	srv := testpg.StartWithPassword(t, pw)
	ctx := context.Background()
	t.Setenv("PGPASSWORD", "")
	t.Setenv("PGPASSFILE", filepath.Join(t.TempDir(), "none"))
	if s, err := Open(ctx, srv.URL, Options{}); err == nil {
		s.Close()
		t.Fatal("connected without a password")
	} else if strings.Contains(err.Error(), pw) {
		t.Errorf("error repeats the password: %v", err)
	}
	t.Setenv("PGPASSWORD", pw)
	s, err := Open(ctx, srv.URL, Options{})
	if err != nil {
		t.Fatalf("with PGPASSWORD: %v", err)
	}
	s.Close()
	t.Setenv("PGPASSWORD", "")
	pass := filepath.Join(t.TempDir(), "pgpass")
	if err := os.WriteFile(pass, []byte(fmt.Sprintf("127.0.0.1:%d:*:postgres:%s\n", srv.Port, pw)), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PGPASSFILE", pass)
	s, err = Open(ctx, srv.URL, Options{})
	if err != nil {
		t.Fatalf("with PGPASSFILE: %v", err)
	}
	s.Close()
}
