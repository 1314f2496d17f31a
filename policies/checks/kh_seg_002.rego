# METADATA
# title: Providers do not reach sensitive data
# description: >-
#   No provider principal reaches a configured sensitive segment (HR,
#   finance...), whether through a grant the scanner marked sensitive
#   (GitHub repository, AWS tag or account, LDAP or Entra group) or
#   through membership of a sensitive group, at any level.
# custom:
#   id: KH-SEG-002
#   severity: high
#   remediation: >-
#     Remove the provider's access to the segment; if support needs it,
#     grant it case by case, time-bound, and record a waiver with the
#     reason.
#   reads: [principals, grants]
#   system_kinds: [entra, aws, ldap, github, workspace, azure]
package keyholder.checks.kh_seg_002

import rego.v1

import data.keyholder.lib

sensitive_rows[sys][id] contains r if {
	some sys, by_group in input.access
	some r in object.get(by_group, "provider", [])
	count(r.sensitive) > 0
	id := r.principal
}

results contains res if {
	some sys, by_principal in sensitive_rows
	some id, rows in by_principal
	segs := {s | some r in rows; some s in r.sensitive}
	res := lib.result("fail", sys, [id], sprintf("%s of %s reaches sensitive %s %s", [lib.label(id), lib.principal(id).party, lib.plural(count(segs), "segment", "segments"), lib.join_names(sort(segs))]), [sprintf("%s (segment %s)", [lib.row_evidence(r), lib.join_names(r.sensitive)]) | some r in rows])
}

results contains res if {
	some sys in lib.key_systems
	not sensitive_rows[sys]
	msg := "no provider principal reaches a sensitive segment"
	res := pass_result(sys, lib.result("pass", sys, [sys], msg_for(msg), []))
}

# Where no configured segment can select anything (input.sensitive_systems:
# no group, repository, tag or account segment for this kind of system),
# no row can reach one, so what a gap hides cannot change the pass.
selectable(sys) if input.sensitive_systems[sys]

pass_result(sys, res) := res if selectable(sys)
else := lib.holds_without(res, ["principals", "grants"])

msg_for(msg) := "no sensitive segments are configured (sensitive:)" if count(input.sensitive) == 0
else := msg
