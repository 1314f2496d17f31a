package github

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"

	"github.com/google/go-github/v60/github"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

// repoInfo is what the scan keeps of a repository.
type repoInfo struct {
	ID         int64
	Name       string
	FullName   string
	Visibility string
	Archived   bool
	Fork       bool
}

func (r repoInfo) scope() string { return "repo:" + r.FullName }

// readRepos lists the organisation's repositories (needed for direct
// collaborators and deploy keys; teams name theirs).
func (sc *scan) readRepos(ctx context.Context) {
	if !sc.s.restOnly && sc.readReposGraphQL(ctx) {
		return
	}
	endpoint := "/orgs/" + sc.org + "/repos?type=all"
	repos, err := listPages(ctx, sc.s, endpoint, func(ctx context.Context, o github.ListOptions) ([]*github.Repository, *github.Response, error) {
		return sc.c.gh.Repositories.ListByOrg(ctx, sc.org, &github.RepositoryListByOrgOptions{Type: "all", ListOptions: o})
	})
	err = sc.c.classify(endpoint, err)
	seen := map[int64]bool{}
	public := 0
	for _, r := range repos {
		if seen[r.GetID()] {
			continue
		}
		seen[r.GetID()] = true
		vis := r.GetVisibility()
		if vis == "" {
			vis = "private"
			if !r.GetPrivate() {
				vis = "public"
			}
		}
		if vis == "public" {
			public++
		}
		full := r.GetFullName()
		if full == "" {
			full = sc.org + "/" + r.GetName()
		}
		sc.repos = append(sc.repos, repoInfo{ID: r.GetID(), Name: r.GetName(), FullName: full, Visibility: vis,
			Archived: r.GetArchived(), Fork: r.GetFork()})
	}
	sort.Slice(sc.repos, func(i, j int) bool { return sc.repos[i].FullName < sc.repos[j].FullName })
	sc.system.Attributes["repositories"] = strconv.Itoa(len(sc.repos))
	sc.system.Attributes["public_repositories"] = strconv.Itoa(public)
	sc.gap(ctx, "grants/repositories", err, "classic PAT: repo (private repositories are listed only with repo); fine-grained or app: Repository metadata read on all repositories")
}

// repoLevel maps a collaborator's or team's permission flags to a level:
// admin → admin, maintain → privileged, push (write) → limited, triage and
// pull (read) → read. Custom roles carry the flags of their base role.
func repoLevel(perms map[string]bool, roleName string) (findings.Level, string) {
	level, name := findings.LevelRead, "read"
	switch {
	case perms["admin"]:
		level, name = findings.LevelAdmin, "admin"
	case perms["maintain"]:
		level, name = findings.LevelPrivileged, "maintain"
	case perms["push"]:
		level, name = findings.LevelLimited, "write"
	case perms["triage"]:
		level, name = findings.LevelRead, "triage"
	}
	if len(perms) == 0 {
		switch roleName {
		case "admin":
			level = findings.LevelAdmin
		case "maintain":
			level = findings.LevelPrivileged
		case "write", "push":
			level = findings.LevelLimited
		}
	}
	if roleName != "" {
		name = roleName
	}
	return level, name
}

// failures aggregates per-item errors of one collection into one gap. It
// keeps the error of the first item in name order, so the gap is the same
// whatever order concurrent workers finish in.
type failures struct {
	mu        sync.Mutex
	n         int
	firstItem string
	first     error
}

func (f *failures) add(item string, err error) {
	if err == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	if f.first == nil || item < f.firstItem {
		f.firstItem, f.first = item, fmt.Errorf("%s: %w", item, err)
	}
}

// err summarises the failures out of total items, keeping the first
// error's class.
func (f *failures) err(total int, what string) error {
	if f.n == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d %s could not be read; first: %w", f.n, total, what, f.first)
}

// readCollaborators reads every repository's direct collaborators
// (affiliation=direct: outside collaborators and members added to the
// repository itself; team and owner access is read elsewhere).
func (sc *scan) readCollaborators(ctx context.Context) {
	var todo []repoInfo
	skipped := 0
	for _, r := range sc.repos {
		switch {
		case sc.s.cfg.Collaborators == "none":
			skipped++
		case sc.s.cfg.Collaborators == "private_only" && r.Visibility == "public":
			skipped++
		default:
			todo = append(todo, r)
		}
	}
	if skipped > 0 {
		sc.out.skipped("grants/repo_collaborators_skipped", fmt.Sprintf(
			"direct collaborators of %d repositories not read (collaborators: %s); set collaborators: all to read them", skipped, sc.s.cfg.Collaborators))
	}
	if sc.collabsRead {
		if err := sc.emitGraphQLCollaborators(ctx, todo); err != nil {
			sc.gap(ctx, "grants/repo_collaborators", err, "classic PAT: repo; fine-grained or app: Repository metadata read (and push access, which owners have)")
		}
		return
	}
	var fail failures
	forEach(ctx, sc, "repository collaborators", todo, func(ctx context.Context, r repoInfo) {
		endpoint := "/repos/" + r.FullName + "/collaborators?affiliation=direct"
		users, err := listPages(ctx, sc.s, endpoint, func(ctx context.Context, o github.ListOptions) ([]*github.User, *github.Response, error) {
			return sc.c.gh.Repositories.ListCollaborators(ctx, sc.org, r.Name, &github.ListCollaboratorsOptions{Affiliation: "direct", ListOptions: o})
		})
		for _, u := range users {
			sc.collaboratorGrant(r, sc.collaborator(u.GetLogin(), u.GetID(), u.GetType()), u.Permissions, u.GetRoleName())
		}
		fail.add(r.FullName, sc.c.classify(endpoint, err, statusRule{status: http.StatusNotFound, class: scanners.ErrDenied,
			reason: "GitHub answers 404 when the token lacks push access to the repository"}))
	})
	if err := fail.err(len(todo), "repositories' collaborators"); err != nil {
		sc.gap(ctx, "grants/repo_collaborators", err, "classic PAT: repo; fine-grained or app: Repository metadata read (and push access, which owners have)")
	}
}

// collaborator returns the principal of a repository collaborator: the
// member or outside collaborator already read, or else a new principal
// (an outside collaborator when the member list was read, since a
// non-member collaborator is one by definition).
func (sc *scan) collaborator(login string, id int64, typ string) string {
	if pid, ok := sc.knownUser(id); ok {
		return pid
	}
	if !sc.out.hasGap("principals/members") && !sc.out.hasGap("grants/owners") {
		return sc.user(login, id, typ, findings.PrincipalGuest, orgRoleOutside)
	}
	return sc.user(login, id, typ, findings.PrincipalUser, orgRoleNone)
}

// collaboratorGrant emits the grant of a direct collaborator pid on r,
// whichever API read it (REST permissions map or GraphQL permission).
func (sc *scan) collaboratorGrant(r repoInfo, pid string, perms map[string]bool, roleName string) {
	level, name := repoLevel(perms, roleName)
	attrs := repoAttrs(r)
	level = sc.gradeCustom(level, name, attrs)
	sc.out.grant(findings.Grant{
		PrincipalID: pid,
		Privilege:   name,
		Level:       level,
		Scope:       r.scope(),
		Direct:      true,
		Sensitive:   sc.sensitiveFor(r.FullName),
		Attributes:  attrs,
	})
}

func repoAttrs(r repoInfo) map[string]string {
	a := map[string]string{"visibility": r.Visibility}
	if r.Archived {
		a["archived"] = "true"
	}
	return a
}
