package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/fleet"
	"github.com/keyholder/keyholder/internal/store"
	"github.com/keyholder/keyholder/internal/testpg"
	"github.com/keyholder/keyholder/scanners/all"
)

var fleetNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// fleetAssessment builds one estate's assessment: an Entra tenant with a
// customer admin and, when acmeGA, Acme IT's admin holding Global
// Administrator; the verdict and its blocker finding as given.
func fleetAssessment(t testing.TB, org string, started time.Time, verdict findings.Verdict, acmeGA bool) *findings.Assessment {
	t.Helper()
	snap := &findings.Snapshot{
		Tool: findings.Tool{Name: "keyholder", Version: "test"}, StartedAt: started, FinishedAt: started.Add(time.Minute),
		Systems: []findings.System{{ID: "m365", Kind: findings.SystemEntra, Target: "m365", Name: org, NativeID: "tid-" + org}},
	}
	add := func(login, priv string, level findings.Level) string {
		pid := findings.PrincipalID(findings.PrincipalUser, "m365", login)
		snap.Principals = append(snap.Principals, findings.Principal{ID: pid, System: "m365", Kind: findings.PrincipalUser, NativeID: login, Login: login, Enabled: true, MFA: findings.MFAEnforced})
		snap.Grants = append(snap.Grants, findings.Grant{ID: findings.GrantID("m365", pid, priv, "/", findings.AssignmentActive, nil), System: "m365",
			PrincipalID: pid, Privilege: priv, Level: level, Scope: "/", Assignment: findings.AssignmentActive, Direct: true})
		return pid
	}
	cust := add("admin@"+org, "Global Administrator", findings.LevelSuperAdmin)
	parties := []findings.Attribution{{Subject: cust, Party: "customer", PartyKind: "customer", Reason: "customer domain"}}
	acme := add("tech@acme-it.example", "Helpdesk Administrator", findings.LevelPrivileged)
	parties = append(parties, findings.Attribution{Subject: acme, Party: "Acme IT", PartyKind: "msp", Reason: "provider domain"})
	if acmeGA {
		ga := add("ga@acme-it.example", "Global Administrator", findings.LevelSuperAdmin)
		parties = append(parties, findings.Attribution{Subject: ga, Party: "Acme IT", PartyKind: "msp", Reason: "provider domain"})
	}
	holds := "yes"
	var fs []findings.Finding
	switch verdict {
	case findings.VerdictNotReady:
		holds = "no"
		fs = append(fs, findings.Finding{Check: "KH-KEY-001", Title: "Customer holds the top privilege", Status: findings.StatusFail, Severity: findings.SeverityBlocker, System: "m365", Message: "only the provider holds Global Administrator"})
	case findings.VerdictIncomplete:
		holds = "unknown"
		fs = append(fs, findings.Finding{Check: "KH-KEY-001", Title: "Customer holds the top privilege", Status: findings.StatusUnknown, Severity: findings.SeverityBlocker, System: "m365", Message: "role assignments not read"})
	case findings.VerdictReadyWithActions:
		fs = append(fs, findings.Finding{Check: "KH-SEG-001", Title: "Provider admins", Status: findings.StatusFail, Severity: findings.SeverityMedium, System: "m365", Message: "provider holds a standing admin role"})
	}
	return &findings.Assessment{
		SchemaVersion: findings.SchemaVersion, Tool: snap.Tool, Organization: org, Profile: "readiness",
		AsOf: started, ScannedAt: started, Verdict: verdict, Findings: fs, Parties: parties,
		Systems:  []findings.SystemVerdict{{System: "m365", Kind: findings.SystemEntra, Name: org, Verdict: verdict, HoldsKeys: holds, Blockers: len(fs)}},
		Snapshot: snap,
	}
}

// fleetEstate is what estate i looks like in TestFleet20EstatesOnOnePostgres.
func fleetEstate(i int) (name string, prev, latest findings.Verdict, acmeGA bool) {
	verdicts := []findings.Verdict{findings.VerdictNotReady, findings.VerdictIncomplete, findings.VerdictReadyWithActions, findings.VerdictReady}
	return fmt.Sprintf("Customer %02d", i), findings.VerdictNotReady, verdicts[i%4], i%3 == 0
}

