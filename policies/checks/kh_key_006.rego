# METADATA
# title: No privileged principal is of unknown party
# description: >-
#   Every principal holding privileged access (level privileged or
#   stronger, active or eligible) is attributed to the customer, a
#   configured provider or a first-party platform. An unknown principal
#   with privilege is someone nobody has vouched for. Groups and teams are
#   not judged themselves: their members are.
# custom:
#   id: KH-KEY-006
#   severity: high
#   remediation: >-
#     Find out whose the account is and add a rule for its party to the
#     config (domains, tenant or account ids, OUs, name patterns), or an
#     explicit entry under accounts; remove it if nobody owns it.
#   reads: [principals, grants, trusts]
#   not_affected_by: [grants/aws_tags]
#   profiles: [readiness, exit]
package keyholder.checks.kh_key_006

import rego.v1

import data.keyholder.lib

# unknown_rows[system][principal] groups the privileged rows of
# unknown-party principals in one pass.
unknown_rows[sys][id] contains r if {
	some sys, by_group in input.access
	some r in object.get(by_group, "unknown", [])
	r.rank >= 3
	not lib.container(r.kind)
	id := r.principal
}

results contains res if {
	some sys, by_principal in unknown_rows
	some id, rows in by_principal
	p := lib.principal(id)
	# "No known party" rests on no rule matching what was read of it:
	# a gap in the facts that attribute principals (e-mails, profiles,
	# foreign tenants' names) could give it one, so only such a gap makes
	# the fail unknown. Any other gap leaves it a fail.
	res := lib.narrowed(
		lib.absent_result("fail", sys, [id], sprintf("%s holds privileged access but belongs to no known party (%s)", [lib.label(id), p.reason]), [lib.row_evidence(r) | some r in rows]),
		lib.attribution_only,
	)
}

results contains res if {
	some sys, s in input.systems
	s.kind != "declared"
	not unknown_rows[sys]
	# Facts that only attribute principals (e-mails, profile names) can
	# give a principal a party, never take one away: their gaps cannot
	# add a principal of no known party.
	res := lib.holds_without(lib.result("pass", sys, [sys], "every privileged principal belongs to a known party", []), lib.attribution_only)
}
