package github

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"go.yaml.in/yaml/v3"
)

// Scenario is the data a Fake serves: one organisation and everything in
// it. Field names follow GitHub's own vocabulary. A scenario is plain data
// with yaml tags so that a demo can compose scenarios from files.
type Scenario struct {
	Org Org `yaml:"org"`
	// Users are every account the scenario knows: members (Role admin or
	// member), outside collaborators (Role outside) and accounts outside
	// the organisation (no role: app owners, enterprise owners, inviters).
	Users []User `yaml:"users"`
	// Invitations are pending organisation invitations.
	Invitations   []Invitation   `yaml:"invitations"`
	Teams         []Team         `yaml:"teams"`
	Repos         []Repo         `yaml:"repos"`
	Installations []Installation `yaml:"installations"`
	Hooks         []Hook         `yaml:"hooks"`
	// EnterpriseOwners are logins of the owners of the organisation's
	// enterprise account (GraphQL enterpriseOwners).
	EnterpriseOwners []string     `yaml:"enterprise_owners"`
	AuditLog         []AuditEvent `yaml:"audit_log"`
	// OrgRoles are organisation roles (pre-defined such as
	// all_repo_admin and security_manager, and custom ones) with the
	// users and teams assigned to them.
	OrgRoles []OrgRole `yaml:"org_roles"`
	// CustomRepoRoles are the organisation's custom repository roles.
	CustomRepoRoles []CustomRepoRole `yaml:"custom_repo_roles"`
	// PATs are fine-grained personal access tokens granted access to the
	// organisation; PATRequests those awaiting approval.
	PATs        []PAT `yaml:"pats"`
	PATRequests []PAT `yaml:"pat_requests"`
	// CredentialAuthorizations are classic tokens and SSH keys members
	// authorised for the organisation's SAML single sign-on (served only
	// when Org.SAMLSSO is set; otherwise GitHub answers 404).
	CredentialAuthorizations []CredentialAuthorization `yaml:"credential_authorizations"`
	// Tokens are the bearer tokens the fake accepts.
	Tokens []Token `yaml:"tokens"`
	// Apps are GitHub Apps that may authenticate with a JWT and exchange
	// it for an installation token.
	Apps []App `yaml:"apps"`
}

// Org is the organisation.
type Org struct {
	Login       string `yaml:"login"`
	ID          int64  `yaml:"id"`
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Email is the public e-mail of the organisation's profile.
	Email string `yaml:"email"`
	Plan  Plan   `yaml:"plan"`
	// BillingEmail is shown to owners only.
	BillingEmail                 string `yaml:"billing_email"`
	TwoFactorRequirementEnabled  bool   `yaml:"two_factor_requirement_enabled"`
	DefaultRepositoryPermission  string `yaml:"default_repository_permission"` // read, write, admin, none
	MembersCanCreateRepositories bool   `yaml:"members_can_create_repositories"`
	MembersCanCreatePublicRepos  bool   `yaml:"members_can_create_public_repositories"`
	MembersCanCreatePrivateRepos bool   `yaml:"members_can_create_private_repositories"`
	MembersCanInviteOutside      bool   `yaml:"members_can_invite_outside_collaborators"`
	MembersCanDeleteRepositories bool   `yaml:"members_can_delete_repositories"`
	WebCommitSignoffRequired     bool   `yaml:"web_commit_signoff_required"`
	// Enterprise is the slug of the enterprise account the organisation
	// belongs to. Non-empty means GitHub Enterprise Cloud: the audit log
	// is served; empty means it answers 404.
	Enterprise string `yaml:"enterprise"`
	// SAMLSSO says the organisation has a SAML identity provider
	// (GraphQL samlIdentityProvider; credential authorisations served).
	SAMLSSO   bool      `yaml:"saml_sso"`
	CreatedAt time.Time `yaml:"created_at"`
}

// Plan is the organisation's GitHub plan.
type Plan struct {
	Name         string `yaml:"name"` // free, team, enterprise
	Seats        int    `yaml:"seats"`
	FilledSeats  int    `yaml:"filled_seats"`
	PrivateRepos int    `yaml:"private_repos"`
}

// Member roles of a User.
const (
	RoleAdmin   = "admin"   // organisation owner
	RoleMember  = "member"  // organisation member
	RoleOutside = "outside" // outside collaborator
)

