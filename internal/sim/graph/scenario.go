package graph

import (
	"bytes"
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"
)

// Scenario is the content of one fake tenant. Zero values take sensible
// defaults (see Normalize); ids are free-form strings but GUID-shaped ids
// make the data look like Graph's.
type Scenario struct {
	Tenant Tenant `yaml:"tenant"`
	// Licence is the tenant's Microsoft Entra ID plan: "free", "p1" or
	// "p2" (default). Sign-in activity and the registration report need
	// P1; PIM schedules need P2.
	Licence string `yaml:"licence"`
	// Permissions are the Graph application permissions the caller's app
	// holds. Empty means DefaultPermissions.
	Permissions []string `yaml:"permissions"`

	Users               []User               `yaml:"users"`
	Groups              []Group              `yaml:"groups"`
	ServicePrincipals   []ServicePrincipal   `yaml:"service_principals"`
	Applications        []Application        `yaml:"applications"`
	AdministrativeUnits []AdministrativeUnit `yaml:"administrative_units"`
	// RoleDefinitions are custom roles; the built-in roles (BuiltinRoles)
	// are always present.
	RoleDefinitions         []RoleDefinition    `yaml:"role_definitions"`
	RoleAssignments         []RoleAssignment    `yaml:"role_assignments"`
	RoleEligibilities       []RoleSchedule      `yaml:"role_eligibilities"`
	RoleAssignmentSchedules []RoleSchedule      `yaml:"role_assignment_schedules"`
	AppRoleAssignments      []AppRoleAssignment `yaml:"app_role_assignments"`
	OAuth2Grants            []OAuth2Grant       `yaml:"oauth2_grants"`
	Partners                []Partner           `yaml:"partners"`
	// DelegatedAdminRelationships and Contracts are what a partner tenant
	// would see; a customer tenant answers both with an empty list.
	DelegatedAdminRelationships []DelegatedAdminRelationship `yaml:"delegated_admin_relationships"`
	Contracts                   []Contract                   `yaml:"contracts"`
	Subscriptions               []Subscription               `yaml:"subscriptions"`
	SubscribedSkus              []SubscribedSku              `yaml:"subscribed_skus"`
	Backup                      Backup                       `yaml:"backup"`
	// GroupEligibilities and GroupAssignmentSchedules are PIM for Groups
	// schedules: eligible and active membership or ownership of a group.
	GroupEligibilities       []GroupSchedule `yaml:"group_eligibilities"`
	GroupAssignmentSchedules []GroupSchedule `yaml:"group_assignment_schedules"`
	// ForeignTenants answer findTenantInformationByTenantId; a tenant id
	// not listed is 404.
	ForeignTenants []ForeignTenant `yaml:"foreign_tenants"`
	// Intune is the device inventory; NoIntune makes every
	// deviceManagement call answer as a tenant without an Intune licence.
	DetectedApps []DetectedApp `yaml:"detected_apps"`
	NoIntune     bool          `yaml:"no_intune"`
	// NoFirstPartyApps leaves out the Microsoft Graph, Exchange Online and
	// SharePoint Online service principals that every real tenant has.
	NoFirstPartyApps bool `yaml:"no_first_party_apps"`
}

// Tenant is the organization resource.
type Tenant struct {
	ID          string   `yaml:"id"`
	DisplayName string   `yaml:"display_name"`
	Domains     []Domain `yaml:"domains"`
	// TechnicalNotificationMails are the tenant's technical contacts.
	TechnicalNotificationMails []string `yaml:"technical_notification_mails"`
	// SecurityNotificationMails are securityComplianceNotificationMails;
	// MarketingNotificationEmails and PrivacyContact (privacyProfile
	// contactEmail) are the other contacts of the organization.
	SecurityNotificationMails   []string   `yaml:"security_notification_mails"`
	MarketingNotificationEmails []string   `yaml:"marketing_notification_emails"`
	PrivacyContact              string     `yaml:"privacy_contact"`
	DirSyncEnabled              bool       `yaml:"dir_sync_enabled"`
	LastDirSync                 *time.Time `yaml:"last_dir_sync"`
	Country                     string     `yaml:"country"`
}

// Domain is a verified domain of the tenant.
type Domain struct {
	Name    string `yaml:"name"`
	Initial bool   `yaml:"initial"`
	Default bool   `yaml:"default"`
	// Type is "Managed" (default) or "Federated".
	Type string `yaml:"type"`
}

