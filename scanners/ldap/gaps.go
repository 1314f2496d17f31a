package ldap

// gapCollections is every findings.Gap.Collection the scanner can emit
// (Factory.Gaps). "*" stands for an attribute name (an attribute the
// account could not read, "principals/users/objectSid") or a privileged
// group's slug ("grants/domain_admins"). The scanners/all meta-test checks
// each makes a check unknown, and the package's tests check no scan emits
// one missing here.
var gapCollections = []string{
	"system",
	"activity/*",
	"grants",
	"grants/*",
	"principals",
	"principals/*",
	"trusts",
	"trusts/*",
	// Issue 13 (ACLs, GPOs, referrals; org and custom repository roles, PATs).
	"grants/acl",
	"grants/acl/nTSecurityDescriptor",
	"grants/gpo",
	"grants/gpo/nTSecurityDescriptor",
	"principals/referrals",
}
