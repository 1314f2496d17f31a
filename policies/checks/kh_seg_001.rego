# METADATA
# title: Provider admin rights stay within the allowed list
# description: >-
#   A provider's principals hold no admin or super-admin privilege beyond
#   the provider's allowed list (providers[].allowed: system kind or
#   target, privilege names, assignment), and the privileges they are
#   allowed are held as eligible or time-bound, never permanently. Access
#   carried to a provider through a trust (an AWS role its account may
#   assume, a GDAP relationship) counts too. An AWS role the provider can
#   only assume with a pinned sts:ExternalId (short-lived sessions, no
#   standing credential) satisfies an allowance without an assignment.
# custom:
#   id: KH-SEG-001
#   severity: high
#   remediation: >-
#     Remove the privilege, or, if the provider needs it, add it to the
#     provider's allowed list and assign it as eligible (PIM) or time-bound
#     instead of permanently.
#   reads: [principals, grants, trusts]
#   not_affected_by: [grants/aws_tags]
#   system_kinds: [entra, aws, ldap, github, workspace, azure]
package keyholder.checks.kh_seg_001

import rego.v1

import data.keyholder.lib

admin_rows[sys][id] contains r if {
	some sys, by_group in input.access
	some r in object.get(by_group, "provider", [])
	r.rank >= 4
	not lib.container(r.kind)
	id := r.principal
}

applies(a, r) if {
	a.target != ""
	s := input.systems[r.system]
	a.target in {s.id, s.target}
}

applies(a, r) if {
	a.target == ""
	a.system_kind == input.systems[r.system].kind
}

allowances(r) := [a |
	some a in object.get(input.providers, [r.party, "allowed"], [])
	applies(a, r)
	lower(r.privilege) in a.privileges
]

assignment_ok(a, r) if {
	a.assignment == "eligible"
	not r.active
}

assignment_ok(a, r) if {
	a.assignment == "time_bound"
	not r.permanent
}

assignment_ok(a, r) if {
	a.assignment == ""
	not r.permanent
}

# An AWS role the provider can only assume with a pinned sts:ExternalId
# gives it short-lived sessions, not a standing credential: an allowance
# without an assignment accepts it.
assignment_ok(a, r) if {
	a.assignment == ""
	r.session
}

wanted(allow) := "eligible" if {
	some a in allow
	a.assignment == "eligible"
} else := "eligible or time-bound"

violation(r) := sprintf("%s (%s) at %s is not in %s's allowed list%s", [r.privilege, r.level, r.scope, r.party, lib.via_text(r.via)]) if {
	count(allowances(r)) == 0
} else := sprintf("%s is allowed only %s, but is held %s%s", [r.privilege, wanted(allow), r.assignment, lib.via_text(r.via)]) if {
	allow := allowances(r)
	not any_ok(allow, r)
}

any_ok(allow, r) if {
	some a in allow
	assignment_ok(a, r)
}

violations[sys][id] := vs if {
	some sys, by_principal in admin_rows
	some id, rows in by_principal
	vs := [v | some r in rows; v := violation(r)]
	count(vs) > 0
}

results contains res if {
	some sys, by_principal in violations
	some id, vs in by_principal
	p := lib.principal(id)
	res := lib.result("fail", sys, [id], sprintf("%s of %s holds admin rights beyond its allowed list", [lib.label(id), p.party]), sort(vs))
}

results contains res if {
	some sys in lib.key_systems
	not violations[sys]
	n := count(object.get(admin_rows, sys, {}))
	res := lib.result("pass", sys, [sys], sprintf("%d provider %s admin rights, all allowed and eligible or time-bound", [n, lib.plural(n, "principal holds", "principals hold")]), [])
}