// User is a member or guest account.
type User struct {
	ID                string `yaml:"id"`
	DisplayName       string `yaml:"display_name"`
	UserPrincipalName string `yaml:"upn"`
	Mail              string `yaml:"mail"`
	// UserType is "Member" (default) or "Guest".
	UserType          string     `yaml:"user_type"`
	Disabled          bool       `yaml:"disabled"`
	ExternalUserState string     `yaml:"external_user_state"`
	CreationType      string     `yaml:"creation_type"`
	Identities        []Identity `yaml:"identities"`
	CompanyName       string     `yaml:"company_name"`
	EmployeeType      string     `yaml:"employee_type"`
	Created           *time.Time `yaml:"created"`
	Synced            bool       `yaml:"synced"`
	// LastSignIn and LastNonInteractiveSignIn fill signInActivity; both
	// nil means the user never signed in (signInActivity is null).
	LastSignIn               *time.Time `yaml:"last_sign_in"`
	LastNonInteractiveSignIn *time.Time `yaml:"last_non_interactive_sign_in"`
	// MFAMethods are the methodsRegistered of the registration report
	// ("microsoftAuthenticatorPush", "fido2", "mobilePhone", ...).
	MFAMethods []string `yaml:"mfa_methods"`
}

// Identity is an objectIdentity of a user.
type Identity struct {
	SignInType       string `yaml:"sign_in_type"`
	Issuer           string `yaml:"issuer"`
	IssuerAssignedID string `yaml:"issuer_assigned_id"`
}

// Group is a security or Microsoft 365 group.
type Group struct {
	ID             string `yaml:"id"`
	DisplayName    string `yaml:"display_name"`
	Mail           string `yaml:"mail"`
	RoleAssignable bool   `yaml:"role_assignable"`
	Synced         bool   `yaml:"synced"`
	// Members are the ids of direct members (users, service principals,
	// groups); transitiveMembers flattens nested groups.
	Members []string `yaml:"members"`
	// Owners are ids of users or service principals owning the group.
	Owners []string `yaml:"owners"`
}

// GroupSchedule is a PIM for Groups eligibility or assignment schedule.
type GroupSchedule struct {
	ID          string `yaml:"id"`
	GroupID     string `yaml:"group_id"`
	PrincipalID string `yaml:"principal_id"`
	// AccessID is "member" (default) or "owner".
	AccessID string     `yaml:"access_id"`
	Start    *time.Time `yaml:"start"`
	// End nil means noExpiration.
	End *time.Time `yaml:"end"`
	// MemberType is "direct" (default) or "group".
	MemberType string `yaml:"member_type"`
}

// ForeignTenant is another organisation's tenant as
// findTenantInformationByTenantId names it.
type ForeignTenant struct {
	TenantID      string `yaml:"tenant_id"`
	DisplayName   string `yaml:"display_name"`
	DefaultDomain string `yaml:"default_domain"`
}

// DetectedApp is an application Intune detected on managed devices.
type DetectedApp struct {
	ID          string `yaml:"id"`
	DisplayName string `yaml:"display_name"`
	Version     string `yaml:"version"`
	Publisher   string `yaml:"publisher"`
	// Platform is "windows" (default), "macOS", ...
	Platform string          `yaml:"platform"`
	Devices  []ManagedDevice `yaml:"devices"`
}

// ManagedDevice is an Intune managed device.
type ManagedDevice struct {
	ID         string `yaml:"id"`
	DeviceName string `yaml:"device_name"`
	// UserPrincipalName is the device's primary user.
	UserPrincipalName string `yaml:"upn"`
	OperatingSystem   string `yaml:"os"`
}

// ServicePrincipal is an enterprise application or managed identity.
type ServicePrincipal struct {
	ID          string `yaml:"id"`
	AppID       string `yaml:"app_id"`
	DisplayName string `yaml:"display_name"`
	// OwnerTenantID is appOwnerOrganizationId; empty means the tenant
	// itself.
	OwnerTenantID string `yaml:"owner_tenant_id"`
	// Type is servicePrincipalType: "Application" (default),
	// "ManagedIdentity", "Legacy", "SocialIdp".
	Type              string               `yaml:"type"`
	Disabled          bool                 `yaml:"disabled"`
	VerifiedPublisher string               `yaml:"verified_publisher"`
	SignInAudience    string               `yaml:"sign_in_audience"`
	AppRoles          []AppRole            `yaml:"app_roles"`
	Keys              []KeyCredential      `yaml:"keys"`
	Passwords         []PasswordCredential `yaml:"passwords"`
	Tags              []string             `yaml:"tags"`
	// Owners are ids of users or service principals owning the service
	// principal.
	Owners []string `yaml:"owners"`
}

