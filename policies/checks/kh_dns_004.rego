# METADATA
# title: Office address blocks are not held by a provider
# description: >-
#   The address block of each declared office internet line (declared.assets
#   kind internet with ip) is held, in the regional registry's RDAP record,
#   by the ISP or the customer — not by a provider reselling the line, who
#   can cut or renumber it. An address whose record could not be read is
#   unknown.
# custom:
#   id: KH-DNS-004
#   severity: medium
#   remediation: >-
#     Contract the internet line directly with the carrier (or get the
#     provider's written commitment to transfer it with its addresses).
#   reads: [organization]
#   system_kinds: [domains]
#   profiles: [readiness, exit]
package keyholder.checks.kh_dns_004

import rego.v1

import data.keyholder.lib

blocks contains a if {
	some a in input.assets
	a.kind == "ip_block"
	input.systems[a.system].kind == "domains"
}

reads(a) := [sprintf("organization/ip/%s", [a.name])]

held(a) := [sprintf("holder %s: %s (%s)", [e.value, e.party, e.reason]) | some e in a.evidence; e.field == "holder"; lib.is_provider(e.party_kind)]

results contains res if {
	some a in blocks
	a.attributes.registration_read == "true"
	count(held(a)) > 0
	res := lib.narrowed(lib.result("fail", a.system, [a.id], sprintf("the address block of %s (%s) is held by a provider", [a.name, object.get(a.attributes, "range", "")]), held(a)), reads(a))
}

results contains res if {
	some a in blocks
	a.attributes.registration_read == "true"
	count(held(a)) == 0
	res := lib.narrowed(lib.result("pass", a.system, [a.id], sprintf("the address block of %s is held by %s", [a.name, object.get(a.attributes, "holder", "no named holder")]), []), reads(a))
}

results contains res if {
	some a in blocks
	a.attributes.registration_read != "true"
	res := lib.narrowed(lib.result("unknown", a.system, [a.id], sprintf("the holder of the address block of %s could not be read", [a.name]), []), reads(a))
}
