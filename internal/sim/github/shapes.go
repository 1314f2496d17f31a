package github

import (
	"strconv"
	"strings"
	"time"
)

// The functions below build the response objects documented in GitHub's
// OpenAPI description (schemas simple-user, organization-full, team,
// minimal-repository, collaborator, installation, integration, org-hook,
// deploy-key, organization-invitation). Only the fields the examples carry
// are produced; URLs point at the fake itself.

type obj = map[string]any

const webRoot = "https://github.com"

func nodeID(kind string, id int64) string {
	return kind + "_" + strconv.FormatInt(id, 36)
}

func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func simpleUser(root string, login string, id int64, typ string) obj {
	if typ == "" {
		typ = "User"
	}
	u := root + "/users/" + login
	return obj{
		"login":               login,
		"id":                  id,
		"node_id":             nodeID("U", id),
		"avatar_url":          "https://avatars.githubusercontent.com/u/" + strconv.FormatInt(id, 10) + "?v=4",
		"gravatar_id":         "",
		"url":                 u,
		"html_url":            webRoot + "/" + login,
		"followers_url":       u + "/followers",
		"following_url":       u + "/following{/other_user}",
		"gists_url":           u + "/gists{/gist_id}",
		"starred_url":         u + "/starred{/owner}{/repo}",
		"subscriptions_url":   u + "/subscriptions",
		"organizations_url":   u + "/orgs",
		"repos_url":           u + "/repos",
		"events_url":          u + "/events{/privacy}",
		"received_events_url": u + "/received_events",
		"type":                typ,
		"site_admin":          false,
		"user_view_type":      "public",
	}
}

func (f *Fake) userObj(root string, u *User) obj {
	return simpleUser(root, u.Login, u.ID, u.Type)
}

// unknownUser is the shape of an account the scenario does not list.
func (f *Fake) loginObj(root, login string) obj {
	if u := f.users[strings.ToLower(login)]; u != nil {
		return f.userObj(root, u)
	}
	return simpleUser(root, login, int64(len(login))*1000003, "User")
}

func (f *Fake) orgObj(root string, owner bool) obj {
	o := f.sc.Org
	base := root + "/orgs/" + o.Login
	publicRepos, privateRepos := 0, 0
	for _, r := range f.sc.Repos {
		if visibility(r) == "public" {
			publicRepos++
		} else {
			privateRepos++
		}
	}
	out := obj{
		"login":                     o.Login,
		"id":                        o.ID,
		"node_id":                   nodeID("O", o.ID),
		"url":                       base,
		"repos_url":                 base + "/repos",
		"events_url":                base + "/events",
		"hooks_url":                 base + "/hooks",
		"issues_url":                base + "/issues",
		"members_url":               base + "/members{/member}",
		"public_members_url":        base + "/public_members{/member}",
		"avatar_url":                "https://avatars.githubusercontent.com/u/" + strconv.FormatInt(o.ID, 10) + "?v=4",
		"description":               o.Description,
		"name":                      o.Name,
		"company":                   nil,
		"blog":                      "",
		"location":                  nil,
		"email":                     o.Email,
		"twitter_username":          nil,
		"is_verified":               false,
		"has_organization_projects": true,
		"has_repository_projects":   true,
		"public_repos":              publicRepos,
		"public_gists":              0,
		"followers":                 0,
		"following":                 0,
		"html_url":                  webRoot + "/" + o.Login,
		"created_at":                ts(o.CreatedAt),
		"updated_at":                ts(o.CreatedAt),
		"archived_at":               nil,
		"type":                      "Organization",
	}
	if !owner {
		return out
	}
	// Owner-only fields ("To see the full details about an organization,
	// the authenticated user must be an organization owner").
	out["total_private_repos"] = privateRepos
	out["owned_private_repos"] = privateRepos
	out["private_gists"] = 0
	out["disk_usage"] = 1024
	out["collaborators"] = f.countRole(RoleOutside)
	out["billing_email"] = o.BillingEmail
	out["plan"] = obj{
		"name":          o.Plan.Name,
		"space":         976562499,
		"private_repos": o.Plan.PrivateRepos,
		"filled_seats":  o.Plan.FilledSeats,
		"seats":         o.Plan.Seats,
	}
	perm := o.DefaultRepositoryPermission
	if perm == "" {
		perm = "read"
	}
	out["default_repository_permission"] = perm
	out["default_repository_branch"] = "main"
	out["members_can_create_repositories"] = o.MembersCanCreateRepositories
	out["two_factor_requirement_enabled"] = o.TwoFactorRequirementEnabled
	out["members_allowed_repository_creation_type"] = "all"
	out["members_can_create_public_repositories"] = o.MembersCanCreatePublicRepos
	out["members_can_create_private_repositories"] = o.MembersCanCreatePrivateRepos
	out["members_can_create_internal_repositories"] = false
	out["members_can_create_pages"] = true
	out["members_can_create_public_pages"] = true
	out["members_can_create_private_pages"] = true
	out["members_can_delete_repositories"] = o.MembersCanDeleteRepositories
	out["members_can_change_repo_visibility"] = false
	out["members_can_invite_outside_collaborators"] = o.MembersCanInviteOutside
	out["members_can_delete_issues"] = false
	out["members_can_create_teams"] = true
	out["members_can_fork_private_repositories"] = false
	out["web_commit_signoff_required"] = o.WebCommitSignoffRequired
	out["deploy_keys_enabled_for_repositories"] = true
	return out
}