// AppRole is an application permission a resource app exposes.
type AppRole struct {
	ID          string `yaml:"id"`
	Value       string `yaml:"value"`
	DisplayName string `yaml:"display_name"`
}

// Application is an app registration of this tenant.
type Application struct {
	ID             string               `yaml:"id"`
	AppID          string               `yaml:"app_id"`
	DisplayName    string               `yaml:"display_name"`
	SignInAudience string               `yaml:"sign_in_audience"`
	Created        *time.Time           `yaml:"created"`
	Keys           []KeyCredential      `yaml:"keys"`
	Passwords      []PasswordCredential `yaml:"passwords"`
	// Owners are ids of users or service principals.
	Owners []string `yaml:"owners"`
}

// KeyCredential is a certificate of an app or service principal.
type KeyCredential struct {
	KeyID       string    `yaml:"key_id"`
	DisplayName string    `yaml:"display_name"`
	Type        string    `yaml:"type"`
	Usage       string    `yaml:"usage"`
	Start       time.Time `yaml:"start"`
	End         time.Time `yaml:"end"`
}

// PasswordCredential is a client secret (never its value).
type PasswordCredential struct {
	KeyID       string    `yaml:"key_id"`
	DisplayName string    `yaml:"display_name"`
	Hint        string    `yaml:"hint"`
	Start       time.Time `yaml:"start"`
	End         time.Time `yaml:"end"`
}

// AdministrativeUnit scopes role assignments.
type AdministrativeUnit struct {
	ID          string `yaml:"id"`
	DisplayName string `yaml:"display_name"`
}

// RoleDefinition is a custom directory role.
type RoleDefinition struct {
	ID          string   `yaml:"id"`
	DisplayName string   `yaml:"display_name"`
	Description string   `yaml:"description"`
	Actions     []string `yaml:"actions"`
}

// RoleAssignment is an active unified role assignment.
type RoleAssignment struct {
	ID          string `yaml:"id"`
	PrincipalID string `yaml:"principal_id"`
	// RoleDefinitionID is the role's template id for built-in roles.
	RoleDefinitionID string `yaml:"role_definition_id"`
	// DirectoryScopeID is "/" (default) or "/administrativeUnits/{id}".
	DirectoryScopeID string `yaml:"directory_scope_id"`
	// ForeignPrincipal marks a principal that is not in this directory
	// (a partner's GDAP security group): Graph expands it to null.
	ForeignPrincipal bool `yaml:"foreign_principal"`
}

// RoleSchedule is a PIM eligibility or assignment schedule.
type RoleSchedule struct {
	ID               string     `yaml:"id"`
	PrincipalID      string     `yaml:"principal_id"`
	RoleDefinitionID string     `yaml:"role_definition_id"`
	DirectoryScopeID string     `yaml:"directory_scope_id"`
	Start            *time.Time `yaml:"start"`
	// End nil means noExpiration.
	End *time.Time `yaml:"end"`
	// MemberType is "Direct" (default) or "Group".
	MemberType string `yaml:"member_type"`
	// AssignmentType (assignment schedules only) is "Assigned" (default)
	// or "Activated".
	AssignmentType string `yaml:"assignment_type"`
}

// AppRoleAssignment grants an application permission of a resource
// service principal to a client service principal. Either AppRoleID or
// Permission (the appRole value, resolved on the resource) is set.
type AppRoleAssignment struct {
	ID          string `yaml:"id"`
	PrincipalID string `yaml:"principal_id"`
	ResourceID  string `yaml:"resource_id"`
	// ResourceAppID may replace ResourceID ("00000003-0000-0000-c000-000000000000").
	ResourceAppID string     `yaml:"resource_app_id"`
	AppRoleID     string     `yaml:"app_role_id"`
	Permission    string     `yaml:"permission"`
	Created       *time.Time `yaml:"created"`
}

