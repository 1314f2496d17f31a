package findings

import (
	"time"
)

// SchemaVersion is the version of the snapshot and assessment JSON documents.
// It changes when a field is removed or changes meaning; adding an optional
// field does not change it.
const SchemaVersion = "1"

// Snapshot is everything one scan saw: facts and gaps, no judgement.
//
// A Snapshot is self-contained: the policy layer needs nothing else (apart
// from the config) to evaluate it, so a saved snapshot can be evaluated again
// offline, diffed, and used as a test fixture. Collections are sorted by ID in
// canonical form (see Canonicalize).
type Snapshot struct {
	SchemaVersion string    `json:"schema_version"`
	Tool          Tool      `json:"tool"`
	StartedAt     time.Time `json:"started_at"`
	FinishedAt    time.Time `json:"finished_at"`
	// ConfigHash is the SHA-256 of the config file the scan ran with.
	ConfigHash string `json:"config_hash,omitempty"`
	// Partial is true when the scan was cancelled before every target
	// finished; what was collected is kept and the rest is in Gaps.
	Partial bool `json:"partial,omitempty"`
	// ContentSHA256 is the SHA-256 of the snapshot's canonical JSON
	// without this field, recorded when the file is written (Seal), so
	// evaluate can refuse a snapshot edited afterwards (Verify).
	ContentSHA256 string `json:"content_sha256,omitempty"`

	Systems      []System      `json:"systems"`
	Principals   []Principal   `json:"principals"`
	Memberships  []Membership  `json:"memberships"`
	Grants       []Grant       `json:"grants"`
	Licences     []Licence     `json:"licences"`
	Backups      []Backup      `json:"backups"`
	Trusts       []Trust       `json:"trusts"`
	Assets       []Asset       `json:"assets"`
	Attestations []Attestation `json:"attestations"`
	Gaps         []Gap         `json:"gaps"`
}

// Tool names the program that wrote a document.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// SystemKind is the kind of a scanned target.
type SystemKind string

// System kinds.
const (
	SystemEntra    SystemKind = "entra"
	SystemAWS      SystemKind = "aws"
	SystemLDAP     SystemKind = "ldap"
	SystemGitHub   SystemKind = "github"
	SystemDeclared SystemKind = "declared"
	SystemAzure    SystemKind = "azure"
	// SystemDomains is the public internet's view of the customer's
	// domains, DNS and address blocks.
	SystemDomains SystemKind = "domains"
	// SystemWorkspace is a Google Workspace (or Cloud Identity) customer.
	SystemWorkspace SystemKind = "workspace"
)

