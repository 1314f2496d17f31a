package azure

import (
	"fmt"
	"strings"
)

// Scenario is one simulated Azure tenant as the customer's audit identity
// sees it.
type Scenario struct {
	// TenantID is the customer tenant (the root management group's id).
	TenantID string `yaml:"tenant_id"`
	// ManagementGroups are the groups below the root, parents first.
	ManagementGroups []ManagementGroup `yaml:"management_groups"`
	// RootRoleAssignments are assigned at the tenant root group.
	RootRoleAssignments []RoleAssignment `yaml:"root_role_assignments"`
	Subscriptions       []Subscription   `yaml:"subscriptions"`
	// CustomRoles are custom role definitions, by GUID.
	CustomRoles []CustomRole `yaml:"custom_roles"`
	// ForeignSubscriptions maps subscription ids of other tenants to their
	// tenant (a Resource Guard's home): GET on them answers 401 naming it.
	ForeignSubscriptions map[string]string `yaml:"foreign_subscriptions"`
	// PIMUnlicensed makes the PIM schedule listings answer 400
	// AadPremiumLicenseRequired.
	PIMUnlicensed bool `yaml:"pim_unlicensed"`
	// HierarchyDenied makes the management-group descendants answer 403.
	HierarchyDenied bool `yaml:"hierarchy_denied"`
	// PageSize is the number of items per page of every list (default 100).
	PageSize int `yaml:"page_size"`
	// ClientID and ClientSecret are the app the token endpoint accepts.
	ClientID     string `yaml:"client_id"`
	ClientSecret string `yaml:"client_secret"`
}

// ManagementGroup is a management group below the root.
type ManagementGroup struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// Parent is the parent group's id; empty means the root.
	Parent          string           `yaml:"parent"`
	RoleAssignments []RoleAssignment `yaml:"role_assignments"`
}

// Subscription is one subscription and what is in it.
type Subscription struct {
	ID    string `yaml:"id"`
	Name  string `yaml:"name"`
	State string `yaml:"state"` // default Enabled
	// QuotaID is subscriptionPolicies.quotaId (PayAsYouGo_2014-09-01,
	// CSP_2015-05-01, EnterpriseAgreement_2014-09-01, ...).
	QuotaID          string   `yaml:"quota_id"`
	ManagedByTenants []string `yaml:"managed_by_tenants"`
	// ManagementGroup is the parent group; empty means the root.
	ManagementGroup string `yaml:"management_group"`
	// Unreadable subscriptions appear in the hierarchy but not in
	// /subscriptions, and every call on them answers 403.
	Unreadable bool `yaml:"unreadable"`
	// Deny lists collections answering 403: role_assignments, pim,
	// lighthouse, recovery_services, data_protection, recovery_points
	// (Data Protection backup instances).
	Deny []string `yaml:"deny"`
	// Unregistered lists resource providers not registered for the
	// subscription (Microsoft.ManagedServices, Microsoft.RecoveryServices,
	// Microsoft.DataProtection): their listings answer 409
	// MissingSubscriptionRegistration.
	Unregistered    []string          `yaml:"unregistered"`
	RoleAssignments []RoleAssignment  `yaml:"role_assignments"`
	Eligible        []PIMSchedule     `yaml:"eligible"`
	Schedules       []PIMSchedule     `yaml:"assignment_schedules"`
	Lighthouse      []LighthouseOffer `yaml:"lighthouse"`
	Vaults          []Vault           `yaml:"vaults"`
}

// RoleAssignment is one Azure RBAC role assignment.
type RoleAssignment struct {
	// Name is the assignment's GUID (default derived).
	Name        string `yaml:"name"`
	PrincipalID string `yaml:"principal_id"`
	// PrincipalType is User, Group, ServicePrincipal or ForeignGroup.
	PrincipalType string `yaml:"principal_type"`
	// Role is a built-in role name ("Owner") or a custom role's GUID.
	Role string `yaml:"role"`
	// Scope below the subscription: "" (the subscription itself),
	// "rg/<name>" or "vault/<name>" (a vault of the subscription).
	Scope     string `yaml:"scope"`
	Condition string `yaml:"condition"`
}

// PIMSchedule is a PIM eligibility or assignment schedule.
type PIMSchedule struct {
	PrincipalID   string `yaml:"principal_id"`
	PrincipalType string `yaml:"principal_type"`
	Role          string `yaml:"role"`
	Scope         string `yaml:"scope"`
	// End is endDateTime (RFC 3339); empty means no end.
	End string `yaml:"end"`
	// AssignmentType is Assigned or Activated (assignment schedules).
	AssignmentType string `yaml:"assignment_type"`
}

// LighthouseOffer is a registration definition and its assignment.
type LighthouseOffer struct {
	Name                   string               `yaml:"name"`
	DefinitionID           string               `yaml:"definition_id"`
	ManagedByTenantID      string               `yaml:"managed_by_tenant_id"`
	ManagedByTenantName    string               `yaml:"managed_by_tenant_name"`
	Authorizations         []LighthouseAuth     `yaml:"authorizations"`
	EligibleAuthorizations []LighthouseEligible `yaml:"eligible_authorizations"`
	// ResourceGroup delegates only one resource group.
	ResourceGroup string `yaml:"resource_group"`
}

