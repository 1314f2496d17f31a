# METADATA
# title: No provider remote-management agents on the customer's devices
# description: >-
#   Remote-management (RMM) and remote-access agents found in the device
#   inventories (Intune detected apps, AWS Systems Manager inventory) are
#   matched to the products of policies/data/remote-tools.yaml (plus
#   policy.remote_tools) by the scanners, and attributed here by
#   declared.tools. A provider's agent fails unless the declaration says
#   allowed: true; an agent that no declaration attributes fails too (it
#   gives an unknown party a way onto the devices). The customer's own
#   declared tools pass. Each finding lists the product and its device
#   count. A system whose inventory was not read (a gap, or no
#   device_inventory attribute saying it was read to its end) is unknown.
# custom:
#   id: KH-SEG-008
#   severity: high
#   remediation: >-
#     Uninstall the provider's agents (and close its console tenant), or,
#     if the provider must keep them, declare the tool under declared.tools
#     with allowed: true; declare the customer's own tools with provider:
#     customer.
#   reads: [inventory]
#   system_kinds: [entra, aws]
package keyholder.checks.kh_seg_008

import rego.v1

import data.keyholder.lib

tools contains a if {
	some a in input.assets
	a.kind == "remote_tool"
}

declarations(product) := [d |
	some d in input.assets
	d.kind == "remote_tool_declaration"
	lower(d.name) == lower(product)
]

allowed(d) if d.attributes.allowed == "true"

devices(t) := sprintf("%s on %s %s%s", [t.name, t.attributes.device_count, lib.plural(to_number(t.attributes.device_count), "device", "devices"), device_list(t)])

device_list(t) := sprintf(" (%s%s)", [t.attributes.devices, truncated(t)]) if t.attributes.devices != ""
else := ""

truncated(t) := ", …" if t.attributes.devices_truncated == "true"
else := ""

instance(d) := sprintf(", console %s", [d.attributes.instance]) if d.attributes.instance != ""
else := ""

source(t) := sprintf("found by %s as %q, vendor %s", [t.attributes.source, t.attributes.detected_name, t.attributes.vendor])

# problem(t) is why a tool fails, if it does.
problem(t) := sprintf("%s: agent of %s%s, not allowed", [devices(t), d.party, instance(d)]) if {
	some d in declarations(t.name)
	lib.is_provider(d.party_kind)
	not allowed(d)
}

problem(t) := sprintf("%s: no declared.tools entry attributes it, so an unknown party may run its console", [devices(t)]) if {
	count(declarations(t.name)) == 0
}

problem(t) := sprintf("%s: declared for %s, which is no known party (%s)", [devices(t), d.owner, d.reason]) if {
	some d in declarations(t.name)
	d.party_kind == "unknown"
}

accepted(t) := sprintf("%s: %s%s", [devices(t), text, instance(d)]) if {
	not problem(t)
	some d in declarations(t.name)
	text := accepted_text(d)
}

accepted_text(d) := "the customer's own" if d.party_kind == "customer"
else := sprintf("agent of %s, allowed", [d.party])

results contains res if {
	some t in tools
	p := problem(t)
	res := lib.result("fail", t.system, [t.id], sprintf("remote-management agent %s", [p]), [source(t)])
}

flagged contains t.system if {
	some t in tools
	problem(t)
}

# A pass needs the scanner's word that it read the inventory to its end
# (system attribute device_inventory): a snapshot without it (an older
# scanner, or an inventory never attempted) is unknown, never clean.
inventory_read(sys) if object.get(input.systems[sys], ["attributes", "device_inventory"], "") != ""

results contains res if {
	some sys in lib.systems_of({"entra", "aws"})
	not sys in flagged
	inventory_read(sys)
	ok := sort([accepted(t) | some t in tools; t.system == sys])
	res := lib.result("pass", sys, [sys], pass_text(count(ok)), ok)
}

results contains res if {
	some sys in lib.systems_of({"entra", "aws"})
	not sys in flagged
	not inventory_read(sys)
	res := lib.result("unknown", sys, [sys], "the device inventory (Intune, Systems Manager) was not read for this system", [])
}

pass_text(0) := "no remote-management or remote-access agents in the device inventory"

pass_text(n) := sprintf("%d remote-management %s in the device inventory, each the customer's or allowed", [n, lib.plural(n, "product", "products")]) if n > 0
