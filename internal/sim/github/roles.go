package github

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Organisation roles, custom repository roles and fine-grained personal
// access tokens, in GitHub's wire shapes (REST API 2022-11-28:
// organization-role, organization-custom-repository-role,
// organization-programmatic-access-grant and -request).

func forbidden(w http.ResponseWriter, msg, doc string) {
	writeError(w, http.StatusForbidden, msg, doc)
}

const (
	docOrgRoles = "https://docs.github.com/rest/orgs/organization-roles"
	docPATs     = "https://docs.github.com/rest/orgs/personal-access-tokens"
)

func (f *Fake) orgRole(root string, r *OrgRole) obj {
	perms := r.Permissions
	if perms == nil {
		perms = []string{}
	}
	o := obj{
		"id":           r.ID,
		"name":         r.Name,
		"description":  r.Description,
		"permissions":  perms,
		"organization": simpleUser(root, f.sc.Org.Login, f.sc.Org.ID, "Organization"),
		"created_at":   f.sc.Org.CreatedAt.UTC().Format(time.RFC3339),
		"updated_at":   f.sc.Org.CreatedAt.UTC().Format(time.RFC3339),
	}
	if r.BaseRole != "" {
		o["base_role"] = r.BaseRole
	} else {
		o["base_role"] = nil
	}
	if r.Source != "" {
		o["source"] = r.Source
	}
	return o
}

func (f *Fake) listOrgRoles(w http.ResponseWriter, rq *request, who caller, _ map[string]string) {
	if !who.owner {
		forbidden(w, "You must be an organization owner or have the read_organization_custom_org_role permission.", docOrgRoles+"#get-all-organization-roles-for-an-organization")
		return
	}
	roles := make([]any, 0, len(f.sc.OrgRoles))
	for i := range f.sc.OrgRoles {
		roles = append(roles, f.orgRole(rq.apiRoot(), &f.sc.OrgRoles[i]))
	}
	writeJSON(w, http.StatusOK, obj{"total_count": len(roles), "roles": roles})
}

func (f *Fake) findOrgRole(w http.ResponseWriter, who caller, p map[string]string) *OrgRole {
	if !who.owner {
		forbidden(w, "You must be an organization owner or have the read_organization_custom_org_role permission.", docOrgRoles)
		return nil
	}
	id, _ := strconv.ParseInt(p["role_id"], 10, 64)
	for i := range f.sc.OrgRoles {
		if f.sc.OrgRoles[i].ID == id {
			return &f.sc.OrgRoles[i]
		}
	}
	writeError(w, http.StatusNotFound, "Not Found", docOrgRoles)
	return nil
}

func (f *Fake) listOrgRoleUsers(w http.ResponseWriter, rq *request, who caller, p map[string]string) {
	r := f.findOrgRole(w, who, p)
	if r == nil {
		return
	}
	items := []any{}
	for _, l := range r.Users {
		o := f.loginObj(rq.apiRoot(), l)
		o["assignment"] = "direct"
		items = append(items, o)
	}
	f.writePage(w, rq, items)
}

func (f *Fake) listOrgRoleTeams(w http.ResponseWriter, rq *request, who caller, p map[string]string) {
	r := f.findOrgRole(w, who, p)
	if r == nil {
		return
	}
	items := []any{}
	for _, slug := range r.Teams {
		t := f.teams[slug]
		if t == nil {
			continue
		}
		o := teamSimple(rq.apiRoot(), f.sc.Org.Login, t)
		o["assignment"] = "direct"
		o["parent"] = nil
		o["type"] = "organization"
		items = append(items, o)
	}
	f.writePage(w, rq, items)
}

func (f *Fake) listCustomRepoRoles(w http.ResponseWriter, rq *request, who caller, _ map[string]string) {
	if !who.owner {
		forbidden(w, "You must be an organization owner.", "https://docs.github.com/rest/orgs/custom-roles")
		return
	}
	roles := []any{}
	for _, r := range f.sc.CustomRepoRoles {
		perms := r.Permissions
		if perms == nil {
			perms = []string{}
		}
		roles = append(roles, obj{
			"id": r.ID, "name": r.Name, "description": r.Description, "base_role": r.BaseRole,
			"permissions":  perms,
			"organization": simpleUser(rq.apiRoot(), f.sc.Org.Login, f.sc.Org.ID, "Organization"),
			"created_at":   f.sc.Org.CreatedAt.UTC().Format(time.RFC3339),
			"updated_at":   f.sc.Org.CreatedAt.UTC().Format(time.RFC3339),
		})
	}
	writeJSON(w, http.StatusOK, obj{"total_count": len(roles), "custom_roles": roles})
}

