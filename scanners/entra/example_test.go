package entra_test

import (
	"fmt"

	"github.com/keyholder/keyholder/scanners/entra"
)

// The factory documents the read-only Graph permissions the scanner needs.
func ExampleFactory() {
	p := entra.Factory().Permissions()
	for _, it := range p.Items {
		opt := ""
		if it.Optional {
			opt = " (optional)"
		}
		fmt.Println(it.Name + opt)
	}
	// Output:
	// Organization.Read.All
	// Directory.Read.All
	// RoleManagement.Read.Directory
	// RoleEligibilitySchedule.Read.Directory (optional)
	// RoleAssignmentSchedule.Read.Directory (optional)
	// Application.Read.All
	// AuditLog.Read.All (optional)
	// Policy.Read.All (optional)
	// BackupRestore-Configuration.Read.All (optional)
	// PrivilegedEligibilitySchedule.Read.AzureADGroup (optional)
	// PrivilegedAssignmentSchedule.Read.AzureADGroup (optional)
	// CrossTenantInformation.ReadBasic.All (optional)
	// DeviceManagementManagedDevices.Read.All (optional)
	// DelegatedAdminRelationship.Read.All (optional)
}
