package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

const remedyCredAuth = "an organisation owner's token (classic: read:org; app: Organization administration read) on a GitHub Enterprise Cloud organisation with SAML single sign-on"

// writeScopes are the classic token scopes that can change something in
// the organisation or its repositories. A token holding only others
// (read:org, read:user, notifications...) reaches nothing its owner
// cannot read, and is not listed.
var writeScopes = map[string]bool{
	"repo": true, "public_repo": true, "repo:invite": true, "repo_deployment": true, "security_events": true,
	"admin:org": true, "write:org": true, "admin:repo_hook": true, "write:repo_hook": true,
	"admin:org_hook": true, "admin:public_key": true, "write:public_key": true,
	"admin:gpg_key": true, "write:gpg_key": true, "admin:enterprise": true, "manage_runners:org": true,
	"manage_runners:enterprise": true, "manage_billing:enterprise": true, "delete_repo": true, "workflow": true,
	"write:packages": true, "delete:packages": true, "write:discussion": true, "project": true, "codespace": true,
	"user": true, "gist": true, "admin:ssh_signing_key": true, "write:ssh_signing_key": true, "site_admin": true,
}

// classicWriteScopes returns the write-capable scopes of a classic token,
// sorted.
func classicWriteScopes(scopes []string) []string {
	var w []string
	for _, s := range scopes {
		if s = strings.TrimSpace(s); writeScopes[s] {
			w = append(w, s)
		}
	}
	sort.Strings(w)
	return w
}

const samlProviderQuery = `query SAMLProvider($org: String!) {
  organization(login: $org) {
    samlIdentityProvider { id }
  }
  rateLimit { cost remaining resetAt }
}`

// samlEnforced asks GraphQL whether the organisation has a SAML identity
// provider (visible to owners). known is false when the answer could not
// be had.
func (sc *scan) samlEnforced(ctx context.Context) (enforced, known bool) {
	var data struct {
		Organization *struct {
			SAMLIdentityProvider *struct {
				ID string `json:"id"`
			} `json:"samlIdentityProvider"`
		} `json:"organization"`
	}
	errs, err := sc.c.graphql(ctx, "SAMLProvider", samlProviderQuery, map[string]any{"org": sc.org}, &data)
	if err != nil || len(errs) > 0 || data.Organization == nil {
		return false, false
	}
	return data.Organization.SAMLIdentityProvider != nil, true
}

// readCredentialAuthorizations lists the classic personal access tokens
// and SSH keys members authorised for the organisation's SAML single
// sign-on (GET /orgs/{org}/credential-authorizations, owners only). A
// classic token with a write-capable scope, and every SSH key, is a
// credential of its owner: it outlives a password reset and the removal
// of an MSP engineer from the identity provider until it is revoked.
// Read-only tokens are skipped. GitHub answers 404 when the organisation
// has no SAML single sign-on: when an owner's scan sees a plan other than
// enterprise, or GraphQL says no identity provider is configured, that is
// no gap (nobody can authorise credentials); otherwise it is one.
func (sc *scan) readCredentialAuthorizations(ctx context.Context) {
	const coll = "credentials/credential_authorizations"
	endpoint := "/orgs/" + sc.org + "/credential-authorizations"
	auths, err := listPages(ctx, sc.s, endpoint, func(ctx context.Context, o github.ListOptions) ([]*github.CredentialAuthorization, *github.Response, error) {
		return sc.c.gh.Organizations.ListCredentialAuthorizations(ctx, sc.org, &o)
	})
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusNotFound && len(auths) == 0 {
		// The plan is shown to owners only: without it the caller is no
		// owner, and neither the 404 nor GraphQL's silence can be trusted.
		if sc.planName != "" && sc.planName != "enterprise" {
			sc.system.Attributes["saml_sso"] = "false"
			return // SAML SSO needs Enterprise Cloud: nothing to authorise
		}
		if sc.planName != "" {
			if enforced, known := sc.samlEnforced(ctx); known && !enforced {
				sc.system.Attributes["saml_sso"] = "false"
				return
			}
		}
		sc.gap(ctx, coll, fmt.Errorf("github: GET %s: %w: GitHub answered 404 and the organisation may use SAML single sign-on (plan %q; its identity provider could not be read), so classic tokens and SSH keys authorised for it are unknown",
			endpoint, scanners.ErrDenied, sc.planName), remedyCredAuth)
		return
	}
	err = sc.c.classify(endpoint, err)
	if err != nil {
		sc.gap(ctx, coll, err, remedyCredAuth)
	}
	sort.Slice(auths, func(i, j int) bool { return auths[i].GetCredentialID() < auths[j].GetCredentialID() })
	now := sc.s.env.Now()
	listed, unmatched := 0, 0
	for _, a := range auths {
		if a == nil {
			continue
		}
		var cred findings.Credential
		switch strings.ToLower(a.GetCredentialType()) {
		case "personal access token":
			if len(classicWriteScopes(a.Scopes)) == 0 {
				continue // read-only scopes reach nothing the owner cannot read
			}
			cred = findings.Credential{ID: "classic_pat:" + strconv.FormatInt(a.GetCredentialID(), 10), Kind: "token"}
		case "ssh key":
			cred = findings.Credential{ID: "sso_ssh_key:" + strconv.FormatInt(a.GetCredentialID(), 10), Kind: "ssh_key"}
		default:
			continue
		}
		sc.mu.Lock()
		id, ok := sc.logins[strings.ToLower(a.GetLogin())]
		var pid string
		if ok {
			pid = sc.users[id].ID
		}
		sc.mu.Unlock()
		if !ok {
			unmatched++
			continue
		}
		cred.Active = true
		// GitHub gives the authorisation date, not the creation date: the
		// credential is at least that old (fine-grained tokens likewise
		// carry access_granted_at).
		if a.CredentialAuthorizedAt != nil {
			t := a.CredentialAuthorizedAt.Time
			cred.CreatedAtLeast = &t
		}
		if a.AuthorizedCredentialExpiresAt != nil {
			t := a.AuthorizedCredentialExpiresAt.Time
			cred.Expires = &t
			cred.Active = t.After(now)
		}
		cred.LastUsedKnown = true
		if a.CredentialAccessedAt != nil {
			t := a.CredentialAccessedAt.Time
			cred.LastUsed = &t
		}
		listed++
		sc.out.update(pid, func(x *findings.Principal) {
			for _, c := range x.Credentials {
				if c.ID == cred.ID {
					return
				}
			}
			x.Credentials = append(x.Credentials, cred)
		})
	}
	if err == nil {
		sc.system.Attributes["saml_sso"] = "true"
		sc.system.Attributes["sso_credentials"] = strconv.Itoa(listed)
	}
	if unmatched > 0 {
		sc.system.Attributes["sso_credentials_unmatched"] = strconv.Itoa(unmatched)
	}
}
