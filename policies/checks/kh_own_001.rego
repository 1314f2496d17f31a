# METADATA
# title: Microsoft subscriptions are the customer's
# description: >-
#   Subscriptions in an Entra tenant are owned by the customer: not created
#   by a partner tenant (companySubscription ownerTenantId) of a provider
#   or of an unknown party. A provider-owned subscription whose renewal
#   date is known is listed for transfer in the runbook and warns; one
#   without a renewal date fails.
# custom:
#   id: KH-OWN-001
#   severity: high
#   remediation: >-
#     Move the subscription to the customer's own billing account (or a
#     CSP of the customer's choosing) before its renewal, and record its
#     renewal date.
#   reads: [licences]
#   system_kinds: [entra]
package keyholder.checks.kh_own_001

import rego.v1

import data.keyholder.lib

subs contains l if {
	some l in input.licences
	l.system_kind == "entra"
	not l.declared
}

customers(l) if l.party_kind == "customer"

customers(l) if {
	l.owner == l.system_native_id
	l.channel != "partner"
}

text(l) := sprintf("%s (%s) is owned by %s: %s", [l.product, l.id, l.party, l.reason])

results contains res if {
	some l in subs
	not customers(l)
	l.renews != ""
	res := lib.result("warn", l.system, [l.id], sprintf("%s; listed for transfer before it renews on %s", [text(l), l.renews]), [sprintf("channel %s, owner %s", [l.channel, l.owner])])
}

results contains res if {
	some l in subs
	not customers(l)
	l.renews == ""
	res := lib.result("fail", l.system, [l.id], sprintf("%s, and its renewal date is unknown", [text(l)]), [sprintf("channel %s, owner %s", [l.channel, l.owner])])
}

flagged contains l.system if {
	some l in subs
	not customers(l)
}

results contains res if {
	some sys in lib.systems_of({"entra"})
	not sys in flagged
	n := count([l | some l in subs; l.system == sys])
	res := lib.result("pass", sys, [sys], sprintf("%d %s, all the customer's", [n, lib.plural(n, "subscription", "subscriptions")]), [])
}
