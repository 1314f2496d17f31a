package graph

// Well-known ids of Microsoft's side of every tenant.
const (
	// MicrosoftServicesTenantID owns Microsoft's first-party apps.
	MicrosoftServicesTenantID = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
	// GraphAppID is the appId of Microsoft Graph.
	GraphAppID = "00000003-0000-0000-c000-000000000000"
	// ExchangeAppID is the appId of Office 365 Exchange Online.
	ExchangeAppID = "00000002-0000-0ff1-ce00-000000000000"
	// SharePointAppID is the appId of Office 365 SharePoint Online.
	SharePointAppID = "00000003-0000-0ff1-ce00-000000000000"
)

// Role template ids of the built-in roles the tests use.
const (
	RoleGlobalAdmin              = "62e90394-69f5-4237-9190-012177145e10"
	RolePrivilegedRoleAdmin      = "e8611ab8-c189-46e8-94e1-60213ab1f814"
	RolePrivilegedAuthAdmin      = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13"
	RoleUserAdmin                = "fe930be7-5e62-47db-91af-98c3a49a38b1"
	RoleExchangeAdmin            = "29232cdf-9323-42fd-ade2-1d097af3e4de"
	RoleHelpdeskAdmin            = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
	RoleGlobalReader             = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
	RolePasswordAdmin            = "966707d0-3269-4727-9be2-8c3a10f19b9d"
	RoleSecurityAdmin            = "194ae4cb-b126-40b2-bd5b-6091b380977d"
	RoleDirectorySyncAccounts    = "d29b2b05-8046-44ba-8758-1e26182fcf32"
	RoleM365BackupAdministrator  = "1707125e-0aa2-4d4d-8655-a7c786c76a25"
	RoleApplicationAdministrator = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
)

// BuiltinRole is a built-in directory role (id = template id).
type BuiltinRole struct {
	ID, DisplayName string
}

// BuiltinRoles returns the built-in role definitions every tenant has
// (the subset in Microsoft's permissions reference that keyholder's notes
// list).
func BuiltinRoles() []BuiltinRole {
	return []BuiltinRole{
		{RoleGlobalAdmin, "Global Administrator"},
		{RolePrivilegedRoleAdmin, "Privileged Role Administrator"},
		{RolePrivilegedAuthAdmin, "Privileged Authentication Administrator"},
		{RoleUserAdmin, "User Administrator"},
		{RoleExchangeAdmin, "Exchange Administrator"},
		{"f28a1f50-f6e7-4571-818b-6a12f2af6b6c", "SharePoint Administrator"},
		{RoleSecurityAdmin, "Security Administrator"},
		{RoleApplicationAdministrator, "Application Administrator"},
		{"158c047a-c907-4556-b7ef-446551a6b5f7", "Cloud Application Administrator"},
		{"c4e39bd9-1100-46d3-8c65-fb160da0071f", "Authentication Administrator"},
		{RoleHelpdeskAdmin, "Helpdesk Administrator"},
		{RolePasswordAdmin, "Password Administrator"},
		{"b1be1c3e-b65d-4f19-8427-f6fa0d97feb9", "Conditional Access Administrator"},
		{"3a2c62db-5318-420d-8d74-23affee5d9d5", "Intune Administrator"},
		{"69091246-20e8-4a56-aa4d-066075b2a7a8", "Teams Administrator"},
		{"8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2", "Hybrid Identity Administrator"},
		{"b0f54661-2d74-4c50-afa3-1ec803f12efe", "Billing Administrator"},
		{"4d6ac14f-3453-41d0-bef9-a3e0c569773a", "License Administrator"},
		{RoleGlobalReader, "Global Reader"},
		{"9360feb5-f418-4baa-8175-e2a00bac4301", "Directory Writers"},
		{RoleDirectorySyncAccounts, "Directory Synchronization Accounts"},
		{"4ba39ca4-527c-499a-b93d-d9b492c50246", "Partner Tier1 Support"},
		{"e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8", "Partner Tier2 Support"},
		{RoleM365BackupAdministrator, "Microsoft 365 Backup Administrator"},
		{"49eb8f75-97e9-4e37-9b2b-6c3ebfcffa31", "Exchange Backup Administrator"},
		{"9d3e04ba-3ee4-4d1b-a3a7-9aef423a09be", "SharePoint Backup Administrator"},
	}
}

