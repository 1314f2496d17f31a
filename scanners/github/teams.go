package github

import (
	"context"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/keyholder/keyholder/findings"
)

// teamInfo is what the scan keeps of a team.
type teamInfo struct {
	ID      int64
	Slug    string
	Name    string
	Privacy string
	Parent  string // parent slug
	pid     string // principal id

	// members are the team's members as GitHub lists them: members of
	// child teams included, flagged inherited.
	members []teamMember
	repos   []teamRepo
}

// teamMember is an entry of GET /orgs/{org}/teams/{slug}/members. role
// and inherited are recent additions go-github v60 does not decode.
type teamMember struct {
	Login     string `json:"login"`
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	Role      string `json:"role"`
	Inherited *bool  `json:"inherited"`
}

type teamRepo struct {
	repo  repoInfo
	perms map[string]bool
	role  string
}

const remedyTeams = "classic PAT: read:org; fine-grained or app: Organization members read (secret teams are visible to owners only)"

// readTeams reads teams, their members and their repositories — by
// GraphQL (teams.go's readTeamsGraphQL: 100 teams a page with their
// immediate members and repositories) or, where GraphQL cannot, by REST
// (the team list, then each team's members and repositories) — and
// turns them into team principals, memberships (user → team for direct
// members, child team → parent team) and one grant per team and
// repository on the team itself. policies/access expands a team's grants
// to its transitive members with the chain (Via, nearest team first):
// GitHub gives child teams their parent's repository access, so a member
// of a child team reaches the parent's repositories via [child, parent].
func (sc *scan) readTeams(ctx context.Context) {
	if sc.s.restOnly || !sc.readTeamsGraphQL(ctx) {
		sc.readTeamsREST(ctx)
	}
	if ctx.Err() != nil {
		return
	}
	sc.teamAccess()
}

// addTeam registers a team principal and keeps the team.
func (sc *scan) addTeam(bySlug map[string]*teamInfo, ti *teamInfo) {
	if bySlug[ti.Slug] != nil {
		return
	}
	ti.pid = findings.PrincipalID(findings.PrincipalTeam, sc.s.name, strconv.FormatInt(ti.ID, 10))
	attrs := map[string]string{"slug": ti.Slug}
	if ti.Privacy != "" {
		attrs["privacy"] = ti.Privacy
	}
	if ti.Parent != "" {
		attrs["parent"] = ti.Parent
	}
	sc.out.principal(findings.Principal{
		ID: ti.pid, System: sc.s.name, Kind: findings.PrincipalTeam, NativeID: strconv.FormatInt(ti.ID, 10),
		DisplayName: ti.Name, Login: ti.Slug, Enabled: true, MFA: findings.MFAUnknown, Attributes: attrs,
	})
	bySlug[ti.Slug] = ti
	sc.teams = append(sc.teams, ti)
}

// readTeamsREST lists teams, then each team's members (members of child
// teams included, flagged inherited) and repositories.
func (sc *scan) readTeamsREST(ctx context.Context) {
	endpoint := "/orgs/" + sc.org + "/teams"
	list, err := listPages(ctx, sc.s, endpoint, func(ctx context.Context, o github.ListOptions) ([]*github.Team, *github.Response, error) {
		return sc.c.gh.Teams.ListTeams(ctx, sc.org, &o)
	})
	sc.gap(ctx, "grants/teams", sc.c.classify(endpoint, err), remedyTeams)

	bySlug := map[string]*teamInfo{}
	for _, t := range list {
		ti := &teamInfo{ID: t.GetID(), Slug: t.GetSlug(), Name: t.GetName(), Privacy: t.GetPrivacy()}
		if t.Parent != nil {
			ti.Parent = t.Parent.GetSlug()
		}
		sc.addTeam(bySlug, ti)
	}
	sort.Slice(sc.teams, func(i, j int) bool { return sc.teams[i].Slug < sc.teams[j].Slug })
	sc.system.Attributes["teams"] = strconv.Itoa(len(sc.teams))

	var memberFail, repoFail failures
	forEach(ctx, sc, "teams", sc.teams, func(ctx context.Context, t *teamInfo) {
		members, err := sc.restTeamMembers(ctx, t)
		memberFail.add(t.Slug, err)
		repos, rerr := sc.restTeamRepos(ctx, t)
		repoFail.add(t.Slug, rerr)
		t.members, t.repos = members, repos
	})
	sc.gap(ctx, "grants/team_members", memberFail.err(len(sc.teams), "teams' members"), remedyTeams)
	sc.gap(ctx, "grants/team_repos", repoFail.err(len(sc.teams), "teams' repositories"), remedyTeams)
}

// restTeamMembers lists a team's members by REST, members of child teams
// included (flagged inherited where the server says so).
func (sc *scan) restTeamMembers(ctx context.Context, t *teamInfo) ([]teamMember, error) {
	mEndpoint := "/orgs/" + sc.org + "/teams/" + t.Slug + "/members"
	members, err := listPages(ctx, sc.s, mEndpoint, rawList[teamMember](sc.c, "orgs/"+sc.org+"/teams/"+url.PathEscape(t.Slug)+"/members", url.Values{"role": {"all"}}))
	return members, sc.c.classify(mEndpoint, err)
}

