package github

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	ghsim "github.com/keyholder/keyholder/internal/sim/github"
	"github.com/keyholder/keyholder/policies"
	"github.com/keyholder/keyholder/policies/access"
	"github.com/keyholder/keyholder/report"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

// effectiveAccess renders the effective access policies/access computes
// from snap for every person (every principal that is not a team), one
// line per privilege, sorted: principal, privilege (and its id), scope, level,
// assignment, whether the chosen path is direct, the chosen path's chain
// and the number of paths, and the sensitive segments. Grant ids are left
// out: they name the grant a path starts from, which is the team itself
// once team grants are emitted on the team (issue 21).
func effectiveAccess(snap *findings.Snapshot) string {
	kinds := map[string]findings.PrincipalKind{}
	for _, p := range snap.Principals {
		kinds[p.ID] = p.Kind
	}
	res := access.Compute(snap, access.Options{AsOf: scannertest.FixedNow})
	var lines []string
	for _, r := range res.Rows {
		if kinds[r.Principal] == findings.PrincipalTeam {
			continue
		}
		via := strings.Join(r.Via, ">")
		if r.Paths > 1 {
			// Among equally short paths policies/access shows the one
			// whose grant id is smallest; grant ids name the grant's
			// holder, which issue 21 moved from the member to the team,
			// so only the chosen path's length is compared here (and
			// checkPaths checks the path is a real one).
			via = fmt.Sprintf("<%d hops>", len(r.Via))
		}
		lines = append(lines, fmt.Sprintf("%s | %s | %s | %s | %s | %s | direct=%t | via=%s | paths=%d | sensitive=%s\n",
			r.Principal, r.Privilege, r.PrivilegeID, r.Scope, r.Level, r.Assignment(), r.Direct,
			via, r.Paths, strings.Join(r.Sensitive, ",")))
	}
	// Rows come in path order, which follows grant ids; the lines are
	// sorted so that only the access itself is compared.
	slices.Sort(lines)
	return strings.Join(lines, "")
}

// accessCases are the fakes whose effective access is pinned: the test
// organisation (an owner's and a member's token) and a generated one with
// nested teams four levels deep.
func accessCases() []struct {
	name  string
	sc    func(t testing.TB) *ghsim.Scenario
	token string
} {
	return []struct {
		name  string
		sc    func(t testing.TB) *ghsim.Scenario
		token string
	}{
		{"contoso-owner", contoso, ownerToken},
		{"contoso-member", contoso, memberToken},
		{"generated", func(testing.TB) *ghsim.Scenario {
			return ghsim.Generate(ghsim.Params{Org: "contoso", Members: 120, Teams: 16, Repos: 60, Token: ownerToken, Seed: 21})
		}, ownerToken},
	}
}

// TestIssue21EffectiveAccessUnchanged compares the effective access every
// person holds — privilege, level, scope, assignment, path — with the
// golden files written from the snapshots the scanner produced before
// issue 21, when team access was emitted as one grant per member, team
// and repository. Team grants are now emitted on the team with
// memberships; policies/access expands them and must find the same
// access by the same paths. (Teams themselves now have rows — their own
// repository grants — which the comparison leaves out; see
// effectiveAccess.)
func TestIssue21EffectiveAccessUnchanged(t *testing.T) {
	for _, c := range accessCases() {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, c.sc(t), ghsim.Options{})
			snap, _ := h.scan(h.target(c.token))
			got := effectiveAccess(snap)
			checkPaths(t, snap)
			path := filepath.Join("testdata", "golden", "access-"+c.name+".txt")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("effective access differs from %s:\n%s", path, setDiff(string(want), got))
			}
		})
	}
}

// setDiff lists the lines only in want (-) and only in got (+), at most
// 40 of each.
func setDiff(want, got string) string {
	w := map[string]int{}
	for _, l := range strings.Split(want, "\n") {
		w[l]++
	}
	g := map[string]int{}
	for _, l := range strings.Split(got, "\n") {
		g[l]++
	}
	var out []string
	n := 0
	for _, l := range strings.Split(want, "\n") {
		if g[l] == 0 && n < 40 {
			out = append(out, "- "+l)
			n++
		}
	}
	n = 0
	for _, l := range strings.Split(got, "\n") {
		if w[l] == 0 && n < 40 {
			out = append(out, "+ "+l)
			n++
		}
	}
	return strings.Join(out, "\n")
}

