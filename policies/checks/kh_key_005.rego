# METADATA
# title: Tenant and account contacts are the customer's
# description: >-
#   The addresses the platform notifies or bills are the customer's: Entra
#   technical notification mails, AWS root e-mail and alternate contacts,
#   GitHub billing e-mail. A contact of a provider or of an unknown domain
#   fails; a system whose contacts were not read is unknown.
# custom:
#   id: KH-KEY-005
#   severity: high
#   remediation: >-
#     Change each contact to a customer-controlled address (a shared mailbox
#     of the customer's IT or management), not a provider's.
#   reads: [contacts]
#   system_kinds: [entra, aws, github, workspace]
#   profiles: [readiness, exit]
package keyholder.checks.kh_key_005

import rego.v1

import data.keyholder.lib

contact_systems := lib.systems_of({"entra", "aws", "github", "workspace"})

contacts(sys) := [c | some c in input.systems[sys].contacts; c.email != ""]

results contains res if {
	some sys in contact_systems
	some c in contacts(sys)
	c.party_kind != "customer"
	res := lib.result("fail", sys, [c.email], sprintf("%s contact %s is not the customer's: %s (%s)", [c.kind, c.email, c.party, c.reason]), [])
}

results contains res if {
	some sys in contact_systems
	count(contacts(sys)) == 0
	res := lib.result("unknown", sys, [sys], "no contacts were read for this system", [])
}

results contains res if {
	some sys in contact_systems
	cs := contacts(sys)
	count(cs) > 0
	every c in cs {
		c.party_kind == "customer"
	}
	res := lib.result("pass", sys, [sys], sprintf("all %d contacts are the customer's", [count(cs)]), [sprintf("%s: %s", [c.kind, c.email]) | some c in cs])
}