// TestFleet20EstatesOnOnePostgres (issue 20, "done when"): twenty
// estates' review jobs store their runs concurrently in one PostgreSQL
// (each job its own process-like Open, two runs each, the second diffed
// against the first as review does); fleet then shows all twenty with the
// verdicts their runs stored, the provider's Global Administrator count
// across estates, the stale run flagged, and exits by the worst verdict.
func TestFleet20EstatesOnOnePostgres(t *testing.T) {
	srv := testpg.Start(t)
	url := srv.NewDatabase(t)
	ctx := context.Background()
	const estates = 20
	var wg sync.WaitGroup
	errs := make(chan error, estates)
	for i := 0; i < estates; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name, prevV, latestV, ga := fleetEstate(i)
			s, err := store.Open(ctx, url, store.Options{})
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			started := fleetNow.Add(-24 * time.Hour)
			if i == 7 {
				started = fleetNow.Add(-30 * 24 * time.Hour) // a job that stopped running
			}
			if _, err := s.Save(ctx, fleetAssessment(t, name, started.Add(-7*24*time.Hour), prevV, true)); err != nil {
				errs <- err
				return
			}
			cur := fleetAssessment(t, name, started, latestV, ga)
			r, err := s.Save(ctx, cur)
			if err != nil {
				errs <- err
				return
			}
			p, ok, err := s.Previous(ctx, r.ID, store.Match{Estate: name, Profile: "readiness"})
			if err != nil || !ok {
				errs <- fmt.Errorf("%s: previous run: %v %v", name, ok, err)
				return
			}
			_, pa, err := s.Get(ctx, p.ID)
			if err != nil {
				errs <- err
				return
			}
			if err := s.SetChanges(ctx, r.ID, findings.Diff(pa, cur)); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	dir := t.TempDir()
	code, _, stderr := runCmd(t, "fleet", "--store", url, "-o", dir, "--now", fleetNow.Format(time.RFC3339))
	if code != exitFailing {
		t.Errorf("fleet exit = %d, want %d (estates are not_ready): %s", code, exitFailing, stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "fleet.json"))
	if err != nil {
		t.Fatal(err)
	}
	validateFleetSchema(t, b)
	var v fleet.View
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Estates) != estates {
		t.Fatalf("fleet shows %d estates, want %d", len(v.Estates), estates)
	}
	wantGA := 0
	for i := 0; i < estates; i++ {
		name, prevV, latestV, ga := fleetEstate(i)
		if ga {
			wantGA++
		}
		e := v.Estates[i] // sorted by name
		if e.Estate != name || e.Verdict != latestV {
			t.Errorf("estate %d = %s %s; want %s %s", i, e.Estate, e.Verdict, name, latestV)
			continue
		}
		if e.PreviousVerdict == nil || *e.PreviousVerdict != prevV || e.Changes == nil {
			t.Errorf("%s: previous verdict %v, changes %v; want %s and a diff", name, e.PreviousVerdict, e.Changes, prevV)
		}
		wantTrend := "better"
		if latestV == findings.VerdictNotReady {
			wantTrend = "same"
		}
		if e.Trend != wantTrend {
			t.Errorf("%s: trend %s, want %s", name, e.Trend, wantTrend)
		}
		if e.Stale != (i == 7) {
			t.Errorf("%s: stale = %v", name, e.Stale)
		}
		if len(e.Systems) != 1 || e.Systems[0].HoldsKeys == "" {
			t.Errorf("%s: systems %+v", name, e.Systems)
		}
		if (latestV == findings.VerdictNotReady) != (len(e.BlockerFindings) == 1 && e.BlockerFindings[0].Check == "KH-KEY-001") {
			t.Errorf("%s (%s): blockers %+v", name, latestV, e.BlockerFindings)
		}
		if e.ProviderPrincipals < 1 {
			t.Errorf("%s: provider footprint %d principals", name, e.ProviderPrincipals)
		}
	}
	if v.Verdict != findings.VerdictNotReady || v.Verdicts[findings.VerdictReady] != 5 || v.Stale != 1 {
		t.Errorf("fleet verdict %s, counts %v, stale %d", v.Verdict, v.Verdicts, v.Stale)
	}
	want := fmt.Sprintf("Acme IT still holds Global Administrator in %d of %d estates", wantGA, estates)
	if len(v.Providers) != 1 || !hasSentence(v.Providers[0], want) || v.Providers[0].Estates != estates {
		t.Errorf("providers = %+v; want %q", v.Providers, want)
	}
	html, err := os.ReadFile(filepath.Join(dir, "fleet.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Customer 00", "Customer 19", want, "stale: 30 d old", "@media print"} {
		if !strings.Contains(string(html), s) {
			t.Errorf("fleet.html lacks %q", s)
		}
	}
	f, err := os.Open(filepath.Join(dir, "fleet.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != estates+1 || rows[1][0] != "Customer 00" || rows[1][7] != string(findings.VerdictNotReady) {
		t.Errorf("fleet.csv: %d rows, %v; first %v", len(rows), err, rows[1])
	}
	// --fail-on none: never fails; the estate's own runs stay readable.
	if code, _, stderr := runCmd(t, "fleet", "--store", url, "--fail-on", "none", "--format", "csv", "--now", fleetNow.Format(time.RFC3339)); code != 0 {
		t.Errorf("fleet --fail-on none exit %d: %s", code, stderr)
	}
	code, out, stderr := runCmd(t, "history", "--store", url, "--estate", "Customer 03", "--format", "json")
	if code != 0 || strings.Count(out, `"estate": "Customer 03"`) != 2 || strings.Contains(out, "Customer 04") {
		t.Errorf("history --estate: exit %d, %s %s", code, out, stderr)
	}
}

func hasSentence(p fleet.Provider, s string) bool {
	for _, pr := range p.Privileges {
		if pr.Sentence == s {
			return true
		}
	}
	return false
}

func validateFleetSchema(t *testing.T, doc []byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "schema", "fleet.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	sch, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	id := sch.(map[string]any)["$id"].(string)
	if err := c.AddResource(id, sch); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(v); err != nil {
		t.Errorf("fleet.json does not match docs/schema/fleet.schema.json: %v", err)
	}
}

// TestFleetOnSQLiteExitCodes: an all-ready store exits 0; an incomplete
// estate exits 4; a medium failing check exits 3 only under --fail-on
// medium; a store URL with a password is refused as a usage error.
func TestFleetOnSQLiteExitCodes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	s, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	save := func(org string, v findings.Verdict) {
		if _, err := s.Save(ctx, fleetAssessment(t, org, fleetNow.Add(-time.Hour), v, false)); err != nil {
			t.Fatal(err)
		}
	}
	save("A", findings.VerdictReady)
	now := "--now=" + fleetNow.Format(time.RFC3339)
	if code, _, e := runCmd(t, "fleet", "--store", path, now); code != 0 {
		t.Errorf("all ready: exit %d %s", code, e)
	}
	save("B", findings.VerdictReadyWithActions)
	if code, _, e := runCmd(t, "fleet", "--store", path, now); code != 0 {
		t.Errorf("ready with a medium action, --fail-on high: exit %d %s", code, e)
	}
	if code, _, _ := runCmd(t, "fleet", "--store", path, now, "--fail-on", "medium"); code != exitFailing {
		t.Errorf("medium failing under --fail-on medium: exit %d, want 3", code)
	}
	save("C", findings.VerdictIncomplete)
	if code, _, _ := runCmd(t, "fleet", "--store", path, now); code != exitIncomplete {
		t.Errorf("incomplete estate: exit %d, want 4", code)
	}
	s.Close()
	code, _, e := runCmd(t, "fleet", "--store", "postgres://kh:hunter2@127.0.0.1:1/kh")
	if code != exitUsage || strings.Contains(e, "hunter2") || !strings.Contains(e, "PGPASSWORD") {
		t.Errorf("password in URL: exit %d, stderr %q", code, e)
	}
}

