# METADATA
# title: Nothing of the departed provider remains
# description: >-
#   After termination (profile exit, --exit-provider NAME), no principal,
#   trust, app, key, licence or backup copy of the departed provider
#   remains in any system, nor any of its remote-management agents on the
#   customer's devices (an agent no declared.tools entry attributes counts:
#   it may be the provider's). A disabled account with no access left
#   warns (delete it); anything else fails. The provider's recorded
#   attestations are shown with each result and never change one.
# custom:
#   id: KH-EXIT-001
#   severity: blocker
#   remediation: >-
#     Remove every identifier the finding lists (accounts, role
#     assignments, trusts, apps, keys), transfer the licences and backup
#     copies, then re-scan with --profile exit.
#   reads: [principals, grants, trusts, credentials, licences, backups, inventory]
#   not_affected_by: [grants/aws_tags]
#   profiles: [exit]
package keyholder.checks.kh_exit_001

import rego.v1

import data.keyholder.lib

gone := input.exit_provider

remaining contains [p.system, id, sprintf("%s %s remains%s", [p.kind, lib.label(id), access_text(p)]), "fail"] if {
	some id in object.get(input.provider_principals, gone, [])
	p := lib.principal(id)
	not disabled_without_access(p)
}

remaining contains [p.system, id, sprintf("disabled %s %s remains (delete it)", [p.kind, lib.label(id)]), "warn"] if {
	some id in object.get(input.provider_principals, gone, [])
	p := lib.principal(id)
	disabled_without_access(p)
}

disabled_without_access(p) if {
	p.enabled == false
	p.max_rank == 0
	count(p.credentials) == 0
}

access_text(p) := "" if p.max_rank == 0
else := sprintf(" with access on %s", [lib.join_names(p.access_systems)])

remaining contains [t.system, t.id, sprintf("trust %s (%s) to %s remains", [t.name, t.kind, t.counterparty]), "fail"] if {
	some t in input.trusts
	t.party == gone
	t.kind != "declared_relationship"
}

remaining contains [t.system, t.id, sprintf("declared %s relationship %s is still recorded (end it and remove the declaration)", [t.relationship_kind, t.name]), "fail"] if {
	some t in input.trusts
	t.party == gone
	t.kind == "declared_relationship"
}

remaining contains [l.system, l.id, sprintf("licence %s is still owned by %s", [l.product, gone]), "fail"] if {
	some l in input.licences
	l.party == gone
}

remaining contains [b.system, b.id, sprintf("backup %s is stored by %s", [b.name, gone]), "fail"] if {
	some b in input.backups
	b.party == gone
}

remaining contains [b.system, b.id, sprintf("backup %s is encrypted with a key of %s", [b.name, gone]), "fail"] if {
	some b in input.backups
	b.key_party == gone
}

remaining contains [b.system, b.id, sprintf("backup %s is copied to %s of %s", [b.name, c.destination, gone]), "fail"] if {
	some b in input.backups
	some c in b.copies
	c.party == gone
}

tool_declarations(product) := [d |
	some d in input.assets
	d.kind == "remote_tool_declaration"
	lower(d.name) == lower(product)
]

remaining contains [a.system, a.id, sprintf("remote-management agent %s of %s remains on %s devices", [a.name, gone, a.attributes.device_count]), "fail"] if {
	some a in input.assets
	a.kind == "remote_tool"
	some d in tool_declarations(a.name)
	d.party == gone
}

remaining contains [a.system, a.id, sprintf("remote-management agent %s remains on %s devices and no declared.tools entry attributes it: it may be %s's", [a.name, a.attributes.device_count, gone]), "fail"] if {
	some a in input.assets
	a.kind == "remote_tool"
	count(tool_declarations(a.name)) == 0
}

# The provider's signed attestations (declared.attestations) are shown
# with every result, but never change one: an attestation covers only
# what only the provider can attest (deletion of data, offline copies),
# not access the facts show remaining, nor what a gap left unread.
attested := [a |
	some a in input.attestations
	attests_for_gone(a)
]

attests_for_gone(a) if a.party == gone

attests_for_gone(a) if lower(a.provider) == lower(gone)

attestation_note(a) := sprintf("%s attested %q on %s; signed copy %s, SHA-256 %s", [gone, a.name, a.date, a.evidence, a.sha256]) if a.sha256 != ""

else := sprintf("%s attested %q on %s; evidence %s (no SHA-256 of the signed copy recorded)", [gone, a.name, a.date, a.evidence]) if a.evidence != ""

else := sprintf("%s attested %q on %s (no signed copy recorded)", [gone, a.name, a.date])

attestation_evidence := [attestation_note(a) | some a in attested] if count(attested) > 0

else := [sprintf("no attestation of %s is recorded (declared.attestations): only %s can attest deletion of the customer's data and offline copies; keyholder attestation --provider writes the letter", [gone, gone])]

# A failing result names a recorded attestation (and that it does not
# outweigh the access found); without one it stays as it was.
remaining_evidence := array.concat(attestation_evidence, [sprintf("an attestation covers only what only %s can attest: it does not outweigh access found here", [gone])]) if count(attested) > 0

else := []

results contains res if {
	input.profile == "exit"
	some [sys, id, msg, st] in remaining
	res := lib.result(st, sys, [id], msg, remaining_evidence)
}

flagged contains sys if {
	some [sys, _, _, _] in remaining
}

# Remote-management agents are seen only where the device inventory was
# read: an Entra or AWS system without it is unknown, not clean.
inventory_kinds := {"entra", "aws"}

inventory_unread(s) if {
	s.kind in inventory_kinds
	object.get(s, ["attributes", "device_inventory"], "") == ""
}

results contains res if {
	input.profile == "exit"
	some sys, s in input.systems
	not sys in flagged
	not inventory_unread(s)
	res := lib.result("pass", sys, [sys], sprintf("nothing of %s remains", [gone]), attestation_evidence)
}

results contains res if {
	input.profile == "exit"
	some sys, s in input.systems
	not sys in flagged
	inventory_unread(s)
	res := lib.result("unknown", sys, [sys], sprintf("nothing of %s remains among what was read, but the device inventory (remote-management agents) was not read", [gone]), attestation_evidence)
}
