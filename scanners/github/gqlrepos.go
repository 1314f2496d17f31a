package github

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Repositories and their direct collaborators in one GraphQL listing:
// 100 repositories a page, each with its first 100 direct collaborators
// (about one point a page); a repository with more is followed by its own
// nested pages. permissionSources names a custom repository role
// (roleName), which the edge's permission (the base role) does not.

const reposQuery = `query OrgRepositories($org: String!, $after: String) {
  organization(login: $org) {
    repositories(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes {
        databaseId name nameWithOwner visibility isArchived isFork
        collaborators(first: 100, affiliation: DIRECT) {
          pageInfo { hasNextPage endCursor }
          edges {
            permission
            permissionSources { permission roleName source { __typename ... on Repository { nameWithOwner } } }
            node { login databaseId }
          }
        }
      }
    }
  }
  rateLimit { cost remaining resetAt }
}`

// reposQueryNoCollaborators is reposQuery for collaborators: none.
const reposQueryNoCollaborators = `query OrgRepositories($org: String!, $after: String) {
  organization(login: $org) {
    repositories(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { databaseId name nameWithOwner visibility isArchived isFork }
    }
  }
  rateLimit { cost remaining resetAt }
}`

const collaboratorsQuery = `query RepoCollaborators($org: String!, $name: String!, $after: String) {
  repository(owner: $org, name: $name) {
    collaborators(first: 100, after: $after, affiliation: DIRECT) {
      pageInfo { hasNextPage endCursor }
      edges {
        permission
        permissionSources { permission roleName source { __typename ... on Repository { nameWithOwner } } }
        node { login databaseId }
      }
    }
  }
  rateLimit { cost remaining resetAt }
}`

type gqlPageInfo struct {
	HasNextPage bool    `json:"hasNextPage"`
	EndCursor   *string `json:"endCursor"`
}

func (p gqlPageInfo) next() string {
	if p.HasNextPage && p.EndCursor != nil {
		return *p.EndCursor
	}
	return ""
}

// collaboratorEdge is a RepositoryCollaboratorEdge.
type collaboratorEdge struct {
	Permission        string `json:"permission"`
	PermissionSources []struct {
		Permission string `json:"permission"`
		RoleName   string `json:"roleName"`
		Source     struct {
			Typename      string `json:"__typename"`
			NameWithOwner string `json:"nameWithOwner"`
		} `json:"source"`
	} `json:"permissionSources"`
	Node struct {
		Login      string `json:"login"`
		DatabaseID *int64 `json:"databaseId"`
	} `json:"node"`
}

type collaboratorConn struct {
	PageInfo gqlPageInfo        `json:"pageInfo"`
	Edges    []collaboratorEdge `json:"edges"`
}

type gqlRepo struct {
	DatabaseID    int64             `json:"databaseId"`
	Name          string            `json:"name"`
	NameWithOwner string            `json:"nameWithOwner"`
	Visibility    string            `json:"visibility"`
	IsArchived    bool              `json:"isArchived"`
	IsFork        bool              `json:"isFork"`
	Collaborators *collaboratorConn `json:"collaborators"`
}

func (r gqlRepo) info(org string) repoInfo {
	full := r.NameWithOwner
	if full == "" {
		full = org + "/" + r.Name
	}
	return repoInfo{ID: r.DatabaseID, Name: r.Name, FullName: full, Visibility: strings.ToLower(r.Visibility),
		Archived: r.IsArchived, Fork: r.IsFork}
}

// gqlPerms maps a RepositoryPermission to REST's permission flags.
func gqlPerms(p string) map[string]bool {
	rank := map[string]int{"READ": 1, "TRIAGE": 2, "WRITE": 3, "MAINTAIN": 4, "ADMIN": 5}[strings.ToUpper(p)]
	return map[string]bool{"pull": rank >= 1, "triage": rank >= 2, "push": rank >= 3, "maintain": rank >= 4, "admin": rank >= 5}
}

// roleName is the role a direct collaborator holds: the roleName of the
// permission source that is the repository itself (a custom role's
// name), else the permission in REST's words.
func (e collaboratorEdge) roleName() string {
	for _, s := range e.PermissionSources {
		if s.Source.Typename == "Repository" && s.RoleName != "" {
			return s.RoleName
		}
	}
	return strings.ToLower(e.Permission)
}