// User is a GitHub account.
type User struct {
	Login string `yaml:"login"`
	ID    int64  `yaml:"id"`
	Name  string `yaml:"name"`
	// Email is the public profile e-mail.
	Email string `yaml:"email"`
	// VerifiedDomainEmails are the user's e-mails on domains the
	// organisation verified (GraphQL organizationVerifiedDomainEmails,
	// visible to owners).
	VerifiedDomainEmails []string `yaml:"verified_domain_emails"`
	TwoFactor            bool     `yaml:"two_factor"`
	// Type is "User" (default) or "Bot".
	Type string `yaml:"type"`
	// Role is admin, member, outside or empty (not in the organisation).
	Role string `yaml:"role"`
	// Public is true when the membership is public (visible to anyone).
	Public bool `yaml:"public"`
}

// OrgRole is an organisation role (GET /orgs/{org}/organization-roles).
type OrgRole struct {
	ID          int64    `yaml:"id"`
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	BaseRole    string   `yaml:"base_role"` // read, triage, write, maintain, admin or empty
	Permissions []string `yaml:"permissions"`
	// Source is "Predefined" or "Organization" (custom).
	Source string `yaml:"source"`
	// Users and Teams are logins and team slugs assigned the role.
	Users []string `yaml:"users"`
	Teams []string `yaml:"teams"`
}

// CustomRepoRole is a custom repository role.
type CustomRepoRole struct {
	ID          int64    `yaml:"id"`
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	BaseRole    string   `yaml:"base_role"` // read, triage, write, maintain
	Permissions []string `yaml:"permissions"`
}

// PAT is a fine-grained personal access token with access to the
// organisation (or a request for it).
type PAT struct {
	ID    int64  `yaml:"id"`
	Owner string `yaml:"owner"`
	// RepositorySelection is none, all or subset.
	RepositorySelection string `yaml:"repository_selection"`
	// Permissions are repository permissions (contents: write, ...);
	// OrgPermissions organisation ones.
	Permissions    map[string]string `yaml:"permissions"`
	OrgPermissions map[string]string `yaml:"org_permissions"`
	Reason         string            `yaml:"reason"` // requests only
	GrantedAt      time.Time         `yaml:"granted_at"`
	ExpiresAt      *time.Time        `yaml:"expires_at"`
	LastUsedAt     *time.Time        `yaml:"last_used_at"`
	Expired        bool              `yaml:"expired"`
}

// CredentialAuthorization is a classic personal access token or SSH key
// a member authorised for the organisation's SAML single sign-on.
type CredentialAuthorization struct {
	CredentialID int64  `yaml:"credential_id"`
	Login        string `yaml:"login"`
	// Type is "personal access token" or "SSH key".
	Type           string     `yaml:"type"`
	Scopes         []string   `yaml:"scopes"` // tokens only
	TokenLastEight string     `yaml:"token_last_eight"`
	Fingerprint    string     `yaml:"fingerprint"` // SSH keys only
	AuthorizedAt   time.Time  `yaml:"authorized_at"`
	ExpiresAt      *time.Time `yaml:"expires_at"`
	AccessedAt     *time.Time `yaml:"accessed_at"`
}

// Invitation is a pending organisation invitation.
type Invitation struct {
	ID        int64     `yaml:"id"`
	Login     string    `yaml:"login"` // empty when the invitee has no account
	Email     string    `yaml:"email"`
	Role      string    `yaml:"role"` // direct_member, admin, billing_manager
	Inviter   string    `yaml:"inviter"`
	CreatedAt time.Time `yaml:"created_at"`
	TeamCount int       `yaml:"team_count"`
}

// Team is an organisation team. Members lists direct members; the fake
// adds members of child teams (inherited: true) as GitHub does.
type Team struct {
	ID          int64        `yaml:"id"`
	Slug        string       `yaml:"slug"`
	Name        string       `yaml:"name"`
	Description string       `yaml:"description"`
	Privacy     string       `yaml:"privacy"` // closed (default) or secret
	Parent      string       `yaml:"parent"`  // slug of the parent team
	Members     []TeamMember `yaml:"members"`
	Repos       []RepoAccess `yaml:"repos"`
}

// TeamMember is a direct member of a team.
type TeamMember struct {
	Login string `yaml:"login"`
	Role  string `yaml:"role"` // member (default) or maintainer
}