// restTeamRepos lists a team's repositories by REST, with the role name
// (a custom repository role's name where the team holds one).
func (sc *scan) restTeamRepos(ctx context.Context, t *teamInfo) ([]teamRepo, error) {
	rEndpoint := "/orgs/" + sc.org + "/teams/" + t.Slug + "/repos"
	repos, rerr := listPages(ctx, sc.s, rEndpoint, func(ctx context.Context, o github.ListOptions) ([]*github.Repository, *github.Response, error) {
		return sc.c.gh.Teams.ListTeamReposBySlug(ctx, sc.org, t.Slug, &o)
	})
	var out []teamRepo
	for _, r := range repos {
		full := r.GetFullName()
		if full == "" {
			full = sc.org + "/" + r.GetName()
		}
		vis := r.GetVisibility()
		if vis == "" {
			vis = map[bool]string{true: "private", false: "public"}[r.GetPrivate()]
		}
		out = append(out, teamRepo{
			repo:  repoInfo{ID: r.GetID(), Name: r.GetName(), FullName: full, Visibility: vis, Archived: r.GetArchived()},
			perms: r.Permissions, role: r.GetRoleName(),
		})
	}
	return out, sc.c.classify(rEndpoint, rerr)
}

// teamAccess turns the teams read into memberships and grants on the
// teams. A member listed by a team is its direct member when the server
// says so (or, on servers that do not flag inherited members, when no
// child team lists them); a member listed as inherited whom no visible
// descendant team holds directly (a secret child team the token cannot
// see) is made a member of the listing team, which then carries the
// access to them.
func (sc *scan) teamAccess() {
	bySlug := map[string]*teamInfo{}
	children := map[string][]string{}
	for _, t := range sc.teams {
		bySlug[t.Slug] = t
	}
	for _, t := range sc.teams {
		if t.Parent != "" {
			children[t.Parent] = append(children[t.Parent], t.Slug)
			if p := bySlug[t.Parent]; p != nil {
				sc.out.membership(t.pid, p.pid)
			}
		}
	}
	// direct[slug] holds the lower-case logins that are direct members.
	direct := map[string]map[string]bool{}
	for _, t := range sc.teams {
		direct[t.Slug] = map[string]bool{}
		hasFlag := false
		for _, m := range t.members {
			if m.Inherited != nil {
				hasFlag = true
				break
			}
		}
		for _, m := range t.members {
			isDirect := false
			if hasFlag {
				isDirect = m.Inherited != nil && !*m.Inherited
			} else {
				// Older servers do not flag inherited members: a member
				// is direct unless a child team lists them.
				isDirect = !inChildren(bySlug, children, t.Slug, m.Login)
			}
			if isDirect {
				direct[t.Slug][strings.ToLower(m.Login)] = true
			}
		}
	}
	// reach[slug] is who the team's memberships reach: its direct
	// members, those it is given below, and its child teams' reach.
	reach := map[string]map[string]bool{}
	var reachOf func(slug string, depth int) map[string]bool
	reachOf = func(slug string, depth int) map[string]bool {
		if r, ok := reach[slug]; ok || depth > len(sc.teams) {
			return r
		}
		r := map[string]bool{}
		reach[slug] = r // a cycle (malformed data) stops here
		for _, c := range children[slug] {
			for l := range reachOf(c, depth+1) {
				r[l] = true
			}
		}
		for _, m := range bySlug[slug].members {
			r[strings.ToLower(m.Login)] = true
		}
		return r
	}
	for _, t := range sc.teams {
		var maintainers []string
		below := map[string]bool{}
		for _, c := range children[t.Slug] {
			for l := range reachOf(c, 0) {
				below[l] = true
			}
		}
		for _, m := range t.members {
			login := strings.ToLower(m.Login)
			isDirect := direct[t.Slug][login]
			if !isDirect && below[login] {
				continue // reached through a child team's membership
			}
			sc.out.membership(sc.teamMemberPrincipal(m), t.pid)
			if isDirect && m.Role == "maintainer" {
				maintainers = append(maintainers, m.Login)
			}
		}
		if len(maintainers) > 0 {
			sort.Strings(maintainers)
			sc.out.update(t.pid, func(p *findings.Principal) { p.Attributes["maintainers"] = strings.Join(maintainers, ",") })
		}
		for _, r := range t.repos {
			level, name := repoLevel(r.perms, r.role)
			attrs := repoAttrs(r.repo)
			attrs["team"] = t.Slug
			level = sc.gradeCustom(level, name, attrs)
			sc.out.grant(findings.Grant{
				PrincipalID: t.pid,
				Privilege:   name,
				Level:       level,
				Scope:       r.repo.scope(),
				Direct:      true,
				Sensitive:   sc.sensitiveFor(r.repo.FullName),
				Attributes:  attrs,
			})
		}
	}
}

// teamMemberPrincipal returns the principal of a team member.
func (sc *scan) teamMemberPrincipal(m teamMember) string {
	if pid, ok := sc.knownUser(m.ID); ok {
		return pid
	}
	return sc.user(m.Login, m.ID, m.Type, findings.PrincipalUser, orgRoleMember)
}

// inChildren reports whether any child team (at any depth) of slug lists
// login.
func inChildren(bySlug map[string]*teamInfo, children map[string][]string, slug, login string) bool {
	seen := map[string]bool{}
	var walk func(s string) bool
	walk = func(s string) bool {
		for _, c := range children[s] {
			if seen[c] {
				continue
			}
			seen[c] = true
			if t := bySlug[c]; t != nil {
				for _, m := range t.members {
					if strings.EqualFold(m.Login, login) {
						return true
					}
				}
			}
			if walk(c) {
				return true
			}
		}
		return false
	}
	return walk(slug)
}
