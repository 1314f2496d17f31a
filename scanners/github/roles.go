package github

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

// Hidden access paths (issue 13): organisation roles (an org-wide
// repository admin is admin on every repository), custom repository roles
// (graded by base role and added permissions) and fine-grained personal
// access tokens with access to the organisation.

const (
	remedyOrgRoles = "an organisation owner's token (classic: admin:org or read:org; fine-grained or app: Organization custom organization roles read)"
	remedyRepoRole = "an organisation owner's token (classic: admin:org or read:org; fine-grained or app: Organization custom repository roles read)"
	remedyPATs     = "authenticate as a GitHub App installation with Organization \"Personal access tokens\" read: GitHub lists fine-grained tokens to apps only"
)

// orgRole is one entry of GET /orgs/{org}/organization-roles (go-github
// v60 has no type for it).
type orgRole struct {
	ID          int64    `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Permissions []string `json:"permissions"`
	BaseRole    *string  `json:"base_role"`
	Source      *string  `json:"source"`
}

type orgRoleList struct {
	TotalCount int        `json:"total_count"`
	Roles      []*orgRole `json:"roles"`
}

// roleAssignee is a user or team of .../organization-roles/{id}/users|teams.
type roleAssignee struct {
	ID         int64  `json:"id"`
	Login      string `json:"login"`
	Slug       string `json:"slug"`
	Type       string `json:"type"`
	Assignment string `json:"assignment"`
}

// repoRoleLevel grades a repository base role.
func repoRoleLevel(role string) findings.Level {
	switch role {
	case "admin":
		return findings.LevelAdmin
	case "maintain":
		return findings.LevelPrivileged
	case "write", "push":
		return findings.LevelLimited
	}
	return findings.LevelRead
}

// riskyRepoPermissions are added permissions of custom repository roles
// that lift a role above its base: they remove the controls around code
// (branch protection, review) or add lasting credentials (deploy keys,
// webhooks receive code and secrets).
var riskyRepoPermissions = map[string]bool{
	"bypass_branch_protection":    true,
	"edit_repo_protections":       true,
	"push_protected_branch":       true,
	"manage_deploy_keys":          true,
	"manage_webhooks":             true,
	"delete_alerts_code_scanning": true,
	"jump_merge_queue":            true,
}

// orgRoleLevel grades an organisation role: the repository base role it
// gives on every repository, raised to privileged by any organisation
// write or manage permission (webhooks, secrets, runners, roles, security
// managers).
func orgRoleLevel(r *orgRole) (findings.Level, string) {
	base := ""
	if r.BaseRole != nil {
		base = *r.BaseRole
	}
	if base == "" && strings.HasPrefix(r.Name, "all_repo_") {
		base = strings.TrimPrefix(r.Name, "all_repo_")
	}
	level := findings.Level("")
	if base != "" {
		level = repoRoleLevel(base)
	}
	for _, p := range r.Permissions {
		if strings.HasPrefix(p, "write_") || strings.HasPrefix(p, "manage_") || strings.HasPrefix(p, "delete_") {
			if level.Rank() < findings.LevelPrivileged.Rank() {
				level = findings.LevelPrivileged
			}
		}
	}
	if r.Name == "security_manager" && level.Rank() < findings.LevelPrivileged.Rank() {
		level = findings.LevelPrivileged
	}
	if level == "" {
		level = findings.LevelRead
	}
	return level, base
}

// readOrgRoles reads the organisation roles and who holds them. A role is
// granted on the organisation scope (repositories "all" when it carries a
// base role): policies expand it; it is not repeated per repository.
func (sc *scan) readOrgRoles(ctx context.Context) {
	endpoint := "/orgs/" + sc.org + "/organization-roles"
	req, err := sc.c.gh.NewRequest(http.MethodGet, "orgs/"+sc.org+"/organization-roles", nil)
	if err != nil {
		sc.gap(ctx, "grants/org_roles", err, remedyOrgRoles)
		return
	}
	var list orgRoleList
	if _, err := sc.c.gh.Do(ctx, req, &list); err != nil {
		sc.gap(ctx, "grants/org_roles", sc.c.classify(endpoint, err, statusRule{status: http.StatusNotFound, class: scanners.ErrDenied,
			reason: "GitHub answers 404 when the token may not read organisation roles"}), remedyOrgRoles)
		return
	}
	teams := map[string]string{}
	for _, t := range sc.teams {
		teams[strings.ToLower(t.Slug)] = t.pid
	}
	roles := slices.Clone(list.Roles)
	sort.Slice(roles, func(i, j int) bool { return roles[i].ID < roles[j].ID })
	var fail failures
	held := 0
	for _, r := range roles {
		if r == nil {
			continue
		}
		level, base := orgRoleLevel(r)
		attrs := map[string]string{"org_role": r.Name, "org_role_id": strconv.FormatInt(r.ID, 10)}
		if base != "" {
			attrs["base_role"] = base
			attrs["repositories"] = "all"
		}
		if r.Source != nil && *r.Source != "" {
			attrs["source"] = strings.ToLower(*r.Source)
		}
		if len(r.Permissions) > 0 {
			perms := slices.Clone(r.Permissions)
			sort.Strings(perms)
			attrs["permissions"] = strings.Join(perms, " ")
		}
		var sensitive []string
		if base != "" || r.Name == "security_manager" {
			sensitive = sc.allSensitive()
		}
		grant := func(pid string, direct bool, how string) {
			a := make(map[string]string, len(attrs)+1)
			for k, v := range attrs {
				a[k] = v
			}
			if how != "" {
				a["assignment"] = how
			}
			held++
			sc.out.grant(findings.Grant{
				PrincipalID: pid,
				Privilege:   "org role " + r.Name,
				PrivilegeID: "org_role:" + strconv.FormatInt(r.ID, 10),
				Level:       level,
				Scope:       "org:" + sc.org,
				Direct:      direct,
				Sensitive:   sensitive,
				Attributes:  a,
			})
		}
		id := strconv.FormatInt(r.ID, 10)
		uEndpoint := endpoint + "/" + id + "/users"
		users, err := listPages(ctx, sc.s, uEndpoint, rawList[roleAssignee](sc.c, "orgs/"+sc.org+"/organization-roles/"+id+"/users", nil))
		fail.add(r.Name+" users", sc.c.classify(uEndpoint, err))
		for _, u := range users {
			// Users holding the role through a team are covered by the
			// team's grant and its memberships.
			if u.Assignment == "indirect" {
				continue
			}
			pid, ok := sc.knownUser(u.ID)
			if !ok {
				pid = sc.user(u.Login, u.ID, u.Type, findings.PrincipalUser, orgRoleNone)
			}
			grant(pid, true, u.Assignment)
		}
		tEndpoint := endpoint + "/" + id + "/teams"
		ts, err := listPages(ctx, sc.s, tEndpoint, rawList[roleAssignee](sc.c, "orgs/"+sc.org+"/organization-roles/"+id+"/teams", nil))
		fail.add(r.Name+" teams", sc.c.classify(tEndpoint, err))
		for _, t := range ts {
			if t.Assignment == "indirect" {
				continue
			}
			pid := teams[strings.ToLower(t.Slug)]
			if pid == "" {
				pid = findings.PrincipalID(findings.PrincipalTeam, sc.s.name, strconv.FormatInt(t.ID, 10))
				sc.out.principal(findings.Principal{ID: pid, System: sc.s.name, Kind: findings.PrincipalTeam,
					NativeID: strconv.FormatInt(t.ID, 10), DisplayName: t.Slug, Login: t.Slug, Enabled: true})
			}
			grant(pid, true, t.Assignment)
		}
	}
	sc.system.Attributes["org_roles"] = strconv.Itoa(len(roles))
	if err := fail.err(2*len(roles), "organisation roles' users and teams"); err != nil {
		sc.gap(ctx, "grants/org_roles", err, remedyOrgRoles)
	}
}

// customRepoRole is a custom repository role read from the organisation.
type customRepoRole struct {
	base  string
	perms []string
}

// readCustomRepoRoles reads the custom repository roles (go-github v60
// ListCustomRepoRoles) so collaborators' and teams' custom roles are
// graded by their base role and added permissions.
func (sc *scan) readCustomRepoRoles(ctx context.Context) {
	endpoint := "/orgs/" + sc.org + "/custom-repository-roles"
	list, _, err := sc.c.gh.Organizations.ListCustomRepoRoles(ctx, sc.org)
	if err != nil {
		// Recorded as a gap only when a grant names a custom role (see
		// gradeCustom): without one the definitions change nothing, and
		// outside Enterprise Cloud GitHub answers 404 as there are none.
		sc.mu.Lock()
		sc.customRolesErr = sc.c.classify(endpoint, err, statusRule{status: http.StatusNotFound, class: scanners.ErrDenied,
			reason: "GitHub answers 404 outside Enterprise Cloud, or when the token may not read custom repository roles"})
		sc.mu.Unlock()
		return
	}
	roles := map[string]customRepoRole{}
	for _, r := range list.CustomRepoRoles {
		if r == nil || r.GetName() == "" {
			continue
		}
		perms := slices.Clone(r.Permissions)
		sort.Strings(perms)
		roles[strings.ToLower(r.GetName())] = customRepoRole{base: r.GetBaseRole(), perms: perms}
	}
	sc.mu.Lock()
	sc.customRoles = roles
	sc.mu.Unlock()
	sc.system.Attributes["custom_repo_roles"] = strconv.Itoa(len(roles))
}

// gradeCustom lifts the level of a grant whose role is a custom
// repository role: at least its base role, privileged when it adds a
// risky permission; attrs records the role's definition. A custom role
// name that was not read (the roles could not be listed) is flagged.
func (sc *scan) gradeCustom(level findings.Level, name string, attrs map[string]string) findings.Level {
	switch name {
	case "", "read", "pull", "triage", "write", "push", "maintain", "admin":
		return level
	}
	sc.mu.Lock()
	r, ok := sc.customRoles[strings.ToLower(name)]
	known := sc.customRoles != nil
	rolesErr := sc.customRolesErr
	sc.mu.Unlock()
	attrs["custom_role"] = name
	if !ok {
		if !known {
			// The base role's flags grade it, but added permissions
			// (bypassing branch protection...) are unknown.
			attrs["custom_role_definition"] = "unknown"
			if rolesErr != nil {
				sc.out.gap("grants/custom_repo_roles", fmt.Errorf("custom repository role %q is held but its definition could not be read: %w", name, rolesErr), remedyRepoRole)
			}
		}
		return level
	}
	attrs["base_role"] = r.base
	if len(r.perms) > 0 {
		attrs["added_permissions"] = strings.Join(r.perms, " ")
	}
	if b := repoRoleLevel(r.base); b.Rank() > level.Rank() {
		level = b
	}
	for _, p := range r.perms {
		if riskyRepoPermissions[p] && level.Rank() < findings.LevelPrivileged.Rank() {
			level = findings.LevelPrivileged
		}
	}
	return level
}

// patGrant is one entry of GET /orgs/{org}/personal-access-tokens or
// -requests (go-github v60 has no list method for either).
type patGrant struct {
	ID                  int64        `json:"id"`
	Owner               *github.User `json:"owner"`
	RepositorySelection string       `json:"repository_selection"`
	Permissions         struct {
		Organization map[string]string `json:"organization"`
		Repository   map[string]string `json:"repository"`
	} `json:"permissions"`
	AccessGrantedAt *github.Timestamp `json:"access_granted_at"`
	CreatedAt       *github.Timestamp `json:"created_at"`
	TokenExpired    bool              `json:"token_expired"`
	TokenExpiresAt  *github.Timestamp `json:"token_expires_at"`
	TokenLastUsedAt *github.Timestamp `json:"token_last_used_at"`
}

// patLevel grades a token by its repository and organisation
// permissions: administration write is admin, any other write limited.
func patLevel(p *patGrant) (findings.Level, []string) {
	level := findings.Level("")
	var writes []string
	for _, m := range []map[string]string{p.Permissions.Repository, p.Permissions.Organization} {
		for k, v := range m {
			if v != "write" && v != "admin" {
				continue
			}
			writes = append(writes, k+":"+v)
			l := findings.LevelLimited
			if k == "administration" || k == "members" || k == "organization_administration" {
				l = findings.LevelAdmin
			}
			if l.Rank() > level.Rank() {
				level = l
			}
		}
	}
	sort.Strings(writes)
	return level, writes
}

// readPATs lists the fine-grained tokens members hold on the organisation.
// A token with write or admin access is a credential of its owner (listed
// for the exit: it outlives a password reset) and a grant at its level.
// Pending requests are counted on the owner. Only GitHub Apps may list
// them; any other caller gets 403, which is a gap.
func (sc *scan) readPATs(ctx context.Context) {
	endpoint := "/orgs/" + sc.org + "/personal-access-tokens"
	if sc.s.cfg.App == nil {
		// GitHub answers 403 to every token but an app installation's:
		// no request is spent to learn that.
		sc.gap(ctx, "credentials/personal_access_tokens", fmt.Errorf("github: GET %s: %w: GitHub lists fine-grained personal access tokens to GitHub Apps only, and this scan authenticates with a token, so members' tokens with access to the organisation are unknown",
			endpoint, scanners.ErrDenied), remedyPATs)
		return
	}
	pats, err := listPages(ctx, sc.s, endpoint, rawList[*patGrant](sc.c, "orgs/"+sc.org+"/personal-access-tokens", nil))
	if err = sc.c.classify(endpoint, err, statusRule{status: http.StatusNotFound, class: scanners.ErrDenied,
		reason: "GitHub answers 404 when the caller may not list tokens"}); err != nil {
		sc.gap(ctx, "credentials/personal_access_tokens", err, remedyPATs)
	}
	sort.Slice(pats, func(i, j int) bool { return pats[i].ID < pats[j].ID })
	for _, p := range pats {
		if p == nil || p.Owner == nil {
			continue
		}
		level, writes := patLevel(p)
		pid, ok := sc.knownUser(p.Owner.GetID())
		if !ok {
			pid = sc.ghUser(p.Owner, findings.PrincipalUser, orgRoleNone)
		}
		if len(writes) == 0 {
			continue // read-only tokens reach nothing the owner cannot read
		}
		cred := findings.Credential{
			ID:     "fine_grained_pat:" + strconv.FormatInt(p.ID, 10),
			Kind:   "token",
			Active: !p.TokenExpired,
		}
		// GitHub gives when the organisation granted access, not when
		// the token was created: it is at least that old.
		if p.AccessGrantedAt != nil {
			t := p.AccessGrantedAt.Time
			cred.CreatedAtLeast = &t
		}
		if p.TokenExpiresAt != nil {
			t := p.TokenExpiresAt.Time
			cred.Expires = &t
		}
		cred.LastUsedKnown = true
		if p.TokenLastUsedAt != nil {
			t := p.TokenLastUsedAt.Time
			cred.LastUsed = &t
		}
		sc.out.update(pid, func(x *findings.Principal) {
			for _, c := range x.Credentials {
				if c.ID == cred.ID {
					return
				}
			}
			x.Credentials = append(x.Credentials, cred)
		})
		if p.TokenExpired {
			continue
		}
		sel := p.RepositorySelection
		var sensitive []string
		if sel == "all" {
			sensitive = sc.allSensitive()
		}
		sc.out.grant(findings.Grant{
			PrincipalID: pid,
			Privilege:   "fine-grained token " + strconv.FormatInt(p.ID, 10),
			PrivilegeID: cred.ID,
			Level:       level,
			Scope:       "org:" + sc.org,
			Direct:      true,
			Sensitive:   sensitive,
			Attributes: map[string]string{
				"credential": cred.ID, "repository_selection": sel, "write_permissions": strings.Join(writes, " "),
			},
		})
	}
	reqEndpoint := endpoint + "-requests"
	reqs, err := listPages(ctx, sc.s, reqEndpoint, rawList[*patGrant](sc.c, "orgs/"+sc.org+"/personal-access-token-requests", nil))
	if err = sc.c.classify(reqEndpoint, err); err != nil {
		sc.gap(ctx, "credentials/personal_access_tokens", err, remedyPATs)
		return
	}
	pending := map[string]int{}
	for _, p := range reqs {
		if p == nil || p.Owner == nil {
			continue
		}
		pid, ok := sc.knownUser(p.Owner.GetID())
		if !ok {
			pid = sc.ghUser(p.Owner, findings.PrincipalUser, orgRoleNone)
		}
		pending[pid]++
	}
	for pid, n := range pending {
		sc.out.update(pid, func(x *findings.Principal) { x.Attributes["pending_token_requests"] = strconv.Itoa(n) })
	}
	sc.system.Attributes["fine_grained_tokens"] = fmt.Sprint(len(pats))
}