// LighthouseAuth is a permanent authorization.
type LighthouseAuth struct {
	PrincipalID    string   `yaml:"principal_id"`
	DisplayName    string   `yaml:"display_name"`
	Role           string   `yaml:"role"`
	DelegatedRoles []string `yaml:"delegated_roles"`
}

// LighthouseEligible is a just-in-time authorization.
type LighthouseEligible struct {
	PrincipalID string `yaml:"principal_id"`
	DisplayName string `yaml:"display_name"`
	Role        string `yaml:"role"`
	// MaxDuration is justInTimeAccessPolicy.maximumActivationDuration
	// (ISO 8601, default PT8H).
	MaxDuration string `yaml:"max_duration"`
	// MFA is justInTimeAccessPolicy.multiFactorAuthProvider (Azure or None).
	MFA       string   `yaml:"mfa"`
	Approvers []string `yaml:"approvers"`
}

// Vault is a Recovery Services vault or a Data Protection backup vault.
type Vault struct {
	Name string `yaml:"name"`
	// Kind is recovery_services (default) or backup_vault.
	Kind          string `yaml:"kind"`
	ResourceGroup string `yaml:"resource_group"`
	Location      string `yaml:"location"`
	// SoftDelete is Enabled/AlwaysON/Disabled (Recovery Services) or
	// On/AlwaysOn/Off (backup vaults); default enabled.
	SoftDelete string `yaml:"soft_delete"`
	// Immutability is Disabled (default), Unlocked or Locked.
	Immutability string `yaml:"immutability"`
	// MUA is multiUserAuthorization (Recovery Services): Enabled or
	// Disabled (default).
	MUA string `yaml:"mua"`
	// ResourceGuard is the linked Resource Guard's resource id.
	ResourceGuard      string `yaml:"resource_guard"`
	CrossRegionRestore bool   `yaml:"cross_region_restore"`
	// ProtectedItems are the items a Recovery Services vault backs up,
	// with their last recovery point (RFC 3339).
	ProtectedItems []ProtectedItem `yaml:"protected_items"`
	// BackupInstances are the data sources a Data Protection backup vault
	// backs up, each with its recovery points.
	BackupInstances []BackupInstance `yaml:"backup_instances"`
}

// BackupInstance is a backup instance of a Data Protection backup vault.
type BackupInstance struct {
	Name string `yaml:"name"`
	// DatasourceType is dataSourceInfo.datasourceType (default
	// Microsoft.Compute/disks).
	DatasourceType string `yaml:"datasource_type"`
	// RecoveryPoints are recoveryPointTime values (RFC 3339), served in
	// this order, page by page.
	RecoveryPoints []string `yaml:"recovery_points"`
}

// ProtectedItem is a backup item of a Recovery Services vault.
type ProtectedItem struct {
	Name              string `yaml:"name"`
	LastRecoveryPoint string `yaml:"last_recovery_point"`
}

// CustomRole is a custom role definition.
type CustomRole struct {
	ID         string   `yaml:"id"`
	Name       string   `yaml:"name"`
	Actions    []string `yaml:"actions"`
	NotActions []string `yaml:"not_actions"`
}

// BuiltinRoles maps the built-in role names the fake knows to their GUIDs
// (Azure built-in roles reference).
var BuiltinRoles = map[string]string{
	"Owner":                     "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
	"Contributor":               "b24988ac-6180-42a0-ab88-20f7382dd24c",
	"Reader":                    "acdd72a7-3385-48ef-bd42-f606fba81ae7",
	"User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
	"Role Based Access Control Administrator":              "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
	"Backup Contributor":                                   "5e467623-bb1f-42f4-a55d-6e525e11384b",
	"Backup Operator":                                      "00c29273-979b-4161-815c-10b084fb9324",
	"Backup Reader":                                        "a795c7a0-d4a2-40c1-ae25-d81f01202912",
	"Virtual Machine Contributor":                          "9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
	"Key Vault Administrator":                              "00482a5a-887f-4fb3-b363-3b7fe8e74483",
	"Managed Services Registration assignment Delete Role": "91c1777a-f3dc-4fae-b103-61d183457e46",
}

func (sc *Scenario) validate() error {
	if sc.TenantID == "" {
		return fmt.Errorf("azure sim: tenant_id is required")
	}
	mgs := map[string]bool{sc.TenantID: true, "": true}
	for _, m := range sc.ManagementGroups {
		if !mgs[m.Parent] {
			return fmt.Errorf("azure sim: management group %q: parent %q is not listed before it", m.ID, m.Parent)
		}
		mgs[m.ID] = true
	}
	for _, s := range sc.Subscriptions {
		if !mgs[s.ManagementGroup] {
			return fmt.Errorf("azure sim: subscription %q: unknown management group %q", s.ID, s.ManagementGroup)
		}
	}
	return nil
}

func (s *Subscription) denied(what string) bool {
	for _, d := range s.Deny {
		if strings.EqualFold(d, what) {
			return true
		}
	}
	return false
}

func (s *Subscription) unregistered(ns string) bool {
	for _, d := range s.Unregistered {
		if strings.EqualFold(d, ns) {
			return true
		}
	}
	return false
}