func (f *Fake) patObj(root string, t *PAT, request bool) obj {
	perm := func(m map[string]string) obj {
		o := obj{}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			o[k] = m[k]
		}
		return o
	}
	ts := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return t.UTC().Format(time.RFC3339)
	}
	sel := t.RepositorySelection
	if sel == "" {
		sel = "all"
	}
	o := obj{
		"id":                   t.ID,
		"owner":                f.loginObj(root, t.Owner),
		"repository_selection": sel,
		"repositories_url":     root + "/organizations/" + strconv.FormatInt(f.sc.Org.ID, 10) + "/personal-access-token-requests/" + strconv.FormatInt(t.ID, 10) + "/repositories",
		"permissions":          obj{"organization": perm(t.OrgPermissions), "repository": perm(t.Permissions), "other": obj{}},
		"token_expired":        t.Expired,
		"token_expires_at":     ts(t.ExpiresAt),
		"token_last_used_at":   ts(t.LastUsedAt),
		"token_id":             t.ID + 1000,
		"token_name":           "token-" + strconv.FormatInt(t.ID, 10),
	}
	if request {
		o["reason"] = t.Reason
		o["created_at"] = t.GrantedAt.UTC().Format(time.RFC3339)
	} else {
		o["access_granted_at"] = t.GrantedAt.UTC().Format(time.RFC3339)
		o["repositories_url"] = strings.Replace(o["repositories_url"].(string), "personal-access-token-requests", "personal-access-tokens", 1)
	}
	return o
}

func (f *Fake) listPATs(w http.ResponseWriter, rq *request, who caller, _ map[string]string) {
	f.listPATsOf(w, rq, who, f.sc.PATs, false)
}

func (f *Fake) listPATRequests(w http.ResponseWriter, rq *request, who caller, _ map[string]string) {
	f.listPATsOf(w, rq, who, f.sc.PATRequests, true)
}

func (f *Fake) listPATsOf(w http.ResponseWriter, rq *request, who caller, list []PAT, request bool) {
	if !who.app || !who.owner {
		forbidden(w, "Resource not accessible by personal access token", docPATs)
		return
	}
	items := []any{}
	for i := range list {
		items = append(items, f.patObj(rq.apiRoot(), &list[i], request))
	}
	f.writePage(w, rq, items)
}

const docCredAuth = "https://docs.github.com/rest/orgs/orgs#list-saml-sso-authorizations-for-an-organization"

// listCredentialAuthorizations serves GET /orgs/{org}/credential-
// authorizations (credential-authorization shape): owners only, and 404
// when the organisation has no SAML single sign-on.
func (f *Fake) listCredentialAuthorizations(w http.ResponseWriter, rq *request, who caller, _ map[string]string) {
	if !f.sc.Org.SAMLSSO {
		writeError(w, http.StatusNotFound, "Not Found", docCredAuth)
		return
	}
	if !who.owner {
		ownerRequired(w, "list credential authorizations")
		return
	}
	ts := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return t.UTC().Format(time.RFC3339)
	}
	items := []any{}
	for _, c := range f.sc.CredentialAuthorizations {
		o := obj{
			"login":                            c.Login,
			"credential_id":                    c.CredentialID,
			"credential_type":                  c.Type,
			"credential_authorized_at":         c.AuthorizedAt.UTC().Format(time.RFC3339),
			"credential_accessed_at":           ts(c.AccessedAt),
			"authorized_credential_id":         c.CredentialID + 100000,
			"authorized_credential_expires_at": ts(c.ExpiresAt),
		}
		if c.Type == "SSH key" {
			o["fingerprint"] = c.Fingerprint
			o["authorized_credential_title"] = "key-" + strconv.FormatInt(c.CredentialID, 10)
		} else {
			o["token_last_eight"] = c.TokenLastEight
			o["scopes"] = append([]string{}, c.Scopes...)
			o["authorized_credential_note"] = "token-" + strconv.FormatInt(c.CredentialID, 10)
		}
		items = append(items, o)
	}
	f.writePage(w, rq, items)
}
