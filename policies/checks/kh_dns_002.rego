# METADATA
# title: DNS zones hosted by a provider have a transfer plan
# description: >-
#   A zone whose name servers (from the registry's delegation, else NS) or
#   SOA primary is under a provider's domain lives in that provider's
#   account: the day the relationship ends, the provider controls where mail
#   and web traffic go. It fails unless a declared asset of kind dns for the
#   domain states its transfer_plan. A zone whose records could not be read
#   is unknown.
# custom:
#   id: KH-DNS-002
#   severity: high
#   remediation: >-
#     Move DNS hosting to an account the customer holds (export the zone,
#     recreate it, switch the name servers at the registrar), or declare the
#     agreed transfer plan (declared.assets kind dns with transfer_plan).
#   reads: [organization]
#   system_kinds: [domains]
#   profiles: [readiness, exit]
package keyholder.checks.kh_dns_002

import rego.v1

import data.keyholder.lib

domains contains a if {
	some a in input.assets
	a.kind == "domain"
	input.systems[a.system].kind == "domains"
}

known(a) if a.attributes.dns_read == "true"

known(a) if a.attributes.registration_read == "true"

reads(a) := [sprintf("organization/dns/%s", [a.name]), sprintf("organization/registration/%s", [a.name])]

hosts(a) := [e | some e in a.evidence; e.field in {"nameservers", "soa_mname"}]

provider_hosts(a) := [sprintf("%s %s: %s", [e.field, e.value, e.party]) | some e in hosts(a); lib.is_provider(e.party_kind)]

plan(a) := d.attributes.transfer_plan if {
	some d in input.assets
	d.kind == "dns"
	lower(d.name) == lower(a.name)
	d.attributes.transfer_plan != ""
}

services(a) := {s | some e in hosts(a); s := e.service; s != ""}

results contains res if {
	some a in domains
	count(provider_hosts(a)) > 0
	not plan(a)
	res := lib.narrowed(lib.result("fail", a.system, [a.id], sprintf("DNS of %s is hosted by a provider, with no declared transfer plan", [a.name]), provider_hosts(a)), reads(a))
}

results contains res if {
	some a in domains
	count(provider_hosts(a)) > 0
	p := plan(a)
	res := lib.narrowed(lib.result("pass", a.system, [a.id], sprintf("DNS of %s is hosted by a provider; transfer plan: %s", [a.name, p]), provider_hosts(a)), reads(a))
}

results contains res if {
	some a in domains
	known(a)
	count(hosts(a)) > 0
	count(provider_hosts(a)) == 0
	res := lib.narrowed(lib.result("pass", a.system, [a.id], sprintf("DNS of %s is not hosted under a provider's domain%s", [a.name, service_text(a)]), [sprintf("%s %s", [e.field, e.value]) | some e in hosts(a)]), reads(a))
}

service_text(a) := sprintf(" (%s)", [concat(", ", services(a))]) if count(services(a)) > 0
else := ""

results contains res if {
	some a in domains
	count(hosts(a)) == 0
	res := lib.narrowed(lib.result("unknown", a.system, [a.id], sprintf("who hosts the DNS of %s could not be read", [a.name]), []), reads(a))
}
