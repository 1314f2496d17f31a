package workspace

import "github.com/keyholder/keyholder/scanners"

// permissions documents the read-only scopes and admin privileges the
// scanner needs. Keep in step with README.md ("Permissions").
func permissions() scanners.Permissions {
	return scanners.Permissions{
		Type:    Type,
		Summary: "A service account with domain-wide delegation for five read-only Admin SDK scopes, impersonating a read-only admin",
		Items: []scanners.Permission{
			{Name: scopeCustomer, Why: "customer account: id, primary domain, alternate e-mail (a contact left behind)"},
			{Name: scopeDomain, Why: "verified domains (attribution and owner of record)"},
			{Name: scopeRoles, Why: "admin roles with their privileges, and role assignments to users and groups"},
			{Name: scopeUser, Why: "users: super/delegated admin flags, 2-step verification enrolment and enforcement, suspension, last sign-in"},
			{Name: scopeGroup, Why: "names and members of groups that hold admin roles (effective access)"},
			{Name: "Admin role of the impersonated user: Users > Read, Groups > Read, Domain Settings (read), Organizational Units > Read, and reading admin roles",
				Why: "the Directory API answers 403 Not Authorized for what the impersonated admin's role cannot see; Google lets only Super Admins read role assignments unless a custom role includes the Admin API privilege for roles, so the least-privileged working choice is often a dedicated Super Admin account used only by keyholder (with 2SV and no mailbox use)"},
		},
		Notes: []string{
			"Every scope is read-only; keyholder never requests admin.directory.user.security (needed to list third-party OAuth tokens) because it also allows revoking them.",
			"Reseller access, the billing owner and domain-wide delegation clients have no read API: the scan records them as unsupported gaps; declare them in keyholder.yaml (declared.relationships kind reseller/other, declared.licences) to close them.",
			"Workload identity federation or application default credentials work too (auth.method application_default); impersonating an admin still needs a service account with domain-wide delegation.",
		},
	}
}
