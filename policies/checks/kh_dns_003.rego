# METADATA
# title: Mail routing and DMARC reports stay with the customer
# description: >-
#   No mail exchanger, SPF include (who may send as the domain), DMARC
#   aggregate or forensic report address, or autodiscover/enrollment target
#   of a customer domain is under a provider's domain. A relay or report
#   mailbox of the MSP keeps a copy of the customer's mail flow after the
#   exit. A domain whose records could not be read is unknown.
# custom:
#   id: KH-DNS-003
#   severity: medium
#   remediation: >-
#     Point MX, SPF and DMARC reports at services and mailboxes the customer
#     holds; remove the provider's relay from SPF once it no longer sends
#     for the domain.
#   reads: [organization]
#   system_kinds: [domains]
#   profiles: [readiness, exit]
package keyholder.checks.kh_dns_003

import rego.v1

import data.keyholder.lib

fields := {"mx", "spf_includes", "dmarc_rua", "dmarc_ruf", "autodiscover", "enterpriseenrollment"}

domains contains a if {
	some a in input.assets
	a.kind == "domain"
	input.systems[a.system].kind == "domains"
}

reads(a) := [sprintf("organization/dns/%s", [a.name])]

flows(a) := [sprintf("%s %s: %s (%s)", [e.field, e.value, e.party, e.reason]) |
	some e in a.evidence
	e.field in fields
	lib.is_provider(e.party_kind)
]

results contains res if {
	some a in domains
	a.attributes.dns_read == "true"
	count(flows(a)) > 0
	res := lib.narrowed(lib.result("fail", a.system, [a.id], sprintf("mail of %s flows to a provider", [a.name]), flows(a)), reads(a))
}

results contains res if {
	some a in domains
	a.attributes.dns_read == "true"
	count(flows(a)) == 0
	res := lib.narrowed(lib.result("pass", a.system, [a.id], sprintf("mail routing and DMARC reports of %s name no provider", [a.name]), []), reads(a))
}

results contains res if {
	some a in domains
	a.attributes.dns_read != "true"
	res := lib.narrowed(lib.result("unknown", a.system, [a.id], sprintf("the mail records of %s could not be read", [a.name]), []), reads(a))
}
