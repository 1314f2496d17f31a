package github

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

type handler func(f *Fake, w http.ResponseWriter, rq *request, who caller, p map[string]string)

// routes are the GET endpoints the fake serves.
var routes = []struct {
	pattern string
	h       handler
}{
	{"/orgs/{org}", (*Fake).getOrg},
	{"/orgs/{org}/members", (*Fake).listMembers},
	{"/orgs/{org}/outside_collaborators", (*Fake).listOutsideCollaborators},
	{"/orgs/{org}/invitations", (*Fake).listInvitations},
	{"/orgs/{org}/teams", (*Fake).listTeams},
	{"/orgs/{org}/teams/{team_slug}/members", (*Fake).listTeamMembers},
	{"/orgs/{org}/teams/{team_slug}/repos", (*Fake).listTeamRepos},
	{"/orgs/{org}/repos", (*Fake).listRepos},
	{"/orgs/{org}/installations", (*Fake).listInstallations},
	{"/orgs/{org}/hooks", (*Fake).listHooks},
	{"/orgs/{org}/audit-log", (*Fake).auditLog},
	{"/orgs/{org}/organization-roles", (*Fake).listOrgRoles},
	{"/orgs/{org}/organization-roles/{role_id}/users", (*Fake).listOrgRoleUsers},
	{"/orgs/{org}/organization-roles/{role_id}/teams", (*Fake).listOrgRoleTeams},
	{"/orgs/{org}/custom-repository-roles", (*Fake).listCustomRepoRoles},
	{"/orgs/{org}/personal-access-tokens", (*Fake).listPATs},
	{"/orgs/{org}/personal-access-token-requests", (*Fake).listPATRequests},
	{"/orgs/{org}/credential-authorizations", (*Fake).listCredentialAuthorizations},
	{"/repos/{owner}/{repo}/collaborators", (*Fake).listCollaborators},
	{"/repos/{owner}/{repo}/keys", (*Fake).listKeys},
	{"/apps/{app_slug}", (*Fake).getApp},
	{"/users/{username}", (*Fake).getUser},
	{"/app/installations/{installation_id}/access_tokens", nil},
}

func (f *Fake) route(w http.ResponseWriter, rq *request, who caller) {
	for _, rt := range routes {
		p, ok := rq.params(rt.pattern)
		if !ok || rt.h == nil {
			continue
		}
		if org, ok := p["org"]; ok && !strings.EqualFold(org, f.sc.Org.Login) {
			break
		}
		if owner, ok := p["owner"]; ok && !strings.EqualFold(owner, f.sc.Org.Login) {
			break
		}
		rt.h(f, w, rq, who, p)
		return
	}
	writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
}

func (f *Fake) getOrg(w http.ResponseWriter, rq *request, who caller, _ map[string]string) {
	writeJSON(w, http.StatusOK, f.orgObj(rq.apiRoot(), who.owner))
}

func ownerOnlyFilter(w http.ResponseWriter) {
	writeError(w, http.StatusUnprocessableEntity, "Only owners can use this filter.",
		"https://docs.github.com/rest/orgs/members#list-organization-members")
}

func (f *Fake) listMembers(w http.ResponseWriter, rq *request, who caller, _ map[string]string) {
	q := rq.r.URL.Query()
	role, filter := q.Get("role"), q.Get("filter")
	if filter == "2fa_disabled" && !who.owner {
		ownerOnlyFilter(w)
		return
	}
	var items []any
	for _, u := range f.usersByID {
		if u.Role != RoleAdmin && u.Role != RoleMember {
			continue
		}
		if (role == "admin" && u.Role != RoleAdmin) || (role == "member" && u.Role != RoleMember) {
			continue
		}
		if filter == "2fa_disabled" && u.TwoFactor {
			continue
		}
		items = append(items, f.userObj(rq.apiRoot(), u))
	}
	f.writePage(w, rq, items)
}

func (f *Fake) listOutsideCollaborators(w http.ResponseWriter, rq *request, who caller, _ map[string]string) {
	filter := rq.r.URL.Query().Get("filter")
	if filter == "2fa_disabled" && !who.owner {
		ownerOnlyFilter(w)
		return
	}
	var items []any
	for _, u := range f.usersByID {
		if u.Role != RoleOutside || (filter == "2fa_disabled" && u.TwoFactor) {
			continue
		}
		items = append(items, f.userObj(rq.apiRoot(), u))
	}
	f.writePage(w, rq, items)
}