// System is one scanned target: an Entra tenant, an AWS account, a
// directory, a GitHub organisation, or the declared inventory.
//
// ID is the target's name from the config ("m365", "corp-ad"); a scanner
// that finds several systems behind one target (AWS organisation mode) names
// them "<target>/<native id>".
type System struct {
	ID   string     `json:"id"`
	Kind SystemKind `json:"kind"`
	// Target is the config target that produced this system.
	Target string `json:"target"`
	Name   string `json:"name"`
	// NativeID is the source's own id: tenant id, account id, base DN, org login.
	NativeID string `json:"native_id"`
	Endpoint string `json:"endpoint,omitempty"`
	// Flavour refines Kind where the source has variants: "active_directory"
	// or "openldap"/"generic" for LDAP, "ghes" for GitHub Enterprise Server.
	Flavour string `json:"flavour,omitempty"`
	// Domains are the domain names the system owns (verified domains of a
	// tenant, the DNS name of an AD domain).
	Domains []string `json:"domains,omitempty"`
	// Contacts are the people the provider notifies or bills: Entra
	// technical notification mails, AWS root and alternate contacts, GitHub
	// billing e-mail.
	Contacts []Contact `json:"contacts,omitempty"`
	// Insecure lists transport weaknesses the scan accepted on the user's
	// explicit request (for example "plaintext_ldap"); reports flag them.
	Insecure []string `json:"insecure,omitempty"`
	// Attributes holds source facts that have no field of their own, for
	// example "two_factor_requirement_enabled": "true".
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Contact is a notification, billing or security contact of a system.
type Contact struct {
	// Kind is "technical", "root", "billing", "operations", "security",
	// "management_account" or similar.
	Kind  string `json:"kind"`
	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`
}

// PrincipalKind is the kind of thing that can hold access.
type PrincipalKind string

// Principal kinds.
const (
	PrincipalUser             PrincipalKind = "user"
	PrincipalGuest            PrincipalKind = "guest"
	PrincipalGroup            PrincipalKind = "group"
	PrincipalServicePrincipal PrincipalKind = "service_principal"
	PrincipalRole             PrincipalKind = "role"
	PrincipalRoot             PrincipalKind = "root"
	PrincipalTeam             PrincipalKind = "team"
	PrincipalAppInstallation  PrincipalKind = "app_installation"
	PrincipalExternal         PrincipalKind = "external" // an outside account or organisation seen only as a counterparty
	PrincipalComputer         PrincipalKind = "computer"
)

// MFA is the multi-factor state of a principal.
type MFA string

// MFA states. Unknown is the zero state: a scanner that could not read MFA
// must leave it unknown, never none.
const (
	MFAUnknown    MFA = "unknown"
	MFANone       MFA = "none"
	MFARegistered MFA = "registered"
	MFAEnforced   MFA = "enforced"
)

// Principal is anything that can hold access: user, guest, group, service
// principal, IAM role, root account, GitHub member, team or app installation.
type Principal struct {
	// ID is "kind:system:nativeid", see PrincipalID.
	ID       string        `json:"id"`
	System   string        `json:"system"`
	Kind     PrincipalKind `json:"kind"`
	NativeID string        `json:"native_id"`

	DisplayName string `json:"display_name,omitempty"`
	// Login is the sign-in name: UPN, IAM user name, sAMAccountName,
	// GitHub login.
	Login  string   `json:"login,omitempty"`
	Emails []string `json:"emails,omitempty"`
	// Domain is the principal's own domain where the source gives one
	// (UPN suffix, guest issuer, verified e-mail domain).
	Domain string `json:"domain,omitempty"`
	// DN is the LDAP distinguished name, for OU rules.
	DN string `json:"dn,omitempty"`
	// HomeOrg is the organisation the source says the principal belongs to:
	// a guest's home tenant or issuer, a service principal's
	// appOwnerOrganizationId, an AWS account id trusted by a role, a GitHub
	// app's owner. HomeOrgKind says which ("entra_tenant", "domain",
	// "aws_account", "github_account").
	HomeOrg     string `json:"home_org,omitempty"`
	HomeOrgKind string `json:"home_org_kind,omitempty"`

	Enabled bool `json:"enabled"`
	MFA     MFA  `json:"mfa"`
	// Synced is true for accounts synchronised from an on-premises directory.
	Synced       bool       `json:"synced,omitempty"`
	Created      *time.Time `json:"created,omitempty"`
	LastActivity *time.Time `json:"last_activity,omitempty"`
	// LastActivityKnown is false when the source could not say (for example
	// Entra sign-in activity without a P1 licence); then LastActivity is nil
	// and nothing may be concluded from it.
	LastActivityKnown bool         `json:"last_activity_known"`
	Credentials       []Credential `json:"credentials,omitempty"`
	// Attributes are raw source facts: "user_type", "creation_type",
	// "company", "password_never_expires", "service_account"...
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Credential is a key, secret or certificate a principal can authenticate
// with. It never holds the secret itself, only facts about it.
type Credential struct {
	// ID is the key id, never the secret.
	ID string `json:"id"`
	// Kind is "access_key", "client_secret", "certificate", "ssh_key",
	// "password", "token".
	Kind    string     `json:"kind"`
	Active  bool       `json:"active"`
	Created *time.Time `json:"created,omitempty"`
	// CreatedAtLeast is set instead of Created when the source gives only
	// a date by which the credential existed (GitHub's authorisation of a
	// token for the organisation): it is at least that old, maybe older.
	CreatedAtLeast *time.Time `json:"created_at_least,omitempty"`
	Expires        *time.Time `json:"expires,omitempty"`
	LastUsed       *time.Time `json:"last_used,omitempty"`
	// LastUsedKnown is false when the source does not report use.
	LastUsedKnown bool `json:"last_used_known"`
}

// Membership says MemberID is a direct member of GroupID (a group, team or
// role-assignable group). The policy layer expands nesting; cycles are
// allowed in the data.
type Membership struct {
	ID       string `json:"id"`
	System   string `json:"system"`
	MemberID string `json:"member_id"`
	GroupID  string `json:"group_id"`
}

// Level is the normalised strength of a privilege.
type Level string

// Levels, strongest first.
const (
	LevelSuperAdmin Level = "super_admin"
	LevelAdmin      Level = "admin"
	LevelPrivileged Level = "privileged"
	LevelLimited    Level = "limited"
	LevelRead       Level = "read"
)

// Rank orders levels: super_admin is 5, read is 1, anything else 0.
func (l Level) Rank() int {
	switch l {
	case LevelSuperAdmin:
		return 5
	case LevelAdmin:
		return 4
	case LevelPrivileged:
		return 3
	case LevelLimited:
		return 2
	case LevelRead:
		return 1
	}
	return 0
}

// Assignment is how a grant is held.
type Assignment string

// Assignments. Active means held now with no statement about duration;
// Permanent means held now with no end; TimeBound means held now until
// Grant.Expires; Eligible means it can be activated (PIM) but is not held.
const (
	AssignmentActive    Assignment = "active"
	AssignmentEligible  Assignment = "eligible"
	AssignmentPermanent Assignment = "permanent"
	AssignmentTimeBound Assignment = "time_bound"
)

// Grant says a principal holds a privilege at a scope.
//
// If the source says a group holds the privilege, the grant is on the group
// and Memberships carry the members; the policy layer expands them. A
// scanner whose source returns transitive results directly (AD in-chain
// search, Graph transitiveMembers) may instead emit one grant per member
// with Direct false and Via naming the chain, outermost group last.
type Grant struct {
	ID          string `json:"id"`
	System      string `json:"system"`
	PrincipalID string `json:"principal_id"`
	// Privilege is the name as the source calls it ("Global
	// Administrator", "AdministratorAccess", "Domain Admins", "owner").
	Privilege string `json:"privilege"`
	// PrivilegeID is the source's id for it (role template id, policy ARN,
	// group SID), if any.
	PrivilegeID string     `json:"privilege_id,omitempty"`
	Level       Level      `json:"level"`
	Scope       string     `json:"scope"`
	Assignment  Assignment `json:"assignment"`
	Expires     *time.Time `json:"expires,omitempty"`
	// Via is the chain of principal or trust ids that carry the grant to
	// PrincipalID, nearest first. Empty for direct grants.
	Via    []string `json:"via,omitempty"`
	Direct bool     `json:"direct"`
	// Sensitive names the configured sensitive segments the scope belongs
	// to, when the scanner can tell (GitHub repository, LDAP group).
	Sensitive  []string          `json:"sensitive,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Notice is the notice rule of a contract: notice must be given no earlier
// than NoEarlierThanDays and no later than NoLaterThanDays before renewal.
type Notice struct {
	NoEarlierThanDays int `json:"no_earlier_than_days,omitempty"`
	NoLaterThanDays   int `json:"no_later_than_days,omitempty"`
}

// Licence is a product, subscription or contract and its owner of record.
type Licence struct {
	ID      string `json:"id"`
	System  string `json:"system"`
	Product string `json:"product"`
	SKU     string `json:"sku,omitempty"`
	// Quantity is the number of seats or units; Consumed how many are used.
	Quantity int    `json:"quantity,omitempty"`
	Consumed int    `json:"consumed,omitempty"`
	Status   string `json:"status,omitempty"`
	// OwnerOfRecord is the owner as the source states it (a tenant id, an
	// account id, an organisation or company name); OwnerKind says which
	// ("entra_tenant", "aws_account", "github_org", "name").
	OwnerOfRecord string `json:"owner_of_record"`
	OwnerKind     string `json:"owner_kind,omitempty"`
	// Channel is "direct", "partner", "marketplace" or "declared".
	Channel string     `json:"channel"`
	Renews  *time.Time `json:"renews,omitempty"`
	Notice  *Notice    `json:"notice,omitempty"`
	Trial   bool       `json:"trial,omitempty"`
	// Provider is the configured provider a declaration names, if any;
	// scanners leave it empty.
	Provider   string            `json:"provider,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

// BackupCopy is a copy or replication destination of a backup.
type BackupCopy struct {
	Destination string `json:"destination"`
	// Owner is the account or organisation that owns the destination.
	Owner     string `json:"owner"`
	OwnerKind string `json:"owner_kind,omitempty"`
}

// Backup is a place where data is backed up and who controls it.
type Backup struct {
	ID     string `json:"id"`
	System string `json:"system"`
	Name   string `json:"name"`
	// Protects says what is backed up; ProtectsSystem is the system id it
	// protects, when known.
	Protects       string `json:"protects,omitempty"`
	ProtectsSystem string `json:"protects_system,omitempty"`
	// Location is the vault ARN, bucket, or service name.
	Location         string `json:"location"`
	StorageOwner     string `json:"storage_owner"`
	StorageOwnerKind string `json:"storage_owner_kind,omitempty"`
	// KeyID is the encryption key (ARN), KeyOwner the account that owns it;
	// both empty when unknown, KeyOwner "aws_managed" for provider-managed keys.
	KeyID        string       `json:"key_id,omitempty"`
	KeyOwner     string       `json:"key_owner,omitempty"`
	KeyOwnerKind string       `json:"key_owner_kind,omitempty"`
	Copies       []BackupCopy `json:"copies,omitempty"`
	Immutable    bool         `json:"immutable,omitempty"`
	// LastRecoveryPoint is the newest restorable copy, when known.
	LastRecoveryPoint *time.Time `json:"last_recovery_point,omitempty"`
	// Deleters are principal ids or account ids that may delete backups,
	// as far as the source shows.
	Deleters []string `json:"deleters,omitempty"`
	// Provider is the configured provider a declaration names (declared
	// items only). Scanners leave it empty: attribution is the policy
	// layer's job, and a scanned service's name goes in
	// Attributes["service"].
	Provider   string            `json:"provider,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

// TrustKind is the kind of relationship that lets another party in.
type TrustKind string

// Trust kinds.
const (
	TrustEntraPartner     TrustKind = "entra_cross_tenant_partner"
	TrustEntraGDAP        TrustKind = "entra_gdap"
	TrustThirdPartyApp    TrustKind = "third_party_app"
	TrustAWSRole          TrustKind = "aws_role_trust"
	TrustAWSOrgManagement TrustKind = "aws_org_management"
	// TrustAWSResourcePolicy is a resource policy (KMS key, S3 bucket,
	// Backup vault) letting another account use or destroy the resource;
	// Permissions are the sensitive actions it allows.
	TrustAWSResourcePolicy TrustKind = "aws_resource_policy"
	// TrustAWSRolesAnywhere is an IAM Roles Anywhere trust anchor: holders
	// of certificates its CA issues may assume the roles (PrincipalID)
	// trusting rolesanywhere.amazonaws.com.
	TrustAWSRolesAnywhere    TrustKind = "aws_roles_anywhere"
	TrustGitHubApp           TrustKind = "github_app_installation"
	TrustOutsideCollaborator TrustKind = "github_outside_collaborator"
	TrustDeployKey           TrustKind = "github_deploy_key"
	TrustWebhook             TrustKind = "webhook"
	TrustDirectory           TrustKind = "directory_trust"
	TrustDeclared            TrustKind = "declared_relationship"
	// TrustAzureLighthouse is an Azure Lighthouse delegation: the managing
	// tenant's principals hold roles in the customer's subscription.
	TrustAzureLighthouse TrustKind = "azure_lighthouse"
	// TrustAzureManagedBy is a tenant listed in a subscription's
	// managedByTenants without a Lighthouse delegation the scan saw (a CSP
	// partner, typically).
	TrustAzureManagedBy TrustKind = "azure_managed_by_tenant"
	// TrustAzureForeignPrincipal is a principal of another tenant holding
	// a role assignment (principalType ForeignGroup: a CSP partner's
	// AdminAgents group, "admin on behalf of").
	TrustAzureForeignPrincipal TrustKind = "azure_foreign_principal"
	// TrustAzureResourceGuard is a backup vault's Resource Guard in a
	// subscription of another tenant: that tenant approves or blocks the
	// vault's destructive operations.
	TrustAzureResourceGuard TrustKind = "azure_resource_guard"
)

// Trust is a relationship that lets another organisation in.
type Trust struct {
	ID     string    `json:"id"`
	System string    `json:"system"`
	Kind   TrustKind `json:"kind"`
	Name   string    `json:"name"`
	// Counterparty is the other side as the source names it: a tenant id,
	// an AWS account id, "*", a domain, a GitHub account; CounterpartyKind
	// says which ("entra_tenant", "aws_account", "any", "domain",
	// "github_account", "federated", "service", "provider").
	Counterparty     string `json:"counterparty"`
	CounterpartyKind string `json:"counterparty_kind"`
	// PrincipalID is the local principal the trust lets the counterparty
	// act as (the IAM role, the service principal, the installation).
	PrincipalID string `json:"principal_id,omitempty"`
	// Conditions are the conditions the trust requires, e.g.
	// "sts:ExternalId": "present", "aws:MultiFactorAuthPresent": "true".
	Conditions map[string]string `json:"conditions,omitempty"`
	// Permissions are what the trust allows, as the source names them.
	Permissions []string `json:"permissions,omitempty"`
	// Level is the highest privilege the trust carries, if known.
	Level   Level      `json:"level,omitempty"`
	Expires *time.Time `json:"expires,omitempty"`
	// Verified is when a declared relationship was last checked by a person.
	Verified *time.Time `json:"verified,omitempty"`
	// Provider is the configured provider a declaration names (declared
	// relationships only); scanners leave it empty.
	Provider   string            `json:"provider,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Asset is a declared thing no API shows: an internet line, hardware, a
// domain name, third-party software.
type Asset struct {
	ID            string            `json:"id"`
	System        string            `json:"system"`
	Kind          string            `json:"kind"`
	Name          string            `json:"name"`
	Provider      string            `json:"provider,omitempty"`
	OwnerOfRecord string            `json:"owner_of_record,omitempty"`
	Renews        *time.Time        `json:"renews,omitempty"`
	Notice        *Notice           `json:"notice,omitempty"`
	Attributes    map[string]string `json:"attributes,omitempty"`
}

// Asset kinds that scanners and declarations emit besides the declared
// inventory's own (internet, hardware, domain, dns, software, other).
const (
	// AssetRemoteTool is a remote-management or remote-access product
	// found in a device inventory (Intune detected apps, AWS Systems
	// Manager inventory). Name is the product; Attributes carry "source",
	// "detected_name", "vendor", "publisher", "version", "device_count"
	// and "devices" (sorted device names, comma-separated).
	AssetRemoteTool = "remote_tool"
	// AssetToolDeclaration is a declared.tools entry: Name the product,
	// Provider (and OwnerOfRecord) the party running its console,
	// Attributes "instance" and "allowed".
	AssetToolDeclaration = "remote_tool_declaration"
)

// Attestation is a written statement collected from a party, for example
// an MSP's attestation of data deletion.
type Attestation struct {
	ID       string    `json:"id"`
	System   string    `json:"system"`
	Name     string    `json:"name"`
	Date     time.Time `json:"date"`
	Provider string    `json:"provider,omitempty"`
	Evidence string    `json:"evidence,omitempty"`
	// SHA256 is the SHA-256 (lowercase hex) of the signed copy Evidence
	// names, as declared (config validation checks it against the file
	// when the file is present).
	SHA256 string `json:"sha256,omitempty"`
}

// GapReason says why a collection could not be read.
type GapReason string

// Gap reasons.
const (
	GapDenied      GapReason = "denied"
	GapUnlicensed  GapReason = "unlicensed"
	GapUnsupported GapReason = "unsupported"
	GapFailed      GapReason = "failed"
	GapSkipped     GapReason = "skipped"
)

// Gap records what could not be read. A gap is a fact, not a failure of the
// run: checks that depend on the collection become unknown.
type Gap struct {
	ID     string `json:"id"`
	System string `json:"system"`
	// Collection names what was not read, using the names in
	// Collections ("principals", "grants", "mfa", "licences", "backups",
	// "trusts", "contacts", "credentials", "activity", "organization",
	// "inventory": device software inventories) or a
	// finer "grants/pim" style sub-name whose first segment is one of them.
	Collection string    `json:"collection"`
	Reason     GapReason `json:"reason"`
	// Error is the error text, already free of secrets.
	Error string `json:"error"`
	// Remedy names the permission or licence that would close the gap.
	Remedy string `json:"remedy,omitempty"`
}

// Collections returns the top-level collection names gaps refer to.
func Collections() []string {
	return []string{
		"system", "principals", "grants", "mfa", "activity", "credentials",
		"licences", "backups", "trusts", "contacts", "organization",
		"inventory",
	}
}
