package github

import (
	"slices"
	"strings"
)

// The GraphQL connections of access: organization.teams with each team's
// immediate members and repositories, organization.repositories with
// each repository's direct collaborators, and the nested pages of each
// (team(slug:) members or repositories, repository(owner:,name:)
// collaborators). Shapes follow GitHub's schema: TeamMemberEdge.role
// (MAINTAINER, MEMBER), TeamRepositoryEdge.permission and
// RepositoryCollaboratorEdge.permission (ADMIN, MAINTAIN, WRITE, TRIAGE,
// READ), RepositoryCollaboratorEdge.permissionSources (roleName names a
// custom role), Team.privacy (SECRET, VISIBLE), Repository.visibility
// (PUBLIC, PRIVATE, INTERNAL).

// hidden reports whether a team is invisible to the caller.
func (f *Fake) hidden(slug string) bool {
	return slices.Contains(f.o.HiddenTeams, slug)
}

// gqlPermission is the RepositoryPermission of a role (a custom role's
// base role).
func gqlPermission(role, base string) string {
	eff := role
	switch role {
	case "read", "pull", "triage", "write", "push", "maintain", "admin":
	default:
		eff = base
	}
	switch eff {
	case "admin":
		return "ADMIN"
	case "maintain":
		return "MAINTAIN"
	case "write", "push":
		return "WRITE"
	case "triage":
		return "TRIAGE"
	}
	return "READ"
}

func (f *Fake) gqlTeamMembers(t *Team, after string) obj {
	start, end, pi := gqlPage(len(t.Members), after)
	edges := []any{}
	for _, m := range t.Members[start:end] {
		role := "MEMBER"
		if m.Role == "maintainer" {
			role = "MAINTAINER"
		}
		node := obj{"login": m.Login, "databaseId": nil}
		if u := f.users[strings.ToLower(m.Login)]; u != nil {
			node["databaseId"] = u.ID
		}
		edges = append(edges, obj{"role": role, "node": node})
	}
	return obj{"totalCount": len(t.Members), "pageInfo": pi, "edges": edges}
}

func (f *Fake) gqlTeamRepos(t *Team, after string) obj {
	var list []RepoAccess
	for _, ra := range t.Repos {
		if f.repos[strings.ToLower(ra.Repo)] != nil {
			list = append(list, ra)
		}
	}
	start, end, pi := gqlPage(len(list), after)
	edges := []any{}
	for _, ra := range list[start:end] {
		r := f.repos[strings.ToLower(ra.Repo)]
		edges = append(edges, obj{"permission": gqlPermission(ra.Permission, ""), "node": f.gqlRepoNode(r)})
	}
	return obj{"totalCount": len(list), "pageInfo": pi, "edges": edges}
}

func (f *Fake) gqlRepoNode(r *Repo) obj {
	return obj{
		"databaseId":    r.ID,
		"name":          r.Name,
		"nameWithOwner": f.sc.Org.Login + "/" + r.Name,
		"visibility":    strings.ToUpper(visibility(*r)),
		"isArchived":    r.Archived,
		"isFork":        r.Fork,
	}
}

// childTeamMembers counts the distinct members of a team's descendant
// teams, hidden ones included (GitHub counts what the caller cannot see).
func (f *Fake) childTeamMembers(slug string) int {
	seen := map[string]bool{}
	var walk func(s string)
	walk = func(s string) {
		for _, c := range f.children[s] {
			if t := f.teams[c]; t != nil {
				for _, m := range t.Members {
					seen[strings.ToLower(m.Login)] = true
				}
			}
			walk(c)
		}
	}
	walk(slug)
	return len(seen)
}

