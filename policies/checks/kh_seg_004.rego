# METADATA
# title: Provider apps hold no high-privilege application permissions
# description: >-
#   Third-party apps owned by a provider's tenant or account, and GitHub
#   Apps installed from a provider, hold no high-privilege application
#   permission: directory, role, application or mail write (Microsoft
#   Graph *.ReadWrite.All on Directory, RoleManagement, AppRoleAssignment,
#   Application, User, Group, Mail.ReadWrite, Mail.Send,
#   full_access_as_app, Sites.FullControl.All), GitHub administration,
#   members or secrets write, or any admin-level grant.
# custom:
#   id: KH-SEG-004
#   severity: high
#   remediation: >-
#     Remove the app or reduce its permissions to what the contract needs
#     (read-only where possible); prefer delegated access by named
#     technicians over app-only permissions.
#   reads: [trusts, principals, grants]
#   not_affected_by:
#     - grants/aws_tags
#     - trusts/webhooks
#     - trusts/deploy_keys
#   system_kinds: [entra, aws, ldap, github, workspace, azure]
package keyholder.checks.kh_seg_004

import rego.v1

import data.keyholder.lib

app_kinds := {"third_party_app", "github_app_installation"}

high_patterns := [
	`(?i)^(Directory|RoleManagement|AppRoleAssignment|Application|User|Group|Domain|Policy|PrivilegedAccess|RoleAssignmentSchedule|RoleEligibilitySchedule|Organization)\.ReadWrite`,
	`(?i)^Mail\.(ReadWrite|Send)`,
	`(?i)^full_access_as_app$`,
	`(?i)^Sites\.FullControl`,
	`(?i)^(administration|members|organization_administration|secrets|organization_secrets)\s*[:=]\s*(write|admin)$`,
]

high(perm) if {
	some p in high_patterns
	regex.match(p, perm)
}

apps contains t if {
	some t in input.trusts
	t.kind in app_kinds
	lib.is_provider(t.party_kind)
}

reasons(t) := array.concat(
	[p | some p in t.permissions; high(p)],
	[sprintf("level %s", [t.effective_level]) | t.effective_rank >= 4],
)

results contains res if {
	some t in apps
	rs := reasons(t)
	count(rs) > 0
	res := lib.result("fail", t.system, [t.id], sprintf("%s app %s holds high-privilege permissions: %s", [t.party, t.name, lib.join_names(rs)]), [sprintf("counterparty %s (%s); permissions %s", [t.counterparty, t.reason, lib.join_names(t.permissions)])])
}

flagged contains t.system if {
	some t in apps
	count(reasons(t)) > 0
}

results contains res if {
	some sys in lib.key_systems
	not sys in flagged
	n := count([t | some t in apps; t.system == sys])
	res := pass_result(sys, lib.result("pass", sys, [sys], sprintf("%d provider %s, none with high-privilege permissions", [n, lib.plural(n, "app", "apps")]), []))
}

# Only Entra (third-party apps) and GitHub (app installations) have apps
# this check judges; Google Workspace's OAuth and delegation clients have
# no read API and stay with their gaps. In a directory, an AWS account or
# an Azure subscription no collection can bring such an app, so no gap
# there (but a failed target's) can change the pass.
app_system_kinds := {"entra", "github", "workspace"}

pass_result(sys, res) := res if input.systems[sys].kind in app_system_kinds
else := lib.holds_without(res, ["trusts", "principals", "grants"])