// RepoAccess is a team's permission on a repository.
type RepoAccess struct {
	Repo       string `yaml:"repo"`
	Permission string `yaml:"permission"` // read, triage, write, maintain, admin or a custom role name
}

// Repo is a repository of the organisation.
type Repo struct {
	ID         int64  `yaml:"id"`
	Name       string `yaml:"name"`
	Visibility string `yaml:"visibility"` // public, private (default), internal
	Archived   bool   `yaml:"archived"`
	Fork       bool   `yaml:"fork"`
	// Collaborators are direct collaborators (members or outside
	// collaborators).
	Collaborators []Collaborator `yaml:"collaborators"`
	DeployKeys    []DeployKey    `yaml:"deploy_keys"`
}

// Collaborator is a direct collaborator of a repository.
type Collaborator struct {
	Login      string `yaml:"login"`
	Permission string `yaml:"permission"` // read, triage, write, maintain, admin or a custom role name
	// Base is the base role of a custom role (read, triage, write,
	// maintain); empty for the built-in roles.
	Base string `yaml:"base"`
}

// DeployKey is a repository deploy key.
type DeployKey struct {
	ID        int64     `yaml:"id"`
	Title     string    `yaml:"title"`
	ReadOnly  bool      `yaml:"read_only"`
	AddedBy   string    `yaml:"added_by"`
	CreatedAt time.Time `yaml:"created_at"`
	LastUsed  time.Time `yaml:"last_used"`
}

// Installation is a GitHub App installed on the organisation.
type Installation struct {
	ID      int64  `yaml:"id"`
	AppID   int64  `yaml:"app_id"`
	AppSlug string `yaml:"app_slug"`
	AppName string `yaml:"app_name"`
	// AppOwner is the login of the account that owns the app;
	// AppOwnerType is Organization (default) or User.
	AppOwner            string            `yaml:"app_owner"`
	AppOwnerID          int64             `yaml:"app_owner_id"`
	AppOwnerType        string            `yaml:"app_owner_type"`
	RepositorySelection string            `yaml:"repository_selection"` // all or selected
	Permissions         map[string]string `yaml:"permissions"`
	Events              []string          `yaml:"events"`
	CreatedAt           time.Time         `yaml:"created_at"`
	SuspendedAt         *time.Time        `yaml:"suspended_at"`
}

// Hook is an organisation webhook.
type Hook struct {
	ID          int64    `yaml:"id"`
	URL         string   `yaml:"url"`
	Events      []string `yaml:"events"`
	Active      bool     `yaml:"active"`
	ContentType string   `yaml:"content_type"`
	InsecureSSL bool     `yaml:"insecure_ssl"`
	// Secret is configured on the hook; GitHub never returns it (the API
	// shows "********"), and neither does the fake.
	Secret string `yaml:"secret"`
}

// AuditEvent is an audit-log entry.
type AuditEvent struct {
	Action    string            `yaml:"action"`
	Actor     string            `yaml:"actor"`
	User      string            `yaml:"user"`
	CreatedAt time.Time         `yaml:"created_at"`
	Data      map[string]string `yaml:"data"`
}

// Token is an accepted bearer token.
type Token struct {
	Value string `yaml:"value"`
	Login string `yaml:"login"`
	// Owner is true when the token's user is an organisation owner;
	// owner-only data is refused otherwise.
	Owner bool `yaml:"owner"`
	// Scopes is sent back in X-OAuth-Scopes (classic tokens).
	Scopes string `yaml:"scopes"`
}

// App is a GitHub App that can authenticate to the fake.
type App struct {
	AppID          int64 `yaml:"app_id"`
	InstallationID int64 `yaml:"installation_id"`
	// PublicKeyPEM verifies the app's JWTs (PKIX or PKCS#1 PEM).
	PublicKeyPEM string `yaml:"public_key_pem"`
	// Owner is true when installation tokens may read owner-only data
	// (an app with organisation administration and members read).
	Owner bool `yaml:"owner"`
}

// LoadScenario reads a scenario YAML file strictly (unknown keys are
// errors).
func LoadScenario(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("github sim: %w", err)
	}
	return ParseScenario(data)
}

// ParseScenario decodes scenario YAML strictly.
func ParseScenario(data []byte) (*Scenario, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		return nil, fmt.Errorf("github sim: scenario: %w", err)
	}
	return &sc, nil
}
