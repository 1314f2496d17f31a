package policies

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/benchx"
	"github.com/keyholder/keyholder/internal/config"
)

// benchConfig is the config of the generated estate.
const benchConfig = `
organization:
  name: Bigcorp
  domains: [bigcorp.example]
  entra_tenants: [00000000-0000-0000-0000-000000000001]
  aws_accounts: ["111111111111", "111111111112"]
  github_orgs: [bigcorp]
  ldap: {ous: ["OU=Staff,DC=bigcorp,DC=example"]}
  break_glass: [bg1@bigcorp.example]
providers:
  - name: Acme IT
    kind: msp
    domains: [acme-it.com]
    aws_accounts: ["999999999999"]
    name_patterns: ["^acme-"]
    ldap: {ous: ["OU=Acme,DC=bigcorp,DC=example"]}
    allowed:
      - {system_kind: entra, privileges: ["Helpdesk Administrator"]}
sensitive:
  - {name: HR, ldap_groups: ["HR Share"]}
targets:
  - {type: entra, name: m365}
  - {type: aws, name: aws-a}
  - {type: aws, name: aws-b}
  - {type: ldap, name: ad}
  - {type: github, name: gh}
`

// generate builds an estate of about nPrincipals principals and nGrants
// grants: five systems, 95% users and 4% groups (each user in three
// groups, groups nested in chains with a few cycles), 1% of principals
// the MSP's and 2% of unknown party; grants mostly read or limited
// (privileged 10%, admin 4%, super-admin 1%), 10% eligible and 5%
// time-bound (some expired). Deterministic for a seed.
func generate(nPrincipals, nGrants int, seed uint64) *findings.Snapshot {
	r := rand.New(rand.NewPCG(seed, 1))
	end := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	type sysDef struct {
		id    string
		kind  findings.SystemKind
		share float64
	}
	defs := []sysDef{{"m365", findings.SystemEntra, 0.4}, {"ad", findings.SystemLDAP, 0.3}, {"gh", findings.SystemGitHub, 0.1}, {"aws-a", findings.SystemAWS, 0.1}, {"aws-b", findings.SystemAWS, 0.1}}
	s := &findings.Snapshot{SchemaVersion: findings.SchemaVersion, Tool: findings.Tool{Name: "keyholder", Version: "bench"},
		StartedAt: end.Add(-time.Hour), FinishedAt: end}
	native := map[string]string{"m365": "00000000-0000-0000-0000-000000000001", "aws-a": "111111111111", "aws-b": "111111111112", "ad": "DC=bigcorp,DC=example", "gh": "bigcorp"}
	type sysPrincipals struct {
		users, groups, other []string
	}
	per := map[string]*sysPrincipals{}
	ago := func(d int) *time.Time { t := end.AddDate(0, 0, -d); return &t }
	for _, d := range defs {
		s.Systems = append(s.Systems, findings.System{ID: d.id, Kind: d.kind, Target: d.id, Name: d.id, NativeID: native[d.id],
			Contacts: []findings.Contact{{Kind: "technical", Email: "it@bigcorp.example"}}})
		sp := &sysPrincipals{}
		per[d.id] = sp
		n := int(float64(nPrincipals) * d.share)
		for i := range n {
			var p findings.Principal
			switch {
			case i < n*4/100:
				name := fmt.Sprintf("grp%05d", i)
				if i == 0 {
					name = "HR Share"
				}
				p = findings.Principal{ID: findings.PrincipalID(findings.PrincipalGroup, d.id, strconv.Itoa(i)), Kind: findings.PrincipalGroup, DisplayName: name}
				sp.groups = append(sp.groups, p.ID)
			case i < n*5/100:
				kind := findings.PrincipalServicePrincipal
				if d.kind == findings.SystemAWS {
					kind = findings.PrincipalRole
				}
				p = findings.Principal{ID: findings.PrincipalID(kind, d.id, strconv.Itoa(i)), Kind: kind, Login: fmt.Sprintf("app%05d", i)}
				sp.other = append(sp.other, p.ID)
			default:
				login := fmt.Sprintf("u%06d", i)
				p = findings.Principal{ID: findings.PrincipalID(findings.PrincipalUser, d.id, strconv.Itoa(i)), Kind: findings.PrincipalUser}
				switch x := r.IntN(100); {
				case x == 0: // the MSP's
					p.Login, p.Emails = "acme-"+login, []string{login + "@acme-it.com"}
					p.DN = "CN=" + login + ",OU=Acme,DC=bigcorp,DC=example"
				case x < 3: // nobody's
					p.Login, p.Emails = login+"@gmail.com", []string{login + "@gmail.com"}
				default:
					p.Login, p.Emails = login+"@bigcorp.example", []string{login + "@bigcorp.example"}
					p.DN = "CN=" + login + ",OU=Staff,DC=bigcorp,DC=example"
				}
				if d.kind != findings.SystemLDAP {
					p.DN = ""
				}
				sp.users = append(sp.users, p.ID)
			}
			p.System, p.NativeID, p.Enabled = d.id, p.ID[strings.LastIndexByte(p.ID, ':')+1:], r.IntN(50) != 0
			p.MFA = []findings.MFA{findings.MFARegistered, findings.MFAEnforced, findings.MFANone, findings.MFAUnknown}[r.IntN(4)]
			p.Created, p.LastActivity, p.LastActivityKnown = ago(200+r.IntN(2000)), ago(r.IntN(400)), true
			if r.IntN(10) == 0 {
				p.Credentials = []findings.Credential{{ID: "key-" + p.NativeID, Kind: "access_key", Active: true, Created: ago(r.IntN(500)), LastUsed: ago(r.IntN(30)), LastUsedKnown: true}}
			}
			s.Principals = append(s.Principals, p)
		}
	}
	mid := 0
	for _, d := range defs {
		sp := per[d.id]
		for _, u := range sp.users {
			for range 3 {
				grp := sp.groups[r.IntN(len(sp.groups))]
				s.Memberships = append(s.Memberships, findings.Membership{ID: fmt.Sprintf("m%d", mid), System: d.id, MemberID: u, GroupID: grp})
				mid++
			}
		}
		for i, grp := range sp.groups {
			if i > 0 && r.IntN(10) < 3 {
				parent := sp.groups[r.IntN(len(sp.groups))]
				s.Memberships = append(s.Memberships, findings.Membership{ID: fmt.Sprintf("m%d", mid), System: d.id, MemberID: grp, GroupID: parent})
				mid++
			}
		}
	}
	levels := []findings.Level{findings.LevelRead, findings.LevelLimited, findings.LevelPrivileged, findings.LevelAdmin, findings.LevelSuperAdmin}
	pickLevel := func() findings.Level {
		switch x := r.IntN(100); {
		case x < 55:
			return levels[0]
		case x < 85:
			return levels[1]
		case x < 95:
			return levels[2]
		case x < 99:
			return levels[3]
		}
		return levels[4]
	}
	// One grant per group (read or limited mostly, 1% admin), the rest
	// directly to users and apps.
	gid := 0
	addGrant := func(sys, principal string, lvl findings.Level) {
		as := findings.AssignmentActive
		var exp *time.Time
		switch x := r.IntN(100); {
		case x < 10:
			as = findings.AssignmentEligible
		case x < 15:
			as = findings.AssignmentTimeBound
			t := end.AddDate(0, 0, r.IntN(200)-20)
			exp = &t
		}
		priv := fmt.Sprintf("%s-role-%d", lvl, r.IntN(40))
		scope := fmt.Sprintf("res-%d", gid)
		s.Grants = append(s.Grants, findings.Grant{ID: fmt.Sprintf("grant:%s:%d", sys, gid), System: sys, PrincipalID: principal,
			Privilege: priv, Level: lvl, Scope: scope, Assignment: as, Expires: exp, Direct: true})
		gid++
	}
	for _, d := range defs {
		for _, grp := range per[d.id].groups {
			lvl := levels[r.IntN(2)]
			if r.IntN(100) == 0 {
				lvl = findings.LevelAdmin
			}
			addGrant(d.id, grp, lvl)
		}
	}
	var holders []string
	var holderSys []string
	for _, d := range defs {
		for _, id := range append(per[d.id].users, per[d.id].other...) {
			holders = append(holders, id)
			holderSys = append(holderSys, d.id)
		}
	}
	for gid < nGrants {
		i := r.IntN(len(holders))
		addGrant(holderSys[i], holders[i], pickLevel())
	}
	// A few trusts and backups.
	for i := range 20 {
		sys := []string{"aws-a", "aws-b"}[i%2]
		if len(per[sys].other) == 0 {
			break
		}
		role := per[sys].other[i%len(per[sys].other)]
		s.Trusts = append(s.Trusts, findings.Trust{ID: fmt.Sprintf("trust:%s:%d", sys, i), System: sys, Kind: findings.TrustAWSRole, Name: role,
			Counterparty: []string{"999999999999", "123456789012"}[i%2], CounterpartyKind: "aws_account", PrincipalID: role})
	}
	for _, d := range defs {
		s.Backups = append(s.Backups, findings.Backup{ID: "backup:" + d.id, System: d.id, Name: d.id + " backup", ProtectsSystem: d.id,
			StorageOwner: "customer", StorageOwnerKind: "name", KeyOwner: "customer", LastRecoveryPoint: ago(1)})
	}
	s.Canonicalize()
	return s
}

