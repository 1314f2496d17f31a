package access

// graphAppRoles pins the Microsoft Graph application permissions (app roles
// of the Microsoft Graph service principal, appId
// 00000003-0000-0000-c000-000000000000) keyholder's scanners may ask for,
// with their app-role ids. The ids are the same in every tenant and every
// national cloud; each row names its source: Microsoft's Graph permissions
// reference (each value was checked there, as mirrored per permission on
// graphpermissions.merill.net, which renders the Graph service principal's
// published appRoles). Only *.Read* permissions belong here: a write
// permission must never be added.
//
// A scanner permission missing from this table makes TestEntraEveryPermissionHasAGUID
// fail: look the "Application" identifier up at the source and add a row.
var graphAppRoles = []graphRole{
	{"AccessReview.Read.All", "d07a8cc0-3d51-4b77-b3b0-32704d1f69fa", "https://learn.microsoft.com/en-us/graph/permissions-reference#accessreviewreadall"},
	{"AdministrativeUnit.Read.All", "134fd756-38ce-4afd-ba33-e9623dbe66c2", "https://learn.microsoft.com/en-us/graph/permissions-reference#administrativeunitreadall"},
	{"Application.Read.All", "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30", "https://learn.microsoft.com/en-us/graph/permissions-reference#applicationreadall"},
	{"AuditLog.Read.All", "b0afded3-3588-46d8-8b3d-9842eff778da", "https://learn.microsoft.com/en-us/graph/permissions-reference#auditlogreadall"},
	{"AuditLogsQuery.Read.All", "5e1e9171-754d-478c-812c-f1755a9a4c2d", "https://learn.microsoft.com/en-us/graph/permissions-reference#auditlogsqueryreadall"},
	{"BackupRestore-Configuration.Read.All", "5fbb5982-3230-4882-93c0-2167523ce0c2", "https://learn.microsoft.com/en-us/graph/permissions-reference#backuprestore-configurationreadall"},
	{"BackupRestore-Control.Read.All", "6fe20a79-0e15-45a1-b019-834c125993a0", "https://learn.microsoft.com/en-us/graph/permissions-reference#backuprestore-controlreadall"},
	{"CrossTenantInformation.ReadBasic.All", "cac88765-0581-4025-9725-5ebc13f729ee", "https://learn.microsoft.com/en-us/graph/permissions-reference#crosstenantinformationreadbasicall"},
	{"DelegatedAdminRelationship.Read.All", "f6e9e124-4586-492f-adc0-c6f96e4823fd", "https://learn.microsoft.com/en-us/graph/permissions-reference#delegatedadminrelationshipreadall"},
	{"Device.Read.All", "7438b122-aefc-4978-80ed-43db9fcc7715", "https://learn.microsoft.com/en-us/graph/permissions-reference#devicereadall"},
	{"DeviceManagementApps.Read.All", "7a6ee1e7-141e-4cec-ae74-d9db155731ff", "https://learn.microsoft.com/en-us/graph/permissions-reference#devicemanagementappsreadall"},
	{"DeviceManagementConfiguration.Read.All", "dc377aa6-52d8-4e23-b271-2a7ae04cedf3", "https://learn.microsoft.com/en-us/graph/permissions-reference#devicemanagementconfigurationreadall"},
	{"DeviceManagementManagedDevices.Read.All", "2f51be20-0bb4-4fed-bf7b-db946066c75e", "https://learn.microsoft.com/en-us/graph/permissions-reference#devicemanagementmanageddevicesreadall"},
	{"DeviceManagementRBAC.Read.All", "58ca0d9a-1575-47e1-a3cb-007ef2e4583b", "https://learn.microsoft.com/en-us/graph/permissions-reference#devicemanagementrbacreadall"},
	{"DeviceManagementServiceConfig.Read.All", "06a5fe6d-c49d-46a7-b082-56b1b14103c7", "https://learn.microsoft.com/en-us/graph/permissions-reference#devicemanagementserviceconfigreadall"},
	{"Directory.Read.All", "7ab1d382-f21e-4acd-a863-ba3e13f7da61", "https://learn.microsoft.com/en-us/graph/permissions-reference#directoryreadall"},
	{"Domain.Read.All", "dbb9058a-0e50-45d7-ae91-66909b5d4664", "https://learn.microsoft.com/en-us/graph/permissions-reference#domainreadall"},
	{"EntitlementManagement.Read.All", "c74fd47d-ed3c-45c3-9a9e-b8676de685d2", "https://learn.microsoft.com/en-us/graph/permissions-reference#entitlementmanagementreadall"},
	{"Group.Read.All", "5b567255-7703-4780-807c-7be8301ae99b", "https://learn.microsoft.com/en-us/graph/permissions-reference#groupreadall"},
	{"GroupMember.Read.All", "98830695-27a2-44f7-8c18-0c3ebc9698f6", "https://learn.microsoft.com/en-us/graph/permissions-reference#groupmemberreadall"},
	{"Member.Read.Hidden", "658aa5d8-239f-45c4-aa12-864f4fc7e490", "https://learn.microsoft.com/en-us/graph/permissions-reference#memberreadhidden"},
	{"Organization.Read.All", "498476ce-e0fe-48b0-b801-37ba7e2685c6", "https://learn.microsoft.com/en-us/graph/permissions-reference#organizationreadall"},
	{"Policy.Read.All", "246dd0d5-5bd0-4def-940b-0421030a5b68", "https://learn.microsoft.com/en-us/graph/permissions-reference#policyreadall"},
	{"PrivilegedAccess.Read.AzureAD", "4cdc2547-9148-4295-8d11-be0db1391d6b", "https://learn.microsoft.com/en-us/graph/permissions-reference#privilegedaccessreadazuread"},
	{"PrivilegedAccess.Read.AzureADGroup", "01e37dc9-c035-40bd-b438-b2879c4870a6", "https://learn.microsoft.com/en-us/graph/permissions-reference#privilegedaccessreadazureadgroup"},
	{"PrivilegedAssignmentSchedule.Read.AzureADGroup", "cd4161cb-f098-48f8-a884-1eda9a42434c", "https://learn.microsoft.com/en-us/graph/permissions-reference#privilegedassignmentschedulereadazureadgroup"},
	{"PrivilegedEligibilitySchedule.Read.AzureADGroup", "edb419d6-7edc-42a3-9345-509bfdf5d87c", "https://learn.microsoft.com/en-us/graph/permissions-reference#privilegedeligibilityschedulereadazureadgroup"},
	{"Reports.Read.All", "230c1aed-a721-4c5d-9cb4-a90514e508ef", "https://learn.microsoft.com/en-us/graph/permissions-reference#reportsreadall"},
	{"RoleAssignmentSchedule.Read.Directory", "d5fe8ce8-684c-4c83-a52c-46e882ce4be1", "https://learn.microsoft.com/en-us/graph/permissions-reference#roleassignmentschedulereaddirectory"},
	{"RoleEligibilitySchedule.Read.Directory", "ff278e11-4a33-4d0c-83d2-d01dc58929a5", "https://learn.microsoft.com/en-us/graph/permissions-reference#roleeligibilityschedulereaddirectory"},
	{"RoleManagement.Read.All", "c7fbd983-d9aa-4fa7-84b8-17382c103bc4", "https://learn.microsoft.com/en-us/graph/permissions-reference#rolemanagementreadall"},
	{"RoleManagement.Read.Directory", "483bed4a-2ad3-4361-a73b-c83ccdbdc53c", "https://learn.microsoft.com/en-us/graph/permissions-reference#rolemanagementreaddirectory"},
	{"RoleManagementPolicy.Read.AzureADGroup", "69e67828-780e-47fd-b28c-7b27d14864e6", "https://learn.microsoft.com/en-us/graph/permissions-reference#rolemanagementpolicyreadazureadgroup"},
	{"RoleManagementPolicy.Read.Directory", "fdc4c997-9942-4479-bfcb-75a36d1138df", "https://learn.microsoft.com/en-us/graph/permissions-reference#rolemanagementpolicyreaddirectory"},
	{"SecurityEvents.Read.All", "bf394140-e372-4bf9-a898-299cfc7564e5", "https://learn.microsoft.com/en-us/graph/permissions-reference#securityeventsreadall"},
	{"Sites.Read.All", "332a536c-c7ef-4017-ab91-336970924f0d", "https://learn.microsoft.com/en-us/graph/permissions-reference#sitesreadall"},
	{"User.Read.All", "df021288-bdef-4463-88db-98f22de89214", "https://learn.microsoft.com/en-us/graph/permissions-reference#userreadall"},
	{"UserAuthenticationMethod.Read.All", "38d9df27-64da-44fd-b7c5-a6fbac20248f", "https://learn.microsoft.com/en-us/graph/permissions-reference#userauthenticationmethodreadall"},
}