// TestFleet20ReviewsConcurrently (issue 20, "done when"): twenty real
// reviews — scan (declared inventory), evaluate with the built-in checks,
// store, diff — run at once against one PostgreSQL, one estate each, each
// with its own store connection and app; half the estates keep their
// backup with the MSP (a failing blocker: not_ready), half own it (no
// failing blocker, but no system scanned either: incomplete). fleet shows
// all twenty with the verdict each review produced.
func TestFleet20ReviewsConcurrently(t *testing.T) {
	srv := testpg.Start(t)
	url := srv.NewDatabase(t)
	ctx := context.Background()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "declared-only.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const backupLine = `storage_owner: "Acme IT", key_owner: "Acme IT", provider: "Acme IT", deleters: ["Acme IT"],`
	if !bytes.Contains(b, []byte(backupLine)) {
		t.Fatal("example changed: the Datto backup line is gone")
	}
	owned := bytes.Replace(b, []byte(backupLine), []byte(`storage_owner: customer, key_owner: customer, provider: "Acme IT",`), 1)
	dir := t.TempDir()
	cfgs := map[bool]string{false: filepath.Join(dir, "msp-backup.yaml"), true: filepath.Join(dir, "own-backup.yaml")}
	for own, p := range cfgs {
		doc := b
		if own {
			doc = owned
		}
		if err := os.WriteFile(p, doc, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	base := &app{stdout: io.Discard, stderr: io.Discard, redactor: &config.Redactor{}}
	engine, err := newEngine(base, "")
	if err != nil {
		t.Fatal(err)
	}
	const estates = 20
	got := make([]findings.Verdict, estates)
	var wg sync.WaitGroup
	errs := make(chan error, estates)
	for i := 0; i < estates; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := &app{stdout: io.Discard, stderr: io.Discard, redactor: &config.Redactor{}}
			lg, err := newLogger(a.stderr, "warn", "text", a.redactor)
			if err != nil {
				errs <- err
				return
			}
			a.logger = lg
			cfg, err := config.Load(cfgs[i%2 == 0])
			if err != nil {
				errs <- err
				return
			}
			st, err := store.Open(ctx, url, store.Options{})
			if err != nil {
				errs <- err
				return
			}
			defer st.Close()
			for week := 0; week < 2; week++ {
				when := fleetNow.Add(time.Duration(week-1) * 7 * 24 * time.Hour)
				res, err := runReview(ctx, a, reviewParams{cfg: cfg, store: st, engine: engine, registry: all.Registry(),
					now: func() time.Time { return when }, concurrency: 2, estate: fmt.Sprintf("estate-%02d", i)})
				if err != nil {
					errs <- fmt.Errorf("estate %d week %d: %w", i, week, err)
					return
				}
				if week == 1 && (res.assessment.Changes == nil || res.assessment.Changes.FromRun == 0) {
					errs <- fmt.Errorf("estate %d: second review not diffed against its first", i)
				}
				got[i] = res.assessment.Verdict
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	code, out, stderr := runCmd(t, "fleet", "--store", url, "--now", fleetNow.Format(time.RFC3339), "--format", "json")
	if code != exitFailing {
		t.Errorf("fleet exit %d, want 3: %s", code, stderr)
	}
	var v fleet.View
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Estates) != estates {
		t.Fatalf("fleet shows %d estates, want %d", len(v.Estates), estates)
	}
	for i, e := range v.Estates {
		want := findings.VerdictNotReady
		if i%2 == 0 {
			// Backup owned: no blocker fails; with no system scanned,
			// KH-KEY-001 (who holds the keys) is unknown: incomplete.
			want = findings.VerdictIncomplete
		}
		if e.Estate != fmt.Sprintf("estate-%02d", i) || e.Verdict != got[i] || e.Verdict != want {
			t.Errorf("fleet row %d: %s %s; review produced %s, want %s", i, e.Estate, e.Verdict, got[i], want)
		}
		hasBlocker := slices.ContainsFunc(e.BlockerFindings, func(b store.BlockerSummary) bool { return b.Check == "KH-BAK-002" })
		if hasBlocker != (want == findings.VerdictNotReady) {
			t.Errorf("%s: blockers %+v", e.Estate, e.BlockerFindings)
		}
		if e.Trend != "same" || e.PreviousRun == nil || e.Changes == nil {
			t.Errorf("%s: trend %s, previous %v, changes %v", e.Estate, e.Trend, e.PreviousRun, e.Changes)
		}
	}
}
