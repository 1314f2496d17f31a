# METADATA
# title: Super-admins do not exceed the maximum
# description: >-
#   On each system, the enabled principals holding the top privilege
#   (active or eligible, of any party) number no more than
#   policy.max_super_admins. Every extra super-admin is one more set of
#   keys to hand back or rotate. Entra app permissions count (an app with
#   RoleManagement.ReadWrite.Directory is a super-admin). A trust's
#   counterparty is not counted for access it has through a role (the
#   role is counted), only for what the trust gives by itself (a declared
#   GDAP relationship naming Global Administrator).
# custom:
#   id: KH-KEY-004
#   severity: medium
#   remediation: >-
#     Remove the top privilege from everyone who does not need it; use
#     narrower roles, and eligible (just-in-time) assignments for the rest.
#   reads: [principals, grants]
#   not_affected_by:
#     - grants/aws_tags
#     - grants/repo
#     - grants/team_repos
#     - grants/administrative_units
#     - principals/invitations
#     - principals/outside_collaborators
#   system_kinds: [entra, aws, ldap, github, workspace, azure]
#   profiles: [readiness, exit]
package keyholder.checks.kh_key_004

import rego.v1

import data.keyholder.lib

maximum := input.params.max_super_admins

holders(sys) := {r.principal |
	some r in lib.rows(sys)
	r.level == "super_admin"
	r.enabled
	counted(r)
}

counted(r) if lib.key_holder(r.kind)

# A counterparty's row given by the trust itself (via is just the trust),
# not carried from a local role or app that is counted on its own.
counted(r) if {
	r.kind == "external"
	count(r.via) == 1
}

results contains res if {
	some sys in lib.key_systems
	n := count(holders(sys))
	n > maximum
	res := lib.result("fail", sys, [sys], sprintf("%d principals hold the top privilege; at most %d allowed", [n, maximum]), [lib.label(id) | some id in holders(sys)])
}

results contains res if {
	some sys in lib.key_systems
	n := count(holders(sys))
	n <= maximum
	# Every party counts here, so facts that only attribute principals
	# (e-mails, profile names) cannot change the count.
	res := lib.holds_without(lib.result("pass", sys, [sys], sprintf("%d %s the top privilege (at most %d)", [n, lib.plural(n, "principal holds", "principals hold"), maximum]), []), lib.attribution_only)
}
