package github

import (
	"context"
	"sort"
	"strconv"
	"strings"
)

// Teams with their immediate members and repositories in one GraphQL
// listing: 100 teams a page, each with its first 100 immediate members
// and first 100 repositories (about three points a page); a team with
// more is followed by its own nested pages. childMembers counts the
// members of the team's child teams, hidden ones included: when it is
// more than the visible child teams hold, a secret child team the token
// cannot see exists, and the team's members are read by REST, which
// lists them all (flagged inherited).
//
// TeamRepositoryEdge.permission is the base role only: where the
// organisation has custom repository roles (or they could not be read),
// the teams' repositories are read by REST, whose role_name names them.

const teamsQuery = `query OrgTeams($org: String!, $after: String) {
  organization(login: $org) {
    teams(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes {
        databaseId slug name privacy parentTeam { slug }
        members(first: 100, membership: IMMEDIATE) {
          pageInfo { hasNextPage endCursor }
          edges { role node { login databaseId } }
        }
        childMembers: members(first: 1, membership: CHILD_TEAM) { totalCount }
        repositories(first: 100) {
          pageInfo { hasNextPage endCursor }
          edges { permission node { databaseId name nameWithOwner visibility isArchived isFork } }
        }
      }
    }
  }
  rateLimit { cost remaining resetAt }
}`

const teamMembersQuery = `query TeamMembers($org: String!, $slug: String!, $after: String) {
  organization(login: $org) {
    team(slug: $slug) {
      members(first: 100, after: $after, membership: IMMEDIATE) {
        pageInfo { hasNextPage endCursor }
        edges { role node { login databaseId } }
      }
    }
  }
  rateLimit { cost remaining resetAt }
}`

const teamReposQuery = `query TeamRepositories($org: String!, $slug: String!, $after: String) {
  organization(login: $org) {
    team(slug: $slug) {
      repositories(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { permission node { databaseId name nameWithOwner visibility isArchived isFork } }
      }
    }
  }
  rateLimit { cost remaining resetAt }
}`

type teamMemberEdge struct {
	Role string `json:"role"`
	Node struct {
		Login      string `json:"login"`
		DatabaseID *int64 `json:"databaseId"`
	} `json:"node"`
}

type teamMemberConn struct {
	PageInfo gqlPageInfo      `json:"pageInfo"`
	Edges    []teamMemberEdge `json:"edges"`
}

type teamRepoEdge struct {
	Permission string  `json:"permission"`
	Node       gqlRepo `json:"node"`
}

type teamRepoConn struct {
	PageInfo gqlPageInfo    `json:"pageInfo"`
	Edges    []teamRepoEdge `json:"edges"`
}

type gqlTeam struct {
	DatabaseID int64  `json:"databaseId"`
	Slug       string `json:"slug"`
	Name       string `json:"name"`
	Privacy    string `json:"privacy"`
	ParentTeam *struct {
		Slug string `json:"slug"`
	} `json:"parentTeam"`
	Members      teamMemberConn `json:"members"`
	ChildMembers struct {
		TotalCount int `json:"totalCount"`
	} `json:"childMembers"`
	Repositories teamRepoConn `json:"repositories"`
}

// gqlPrivacy maps Team.privacy to REST's words.
func gqlPrivacy(p string) string {
	switch p {
	case "SECRET":
		return "secret"
	case "VISIBLE":
		return "closed"
	}
	return strings.ToLower(p)
}

func (e teamMemberEdge) member() teamMember {
	inherited := false
	m := teamMember{Login: e.Node.Login, Type: "User", Role: strings.ToLower(e.Role), Inherited: &inherited}
	if e.Node.DatabaseID != nil {
		m.ID = *e.Node.DatabaseID
	}
	return m
}

func (e teamRepoEdge) repo(org string) teamRepo {
	return teamRepo{repo: e.Node.info(org), perms: gqlPerms(e.Permission), role: strings.ToLower(e.Permission)}
}

