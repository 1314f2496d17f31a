package github

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keyholder/keyholder/findings"
	ghsim "github.com/keyholder/keyholder/internal/sim/github"
)

// facts is a snapshot with what legitimately differs between the REST and
// GraphQL paths blanked: the endpoint (each harness has its own) and the
// gaps' wording (which names the endpoint; collection and reason stay).
func facts(s *findings.Snapshot) *findings.Snapshot {
	cp := *noEndpoint(s)
	cp.Gaps = append([]findings.Gap(nil), s.Gaps...)
	for i := range cp.Gaps {
		cp.Gaps[i].Error = ""
	}
	return &cp
}

// TestIssue21GraphQLSameFactsAsREST: on the same fake, the GraphQL path
// (members, teams, repositories and collaborators by GraphQL) and the
// REST path give the same snapshot: principals, grants, memberships,
// trusts, gaps (by collection and reason), system attributes.
func TestIssue21GraphQLSameFactsAsREST(t *testing.T) {
	for _, c := range accessCases() {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, c.sc(t), ghsim.Options{})
			gql, _ := h.scan(h.target(c.token))
			gqlRequests := h.fake.Requests()
			h.fake.ResetCounters()
			rest := h.scanREST(h.target(c.token))
			restRequests := h.fake.Requests()
			if diff := cmp.Diff(facts(rest), facts(gql)); diff != "" {
				t.Errorf("GraphQL path differs from REST (-rest +graphql):\n%s", diff)
			}
			if h.fake.Count("POST /graphql") == 0 && c.name == "generated" {
				t.Error("the REST path sent no GraphQL at all: profiles are GraphQL on both")
			}
			if gqlRequests >= restRequests {
				t.Errorf("GraphQL path: %d requests, REST: %d", gqlRequests, restRequests)
			}
		})
	}
}

// TestIssue21SchemaFallback: on a server whose GraphQL schema lacks a
// field the scanner asks for (an older GitHub Enterprise Server), the
// collection that needs it is read by REST — the facts are the same —
// and a debug log says so.
func TestIssue21SchemaFallback(t *testing.T) {
	sc := ghsim.Generate(ghsim.Params{Org: "contoso", Members: 120, Teams: 16, Repos: 60, Token: ownerToken, Seed: 21})
	h := newHarness(t, sc, ghsim.Options{})
	want, _ := h.scan(h.target(ownerToken))
	for _, c := range []struct {
		field, log, restRoute string
	}{
		{"membersWithRole", "members by GraphQL failed; reading them by REST", "GET /orgs/{org}/members"},
		{"parentTeam", "teams by GraphQL failed; reading them by REST", "GET /orgs/{org}/teams/{team_slug}/members"},
		{"permissionSources", "repositories by GraphQL failed; reading them by REST", "GET /repos/{owner}/{repo}/collaborators"},
	} {
		t.Run(c.field, func(t *testing.T) {
			h := newHarness(t, sc, ghsim.Options{MissingGraphQLFields: []string{c.field}})
			var logs bytes.Buffer
			s := h.scanner(h.env(&logs), h.target(ownerToken))
			got, err := s.Scan(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if c.field == "membersWithRole" {
				// Profiles need membersWithRole too: names, e-mails and
				// the profile gap are what that server cannot give.
				if _, ok := gapOf(got, "principals/profiles"); !ok {
					t.Errorf("no profiles gap; gaps: %+v", got.Gaps)
				}
				for _, p := range got.Principals {
					if p.Kind == findings.PrincipalUser && p.Attributes["org_role"] == orgRoleMember {
						findGrant(t, got, p.ID, "member", "org:contoso")
					}
				}
				if len(got.Grants) != len(want.Grants) || len(got.Memberships) != len(want.Memberships) {
					t.Errorf("grants %d/%d memberships %d/%d", len(got.Grants), len(want.Grants), len(got.Memberships), len(want.Memberships))
				}
			} else if diff := cmp.Diff(facts(want), facts(got)); diff != "" {
				t.Errorf("facts differ from the full GraphQL scan (-want +got):\n%s", diff)
			}
			if !strings.Contains(logs.String(), c.log) || !strings.Contains(logs.String(), "doesn't exist on type") {
				t.Errorf("no debug log %q naming the schema error:\n%s", c.log, logs.String())
			}
			if h.fake.Count(c.restRoute) == 0 {
				t.Errorf("no REST request %s", c.restRoute)
			}
		})
	}
}

// TestIssue21HiddenChildTeam: a secret child team the token cannot see is
// in neither team listing, but its members reach the parent's
// repositories; GraphQL's CHILD_TEAM count gives it away and the parent's
// members are read by REST, which lists them: the members keep their
// access, through the parent.
func TestIssue21HiddenChildTeam(t *testing.T) {
	h := newHarness(t, contoso(t), ghsim.Options{HiddenTeams: []string{"sre"}})
	snap, _ := h.scan(h.target(ownerToken))
	// Erin is in sre (hidden), a child of platform: platform lists her
	// (inherited), so she is made a member of platform.
	r := effRow(t, snap, uid("202"), "admin", "repo:contoso/infra")
	if diff := cmp.Diff([]string{tid("402"), tid("401")}, r.Via); diff != "" {
		t.Errorf("erin's path to infra (-want +got):\n%s", diff)
	}
	if h.fake.Count("GET /orgs/{org}/teams/{team_slug}/members") == 0 {
		t.Error("the parent team's members were not read by REST")
	}
}