func (f *Fake) gqlTeams(g *gqlAnswer, after string) {
	var teams []*Team
	for _, t := range f.sortedTeams() {
		if !f.hidden(t.Slug) {
			teams = append(teams, t)
		}
	}
	start, end, pi := gqlPage(len(teams), after)
	nodes := []any{}
	for _, t := range teams[start:end] {
		privacy := "VISIBLE"
		if t.Privacy == "secret" {
			privacy = "SECRET"
		}
		var parent any
		if p := f.teams[t.Parent]; p != nil && !f.hidden(p.Slug) {
			parent = obj{"slug": p.Slug}
		}
		nodes = append(nodes, obj{
			"databaseId":   t.ID,
			"slug":         t.Slug,
			"name":         t.Name,
			"privacy":      privacy,
			"parentTeam":   parent,
			"members":      f.gqlTeamMembers(t, ""),
			"childMembers": obj{"totalCount": f.childTeamMembers(t.Slug)},
			"repositories": f.gqlTeamRepos(t, ""),
		})
	}
	g.write(obj{"organization": obj{"teams": obj{"totalCount": len(teams), "pageInfo": pi, "nodes": nodes}}}, nil)
}

// gqlTeamPage answers a nested page of one team's members or
// repositories.
func (f *Fake) gqlTeamPage(g *gqlAnswer, q, after string) {
	slug, _ := g.vars["slug"].(string)
	t := f.teams[slug]
	if t == nil || f.hidden(slug) {
		g.write(obj{"organization": obj{"team": nil}}, nil)
		return
	}
	team := obj{}
	if strings.Contains(q, "members(") {
		team["members"] = f.gqlTeamMembers(t, after)
	} else {
		team["repositories"] = f.gqlTeamRepos(t, after)
	}
	g.write(obj{"organization": obj{"team": team}}, nil)
}

func (f *Fake) gqlCollaborators(r *Repo, after string) obj {
	start, end, pi := gqlPage(len(r.Collaborators), after)
	edges := []any{}
	for _, c := range r.Collaborators[start:end] {
		_, name := permissionFlags(c.Permission, c.Base)
		perm := gqlPermission(c.Permission, c.Base)
		node := obj{"login": c.Login, "databaseId": nil}
		if u := f.users[strings.ToLower(c.Login)]; u != nil {
			node["databaseId"] = u.ID
		}
		edges = append(edges, obj{
			"permission": perm,
			"permissionSources": []any{obj{
				"permission": perm,
				"roleName":   name,
				"source":     obj{"__typename": "Repository", "nameWithOwner": f.sc.Org.Login + "/" + r.Name},
			}},
			"node": node,
		})
	}
	return obj{"totalCount": len(r.Collaborators), "pageInfo": pi, "edges": edges}
}

const pushAccessMessage = "Must have push access to view repository collaborators."

func (f *Fake) gqlRepos(g *gqlAnswer, after string, withCollaborators bool) {
	repos := f.sortedRepos()
	start, end, pi := gqlPage(len(repos), after)
	nodes := []any{}
	var errs []any
	for i, r := range repos[start:end] {
		n := f.gqlRepoNode(r)
		if withCollaborators {
			if g.who.owner {
				n["collaborators"] = f.gqlCollaborators(r, "")
			} else {
				n["collaborators"] = nil
				errs = append(errs, obj{"type": "FORBIDDEN", "message": pushAccessMessage,
					"path": []any{"organization", "repositories", "nodes", i, "collaborators"}})
			}
		}
		nodes = append(nodes, n)
	}
	g.write(obj{"organization": obj{"repositories": obj{"totalCount": len(repos), "pageInfo": pi, "nodes": nodes}}}, errs)
}

// gqlCollaboratorPage answers a nested page of one repository's
// collaborators.
func (f *Fake) gqlCollaboratorPage(g *gqlAnswer, after string) {
	name, _ := g.vars["name"].(string)
	r := f.repos[strings.ToLower(name)]
	if r == nil {
		g.write(obj{"repository": nil}, []any{obj{"type": "NOT_FOUND", "path": []any{"repository"},
			"message": "Could not resolve to a Repository with the name '" + name + "'."}})
		return
	}
	if !g.who.owner {
		g.write(obj{"repository": obj{"collaborators": nil}}, []any{obj{"type": "FORBIDDEN", "message": pushAccessMessage,
			"path": []any{"repository", "collaborators"}}})
		return
	}
	g.write(obj{"repository": obj{"collaborators": f.gqlCollaborators(r, after)}}, nil)
}