// FirstPartyServicePrincipals returns the Microsoft Graph, Exchange Online
// and SharePoint Online service principals with a sample of their
// application permissions (appRoles). The appRole ids are sample values:
// clients must resolve names from appRoles at run time, never from a
// table, and the fake makes sure nothing else would work.
func FirstPartyServicePrincipals() []ServicePrincipal {
	ms := MicrosoftServicesTenantID
	return []ServicePrincipal{
		{
			ID: "5b6e0a4c-0000-4000-8000-00000000a001", AppID: GraphAppID, DisplayName: "Microsoft Graph",
			OwnerTenantID: ms, VerifiedPublisher: "Microsoft Corporation", SignInAudience: "AzureADMultipleOrgs",
			AppRoles: []AppRole{
				{"9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8", "RoleManagement.ReadWrite.Directory", "Read and write all directory RBAC settings"},
				{"483bed4a-2ad3-4361-a73b-c83ccdbdc53c", "RoleManagement.Read.Directory", "Read all directory RBAC settings"},
				{"7ab1d382-f21e-4acd-a863-ba3e13f7da61", "Directory.Read.All", "Read directory data"},
				{"19dbc75e-c2e2-444c-a770-ec69d8559fc7", "Directory.ReadWrite.All", "Read and write directory data"},
				{"df021288-bdef-4463-88db-98f22de89214", "User.Read.All", "Read all users' full profiles"},
				{"741f803b-c850-494e-b5df-cde7c675a1ca", "User.ReadWrite.All", "Read and write all users' full profiles"},
				{"62a82d76-70ea-41e2-9197-370581804d09", "Group.ReadWrite.All", "Read and write all groups"},
				{"9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30", "Application.Read.All", "Read all applications"},
				{"1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", "Application.ReadWrite.All", "Read and write all applications"},
				{"06b708a9-e830-4db3-a914-8e69da51d44f", "AppRoleAssignment.ReadWrite.All", "Manage app permission grants and app role assignments"},
				{"b0afded3-3588-46d8-8b3d-9842eff778da", "AuditLog.Read.All", "Read all audit log data"},
				{"246dd0d5-5bd0-4def-940b-0421030a5b68", "Policy.Read.All", "Read your organization's policies"},
				{"498476ce-e0fe-48b0-b801-37ba7e2685c6", "Organization.Read.All", "Read organization information"},
				{"810c84a8-4a9e-49e6-bf7d-12d183f40d01", "Mail.Read", "Read mail in all mailboxes"},
				{"e2a3a72e-5f79-4c64-b1b1-878b674786c9", "Mail.ReadWrite", "Read and write mail in all mailboxes"},
				{"01d4889c-1287-42c6-ac1f-5d1e02578ef6", "Files.Read.All", "Read files in all site collections"},
				{"75359482-378d-4052-8f01-80520e7db3cd", "Files.ReadWrite.All", "Read and write files in all site collections"},
				{"332a536c-c7ef-4017-ab91-336970924f0d", "Sites.Read.All", "Read items in all site collections"},
				{"a82116e5-55eb-4c41-a434-62fe8a61c773", "Sites.FullControl.All", "Have full control of all site collections"},
			},
		},
		{
			ID: "5b6e0a4c-0000-4000-8000-00000000a002", AppID: ExchangeAppID, DisplayName: "Office 365 Exchange Online",
			OwnerTenantID: ms, VerifiedPublisher: "Microsoft Corporation", SignInAudience: "AzureADMultipleOrgs",
			AppRoles: []AppRole{
				{"dc890d15-9560-4a4c-9b7f-a736ec74ec40", "full_access_as_app", "Use Exchange Web Services with full access to all mailboxes"},
				{"dc50a0fb-09a3-484d-be87-e023b12c6440", "Exchange.ManageAsApp", "Manage Exchange As Application"},
			},
		},
		{
			ID: "5b6e0a4c-0000-4000-8000-00000000a003", AppID: SharePointAppID, DisplayName: "Office 365 SharePoint Online",
			OwnerTenantID: ms, VerifiedPublisher: "Microsoft Corporation", SignInAudience: "AzureADMultipleOrgs",
			AppRoles: []AppRole{
				{"678536fe-1083-478a-9c59-b99265e6b0d3", "Sites.FullControl.All", "Have full control of all site collections"},
				{"d13f72ca-a275-4b96-b789-48ebcc4da984", "Sites.Read.All", "Read items in all site collections"},
			},
		},
	}
}

// DefaultPermissions are the application permissions the scanner's app is
// assumed to hold when a scenario names none: the read-only set keyholder
// documents.
func DefaultPermissions() []string {
	return []string{
		"Directory.Read.All",
		"RoleManagement.Read.Directory",
		"RoleEligibilitySchedule.Read.Directory",
		"RoleAssignmentSchedule.Read.Directory",
		"AuditLog.Read.All",
		"Policy.Read.All",
		"Application.Read.All",
		"Organization.Read.All",
		"BackupRestore-Configuration.Read.All",
		"DelegatedAdminRelationship.Read.All",
		"PrivilegedEligibilitySchedule.Read.AzureADGroup",
		"PrivilegedAssignmentSchedule.Read.AzureADGroup",
		"CrossTenantInformation.ReadBasic.All",
		"DeviceManagementManagedDevices.Read.All",
	}
}