// OAuth2Grant is a delegated permission grant.
type OAuth2Grant struct {
	ID       string `yaml:"id"`
	ClientID string `yaml:"client_id"`
	// ResourceID or ResourceAppID names the resource service principal.
	ResourceID    string `yaml:"resource_id"`
	ResourceAppID string `yaml:"resource_app_id"`
	// ConsentType is "AllPrincipals" (default) or "Principal".
	ConsentType string `yaml:"consent_type"`
	PrincipalID string `yaml:"principal_id"`
	Scope       string `yaml:"scope"`
}

// Partner is a cross-tenant access partner configuration.
type Partner struct {
	TenantID          string `yaml:"tenant_id"`
	IsServiceProvider bool   `yaml:"is_service_provider"`
	InMultiTenantOrg  bool   `yaml:"in_multi_tenant_org"`
	// Inbound trust settings.
	MFAAccepted        bool `yaml:"mfa_accepted"`
	CompliantAccepted  bool `yaml:"compliant_device_accepted"`
	HybridJoinAccepted bool `yaml:"hybrid_joined_device_accepted"`
	// B2BInbound is the inbound B2B collaboration access type:
	// "" (inherit default), "allowed" or "blocked".
	B2BInbound string `yaml:"b2b_inbound"`
}

// DelegatedAdminRelationship is a GDAP relationship (partner side).
type DelegatedAdminRelationship struct {
	ID                 string     `yaml:"id"`
	DisplayName        string     `yaml:"display_name"`
	CustomerTenantID   string     `yaml:"customer_tenant_id"`
	CustomerName       string     `yaml:"customer_name"`
	Status             string     `yaml:"status"`
	RoleDefinitionIDs  []string   `yaml:"role_definition_ids"`
	End                *time.Time `yaml:"end"`
	AutoExtendDuration string     `yaml:"auto_extend_duration"`
}

// Contract is a DAP contract (partner side).
type Contract struct {
	ID                string `yaml:"id"`
	ContractType      string `yaml:"contract_type"`
	CustomerID        string `yaml:"customer_id"`
	DefaultDomainName string `yaml:"default_domain_name"`
	DisplayName       string `yaml:"display_name"`
}

// Subscription is a companySubscription.
type Subscription struct {
	ID                     string     `yaml:"id"`
	CommerceSubscriptionID string     `yaml:"commerce_subscription_id"`
	SkuID                  string     `yaml:"sku_id"`
	SkuPartNumber          string     `yaml:"sku_part_number"`
	Status                 string     `yaml:"status"`
	TotalLicenses          int        `yaml:"total_licenses"`
	IsTrial                bool       `yaml:"is_trial"`
	Created                *time.Time `yaml:"created"`
	NextLifecycle          *time.Time `yaml:"next_lifecycle"`
	// OwnerTenantID is the partner tenant that created the subscription;
	// empty for a direct purchase.
	OwnerTenantID string `yaml:"owner_tenant_id"`
	OwnerID       string `yaml:"owner_id"`
	OwnerType     string `yaml:"owner_type"`
}

// SubscribedSku is a subscribedSku.
type SubscribedSku struct {
	SkuID            string   `yaml:"sku_id"`
	SkuPartNumber    string   `yaml:"sku_part_number"`
	ConsumedUnits    int      `yaml:"consumed_units"`
	Enabled          int      `yaml:"enabled_units"`
	CapabilityStatus string   `yaml:"capability_status"`
	SubscriptionIDs  []string `yaml:"subscription_ids"`
}

// Backup is the Microsoft 365 Backup configuration.
type Backup struct {
	// Status is the serviceStatus.status: "disabled" (default),
	// "enabled", "protectionChangeLocked" or "restoreLocked".
	Status   string             `yaml:"status"`
	Policies []ProtectionPolicy `yaml:"policies"`
}

// ProtectionPolicy is a Microsoft 365 Backup protection policy.
type ProtectionPolicy struct {
	ID          string `yaml:"id"`
	DisplayName string `yaml:"display_name"`
	// Kind is "exchange", "sharePoint" or "oneDriveForBusiness".
	Kind    string     `yaml:"kind"`
	Status  string     `yaml:"status"`
	Created *time.Time `yaml:"created"`
	// Units is the number of protected mailboxes, sites or drives.
	Units int `yaml:"units"`
}

// ParseScenario decodes a scenario from YAML, rejecting unknown keys.
func ParseScenario(data []byte) (*Scenario, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		return nil, fmt.Errorf("graph: scenario: %w", err)
	}
	return &sc, nil
}