// readTeamsGraphQL lists teams with their members and repositories. It
// returns false, having recorded nothing, when the team listing failed:
// the REST path then reads everything.
func (sc *scan) readTeamsGraphQL(ctx context.Context) bool {
	nodes, err := cursorPages(ctx, sc.s, "graphql OrgTeams", func(ctx context.Context, after string) ([]gqlTeam, string, error) {
		var data struct {
			Organization *struct {
				Teams struct {
					PageInfo gqlPageInfo `json:"pageInfo"`
					Nodes    []gqlTeam   `json:"nodes"`
				} `json:"teams"`
			} `json:"organization"`
		}
		vars := map[string]any{"org": sc.org, "after": nil}
		if after != "" {
			vars["after"] = after
		}
		errs, err := sc.c.graphql(ctx, "OrgTeams", teamsQuery, vars, &data)
		if err != nil {
			return nil, "", err
		}
		if data.Organization == nil {
			return nil, "", gqlFailure("graphql OrgTeams", append(errs, gqlError{Type: "NOT_FOUND", Message: "no organization in the answer"}))
		}
		if len(errs) > 0 {
			// A team's members or repositories came back null: the
			// listing is incomplete, and REST reads it whole.
			return nil, "", gqlPartial("graphql OrgTeams", errs)
		}
		t := data.Organization.Teams
		return t.Nodes, t.PageInfo.next(), nil
	})
	if err != nil {
		if ctx.Err() == nil {
			sc.s.env.Logger.Debug("github: teams by GraphQL failed; reading them by REST", "error", sc.c.red.String(err.Error()))
		}
		return false
	}
	bySlug := map[string]*teamInfo{}
	raw := map[string]gqlTeam{}
	for _, n := range nodes {
		ti := &teamInfo{ID: n.DatabaseID, Slug: n.Slug, Name: n.Name, Privacy: gqlPrivacy(n.Privacy)}
		if n.ParentTeam != nil {
			ti.Parent = n.ParentTeam.Slug
		}
		if bySlug[ti.Slug] == nil {
			raw[ti.Slug] = n
		}
		sc.addTeam(bySlug, ti)
	}
	sort.Slice(sc.teams, func(i, j int) bool { return sc.teams[i].Slug < sc.teams[j].Slug })
	sc.system.Attributes["teams"] = strconv.Itoa(len(sc.teams))

	// Custom repository roles are named by REST only.
	restRepos := len(sc.customRoles) > 0 || sc.customRolesErr != nil
	if restRepos {
		sc.s.env.Logger.Debug("github: the organisation has custom repository roles (or they could not be read); teams' repositories read by REST, whose role_name names them")
	}
	children := map[string][]string{}
	for _, t := range sc.teams {
		if t.Parent != "" {
			children[t.Parent] = append(children[t.Parent], t.Slug)
		}
	}
	var memberFail, repoFail failures
	forEach(ctx, sc, "teams", sc.teams, func(ctx context.Context, t *teamInfo) {
		n := raw[t.Slug]
		edges := n.Members.Edges
		var err error
		if after := n.Members.PageInfo.next(); after != "" {
			var more []teamMemberEdge
			more, err = nestedPages(ctx, sc, "TeamMembers", teamMembersQuery, t.Slug, after, func(d teamNested) ([]teamMemberEdge, gqlPageInfo, bool) {
				if d.Members == nil {
					return nil, gqlPageInfo{}, false
				}
				return d.Members.Edges, d.Members.PageInfo, true
			})
			edges = append(edges, more...)
		}
		for _, e := range edges {
			t.members = append(t.members, e.member())
		}
		memberFail.add(t.Slug, err)

		if restRepos {
			repos, rerr := sc.restTeamRepos(ctx, t)
			t.repos = repos
			repoFail.add(t.Slug, rerr)
			return
		}
		redges := n.Repositories.Edges
		var rerr error
		if after := n.Repositories.PageInfo.next(); after != "" {
			var more []teamRepoEdge
			more, rerr = nestedPages(ctx, sc, "TeamRepositories", teamReposQuery, t.Slug, after, func(d teamNested) ([]teamRepoEdge, gqlPageInfo, bool) {
				if d.Repositories == nil {
					return nil, gqlPageInfo{}, false
				}
				return d.Repositories.Edges, d.Repositories.PageInfo, true
			})
			redges = append(redges, more...)
		}
		for _, e := range redges {
			t.repos = append(t.repos, e.repo(sc.org))
		}
		repoFail.add(t.Slug, rerr)
	})
	// Members of child teams the token cannot see: read the team's
	// members by REST, which lists them (inherited).
	for _, t := range sc.teams {
		visible := map[string]bool{}
		var walk func(s string)
		walk = func(s string) {
			for _, c := range children[s] {
				if ct := bySlug[c]; ct != nil {
					for _, m := range ct.members {
						visible[strings.ToLower(m.Login)] = true
					}
				}
				walk(c)
			}
		}
		walk(t.Slug)
		if raw[t.Slug].ChildMembers.TotalCount <= len(visible) {
			continue
		}
		sc.s.env.Logger.Debug("github: a team's child teams hold members the token cannot see; its members read by REST",
			"team", t.Slug, "child_members", raw[t.Slug].ChildMembers.TotalCount, "visible", len(visible))
		members, err := sc.restTeamMembers(ctx, t)
		if err == nil {
			t.members = members
		}
		memberFail.add(t.Slug, err)
	}
	sc.gap(ctx, "grants/team_members", memberFail.err(len(sc.teams), "teams' members"), remedyTeams)
	sc.gap(ctx, "grants/team_repos", repoFail.err(len(sc.teams), "teams' repositories"), remedyTeams)
	return true
}

// teamNested is the team of a nested page query.
type teamNested struct {
	Members      *teamMemberConn `json:"members"`
	Repositories *teamRepoConn   `json:"repositories"`
}

// nestedPages follows one team's members or repositories after the first
// page.
func nestedPages[T any](ctx context.Context, sc *scan, name, query, slug, after string, pick func(teamNested) ([]T, gqlPageInfo, bool)) ([]T, error) {
	first := true
	return cursorPages(ctx, sc.s, "graphql "+name+" "+slug, func(ctx context.Context, cur string) ([]T, string, error) {
		if first {
			cur, first = after, false
		}
		var data struct {
			Organization *struct {
				Team *teamNested `json:"team"`
			} `json:"organization"`
		}
		errs, err := sc.c.graphql(ctx, name, query, map[string]any{"org": sc.org, "slug": slug, "after": cur}, &data)
		if err != nil {
			return nil, "", err
		}
		if data.Organization == nil || data.Organization.Team == nil {
			if len(errs) == 0 {
				errs = []gqlError{{Type: "NOT_FOUND", Message: "no team " + slug + " in the answer"}}
			}
			return nil, "", gqlFailure("graphql "+name+" "+slug, errs)
		}
		items, pi, ok := pick(*data.Organization.Team)
		if !ok {
			if len(errs) == 0 {
				errs = []gqlError{{Type: "NOT_FOUND", Message: "no connection in the answer"}}
			}
			return nil, "", gqlFailure("graphql "+name+" "+slug, errs)
		}
		return items, pi.next(), nil
	})
}
