# METADATA
# title: The customer holds the top privilege on every system
# description: >-
#   Each system has at least policy.min_super_admins enabled customer
#   principals holding its top privilege (level super_admin) actively, not
#   only as eligible: Entra Global Administrator (or another tenant-wide top
#   role), AD Domain Admins, Enterprise Admins or Administrators, the
#   configured OpenLDAP admin groups, GitHub organisation owner. On AWS the
#   root user's e-mail must be the customer's and at least one other
#   customer principal (IAM user, role or Identity Center user) must hold
#   full access; the root user counts towards the minimum. A route to the
#   top privilege (level_basis takeover_route: Account or Backup Operators,
#   Application Administrator…) is not the top privilege itself and does
#   not count.
# custom:
#   id: KH-KEY-001
#   severity: blocker
#   remediation: >-
#     Give the top role, actively and permanently, to named people of the
#     customer (at least policy.min_super_admins per system), and move the
#     AWS root user's e-mail to a customer-controlled address.
#   reads: [principals, grants]
#   not_affected_by:
#     - grants/pim
#     - grants/enterprise_owners
#     - grants/repo
#     - grants/team_repos
#     - grants/app_permissions
#     - grants/delegated_permissions
#     - grants/administrative_units
#     - principals/invitations
#     - principals/outside_collaborators
#   system_kinds: [entra, aws, ldap, github, workspace, azure]
#   profiles: [readiness, exit]
package keyholder.checks.kh_key_001

import rego.v1

import data.keyholder.lib

minimum := input.params.min_super_admins

customer_top(sys) := {r.principal |
	some r in lib.rows_of(sys, "customer")
	r.level == "super_admin"
	r.top
	r.active
	r.enabled
	lib.key_holder(r.kind)
}

eligible_only(sys) := {r.principal |
	some r in lib.rows_of(sys, "customer")
	r.level == "super_admin"
	r.top
	not r.active
	lib.key_holder(r.kind)
}

holder_text(id) := sprintf("%s holds %s", [lib.label(id), lib.join_names(lib.principal(id).top_privileges)])

evidence(sys) := array.concat(
	[holder_text(id) | some id in customer_top(sys)],
	[sprintf("%s is only eligible (not active)", [lib.label(id)]) | some id in eligible_only(sys); not id in customer_top(sys)],
)

names(ids) := lib.join_names([lib.label(id) | some id in ids])

# Non-AWS systems: count the customer's active top-privilege holders.
results contains res if {
	some sys in lib.key_systems
	input.systems[sys].kind != "aws"
	n := count(customer_top(sys))
	n >= minimum
	res := lib.result("pass", sys, [sys], sprintf("%d enabled customer %s the top privilege actively (minimum %d)", [n, lib.plural(n, "principal holds", "principals hold"), minimum]), evidence(sys))
}

results contains res if {
	some sys in lib.key_systems
	input.systems[sys].kind != "aws"
	n := count(customer_top(sys))
	n < minimum
	res := lib.absent_result("fail", sys, [sys], sprintf("only %d enabled customer %s the top privilege actively; at least %d required", [n, lib.plural(n, "principal holds", "principals hold"), minimum]), evidence(sys))
}

# AWS: the root user must be the customer's, plus a customer admin.
root(sys) := input.systems[sys].root

aws_status(sys) := ["unknown", "the root user was not read, so its owner is unknown", false] if {
	root(sys) == ""
} else := ["unknown", "the root user's e-mail was not read, so its owner is unknown", false] if {
	p := lib.principal(root(sys))
	p.party_kind == "unknown"
	count(p.emails) == 0
} else := ["fail", sprintf("the root user belongs to %s, not the customer (%s)", [p.party, p.reason]), false] if {
	p := lib.principal(root(sys))
	p.party_kind != "customer"
} else := ["fail", "no customer principal other than root holds full access", true] if {
	count(customer_top(sys) - {root(sys)}) == 0
} else := ["fail", sprintf("only %d enabled customer principals (including root) hold full access; at least %d required", [count(customer_top(sys)), minimum]), true] if {
	count(customer_top(sys)) < minimum
} else := ["pass", sprintf("the root user is the customer's and %d customer principals hold full access (minimum %d)", [count(customer_top(sys)), minimum]), false]

results contains res if {
	some sys in lib.key_systems
	input.systems[sys].kind == "aws"
	[status, msg, absence] := aws_status(sys)
	absence == false
	res := lib.result(status, sys, [sys], msg, evidence(sys))
}

results contains res if {
	some sys in lib.key_systems
	input.systems[sys].kind == "aws"
	[status, msg, absence] := aws_status(sys)
	absence == true
	res := lib.absent_result(status, sys, [sys], msg, evidence(sys))
}