// checkPaths checks that every person's team path policies/access chose
// is real: the person is a member of the first team, each team of the
// next, and the last holds the grant.
func checkPaths(t *testing.T, snap *findings.Snapshot) {
	t.Helper()
	member := map[[2]string]bool{}
	for _, m := range snap.Memberships {
		member[[2]string{m.MemberID, m.GroupID}] = true
	}
	holder := map[string]string{}
	for _, g := range snap.Grants {
		holder[g.ID] = g.PrincipalID
	}
	res := access.Compute(snap, access.Options{AsOf: scannertest.FixedNow})
	checked := 0
	for _, r := range res.Rows {
		if len(r.Via) == 0 || !strings.HasPrefix(r.Via[0], "team:") {
			continue
		}
		prev := r.Principal
		for _, v := range r.Via {
			if !member[[2]string{prev, v}] {
				t.Errorf("%s %s %s: via %v: %s is not a member of %s", r.Principal, r.Privilege, r.Scope, r.Via, prev, v)
			}
			prev = v
		}
		if holder[r.Grant] != prev {
			t.Errorf("%s %s %s: via %v ends at %s, but grant %s is held by %s", r.Principal, r.Privilege, r.Scope, r.Via, prev, r.Grant, holder[r.Grant])
		}
		checked++
	}
	if checked == 0 {
		t.Errorf("no team path to check")
	}
}

// TestIssue21ChecksUnchanged: the checks and their evidence are the same
// on the snapshots written before issue 21 (testdata/pre-issue21: team
// access as one grant per member, team and repository) and on today's
// (grants on the teams, expanded by policies/access): every finding's
// status, subjects, message and evidence — each person's access with its
// path — in both profiles.
func TestIssue21ChecksUnchanged(t *testing.T) {
	engine, err := policies.NewEngine(policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range accessCases()[:2] {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, c.sc(t), ghsim.Options{})
			now, _ := h.scan(h.target(c.token))
			fh, err := os.Open(filepath.Join("testdata", "pre-issue21", c.name+".snapshot.json"))
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			before, err := findings.DecodeSnapshot(fh, c.name)
			if err != nil {
				t.Fatal(err)
			}
			if len(before.Grants) <= len(now.Grants) {
				t.Errorf("grants: %d before, %d now: team grants should be fewer", len(before.Grants), len(now.Grants))
			}
			cfg := h.config(h.target(c.token))
			for _, profile := range []string{policies.ProfileReadiness, policies.ProfileExit} {
				opts := policies.EvalOptions{Profile: profile, AsOf: scannertest.FixedNow}
				if profile == policies.ProfileExit {
					opts.ExitProvider = "Acme IT"
				}
				render := func(s *findings.Snapshot) string {
					// The gaps are the same collections for the same
					// reasons; their wording names the endpoint, which
					// is GraphQL's now.
					cp := *s
					cp.Gaps = slices.Clone(s.Gaps)
					for i := range cp.Gaps {
						cp.Gaps[i].Error = "not read"
					}
					a, err := engine.Evaluate(context.Background(), &cp, cfg, opts)
					if err != nil {
						t.Fatal(err)
					}
					var lines []string
					lines = append(lines, "verdict "+string(a.Verdict))
					for _, sv := range a.Systems {
						lines = append(lines, fmt.Sprintf("system %s holds keys %s", sv.System, sv.HoldsKeys))
					}
					for _, f := range a.Findings {
						// Evidence lists rows in path order, which
						// follows grant ids (now the teams').
						ev := slices.Clone(f.Evidence)
						slices.Sort(ev)
						lines = append(lines, fmt.Sprintf("%s %s %s %v %s %q", f.Check, f.Status, f.Severity, f.Subjects, f.Message, ev))
					}
					return strings.Join(lines, "\n")
				}
				want, got := render(before), render(now)
				if want != got {
					t.Errorf("%s: checks differ between the pre-issue-21 snapshot and today's:\n%s", profile, setDiff(want, got))
				}
				// The report's access table: each person's privileged
				// access with its path, as before (teams now have rows
				// of their own: they hold the grants).
				table := func(s *findings.Snapshot) string {
					a, err := engine.Evaluate(context.Background(), s, cfg, opts)
					if err != nil {
						t.Fatal(err)
					}
					w, err := report.New("csv", report.Options{})
					if err != nil {
						t.Fatal(err)
					}
					var buf bytes.Buffer
					if err := w.WriteFile("access.csv", &buf, a); err != nil {
						t.Fatal(err)
					}
					var lines []string
					for _, l := range strings.Split(buf.String(), "\n") {
						if !strings.Contains(l, ",team,") {
							lines = append(lines, l)
						}
					}
					slices.Sort(lines)
					return strings.Join(lines, "\n")
				}
				tb, tn := table(before), table(now)
				if tb != tn {
					t.Errorf("%s: access.csv differs for persons:\n%s", profile, setDiff(tb, tn))
				}
				if !strings.Contains(tn, "acme-erin") || !strings.Contains(tn, "SRE → Platform → Engineering") {
					t.Errorf("%s: access.csv lacks Erin's path through the teams:\n%s", profile, tn)
				}
			}
		})
	}
}