func ownerRequired(w http.ResponseWriter, what string) {
	writeError(w, http.StatusForbidden, "You must be an organization owner to "+what+".", "https://docs.github.com/rest")
}

func (f *Fake) listInvitations(w http.ResponseWriter, rq *request, who caller, _ map[string]string) {
	if !who.owner {
		ownerRequired(w, "list invitations")
		return
	}
	inv := slices.Clone(f.sc.Invitations)
	sort.Slice(inv, func(i, j int) bool { return inv[i].ID < inv[j].ID })
	root := rq.apiRoot()
	var items []any
	for _, in := range inv {
		var login any
		if in.Login != "" {
			login = in.Login
		}
		var email any
		if in.Email != "" {
			email = in.Email
		}
		items = append(items, obj{
			"id":                   in.ID,
			"login":                login,
			"node_id":              nodeID("I", in.ID),
			"email":                email,
			"role":                 in.Role,
			"created_at":           ts(in.CreatedAt),
			"failed_at":            nil,
			"failed_reason":        nil,
			"inviter":              f.loginObj(root, in.Inviter),
			"team_count":           in.TeamCount,
			"invitation_teams_url": root + "/organizations/" + strconv.FormatInt(f.sc.Org.ID, 10) + "/invitations/" + strconv.FormatInt(in.ID, 10) + "/teams",
			"invitation_source":    "member",
		})
	}
	f.writePage(w, rq, items)
}

