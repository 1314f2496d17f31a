package fleet

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/store"
	"github.com/keyholder/keyholder/internal/testpg"
)

var now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func run(id int64, estate string, v findings.Verdict, failing int) store.Run {
	return store.Run{ID: id, Estate: estate, Organization: estate, Started: now.Add(-time.Hour), Verdict: v, Failing: failing, Changes: -1}
}

// TestRunWithoutSummaryNeverPasses: a run stored by an older keyholder
// has no summary; fleet says so and counts its failing checks as failing
// whatever --fail-on says, rather than passing what it cannot see.
func TestRunWithoutSummaryNeverPasses(t *testing.T) {
	v := Build([]store.EstateRun{{Latest: run(1, "Old", findings.VerdictReadyWithActions, 2)}}, Options{Now: now})
	if !v.Estates[0].SummaryMissing {
		t.Error("SummaryMissing not set")
	}
	if code := v.ExitCode(findings.SeverityBlocker); code != ExitFailing {
		t.Errorf("ExitCode = %d, want %d", code, ExitFailing)
	}
	if code := v.ExitCode(""); code != ExitOK {
		t.Errorf("ExitCode(none) = %d", code)
	}
}

// TestUnknownVerdictCountsIncomplete: a verdict string this keyholder
// does not know ranks as incomplete, never as ready.
func TestUnknownVerdictCountsIncomplete(t *testing.T) {
	v := Build([]store.EstateRun{
		{Latest: run(1, "A", findings.VerdictReady, 0), Summary: &store.Summary{}},
		{Latest: run(2, "B", "future_verdict", 0), Summary: &store.Summary{}},
	}, Options{Now: now})
	if v.Verdict != "future_verdict" || v.ExitCode(findings.SeverityHigh) != ExitIncomplete {
		t.Errorf("worst verdict %q, exit %d", v.Verdict, v.ExitCode(findings.SeverityHigh))
	}
}

func TestCSVDefusesFormulas(t *testing.T) {
	v := Build([]store.EstateRun{{Latest: run(1, "=HYPERLINK(\"x\")", findings.VerdictReady, 0), Summary: &store.Summary{}}}, Options{Now: now})
	var b bytes.Buffer
	if err := Write(&b, "csv", v, "a4"); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b.Bytes(), []byte("'=HYPERLINK")) {
		t.Errorf("formula not defused:\n%s", b.String())
	}
}

// seed stores two runs for each of n estates, as review would.
func seed(b *testing.B, s *store.Store, n int) {
	ctx := context.Background()
	for i := 0; i < n; i++ {
		org := fmt.Sprintf("Customer %04d", i)
		for w := 0; w < 2; w++ {
			a := benchAssessment(org, now.Add(time.Duration(w-2)*7*24*time.Hour), i%4 == 0)
			if _, err := s.Save(ctx, a); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func benchAssessment(org string, started time.Time, ga bool) *findings.Assessment {
	snap := &findings.Snapshot{Tool: findings.Tool{Name: "keyholder", Version: "bench"}, StartedAt: started, FinishedAt: started.Add(time.Minute),
		Systems: []findings.System{{ID: "m365", Kind: findings.SystemEntra, Target: "m365", Name: org}}}
	var parties []findings.Attribution
	for u := 0; u < 50; u++ {
		login := fmt.Sprintf("user%d@%s", u, org)
		party, kind := "customer", "customer"
		if u < 3 {
			login, party, kind = fmt.Sprintf("tech%d@acme.example", u), "Acme IT", "msp"
		}
		pid := findings.PrincipalID(findings.PrincipalUser, "m365", login)
		snap.Principals = append(snap.Principals, findings.Principal{ID: pid, System: "m365", Kind: findings.PrincipalUser, NativeID: login, Login: login, Enabled: true})
		parties = append(parties, findings.Attribution{Subject: pid, Party: party, PartyKind: kind})
		if u < 5 {
			priv := "Helpdesk Administrator"
			if u == 0 && ga {
				priv = "Global Administrator"
			}
			snap.Grants = append(snap.Grants, findings.Grant{ID: findings.GrantID("m365", pid, priv, "/", findings.AssignmentActive, nil), System: "m365",
				PrincipalID: pid, Privilege: priv, Level: findings.LevelAdmin, Scope: "/", Assignment: findings.AssignmentActive, Direct: true})
		}
	}
	v := findings.VerdictReady
	var fs []findings.Finding
	if ga {
		v = findings.VerdictNotReady
		fs = []findings.Finding{{Check: "KH-KEY-001", Title: "Customer holds the top privilege", Status: findings.StatusFail, Severity: findings.SeverityBlocker, System: "m365", Message: "provider holds it"}}
	}
	return &findings.Assessment{SchemaVersion: findings.SchemaVersion, Tool: snap.Tool, Organization: org, Profile: "readiness",
		AsOf: started, ScannedAt: started, Verdict: v, Findings: fs, Parties: parties, Snapshot: snap,
		Systems: []findings.SystemVerdict{{System: "m365", Kind: findings.SystemEntra, Verdict: v, HoldsKeys: "yes"}}}
}

// BenchmarkFleet1000Estates measures what `keyholder fleet` does over a
// store of 1 000 estates (two runs each): read the latest runs'
// summaries, build the view, render HTML, CSV and JSON.
func BenchmarkFleet1000Estates(b *testing.B) {
	backends := map[string]func(b *testing.B) string{
		"sqlite":   func(b *testing.B) string { return filepath.Join(b.TempDir(), "k.db") },
		"postgres": func(b *testing.B) string { return testpg.Start(b).NewDatabase(b) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			s, err := store.Open(ctx, backends[name](b), store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			seed(b, s, 1000)
			runtime.GC()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				runs, err := s.Estates(ctx)
				if err != nil || len(runs) != 1000 {
					b.Fatalf("%d estates, %v", len(runs), err)
				}
				v := Build(runs, Options{Now: now})
				for _, f := range Formats {
					var buf bytes.Buffer
					if err := Write(&buf, f, v, "a4"); err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(float64(buf.Len())/1e3, f+"-kB")
				}
			}
		})
	}
}
