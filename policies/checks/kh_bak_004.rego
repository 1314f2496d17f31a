# METADATA
# title: Copies to provider accounts are listed
# description: >-
#   Backup copies and replication destinations in a provider's account are
#   listed (a warning each, and a runbook step), and none goes to an
#   account of unknown party (a failure).
# custom:
#   id: KH-BAK-004
#   severity: high
#   remediation: >-
#     Agree with the provider what happens to each copy at exit (transfer
#     or attested deletion); stop copies to accounts nobody can name.
#   reads: [backups]
package keyholder.checks.kh_bak_004

import rego.v1

import data.keyholder.lib

systems_of(b) := b.protects_systems if count(b.protects_systems) > 0
else := [b.system]

results contains res if {
	some b in input.backups
	some c in b.copies
	lib.is_provider(c.party_kind)
	some sys in systems_of(b)
	res := lib.result("warn", sys, [b.id, c.destination], sprintf("backup %s is copied to %s owned by %s", [b.name, c.destination, c.party]), [c.reason])
}

results contains res if {
	some b in input.backups
	some c in b.copies
	c.party_kind == "unknown"
	some sys in systems_of(b)
	res := lib.result("fail", sys, [b.id, c.destination], sprintf("backup %s is copied to %s, owned by no known party (%s)", [b.name, c.destination, c.reason]), [])
}

flagged contains sys if {
	some b in input.backups
	some c in b.copies
	c.party_kind == "unknown"
	some sys in systems_of(b)
}

flagged contains sys if {
	some b in input.backups
	some c in b.copies
	lib.is_provider(c.party_kind)
	some sys in systems_of(b)
}

results contains res if {
	some b in input.backups
	some sys in systems_of(b)
	not sys in flagged
	res := lib.result("pass", sys, [sys], "no backup copy goes to a provider's or unknown account", [])
}
