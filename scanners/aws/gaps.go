package aws

// gapCollections is every findings.Gap.Collection the scanner can emit
// (Factory.Gaps; "*" stands for a region, account id or similar). The
// scanners/all meta-test checks each makes a check unknown, and the
// package's tests check no scan emits one missing here.
var gapCollections = []string{
	"system",
	"activity/credential_report",
	"backups/kms",
	"backups/kms_policy",
	"backups/plans/*",
	"backups/plans_details/*",
	"backups/s3",
	"backups/s3_details",
	"backups/vault_details/*",
	"backups/vaults/*",
	"contacts/alternate_*",
	"contacts/contact_information",
	"contacts/root_email",
	"credentials/credential_report",
	"grants/aws_tags/account",
	"grants/aws_tags/vaults/*",
	"grants/iam",
	"grants/iam_policy_document",
	"grants/identity_center",
	"grants/identity_center/*",
	"grants/identity_center_assignments",
	"grants/identity_center_permission_set_details",
	"grants/identity_center_permission_sets",
	"licences/billing",
	"licences/license_manager/*",
	"mfa/credential_report",
	"mfa/root",
	"organization/accounts",
	"organization/accounts/*",
	"organization/describe",
	"organization/scp",
	"principals/credential_report",
	"principals/iam",
	"principals/identity_center",
	"principals/identity_center/*",
	"principals/identity_center_groups",
	"principals/identity_center_memberships",
	"principals/identity_center_users",
	"trusts/iam_roles",
	"trusts/role_trust_policy",
}

// hiddenPathGaps are the collections of the federation, Roles Anywhere and
// Systems Manager inventory reads (issue 13).
var hiddenPathGaps = []string{"trusts/federation", "trusts/roles_anywhere", "inventory/ssm"}