func (f *Fake) countRole(role string) int {
	n := 0
	for _, u := range f.sc.Users {
		if u.Role == role {
			n++
		}
	}
	return n
}

func teamSimple(root, org string, t *Team) obj {
	base := root + "/organizations/1/team/" + strconv.FormatInt(t.ID, 10)
	privacy := t.Privacy
	if privacy == "" {
		privacy = "closed"
	}
	return obj{
		"id":                   t.ID,
		"node_id":              nodeID("T", t.ID),
		"url":                  base,
		"html_url":             webRoot + "/orgs/" + org + "/teams/" + t.Slug,
		"name":                 t.Name,
		"slug":                 t.Slug,
		"description":          t.Description,
		"privacy":              privacy,
		"notification_setting": "notifications_enabled",
		"permission":           "pull",
		"members_url":          base + "/members{/member}",
		"repositories_url":     base + "/repos",
	}
}

func (f *Fake) teamObj(root string, t *Team) obj {
	out := teamSimple(root, f.sc.Org.Login, t)
	out["parent"] = nil
	if p := f.teams[t.Parent]; p != nil {
		out["parent"] = teamSimple(root, f.sc.Org.Login, p)
	}
	return out
}

func visibility(r Repo) string {
	if r.Visibility == "" {
		return "private"
	}
	return r.Visibility
}

func (f *Fake) repoObj(root string, r *Repo, perms obj) obj {
	org := f.sc.Org
	full := org.Login + "/" + r.Name
	u := root + "/repos/" + full
	out := obj{
		"id":                r.ID,
		"node_id":           nodeID("R", r.ID),
		"name":              r.Name,
		"full_name":         full,
		"owner":             simpleUser(root, org.Login, org.ID, "Organization"),
		"private":           visibility(*r) != "public",
		"html_url":          webRoot + "/" + full,
		"description":       nil,
		"fork":              r.Fork,
		"url":               u,
		"collaborators_url": u + "/collaborators{/collaborator}",
		"hooks_url":         u + "/hooks",
		"keys_url":          u + "/keys{/key_id}",
		"teams_url":         u + "/teams",
		"clone_url":         webRoot + "/" + full + ".git",
		"default_branch":    "main",
		"archived":          r.Archived,
		"disabled":          false,
		"visibility":        visibility(*r),
		"created_at":        "2020-01-01T00:00:00Z",
		"updated_at":        "2026-01-01T00:00:00Z",
		"pushed_at":         "2026-01-01T00:00:00Z",
		"forks_count":       0,
		"stargazers_count":  0,
		"watchers_count":    0,
		"size":              108,
		"open_issues_count": 0,
		"is_template":       false,
		"topics":            []string{},
		"has_issues":        true,
		"has_projects":      true,
		"has_wiki":          true,
		"has_pages":         false,
	}
	if perms != nil {
		for k, v := range perms {
			out[k] = v
		}
	}
	return out
}

