# METADATA
# title: Domains are registered for the customer and not about to expire
# description: >-
#   For every domain of the customer, the registry's RDAP record names no
#   provider as reseller, registrant or administrative, technical or billing
#   contact (by name or e-mail domain), the domain expires no sooner than
#   policy.domain_expiry_days (default 60), and a declaration saying the
#   customer is owner of record does not contradict the record. A domain
#   whose record could not be read is unknown; one with no declaration of
#   who holds the registrar account warns, listed for the user to declare.
# custom:
#   id: KH-DNS-001
#   severity: high
#   remediation: >-
#     Move the domain to a registrar account in the customer's name: unlock
#     it, get the transfer (auth) code from the provider, and start the
#     transfer before the notice date; renew domains that expire soon, and
#     declare each domain's registrar account holder in declared.assets
#     (kind domain).
#   reads: [organization]
#   system_kinds: [domains]
#   profiles: [readiness, exit]
package keyholder.checks.kh_dns_001

import rego.v1

import data.keyholder.lib

registration_fields := {"reseller", "reseller_email", "registrant", "administrative", "technical", "billing"}

domains contains a if {
	some a in input.assets
	a.kind == "domain"
	input.systems[a.system].kind == "domains"
}

read(a) if a.attributes.registration_read == "true"

reads(a) := [sprintf("organization/registration/%s", [a.name])]

provider_evidence(a) := [sprintf("%s %s: %s (%s)", [e.field, e.value, e.party, e.reason]) |
	some e in a.evidence
	e.field in registration_fields
	lib.is_provider(e.party_kind)
]

# Declarations of the same domain name.
declared(a) := [d |
	some d in input.assets
	d.kind == "domain"
	lower(d.name) == lower(a.name)
	input.systems[d.system].kind != "domains"
]

expiry_days(a) := floor((a.renews_unix - input.as_of_unix) / 86400)

expiring(a) if {
	a.renews_unix != null
	expiry_days(a) < input.params.domain_expiry_days
}

results contains res if {
	some a in domains
	read(a)
	ev := provider_evidence(a)
	count(ev) > 0
	res := lib.narrowed(lib.result("fail", a.system, [a.id], sprintf("domain %s is registered through or on behalf of a provider", [a.name]), ev), reads(a))
}

results contains res if {
	some a in domains
	read(a)
	count(provider_evidence(a)) > 0
	some d in declared(a)
	d.party_kind == "customer"
	res := lib.narrowed(lib.result("fail", a.system, [a.id, d.id], sprintf("domain %s is declared as the customer's, but its registration names a provider", [a.name]), provider_evidence(a)), reads(a))
}

results contains res if {
	some a in domains
	read(a)
	expiring(a)
	res := lib.narrowed(lib.result("fail", a.system, [a.id], sprintf("domain %s expires on %s, in %d days (policy: at least %d)", [a.name, a.renews, expiry_days(a), input.params.domain_expiry_days]), []), reads(a))
}

results contains res if {
	some a in domains
	read(a)
	count(provider_evidence(a)) == 0
	not expiring(a)
	count(declared(a)) == 0
	res := lib.narrowed(lib.result("warn", a.system, [a.id], sprintf("domain %s: no declaration of who holds its registrar account and pays its renewal (declared.assets, kind domain)", [a.name]), [sprintf("registrar: %s", [object.get(a.attributes, "registrar", "not named")])]), reads(a))
}

results contains res if {
	some a in domains
	read(a)
	count(provider_evidence(a)) == 0
	not expiring(a)
	count(declared(a)) > 0
	res := lib.narrowed(lib.result("pass", a.system, [a.id], sprintf("domain %s is registered with %s, names no provider and expires on %s", [a.name, object.get(a.attributes, "registrar", "its registrar"), a.renews]), []), reads(a))
}

results contains res if {
	some a in domains
	not read(a)
	res := lib.narrowed(lib.result("unknown", a.system, [a.id], sprintf("the registration of domain %s could not be read", [a.name]), []), reads(a))
}

# Verified domains other scanners found (an Entra tenant's, a Workspace
# account's) are looked up by the domains scanner itself (it runs after the
# other targets); one that still was not (the domains target was cancelled
# or failed, or the snapshot predates that) is listed, not ignored. A
# subdomain counts as looked up when its registrable domain was; platform
# domains and names that are not on the public internet are not listed.
looked_up := {lower(a.name) | some a in domains}

covered(d) if d in looked_up

covered(d) if {
	some l in looked_up
	endswith(d, concat("", [".", l]))
}

platform(d) if endswith(d, ".onmicrosoft.com")

platform(d) if d == "onmicrosoft.com"

platform(d) if d in {"googlemail.com", "gserviceaccount.com"}

platform(d) if {
	some p in {"googlemail.com", "gserviceaccount.com"}
	endswith(d, concat("", [".", p]))
}

# Special-use and never-delegated top-level labels (RFC 6761, RFC 6762,
# common AD choices): an AD domain such as corp.local has no registry.
internal_tlds := {"local", "localdomain", "internal", "lan", "corp", "home", "intranet", "private", "test", "example", "invalid", "localhost", "arpa"}

non_public(d) if {
	labels := split(d, ".")
	labels[count(labels) - 1] in internal_tlds
}

non_public(d) if not contains(d, ".")

results contains res if {
	some dsys, ds in input.systems
	ds.kind == "domains"
	some sys, s in input.systems
	s.kind != "domains"
	some d in object.get(s, "domains", [])
	not covered(lower(d))
	not platform(lower(d))
	not non_public(lower(d))
	res := lib.narrowed(lib.result("warn", dsys, [d], sprintf("domain %s, verified in %s, was not looked up: add it to organization.domains", [d, sys]), []), [sprintf("organization/registration/%s", [d])])
}
