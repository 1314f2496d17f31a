# METADATA
# title: No guest is Global Administrator
# description: >-
#   A check whose METADATA lists no reads: the engine takes it to read
#   every collection, so any gap on a system makes its pass unknown.
# custom:
#   id: CONTOSO-101
#   severity: high
#   remediation: Give admins a member account in the tenant.
#   system_kinds: [entra]
package contoso.noreads.guest_ga

import rego.v1

import data.keyholder.lib

guest_ga(sys) := {r.principal |
	some r in lib.rows(sys)
	input.principals[r.principal].kind == "guest"
	r.privilege == "Global Administrator"
}

results contains res if {
	some sys in lib.systems_of({"entra"})
	some id in guest_ga(sys)
	res := lib.result("fail", sys, [id], sprintf("guest %s is Global Administrator", [lib.label(id)]), [])
}

results contains res if {
	some sys in lib.systems_of({"entra"})
	count(guest_ga(sys)) == 0
	res := lib.result("pass", sys, [sys], "no guest is Global Administrator", [])
}
