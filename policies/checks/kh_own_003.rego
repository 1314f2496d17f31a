# METADATA
# title: GitHub billing and plan are the customer's
# description: >-
#   The GitHub organisation's billing e-mail is the customer's and the
#   organisation is not listed as a provider's; an organisation not listed
#   under organization.github_orgs warns.
# custom:
#   id: KH-OWN-003
#   severity: medium
#   remediation: >-
#     Set the organisation's billing e-mail and payment method to the
#     customer's, and list the organisation under organization.github_orgs.
#   reads: [organization, contacts]
#   system_kinds: [github]
package keyholder.checks.kh_own_003

import rego.v1

import data.keyholder.lib

billing(s) := [c | some c in s.contacts; c.kind == "billing"; c.email != ""]

status(s) := ["fail", sprintf("the organisation %s is listed as %s's (%s)", [s.native_id, s.party, s.reason])] if {
	lib.is_provider(s.party_kind)
} else := ["fail", sprintf("billing e-mail %s is not the customer's: %s (%s)", [c.email, c.party, c.reason])] if {
	some c in billing(s)
	c.party_kind != "customer"
} else := ["unknown", "the billing e-mail was not read"] if {
	count(billing(s)) == 0
} else := ["warn", sprintf("billing e-mail is the customer's, but the organisation %s is not listed under organization.github_orgs", [s.native_id])] if {
	s.party_kind != "customer"
} else := ["pass", sprintf("billing e-mail %s and the organisation are the customer's", [billing(s)[0].email])]

results contains res if {
	some sys, s in input.systems
	s.kind == "github"
	[st, msg] := status(s)
	res := lib.result(st, sys, [sys], msg, [sprintf("plan: %s", [object.get(s.attributes, "plan", "unknown")])])
}
