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
#   full access; the root user counts towards the minimum. Only usable
#   accounts count: enabled, not expired, not locked out, not deleted; the
#   message names the accounts left out and why. A route to the top
#   privilege (level_basis takeover_route: Account or Backup Operators,
#   Application Administrator…) is not the top privilege itself and does
#   not count. A system on which nobody at all could be read holding the
#   top privilege is unknown, never a pass or a plain fail: every system has
#   someone holding it.
# custom:
#   id: KH-KEY-001
#   severity: blocker
#   remediation: >-
#     Give the top role, actively and permanently, to named people of the
#     customer (at least policy.min_super_admins per system), and move the
#     AWS root user's e-mail to a customer-controlled address.
#   reads: [principals, grants]
#   not_affected_by:
#     - grants/aws_tags
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
	r.usable
	lib.key_holder(r.kind)
}

# Customer accounts that hold the top privilege actively but cannot log
# on: they are not keys the customer holds.
excluded(sys) := {r.principal |
	some r in lib.rows_of(sys, "customer")
	r.level == "super_admin"
	r.active
	not r.usable
	lib.key_holder(r.kind)
}

excluded_text(sys) := "" if count(excluded(sys)) == 0
else := sprintf(" (not counted, cannot log on: %s)", [lib.join_names([sprintf("%s: %s", [lib.label(id), why]) |
	some id in excluded(sys)
	why := object.get(lib.principal(id), "unusable_reason", "disabled")
])])

# Anyone at all (any party, groups included) seen holding the top
# privilege on a system.
any_top(sys) if {
	some r in lib.rows(sys)
	r.level == "super_admin"
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
	# Enough usable customer holders were seen: gaps that can only add
	# holders cannot take the pass away.
	res := lib.holds_without(lib.result("pass", sys, [sys], sprintf("%d usable customer %s the top privilege actively (minimum %d)%s", [n, lib.plural(n, "principal holds", "principals hold"), minimum, excluded_text(sys)]), evidence(sys)), lib.only_add_holders)
}

# Every top-privilege holder is attributed to a known party: facts that
# only attribute principals (e-mails, profiles) cannot add a customer
# holder (a provider match wins over a customer one), so the fail holds
# whatever they hide.
all_attributed(sys) if {
	every r in lib.rows(sys) {
		not unknown_top(r)
	}
}

unknown_top(r) if {
	r.level == "super_admin"
	r.party_kind == "unknown"
}

fail_result(sys, res) := lib.holds_without(res, lib.attribution_only) if all_attributed(sys)
else := res

results contains res if {
	some sys in lib.key_systems
	input.systems[sys].kind != "aws"
	any_top(sys)
	n := count(customer_top(sys))
	n < minimum
	res := fail_result(sys, lib.absent_result("fail", sys, [sys], sprintf("only %d usable customer %s the top privilege actively; at least %d required%s", [n, lib.plural(n, "principal holds", "principals hold"), minimum, excluded_text(sys)]), evidence(sys)))
}

# Nobody at all holds the top privilege as far as was read: the holders
# were not readable, which proves nothing either way.
results contains res if {
	some sys in lib.key_systems
	input.systems[sys].kind != "aws"
	not any_top(sys)
	res := lib.result("unknown", sys, [sys], "no holder of the top privilege could be read on this system, so who holds its keys is unknown", [])
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
} else := ["fail", sprintf("no usable customer principal other than root holds full access%s", [excluded_text(sys)]), true] if {
	count(customer_top(sys) - {root(sys)}) == 0
} else := ["fail", sprintf("only %d usable customer principals (including root) hold full access; at least %d required%s", [count(customer_top(sys)), minimum, excluded_text(sys)]), true] if {
	count(customer_top(sys)) < minimum
} else := ["pass", sprintf("the root user is the customer's and %d customer principals hold full access (minimum %d)", [count(customer_top(sys)), minimum]), false]

results contains res if {
	some sys in lib.key_systems
	input.systems[sys].kind == "aws"
	[status, msg, absence] := aws_status(sys)
	absence == false
	res := aws_result(status, lib.result(status, sys, [sys], msg, evidence(sys)))
}

# The root user is the customer's and enough customer principals were seen
# holding full access: IAM Identity Center (read once for the organisation,
# so its gaps reach every member account) can only add holders through its
# users, groups and permission-set assignments, never take one away.
aws_result("pass", res) := lib.holds_without(res, array.concat(lib.only_add_holders, identity_center))

aws_result(status, res) := res if status != "pass"

identity_center := [
	"principals/identity_center",
	"principals/identity_center_users",
	"principals/identity_center_groups",
	"principals/identity_center_memberships",
	"grants/identity_center",
	"grants/identity_center_assignments",
	"grants/identity_center_permission_sets",
	"grants/identity_center_permission_set_details",
]

results contains res if {
	some sys in lib.key_systems
	input.systems[sys].kind == "aws"
	[status, msg, absence] := aws_status(sys)
	absence == true
	res := lib.absent_result(status, sys, [sys], msg, evidence(sys))
}