// readReposGraphQL lists repositories, with their direct collaborators
// unless collaborators: none. It returns false, having recorded nothing,
// when the listing failed: the REST path then reads both.
func (sc *scan) readReposGraphQL(ctx context.Context) bool {
	query := reposQuery
	withCollabs := sc.s.cfg.Collaborators != "none"
	if !withCollabs {
		query = reposQueryNoCollaborators
	}
	var failed []gqlError // per-repository collaborator errors
	nodes, err := cursorPages(ctx, sc.s, "graphql OrgRepositories", func(ctx context.Context, after string) ([]gqlRepo, string, error) {
		var data struct {
			Organization *struct {
				Repositories struct {
					PageInfo gqlPageInfo `json:"pageInfo"`
					Nodes    []gqlRepo   `json:"nodes"`
				} `json:"repositories"`
			} `json:"organization"`
		}
		vars := map[string]any{"org": sc.org, "after": nil}
		if after != "" {
			vars["after"] = after
		}
		errs, err := sc.c.graphql(ctx, "OrgRepositories", query, vars, &data)
		if err != nil {
			return nil, "", err
		}
		if data.Organization == nil {
			return nil, "", gqlFailure("graphql OrgRepositories", append(errs, gqlError{Type: "NOT_FOUND", Message: "no organization in the answer"}))
		}
		r := data.Organization.Repositories
		// Field errors name the repository by its index in this page:
		// tag each with the repository's full name.
		for _, e := range errs {
			if idx, ok := nodeIndex(e.Path, "repositories"); ok && idx < len(r.Nodes) {
				e.Message = r.Nodes[idx].NameWithOwner + "\x00" + e.Message
			}
			failed = append(failed, e)
		}
		return r.Nodes, r.PageInfo.next(), nil
	})
	if err != nil {
		if ctx.Err() == nil {
			sc.s.env.Logger.Debug("github: repositories by GraphQL failed; reading them by REST", "error", sc.c.red.String(err.Error()))
		}
		return false
	}
	seen := map[int64]bool{}
	public := 0
	sc.collabs = map[string][]collaboratorEdge{}
	sc.collabErrs = map[string]error{}
	for _, n := range nodes {
		if seen[n.DatabaseID] {
			continue
		}
		seen[n.DatabaseID] = true
		ri := n.info(sc.org)
		if ri.Visibility == "public" {
			public++
		}
		sc.repos = append(sc.repos, ri)
		if n.Collaborators == nil {
			continue
		}
		edges := n.Collaborators.Edges
		if after := n.Collaborators.PageInfo.next(); after != "" {
			more, err := sc.moreCollaborators(ctx, ri, after)
			edges = append(edges, more...)
			if err != nil {
				sc.collabErrs[ri.FullName] = err
			}
		}
		sc.collabs[ri.FullName] = edges
	}
	for _, e := range failed {
		full, msg, ok := strings.Cut(e.Message, "\x00")
		if !ok {
			// An error that names no repository: every repository's
			// collaborators are in doubt.
			for _, r := range sc.repos {
				if _, done := sc.collabErrs[r.FullName]; !done {
					sc.collabErrs[r.FullName] = gqlFailure("graphql OrgRepositories", []gqlError{e})
				}
			}
			continue
		}
		e.Message = msg
		err := gqlFailure("graphql OrgRepositories", []gqlError{e})
		if e.Type == "FORBIDDEN" {
			err = fmt.Errorf("%w (GitHub gives collaborators only to callers with push access to the repository)", err)
		}
		sc.collabErrs[full] = err
	}
	sc.collabsRead = withCollabs
	sort.Slice(sc.repos, func(i, j int) bool { return sc.repos[i].FullName < sc.repos[j].FullName })
	sc.system.Attributes["repositories"] = strconv.Itoa(len(sc.repos))
	sc.system.Attributes["public_repositories"] = strconv.Itoa(public)
	return true
}

// nodeIndex returns the index that follows conn, "nodes" in a GraphQL
// error path.
func nodeIndex(path []any, conn string) (int, bool) {
	for i := 0; i+2 < len(path); i++ {
		if fmt.Sprint(path[i]) == conn && fmt.Sprint(path[i+1]) == "nodes" {
			switch v := path[i+2].(type) {
			case float64:
				return int(v), true
			case int:
				return v, true
			}
		}
	}
	return 0, false
}

// moreCollaborators follows a repository's collaborator pages after the
// first.
func (sc *scan) moreCollaborators(ctx context.Context, r repoInfo, after string) ([]collaboratorEdge, error) {
	first := true
	return cursorPages(ctx, sc.s, "graphql RepoCollaborators "+r.FullName, func(ctx context.Context, cur string) ([]collaboratorEdge, string, error) {
		if first {
			cur, first = after, false
		}
		var data struct {
			Repository *struct {
				Collaborators *collaboratorConn `json:"collaborators"`
			} `json:"repository"`
		}
		errs, err := sc.c.graphql(ctx, "RepoCollaborators", collaboratorsQuery, map[string]any{"org": sc.org, "name": r.Name, "after": cur}, &data)
		if err != nil {
			return nil, "", err
		}
		if data.Repository == nil || data.Repository.Collaborators == nil {
			if len(errs) == 0 {
				errs = []gqlError{{Type: "NOT_FOUND", Message: "no collaborators in the answer"}}
			}
			return nil, "", gqlFailure("graphql RepoCollaborators "+r.FullName, errs)
		}
		c := data.Repository.Collaborators
		return c.Edges, c.PageInfo.next(), nil
	})
}

// emitGraphQLCollaborators turns the collaborators read with the
// repositories into grants, as readCollaborators does for REST.
func (sc *scan) emitGraphQLCollaborators(ctx context.Context, todo []repoInfo) error {
	var fail failures
	for _, r := range todo {
		for _, e := range sc.collabs[r.FullName] {
			if e.Node.DatabaseID == nil {
				continue
			}
			sc.collaboratorGrant(r, sc.collaborator(e.Node.Login, *e.Node.DatabaseID, "User"), gqlPerms(e.Permission), e.roleName())
		}
		fail.add(r.FullName, sc.collabErrs[r.FullName])
	}
	return fail.err(len(todo), "repositories' collaborators")
}
