# METADATA
# title: Customer super-admins use MFA
# description: >-
#   Every enabled customer principal holding a system's top privilege
#   actively has multi-factor authentication registered or enforced (Entra
#   registration, AWS root and IAM user MFA, GitHub two-factor
#   requirement or member state, Google Workspace 2-step verification
#   enrolled and enforced). MFA that could not be read is unknown,
#   never a pass; a system with no customer super-admin to check warns
#   (KH-KEY-001 says why). Directories (AD, LDAP) are not judged: they
#   report no MFA state.
# custom:
#   id: KH-KEY-002
#   severity: high
#   remediation: >-
#     Register phishing-resistant MFA for every customer super-admin (FIDO2
#     or certificate-based for break-glass accounts); on GitHub require
#     two-factor authentication for the organisation.
#   reads: [principals, grants, mfa]
#   not_affected_by:
#     - grants/aws_tags
#     - grants/pim
#     - grants/enterprise_owners
#     - mfa/outside_collaborators
#     - grants/repo
#     - grants/team_repos
#     - grants/app_permissions
#     - grants/delegated_permissions
#     - grants/administrative_units
#     - principals/invitations
#     - principals/outside_collaborators
#   system_kinds: [entra, aws, github, workspace, azure]
#   profiles: [readiness, exit]
package keyholder.checks.kh_key_002

import rego.v1

import data.keyholder.lib

# Directories (AD, LDAP) report no MFA state; smartcard-only logons are
# out of scope here.
mfa_systems := lib.systems_of({"entra", "aws", "github", "workspace"}) | {s | some s in lib.key_systems; input.systems[s].kind == "azure"}

holders(sys) := {r.principal |
	some r in lib.rows_of(sys, "customer")
	r.level == "super_admin"
	r.active
	r.usable
	lib.key_holder(r.kind)
}

github_2fa_required(sys) if {
	input.systems[sys].kind == "github"
	input.systems[sys].attributes.two_factor_requirement_enabled == "true"
}

# Google Workspace: 2-step verification must be enrolled and enforced; an
# enrolled user whose enforcement is off can turn it off.
workspace_unenforced(sys, id) if {
	input.systems[sys].kind == "workspace"
	lib.principal(id).mfa == "registered"
}

mfa(sys, id) := "enforced" if github_2fa_required(sys)
else := "not_enforced" if workspace_unenforced(sys, id)
else := lib.principal(id).mfa

without(sys) := {id | some id in holders(sys); mfa(sys, id) in {"none", "not_enforced"}}

unread(sys) := {id | some id in holders(sys); not mfa(sys, id) in {"none", "not_enforced", "registered", "enforced"}}

lacks(sys, id) := "has 2-step verification enrolled but not enforced" if mfa(sys, id) == "not_enforced"
else := "has no MFA"

results contains res if {
	some sys in mfa_systems
	some id in without(sys)
	res := lib.result("fail", sys, [id], sprintf("customer super-admin %s %s", [lib.label(id), lacks(sys, id)]), [sprintf("mfa: %s; holds %s", [mfa(sys, id), lib.join_names(lib.principal(id).top_privileges)])])
}

results contains res if {
	some sys in mfa_systems
	some id in unread(sys)
	res := lib.result("unknown", sys, [id], sprintf("the MFA state of customer super-admin %s could not be read", [lib.label(id)]), ["mfa: unknown"])
}

# The pass needs every holder's MFA state read (unread ones are unknown
# above; an organisation that requires two-factor authentication gives
# every member MFA). Scanners leave a state unknown when its read fails,
# so an MFA gap hides only other principals' states: it cannot change the
# pass. Gaps that could add a holder (principals, grants) still do.
pass_result(res) := lib.holds_without(res, ["mfa"])

results contains res if {
	some sys in mfa_systems
	count(without(sys)) == 0
	count(unread(sys)) == 0
	n := count(holders(sys))
	n > 0
	res := pass_result(lib.result("pass", sys, [sys], sprintf("%s %d customer %s MFA", [lib.plural(n, "the", "all"), n, lib.plural(n, "super-admin has", "super-admins have")]), [sprintf("%s: mfa %s", [lib.label(id), mfa(sys, id)]) | some id in holders(sys)]))
}

# Nothing to check is not a pass: the holders may be what was not read.
results contains res if {
	some sys in mfa_systems
	count(holders(sys)) == 0
	res := lib.absent_result("warn", sys, [sys], "no customer super-admin to check (see KH-KEY-001)", [])
}
