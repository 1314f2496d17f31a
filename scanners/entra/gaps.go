package entra

// gapCollections is every findings.Gap.Collection the scanner can emit
// (Factory.Gaps). The scanners/all meta-test checks each makes a check
// unknown, and the package's tests check no scan emits one missing here.
var gapCollections = []string{
	"system",
	"activity",
	"backups",
	"contacts",
	"credentials",
	"grants",
	"grants/administrative_units",
	"grants/app_permissions",
	"grants/delegated_permissions",
	"grants/group_members",
	"grants/pim_assignment_schedules",
	"grants/pim_eligibility",
	"grants/role_definitions",
	"licences",
	"licences/subscribed_skus",
	"mfa",
	"principals/groups",
	"principals/service_principals",
	"principals/users",
	"trusts/cross_tenant",
	"trusts/gdap",
}

// hiddenPathGaps are the collections of the PIM-for-Groups, tenant-name and
// Intune inventory reads (issue 13).
var hiddenPathGaps = []string{"grants/pim_groups", "trusts/tenant_names", "inventory/intune", "inventory/intune_devices"}
