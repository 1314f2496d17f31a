# METADATA
# title: Trusts name a known party and are least-privilege
# description: >-
#   Every trust that lets another organisation in names a known party
#   (customer, provider or platform): cross-tenant partners, GDAP, AWS role
#   trusts, directory trusts, third-party apps, GitHub outside
#   collaborators and app installations. AWS roles trusting a provider's
#   account require sts:ExternalId and do not grant full admin. A trust to
#   any principal (*) fails; restricted only by conditions it warns.
# custom:
#   id: KH-SEG-003
#   severity: high
#   remediation: >-
#     Remove trusts nobody can name, or attribute the counterparty in the
#     config; require sts:ExternalId on roles third parties assume and give
#     those roles only the permissions the contract needs; replace
#     Principal "*" with the exact accounts.
#   reads: [trusts, grants]
#   not_affected_by:
#     - trusts/webhooks
#     - trusts/deploy_keys
#   system_kinds: [entra, aws, ldap, github]
package keyholder.checks.kh_seg_003

import rego.v1

import data.keyholder.lib

skipped_kinds := {"declared_relationship", "webhook", "github_deploy_key", "aws_org_management"}

trusts contains t if {
	some t in input.trusts
	not t.kind in skipped_kinds
}

is_any(t) if t.counterparty == "*"

is_any(t) if t.counterparty_kind == "any"

has_external_id(t) if {
	some k, _ in t.conditions
	lower(k) == "sts:externalid"
}

problem_kinds := ["party", "any", "external_id", "admin"]

problem(t, "party") := sprintf("counterparty %s belongs to no known party (%s)", [t.counterparty, t.reason]) if {
	t.party_kind == "unknown"
	not is_any(t)
}

problem(t, "any") := "trusts any principal (*) without conditions" if {
	is_any(t)
	count(t.conditions) == 0
}

problem(t, "external_id") := sprintf("role trusted by %s (%s) does not require sts:ExternalId", [t.counterparty, t.party]) if {
	t.kind == "aws_role_trust"
	lib.is_provider(t.party_kind)
	not has_external_id(t)
}

problem(t, "admin") := sprintf("role trusted by %s (%s) grants full admin", [t.counterparty, t.party]) if {
	t.kind == "aws_role_trust"
	lib.is_provider(t.party_kind)
	t.effective_level == "super_admin"
}

problems(t) := [m | some k in problem_kinds; m := problem(t, k)]

warning(t) := sprintf("trusts any principal (*), restricted only by conditions %s", [concat(", ", [k | some k, _ in t.conditions])]) if {
	is_any(t)
	count(t.conditions) > 0
}

evidence(t) := [sprintf("%s %s: counterparty %s (%s), party %s, level %s, conditions %s", [t.kind, t.name, t.counterparty, t.counterparty_kind, t.party, t.effective_level, json.marshal(t.conditions)])]

results contains res if {
	some t in trusts
	ps := problems(t)
	count(ps) > 0
	res := lib.result("fail", t.system, [t.id], sprintf("trust %s: %s", [t.name, lib.join_names(ps)]), evidence(t))
}

results contains res if {
	some t in trusts
	count(problems(t)) == 0
	w := warning(t)
	res := lib.result("warn", t.system, [t.id], sprintf("trust %s: %s", [t.name, w]), evidence(t))
}

flagged contains t.system if {
	some t in trusts
	count(problems(t)) > 0
}

flagged contains t.system if {
	some t in trusts
	warning(t)
}

results contains res if {
	some sys in lib.key_systems
	not sys in flagged
	n := count([t | some t in trusts; t.system == sys])
	res := lib.result("pass", sys, [sys], sprintf("%d %s, each to a known party and least-privilege", [n, lib.plural(n, "trust", "trusts")]), [])
}
