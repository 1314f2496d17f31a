# METADATA
# title: No guest holds admin rights
# description: Guests (B2B accounts) hold no active admin or super-admin privilege, whatever their party.
# custom:
#   id: CONTOSO-001
#   severity: high
#   remediation: Give admins a member account in the tenant, with MFA.
#   reads: [principals, grants]
#   system_kinds: [entra]
package contoso.guest_admins

import rego.v1

import data.contoso.helpers
import data.keyholder.lib

results contains res if {
	some sys in lib.systems_of({"entra"})
	some r in lib.rows(sys)
	helpers.is_guest(r.principal)
	r.rank >= 4
	r.active
	res := lib.result("fail", sys, [r.principal], sprintf("guest %s holds %s", [lib.label(r.principal), r.privilege]), [lib.row_evidence(r)])
}

results contains res if {
	some sys in lib.systems_of({"entra"})
	count([r | some r in lib.rows(sys); helpers.is_guest(r.principal); r.rank >= 4; r.active]) == 0
	res := lib.result("pass", sys, [sys], "no guest holds admin rights", [])
}