func (f *Fake) sortedTeams() []*Team {
	out := make([]*Team, 0, len(f.sc.Teams))
	for i := range f.sc.Teams {
		out = append(out, &f.sc.Teams[i])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (f *Fake) listTeams(w http.ResponseWriter, rq *request, _ caller, _ map[string]string) {
	var items []any
	for _, t := range f.sortedTeams() {
		if f.hidden(t.Slug) {
			continue
		}
		items = append(items, f.teamObj(rq.apiRoot(), t))
	}
	f.writePage(w, rq, items)
}

// teamMembers returns the members of a team including those of its child
// teams, each with its role and whether the membership is inherited.
func (f *Fake) teamMembers(slug string) []TeamMember {
	type entry struct {
		role      string
		inherited bool
	}
	seen := map[string]entry{}
	var order []string
	var walk func(s string, inherited bool, depth int)
	walk = func(s string, inherited bool, depth int) {
		t := f.teams[s]
		if t == nil || depth > 10 {
			return
		}
		for _, m := range t.Members {
			k := strings.ToLower(m.Login)
			role := m.Role
			if role == "" {
				role = "member"
			}
			e, ok := seen[k]
			if !ok {
				order = append(order, m.Login)
				seen[k] = entry{role: role, inherited: inherited}
				continue
			}
			if e.inherited && !inherited {
				seen[k] = entry{role: role, inherited: false}
			}
		}
		kids := slices.Clone(f.children[s])
		sort.Strings(kids)
		for _, c := range kids {
			walk(c, true, depth+1)
		}
	}
	walk(slug, false, 0)
	out := make([]TeamMember, 0, len(order))
	for _, l := range order {
		e := seen[strings.ToLower(l)]
		role := e.role
		if e.inherited {
			role = "inherited:" + role
		}
		out = append(out, TeamMember{Login: l, Role: role})
	}
	return out
}

func (f *Fake) listTeamMembers(w http.ResponseWriter, rq *request, _ caller, p map[string]string) {
	if f.teams[p["team_slug"]] == nil {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/teams/members#list-team-members")
		return
	}
	role := rq.r.URL.Query().Get("role")
	var items []any
	for _, m := range f.teamMembers(p["team_slug"]) {
		r, inherited := strings.CutPrefix(m.Role, "inherited:")
		if role != "" && role != "all" && role != r {
			continue
		}
		o := f.loginObj(rq.apiRoot(), m.Login)
		if !f.o.OmitInheritedFlag {
			o["role"] = r
			o["inherited"] = inherited
		}
		items = append(items, o)
	}
	f.writePage(w, rq, items)
}

func (f *Fake) listTeamRepos(w http.ResponseWriter, rq *request, _ caller, p map[string]string) {
	t := f.teams[p["team_slug"]]
	if t == nil {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/teams/teams#list-team-repositories")
		return
	}
	var items []any
	for _, ra := range t.Repos {
		r := f.repos[strings.ToLower(ra.Repo)]
		if r == nil {
			continue
		}
		flags, name := permissionFlags(ra.Permission, "")
		items = append(items, f.repoObj(rq.apiRoot(), r, obj{"permissions": flags, "role_name": name}))
	}
	f.writePage(w, rq, items)
}

func (f *Fake) sortedRepos() []*Repo {
	out := make([]*Repo, 0, len(f.sc.Repos))
	for i := range f.sc.Repos {
		out = append(out, &f.sc.Repos[i])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (f *Fake) listRepos(w http.ResponseWriter, rq *request, who caller, _ map[string]string) {
	typ := rq.r.URL.Query().Get("type")
	var items []any
	for _, r := range f.sortedRepos() {
		v := visibility(*r)
		switch typ {
		case "public":
			if v != "public" {
				continue
			}
		case "private":
			if v == "public" {
				continue
			}
		case "forks":
			if !r.Fork {
				continue
			}
		case "sources":
			if r.Fork {
				continue
			}
		}
		flags, _ := permissionFlags("read", "")
		if who.owner {
			flags, _ = permissionFlags("admin", "")
		}
		items = append(items, f.repoObj(rq.apiRoot(), r, obj{"permissions": flags}))
	}
	f.writePage(w, rq, items)
}

func (f *Fake) listCollaborators(w http.ResponseWriter, rq *request, who caller, p map[string]string) {
	r := f.repos[strings.ToLower(p["repo"])]
	if r == nil {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/collaborators/collaborators#list-repository-collaborators")
		return
	}
	if !who.owner {
		writeError(w, http.StatusForbidden, "Must have push access to view repository collaborators.",
			"https://docs.github.com/rest/collaborators/collaborators#list-repository-collaborators")
		return
	}
	aff := rq.r.URL.Query().Get("affiliation")
	var items []any
	for _, c := range r.Collaborators {
		u := f.users[strings.ToLower(c.Login)]
		if aff == "outside" && (u == nil || u.Role != RoleOutside) {
			continue
		}
		flags, name := permissionFlags(c.Permission, c.Base)
		o := f.loginObj(rq.apiRoot(), c.Login)
		o["permissions"] = flags
		o["role_name"] = name
		items = append(items, o)
	}
	f.writePage(w, rq, items)
}

func (f *Fake) listKeys(w http.ResponseWriter, rq *request, who caller, p map[string]string) {
	r := f.repos[strings.ToLower(p["repo"])]
	if r == nil || !who.owner {
		// GitHub answers 404 to callers without admin on the repository.
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/deploy-keys/deploy-keys#list-deploy-keys")
		return
	}
	var items []any
	for _, k := range r.DeployKeys {
		items = append(items, obj{
			"id":         k.ID,
			"key":        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + strconv.FormatInt(k.ID, 36),
			"url":        rq.apiRoot() + "/repos/" + f.sc.Org.Login + "/" + r.Name + "/keys/" + strconv.FormatInt(k.ID, 10),
			"title":      k.Title,
			"verified":   true,
			"created_at": ts(k.CreatedAt),
			"read_only":  k.ReadOnly,
			"added_by":   k.AddedBy,
			"last_used":  ts(k.LastUsed),
			"enabled":    true,
		})
	}
	f.writePage(w, rq, items)
}

func (f *Fake) listInstallations(w http.ResponseWriter, rq *request, who caller, _ map[string]string) {
	if !who.owner {
		ownerRequired(w, "list app installations")
		return
	}
	ins := slices.Clone(f.sc.Installations)
	sort.Slice(ins, func(i, j int) bool { return ins[i].ID < ins[j].ID })
	var all []any
	for i := range ins {
		all = append(all, f.installationObj(rq.apiRoot(), &ins[i]))
	}
	// The response is an object {total_count, installations}, paged.
	start, end := f.page(w, rq, len(all))
	if all == nil {
		all = []any{}
	}
	writeJSON(w, http.StatusOK, obj{"total_count": len(all), "installations": all[start:end]})
}

func (f *Fake) getApp(w http.ResponseWriter, rq *request, _ caller, p map[string]string) {
	for i := range f.sc.Installations {
		in := &f.sc.Installations[i]
		if in.AppSlug == p["app_slug"] {
			writeJSON(w, http.StatusOK, f.appObj(rq.apiRoot(), in))
			return
		}
	}
	writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/apps/apps#get-an-app")
}

func (f *Fake) getUser(w http.ResponseWriter, rq *request, _ caller, p map[string]string) {
	u := f.users[strings.ToLower(p["username"])]
	if u == nil {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/users/users#get-a-user")
		return
	}
	o := f.userObj(rq.apiRoot(), u)
	o["name"] = nilIfEmpty(u.Name)
	o["email"] = nilIfEmpty(u.Email)
	o["company"] = nil
	o["blog"] = ""
	o["location"] = nil
	o["hireable"] = nil
	o["bio"] = nil
	o["public_repos"] = 0
	o["followers"] = 0
	o["following"] = 0
	o["created_at"] = "2015-01-01T00:00:00Z"
	o["updated_at"] = "2026-01-01T00:00:00Z"
	writeJSON(w, http.StatusOK, o)
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (f *Fake) listHooks(w http.ResponseWriter, rq *request, who caller, _ map[string]string) {
	if !who.owner {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/orgs/webhooks#list-organization-webhooks")
		return
	}
	hooks := slices.Clone(f.sc.Hooks)
	sort.Slice(hooks, func(i, j int) bool { return hooks[i].ID < hooks[j].ID })
	root := rq.apiRoot() + "/orgs/" + f.sc.Org.Login + "/hooks/"
	var items []any
	for _, h := range hooks {
		id := strconv.FormatInt(h.ID, 10)
		ct := h.ContentType
		if ct == "" {
			ct = "json"
		}
		insecure := "0"
		if h.InsecureSSL {
			insecure = "1"
		}
		cfg := obj{"url": h.URL, "content_type": ct, "insecure_ssl": insecure}
		if h.Secret != "" {
			cfg["secret"] = "********"
		}
		items = append(items, obj{
			"id":             h.ID,
			"url":            root + id,
			"ping_url":       root + id + "/pings",
			"deliveries_url": root + id + "/deliveries",
			"name":           "web",
			"events":         h.Events,
			"active":         h.Active,
			"config":         cfg,
			"updated_at":     "2026-01-01T00:00:00Z",
			"created_at":     "2025-01-01T00:00:00Z",
			"type":           "Organization",
		})
	}
	f.writePage(w, rq, items)
}

func (f *Fake) auditLog(w http.ResponseWriter, rq *request, who caller, _ map[string]string) {
	if f.sc.Org.Enterprise == "" {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/enterprise-cloud@latest/rest/orgs/orgs#get-the-audit-log-for-an-organization")
		return
	}
	if !who.owner {
		ownerRequired(w, "read the audit log")
		return
	}
	actions, since := parsePhrase(rq.r.URL.Query().Get("phrase"))
	events := slices.Clone(f.sc.AuditLog)
	sort.SliceStable(events, func(i, j int) bool { return events[i].CreatedAt.After(events[j].CreatedAt) })
	var items []any
	for i, e := range events {
		if len(actions) > 0 && !slices.Contains(actions, e.Action) {
			continue
		}
		if !since.IsZero() && e.CreatedAt.Before(since) {
			continue
		}
		ms := e.CreatedAt.UnixMilli()
		o := obj{
			"@timestamp":   ms,
			"action":       e.Action,
			"actor":        e.Actor,
			"created_at":   ms,
			"_document_id": "doc-" + strconv.Itoa(i),
			"org":          f.sc.Org.Login,
		}
		if e.User != "" {
			o["user"] = e.User
		}
		for k, v := range e.Data {
			o[k] = v
		}
		items = append(items, o)
	}
	f.writeCursorPage(w, rq, items)
}

// parsePhrase understands the audit-log qualifiers action:X (several are
// ORed) and created:>=YYYY-MM-DD.
func parsePhrase(phrase string) ([]string, time.Time) {
	var actions []string
	var since time.Time
	for _, tok := range strings.Fields(phrase) {
		switch {
		case strings.HasPrefix(tok, "action:"):
			actions = append(actions, strings.TrimPrefix(tok, "action:"))
		case strings.HasPrefix(tok, "created:>="):
			if t, err := time.Parse("2006-01-02", strings.TrimPrefix(tok, "created:>=")); err == nil {
				since = t
			}
		}
	}
	return actions, since
}
