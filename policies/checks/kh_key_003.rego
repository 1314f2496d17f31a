# METADATA
# title: Break-glass accounts exist and hold the top role
# description: >-
#   Every account listed in organization.break_glass exists, is usable
#   (enabled, not expired, locked out or deleted),
#   belongs to the customer, is cloud-only (not synchronised from an
#   on-premises directory) and holds a permanent, active top role, so the
#   customer can get in without the MSP. No configured break-glass account
#   is a warning.
# custom:
#   id: KH-KEY-003
#   severity: high
#   remediation: >-
#     Create two cloud-only emergency-access accounts on the customer's
#     initial domain, assign them the top role permanently (active, not
#     eligible), keep their credentials with the customer's management, and
#     list them under organization.break_glass.
#   reads: [principals, grants]
#   not_affected_by:
#     - grants/aws_tags
#     - grants/pim_eligibility
#     - grants/enterprise_owners
#     - grants/repo
#     - grants/team_repos
#     - grants/app_permissions
#     - grants/delegated_permissions
#     - grants/administrative_units
#     - principals/invitations
#     - principals/outside_collaborators
#   profiles: [readiness, exit]
package keyholder.checks.kh_key_003

import rego.v1

import data.keyholder.lib

results contains res if {
	count(input.organization.break_glass) == 0
	res := lib.result("warn", "", [], "no break-glass accounts are configured (organization.break_glass)", [])
}

# The system a break-glass entry lives in (organization.break_glass_targets
# or its UPN domain): its absence is judged there, so a gap in an
# unrelated system cannot make it unknown.
home(entry) := s if {
	ss := object.get(input.break_glass_systems, entry, [])
	count(ss) == 1
	s := ss[0]
} else := ""

where(entry) := "any scanned system" if home(entry) == ""
else := home(entry)

results contains res if {
	some entry in input.organization.break_glass
	count(input.break_glass[entry]) == 0
	res := lib.absent_result("fail", home(entry), [entry], sprintf("break-glass account %s does not exist in %s", [entry, where(entry)]), [])
}

problem_kinds := ["disabled", "party", "synced", "inactive", "time_bound"]

problem(p, "disabled") := sprintf("cannot log on (%s)", [object.get(p, "unusable_reason", "disabled")]) if p.usable == false

problem(p, "party") := sprintf("not the customer's (%s: %s)", [p.party, p.reason]) if p.party_kind != "customer"

problem(p, "synced") := "synchronised from on-premises (not cloud-only)" if p.synced == true

problem(p, "inactive") := "holds no active top role" if p.top_active == false

problem(p, "time_bound") := "its top role is time-bound, not permanent" if {
	p.top_active == true
	p.top_permanent == false
}

problems(p) := [m | some k in problem_kinds; m := problem(p, k)]

results contains res if {
	some entry in input.organization.break_glass
	some id in input.break_glass[entry]
	p := lib.principal(id)
	ps := problems(p)
	count(ps) > 0
	res := lib.result("fail", p.system, [id], sprintf("break-glass account %s is not usable: %s", [lib.label(id), lib.join_names(ps)]), [sprintf("top privileges: %s", [lib.join_names(p.top_privileges)])])
}

results contains res if {
	some entry in input.organization.break_glass
	some id in input.break_glass[entry]
	p := lib.principal(id)
	count(problems(p)) == 0
	# Its own record and grants were read: gaps that can only add
	# principals or paths to a role cannot make it unusable.
	res := lib.holds_without(lib.result("pass", p.system, [id], sprintf("break-glass account %s is enabled, cloud-only, the customer's and holds %s permanently", [lib.label(id), lib.join_names(p.top_privileges)]), []), lib.only_add_holders)
}