func benchEstate(b *testing.B, principals, grants int) (*findings.Snapshot, *config.Config) {
	b.Helper()
	cfg, err := config.Parse([]byte(benchConfig), "bench.yaml")
	if err != nil {
		b.Fatal(err)
	}
	return generate(principals, grants, 42), cfg
}

// BenchmarkEvaluate measures a whole evaluation (hash, parties, effective
// access, input, every readiness check, verdicts, runbook) of the
// generated estate. Figures are in README.md.
func BenchmarkEvaluate(b *testing.B) {
	for _, size := range []struct{ principals, grants int }{{1_000, 10_000}, {10_000, 100_000}, {100_000, 1_000_000}} {
		b.Run(fmt.Sprintf("principals=%d/grants=%d", size.principals, size.grants), func(b *testing.B) {
			if testing.Short() && size.principals > 10_000 {
				b.Skip("big estate skipped in -short mode")
			}
			snap, cfg := benchEstate(b, size.principals, size.grants)
			e := testEngine(b)
			runtime.GC()
			var findingsN, rows int
			b.ReportAllocs()
			// Pin the benchmark goroutine to its thread: that thread's
			// CPU time is the evaluation's critical path (the snapshot
			// hash and the GC's background work run on other threads),
			// which is what the wall time comes to on an idle machine.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			cpu0, thread0 := benchx.CPUTime(), benchx.ThreadCPUTime()
			b.ResetTimer()
			for b.Loop() {
				a, err := e.Evaluate(context.Background(), snap, cfg, EvalOptions{})
				if err != nil {
					b.Fatal(err)
				}
				findingsN = len(a.Findings)
				rows = len(a.Parties)
			}
			b.StopTimer()
			b.ReportMetric((benchx.CPUTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric((benchx.ThreadCPUTime()-thread0).Seconds()/float64(b.N), "critical-path-cpu-s/op")
			b.ReportMetric(float64(findingsN), "findings")
			b.ReportMetric(float64(rows), "attributions")
			if hwm := benchx.PeakRSS(); hwm > 0 {
				b.ReportMetric(float64(hwm)/(1<<20), "peak-RSS-MiB")
			}
		})
	}
}

var estateOut = flag.String("estate-out", "", "with TestGeneratedEstate: also write the 100 000-principal estate (snapshot.json, keyholder.yaml) into this directory, to time keyholder evaluate end to end")

// TestGeneratedEstate checks the generator gives what the benchmark
// claims, and that a small generated estate evaluates.
func TestGeneratedEstate(t *testing.T) {
	if *estateOut != "" {
		big := generate(100_000, 1_000_000, 42)
		if err := big.Seal(); err != nil { // sealed, as scan writes it
			t.Fatal(err)
		}
		b, err := big.CanonicalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*estateOut, "snapshot.json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*estateOut, "keyholder.yaml"), []byte(benchConfig), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := generate(1_000, 10_000, 1)
	if len(s.Principals) < 990 || len(s.Principals) > 1_000 || len(s.Grants) != 10_000 {
		t.Fatalf("%d principals, %d grants", len(s.Principals), len(s.Grants))
	}
	if errs := s.Validate(); len(errs) > 0 {
		t.Fatalf("generated snapshot invalid: %v", errs[:min(5, len(errs))])
	}
	cfg, err := config.Parse([]byte(benchConfig), "bench.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a := evaluate(t, s, cfg, EvalOptions{})
	if a.Verdict == findings.VerdictReady || len(a.Findings) == 0 {
		t.Errorf("verdict %s with %d findings", a.Verdict, len(a.Findings))
	}
}
