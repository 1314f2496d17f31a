package azure

import "github.com/keyholder/keyholder/scanners"

// permissions is what the scanner needs: Reader on the root management
// group covers every item (Reader includes */read).
func permissions() scanners.Permissions {
	return scanners.Permissions{
		Type:    Type,
		Summary: "Azure RBAC role Reader (acdd72a7-3385-48ef-bd42-f606fba81ae7) on the tenant root management group, for the app registration the entra target uses (or any identity); nothing else",
		Items: []scanners.Permission{
			{Name: "Microsoft.Resources/subscriptions/read", Why: "list subscriptions: state, quotaId (CSP billing), managedByTenants"},
			{Name: "Microsoft.Management/managementGroups/descendants/read", Why: "the hierarchy: find subscriptions the identity cannot read", Optional: true},
			{Name: "Microsoft.Authorization/roleAssignments/read", Why: "who holds which role at management group, subscription, resource group and vault scope"},
			{Name: "Microsoft.Authorization/roleDefinitions/read", Why: "name and grade custom roles", Optional: true},
			{Name: "Microsoft.Authorization/roleEligibilitySchedules/read", Why: "PIM eligible roles (needs Entra ID P2 or Governance; a gap otherwise)", Optional: true},
			{Name: "Microsoft.Authorization/roleAssignmentSchedules/read", Why: "PIM end dates of active roles (needs Entra ID P2 or Governance)", Optional: true},
			{Name: "Microsoft.ManagedServices/registrationAssignments/read", Why: "Azure Lighthouse delegations and their managing tenants", Optional: true},
			{Name: "Microsoft.ManagedServices/registrationDefinitions/read", Why: "Lighthouse authorizations when an assignment does not expand its definition", Optional: true},
			{Name: "Microsoft.RecoveryServices/vaults/read", Why: "Recovery Services vaults: soft delete, immutability, multi-user authorization", Optional: true},
			{Name: "Microsoft.RecoveryServices/vaults/backupResourceGuardProxies/read", Why: "the Resource Guard a vault is linked to", Optional: true},
			{Name: "Microsoft.RecoveryServices/vaults/backupProtectedItems/read", Why: "the newest recovery point of a Recovery Services vault", Optional: true},
			{Name: "Microsoft.DataProtection/backupVaults/read", Why: "Backup vaults: soft delete, immutability, cross-region restore", Optional: true},
			{Name: "Microsoft.DataProtection/backupVaults/backupResourceGuardProxies/read", Why: "the Resource Guard a backup vault is linked to", Optional: true},
			{Name: "Microsoft.DataProtection/backupVaults/backupInstances/read", Why: "the backup instances of a backup vault", Optional: true},
			{Name: "Microsoft.DataProtection/backupVaults/backupInstances/recoveryPoints/read", Why: "the newest recovery point of a backup vault (first page per instance)", Optional: true},
		},
		Document: `az role assignment create --assignee <app-id> --role Reader --scope /providers/Microsoft.Management/managementGroups/<tenant-id>`,
		Notes: []string{
			"Reader on the root management group covers every item; assign it at subscription scope instead to limit the scan.",
			"The scanner never calls a write API; the SDK's automatic resource-provider registration (a POST) is disabled.",
			"A resource provider not registered for a subscription (409 MissingSubscriptionRegistration) is an unsupported gap naming the call; registering it is a write keyholder does not do.",
			"A Resource Guard's tenant is learnt from ARM's 401 answer for its subscription (no access to that tenant is needed).",
		},
	}
}
