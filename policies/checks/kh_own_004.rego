# METADATA
# title: Declared licences and assets are the customer's
# description: >-
#   Every declared licence, contract and asset (internet lines, hardware,
#   domains, DNS, software) has the customer as owner of record. One owned
#   by a provider or another party is listed for transfer in the runbook
#   and warns when its renewal date is known; without a renewal date (or
#   without an owner of record) it fails.
# custom:
#   id: KH-OWN-004
#   severity: high
#   remediation: >-
#     Transfer the contract or asset into the customer's name before its
#     renewal (or record its renewal date so the transfer can be planned).
#   reads: [licences]
#   system_kinds: [declared]
package keyholder.checks.kh_own_004

import rego.v1

import data.keyholder.lib

items contains {"id": l.id, "system": l.system, "what": "licence", "name": l.product, "party": l.party, "party_kind": l.party_kind, "reason": l.reason, "renews": l.renews} if {
	some l in input.licences
	l.declared
}

# Remote tools found on devices and their declarations are judged by
# KH-SEG-008, not as owned assets.
tool_kinds := {"remote_tool", "remote_tool_declaration"}

items contains {"id": a.id, "system": a.system, "what": a.kind, "name": a.name, "party": a.party, "party_kind": a.party_kind, "reason": a.reason, "renews": a.renews} if {
	some a in input.assets
	not a.kind in tool_kinds
	# What the domains scanner read is judged by KH-DNS-00x.
	input.systems[a.system].kind != "domains"
}

results contains res if {
	some it in items
	it.party_kind != "customer"
	it.renews != ""
	res := lib.result("warn", it.system, [it.id], sprintf("%s %s is owned by %s (%s); listed for transfer before it renews on %s", [it.what, it.name, it.party, it.reason, it.renews]), [])
}

results contains res if {
	some it in items
	it.party_kind != "customer"
	it.renews == ""
	res := lib.result("fail", it.system, [it.id], sprintf("%s %s is owned by %s (%s) and has no renewal date to plan its transfer", [it.what, it.name, it.party, it.reason]), [])
}

flagged contains it.system if {
	some it in items
	it.party_kind != "customer"
}

results contains res if {
	sys := {it.system | some it in items}[_]
	not sys in flagged
	n := count([it | some it in items; it.system == sys])
	res := lib.result("pass", sys, [sys], sprintf("%d declared %s, all owned by the customer", [n, lib.plural(n, "item", "items")]), [])
}
