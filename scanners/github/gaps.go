package github

// gapCollections is every findings.Gap.Collection the scanner can emit
// (Factory.Gaps). The scanners/all meta-test checks each makes a check
// unknown, and the package's tests check no scan emits one missing here.
var gapCollections = []string{
	"system",
	"activity/audit_log",
	"contacts",
	"grants/enterprise_owners",
	"grants/owners",
	"grants/repo_collaborators",
	"grants/repo_collaborators_skipped",
	"grants/repositories",
	"grants/team_members",
	"grants/team_repos",
	"grants/teams",
	"licences",
	"mfa",
	"mfa/outside_collaborators",
	"organization",
	"principals/invitations",
	"principals/members",
	"principals/outside_collaborators",
	"principals/profiles",
	"principals/verified_emails",
	"trusts/app_installations",
	"trusts/app_owners",
	"trusts/deploy_keys",
	"trusts/webhooks",
	// Issue 13 (ACLs, GPOs, referrals; org and custom repository roles, PATs).
	"credentials/credential_authorizations",
	"credentials/personal_access_tokens",
	"grants/custom_repo_roles",
	"grants/org_roles",
}