// permissionFlags returns the "permissions" hash and role_name of a role.
// A custom role takes the flags of its base role.
func permissionFlags(role, base string) (obj, string) {
	eff := role
	switch role {
	case "read", "pull", "triage", "write", "push", "maintain", "admin":
	default:
		eff = base
		if eff == "" {
			eff = "read"
		}
	}
	rank := map[string]int{"read": 1, "pull": 1, "triage": 2, "write": 3, "push": 3, "maintain": 4, "admin": 5}[eff]
	flags := obj{
		"pull":     rank >= 1,
		"triage":   rank >= 2,
		"push":     rank >= 3,
		"maintain": rank >= 4,
		"admin":    rank >= 5,
	}
	name := role
	switch role {
	case "pull":
		name = "read"
	case "push":
		name = "write"
	}
	return flags, name
}

func (f *Fake) installationObj(root string, in *Installation) obj {
	org := f.sc.Org
	perms := obj{}
	for k, v := range in.Permissions {
		perms[k] = v
	}
	sel := in.RepositorySelection
	if sel == "" {
		sel = "all"
	}
	var suspended any
	if in.SuspendedAt != nil {
		suspended = ts(*in.SuspendedAt)
	}
	events := in.Events
	if events == nil {
		events = []string{}
	}
	id := strconv.FormatInt(in.ID, 10)
	return obj{
		"id":                        in.ID,
		"account":                   simpleUser(root, org.Login, org.ID, "Organization"),
		"repository_selection":      sel,
		"access_tokens_url":         root + "/app/installations/" + id + "/access_tokens",
		"repositories_url":          root + "/installation/repositories",
		"html_url":                  webRoot + "/organizations/" + org.Login + "/settings/installations/" + id,
		"app_id":                    in.AppID,
		"target_id":                 org.ID,
		"target_type":               "Organization",
		"permissions":               perms,
		"events":                    events,
		"created_at":                ts(in.CreatedAt),
		"updated_at":                ts(in.CreatedAt),
		"single_file_name":          nil,
		"has_multiple_single_files": false,
		"single_file_paths":         []string{},
		"app_slug":                  in.AppSlug,
		"suspended_at":              suspended,
		"suspended_by":              nil,
	}
}

func (f *Fake) appObj(root string, in *Installation) obj {
	typ := in.AppOwnerType
	if typ == "" {
		typ = "Organization"
	}
	ownerID := in.AppOwnerID
	if ownerID == 0 {
		ownerID = in.AppID*10 + 7
	}
	name := in.AppName
	if name == "" {
		name = in.AppSlug
	}
	perms := obj{}
	for k, v := range in.Permissions {
		perms[k] = v
	}
	return obj{
		"id":           in.AppID,
		"slug":         in.AppSlug,
		"client_id":    "Iv1." + strconv.FormatInt(in.AppID, 16),
		"node_id":      nodeID("A", in.AppID),
		"owner":        simpleUser(root, in.AppOwner, ownerID, typ),
		"name":         name,
		"description":  "",
		"external_url": "https://" + strings.ToLower(in.AppOwner) + ".example",
		"html_url":     webRoot + "/apps/" + in.AppSlug,
		"created_at":   ts(in.CreatedAt),
		"updated_at":   ts(in.CreatedAt),
		"permissions":  perms,
		"events":       in.Events,
	}
}
