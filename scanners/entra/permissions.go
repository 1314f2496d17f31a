package entra

import "github.com/keyholder/keyholder/scanners"

// permissions lists the Microsoft Graph application permissions the
// scanner uses. All are read-only; the scanner calls no API that writes.
func permissions() scanners.Permissions {
	return scanners.Permissions{
		Type: Type,
		Summary: "Microsoft Graph application permissions (admin consent required) for an app registration in the audited tenant. " +
			"All are read-only.",
		Items: []scanners.Permission{
			{Name: "Organization.Read.All", Why: "tenant id, name, verified domains, technical, security, marketing and privacy contacts, directory sync (/organization); subscriptions and their owner tenant (/directory/subscriptions, /subscribedSkus)"},
			{Name: "Directory.Read.All", Why: "users and guests, groups and their transitive members, administrative units, admin-consented delegated grants (/oauth2PermissionGrants), DAP contracts"},
			{Name: "RoleManagement.Read.Directory", Why: "role definitions and active role assignments with their principal (/roleManagement/directory/roleAssignments?$expand=principal)"},
			{Name: "RoleEligibilitySchedule.Read.Directory", Why: "PIM eligible role assignments with their end dates", Optional: true},
			{Name: "RoleAssignmentSchedule.Read.Directory", Why: "PIM schedules of active roles: permanent or time-bound", Optional: true},
			{Name: "Application.Read.All", Why: "service principals with owner tenant and credentials, app registrations with owners and credentials, application permissions (appRoleAssignedTo of Microsoft Graph, Exchange Online, SharePoint Online)"},
			{Name: "AuditLog.Read.All", Why: "last sign-in of users (signInActivity) and the MFA registration report (/reports/authenticationMethods/userRegistrationDetails)", Optional: true},
			{Name: "Policy.Read.All", Why: "cross-tenant access partners: service-provider flag and inbound trust (/policies/crossTenantAccessPolicy/partners)", Optional: true},
			{Name: "BackupRestore-Configuration.Read.All", Why: "Microsoft 365 Backup service status and protection policies (/solutions/backupRestore)", Optional: true},
			{Name: "PrivilegedEligibilitySchedule.Read.AzureADGroup", Why: "PIM for Groups: who is eligible for membership or ownership of the role-assignable groups that hold directory roles (/identityGovernance/privilegedAccess/group/eligibilitySchedules?$filter=groupId eq …); an MSP user eligible for a group holding Global Administrator is an eligible Global Administrator", Optional: true},
			{Name: "PrivilegedAssignmentSchedule.Read.AzureADGroup", Why: "PIM for Groups: active, time-bound membership and ownership of those groups (/identityGovernance/privilegedAccess/group/assignmentSchedules)", Optional: true},
			{Name: "CrossTenantInformation.ReadBasic.All", Why: "names foreign tenants (app owners, cross-tenant partners, partner tenants that created subscriptions) with their default domain, which attributes them to a provider (/tenantRelationships/findTenantInformationByTenantId)", Optional: true},
			{Name: "DeviceManagementManagedDevices.Read.All", Why: "Intune device inventory: remote-management and remote-access agents on managed devices and the devices they run on (/deviceManagement/detectedApps, /detectedApps/{id}/managedDevices)", Optional: true},
			{Name: "DelegatedAdminRelationship.Read.All", Why: "attempts GDAP relationships; a customer tenant answers empty by design, so this only matters when scanning a partner tenant", Optional: true},
		},
		Notes: []string{
			"Licences: last sign-in activity and the MFA registration report need Microsoft Entra ID P1 or P2; PIM schedules (roles and groups) need P2 or ID Governance; the device inventory needs Microsoft Intune. Without them the scan records 'unlicensed' gaps and reads everything else.",
			"Directory.Read.All also covers users, groups, service principals, role assignments and subscriptions; the narrower permissions above are listed so a gap can name the one that is missing.",
			"GDAP/DAP cannot be read from the customer side: declare partner relationships under declared.relationships.",
		},
	}
}
