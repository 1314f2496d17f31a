# METADATA
# title: Microsoft subscriptions are the customer's
# description: >-
#   Subscriptions in an Entra tenant are owned by the customer: not created
#   by a partner tenant (companySubscription ownerTenantId) of a provider
#   or of an unknown party. A provider-owned subscription whose renewal
#   date is known is listed for transfer in the runbook and warns; one
#   without a renewal date fails. Azure subscriptions billed through a CSP
#   partner (quotaId CSP_2015-05-01 or CSP_MG_2017-12-01) are owned by the
#   partner's tenant and judged the same way; the Azure target as a whole
#   passes only when its management-group hierarchy was read, so no
#   subscription hidden from the audit identity is left out.
# custom:
#   id: KH-OWN-001
#   severity: high
#   remediation: >-
#     Move the subscription to the customer's own billing account (or a
#     CSP of the customer's choosing) before its renewal, and record its
#     renewal date.
#   reads: [licences, organization/management_groups]
#   system_kinds: [entra, azure]
package keyholder.checks.kh_own_001

import rego.v1

import data.keyholder.lib

subs contains l if {
	some l in input.licences
	l.system_kind in {"entra", "azure"}
	not l.declared
}

customers(l) if l.party_kind == "customer"

customers(l) if {
	l.owner == l.system_native_id
	l.channel != "partner"
}

# An Azure subscription billed directly to the tenant it lives in.
customers(l) if {
	l.system_kind == "azure"
	l.channel == "direct"
	l.owner != ""
	l.owner == input.systems[l.system].attributes.tenant_id
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

# Azure: one result per target, on its tenant-level system.
azure_subs(target) := [l |
	some l in subs
	l.system_kind == "azure"
	input.systems[l.system].target == target
]

results contains res if {
	some sys, s in input.systems
	s.kind == "azure"
	s.flavour == "tenant"
	ls := azure_subs(s.target)
	count([l | some l in ls; not customers(l)]) == 0
	n := count(ls)
	res := lib.result("pass", sys, [sys], sprintf("%d Azure %s, all billed to the customer", [n, lib.plural(n, "subscription", "subscriptions")]), [])
}
