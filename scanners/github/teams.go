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
	read    bool // members and repos both read
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

// readTeams lists teams, then each team's members and repositories, and
// turns them into memberships (user → team for direct members, child team
// → parent team) and one grant per member and repository carried by the
// team chain (Via, nearest team first). GitHub lists a parent team's
// members including its child teams' members, and child teams inherit the
// parent's repository access, so a member of a child team gets the
// parent's repositories via [child, parent].
func (sc *scan) readTeams(ctx context.Context) {
	endpoint := "/orgs/" + sc.org + "/teams"
	list, err := listPages(ctx, sc.s, endpoint, func(ctx context.Context, o github.ListOptions) ([]*github.Team, *github.Response, error) {
		return sc.c.gh.Teams.ListTeams(ctx, sc.org, &o)
	})
	sc.gap(ctx, "grants/teams", sc.c.classify(endpoint, err), remedyTeams)

	bySlug := map[string]*teamInfo{}
	for _, t := range list {
		if bySlug[t.GetSlug()] != nil {
			continue
		}
		ti := &teamInfo{ID: t.GetID(), Slug: t.GetSlug(), Name: t.GetName(), Privacy: t.GetPrivacy()}
		if t.Parent != nil {
			ti.Parent = t.Parent.GetSlug()
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
	sort.Slice(sc.teams, func(i, j int) bool { return sc.teams[i].Slug < sc.teams[j].Slug })
	sc.system.Attributes["teams"] = strconv.Itoa(len(sc.teams))
	for _, t := range sc.teams {
		if p := bySlug[t.Parent]; p != nil {
			sc.out.membership(t.pid, p.pid)
		}
	}

	var memberFail, repoFail failures
	forEach(ctx, sc, "teams", sc.teams, func(ctx context.Context, t *teamInfo) {
		mEndpoint := "/orgs/" + sc.org + "/teams/" + t.Slug + "/members"
		members, err := listPages(ctx, sc.s, mEndpoint, rawList[teamMember](sc.c, "orgs/"+sc.org+"/teams/"+url.PathEscape(t.Slug)+"/members", url.Values{"role": {"all"}}))
		memberFail.add(t.Slug, sc.c.classify(mEndpoint, err))
		rEndpoint := "/orgs/" + sc.org + "/teams/" + t.Slug + "/repos"
		repos, rerr := listPages(ctx, sc.s, rEndpoint, func(ctx context.Context, o github.ListOptions) ([]*github.Repository, *github.Response, error) {
			return sc.c.gh.Teams.ListTeamReposBySlug(ctx, sc.org, t.Slug, &o)
		})
		repoFail.add(t.Slug, sc.c.classify(rEndpoint, rerr))
		t.members = members
		for _, r := range repos {
			full := r.GetFullName()
			if full == "" {
				full = sc.org + "/" + r.GetName()
			}
			vis := r.GetVisibility()
			if vis == "" {
				vis = map[bool]string{true: "private", false: "public"}[r.GetPrivate()]
			}
			t.repos = append(t.repos, teamRepo{
				repo:  repoInfo{ID: r.GetID(), Name: r.GetName(), FullName: full, Visibility: vis, Archived: r.GetArchived()},
				perms: r.Permissions, role: r.GetRoleName(),
			})
		}
		t.read = err == nil && rerr == nil
	})
	sc.gap(ctx, "grants/team_members", memberFail.err(len(sc.teams), "teams' members"), remedyTeams)
	sc.gap(ctx, "grants/team_repos", repoFail.err(len(sc.teams), "teams' repositories"), remedyTeams)
	if ctx.Err() != nil {
		return
	}
	sc.teamGrants(bySlug)
}

// teamGrants turns team members and repositories into memberships and
// grants.
func (sc *scan) teamGrants(bySlug map[string]*teamInfo) {
	children := map[string][]string{}
	for _, t := range sc.teams {
		if t.Parent != "" {
			children[t.Parent] = append(children[t.Parent], t.Slug)
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
	for _, t := range sc.teams {
		for _, m := range t.members {
			pid := sc.teamMemberPrincipal(m)
			if direct[t.Slug][strings.ToLower(m.Login)] {
				sc.out.membership(pid, t.pid)
			}
			if len(t.repos) == 0 {
				continue
			}
			chain := sc.chain(bySlug, children, direct, t.Slug, strings.ToLower(m.Login))
			if chain == nil {
				continue
			}
			for _, r := range t.repos {
				level, name := repoLevel(r.perms, r.role)
				attrs := repoAttrs(r.repo)
				attrs["team"] = t.Slug
				if m.Role == "maintainer" && direct[t.Slug][strings.ToLower(m.Login)] {
					attrs["team_role"] = "maintainer"
				}
				level = sc.gradeCustom(level, name, attrs)
				sc.out.grant(findings.Grant{
					PrincipalID: pid,
					Privilege:   name,
					Level:       level,
					Scope:       r.repo.scope(),
					Via:         chain,
					Direct:      false,
					Sensitive:   sc.sensitiveFor(r.repo.FullName),
					Attributes:  attrs,
				})
			}
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

// chain returns the team principal ids that carry team's access to login,
// nearest first: [team] for a direct member, [child, ..., team] for a
// member of a descendant team (the shortest such chain, ties broken by
// slug). It returns nil when no chain is known.
func (sc *scan) chain(bySlug map[string]*teamInfo, children map[string][]string, direct map[string]map[string]bool, team, login string) []string {
	type node struct {
		slug string
		path []string // slugs from team down to slug
	}
	queue := []node{{slug: team, path: []string{team}}}
	seen := map[string]bool{team: true}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if direct[n.slug][login] {
			out := make([]string, 0, len(n.path))
			for i := len(n.path) - 1; i >= 0; i-- {
				out = append(out, bySlug[n.path[i]].pid)
			}
			return out
		}
		kids := append([]string(nil), children[n.slug]...)
		sort.Strings(kids)
		for _, c := range kids {
			if seen[c] || bySlug[c] == nil {
				continue
			}
			seen[c] = true
			queue = append(queue, node{slug: c, path: append(append([]string(nil), n.path...), c)})
		}
	}
	// Listed without a known direct team (a child team we cannot see):
	// the team itself carries the grant.
	return []string{bySlug[team].pid}
}
