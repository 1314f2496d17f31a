package github

import "github.com/keyholder/keyholder/scanners"

// permissions lists the read-only permissions the scanner needs, as GitHub
// App (or fine-grained token) permissions; the notes give the classic
// token scopes. README.md explains them.
func permissions() scanners.Permissions {
	return scanners.Permissions{
		Type:    Type,
		Summary: "Read-only GitHub App (recommended) or fine-grained token on the organisation; a classic token works but needs broader scopes.",
		Items: []scanners.Permission{
			{Name: "Organization permissions: Members (read)", Why: "owners, members, teams and their members, outside collaborators, pending invitations, member profiles"},
			{Name: "Repository permissions: Metadata (read), all repositories", Why: "repositories, their direct collaborators, teams' repositories"},
			{Name: "Organization permissions: Administration (read)", Why: "organisation settings (2FA requirement, base permission), app installations, audit log", Optional: true},
			{Name: "Organization permissions: Plan (read)", Why: "plan and seats (owner of record)", Optional: true},
			{Name: "Organization permissions: Webhooks (read)", Why: "organisation webhooks (destination host only)", Optional: true},
			{Name: "Repository permissions: Administration (read), all repositories", Why: "deploy keys", Optional: true},
			{Name: "Organization permissions: Custom organization roles (read)", Why: "organisation roles (all_repo_admin and the other pre-defined roles, security managers, custom roles) and the users and teams holding them: an org-wide repository admin is admin on every repository", Optional: true},
			{Name: "Organization permissions: Custom repository roles (read)", Why: "the base role and added permissions of custom repository roles, to grade collaborators holding them", Optional: true},
			{Name: "Organization permissions: Administration (read), Enterprise Cloud with SAML SSO (a classic token needs read:org and an owner)", Why: "credential authorizations: classic personal access tokens and SSH keys members authorised for SAML single sign-on (GET /orgs/{org}/credential-authorizations) and whether a SAML identity provider is configured: a provider member's classic token with write scopes is a credential to revoke at exit", Optional: true},
			{Name: "Organization permissions: Personal access tokens (read), GitHub App only", Why: "fine-grained personal access tokens (and requests) with access to the organisation: a provider member's token with write access is a credential to revoke at exit; GitHub lists them to apps only, so a token-authenticated scan records a gap", Optional: true},
		},
		Notes: []string{
			"Everything is read with GET, GraphQL queries (POSTed, as GraphQL requires) and, for an app, one POST /app/installations/{id}/access_tokens: an authentication step that mints a one-hour token and changes nothing in the organisation.",
			"Owner-only data (billing e-mail, plan, 2FA requirement and the 2fa_disabled filter, invitations, installations, webhooks, audit log, verified-domain e-mails, enterprise owners) needs the token's user to be an organisation owner, or an app with the permissions above; without it those collections are recorded as gaps and the rest is collected.",
			"Classic personal access token scopes: read:org (members, teams, settings, installations — GitHub documents the latter as admin:read), repo (needed to see private repositories and their collaborators; it also grants write, which is why an app or a fine-grained token is preferred), admin:org_hook (webhooks; GitHub offers no read-only variant), read:audit_log, read:enterprise.",
			"Prefer a GitHub App for scheduled reviews: it belongs to the organisation, not to a person, so it does not stop working (or leave with the credentials) when the person who created a token leaves — the offboarding problem keyholder exists to catch.",
			"The audit log needs GitHub Enterprise Cloud (or Server); elsewhere it is a gap.",
			"Organisation roles and custom repository roles are read by owners (classic: admin:org or read:org); fine-grained personal access tokens only by a GitHub App installation.",
		},
	}
}
