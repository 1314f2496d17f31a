# METADATA
# title: Providers cannot delete backups
# description: >-
#   No provider can delete the customer's backups: the backup is immutable
#   (vault lock, object lock), or neither the listed deleters nor the
#   provider principals holding admin rights on the storage system are a
#   provider's. When who may delete is not shown, the check is unknown.
# custom:
#   id: KH-BAK-005
#   severity: medium
#   remediation: >-
#     Lock the vault (compliance mode) or deny backup deletion to every
#     provider principal in the vault or bucket policy, and keep the
#     provider out of the storage account's admin roles.
#   reads: [backups, grants]
#   not_affected_by: [grants/aws_tags]
package keyholder.checks.kh_bak_005

import rego.v1

import data.keyholder.lib

systems_of(b) := b.protects_systems if count(b.protects_systems) > 0
else := [b.system]

provider_deleters(b) := array.concat(
	[sprintf("%s (%s)", [d.id, d.party]) | some d in b.deleters; lib.is_provider(d.party_kind)],
	[sprintf("%s of %s holds %s on the storage system", [lib.label(a.principal), a.party, a.privilege]) | some a in b.provider_admins],
)

status(b) := ["pass", sprintf("backup %s is immutable", [b.name])] if {
	b.immutable
} else := ["fail", sprintf("a provider can delete backup %s", [b.name])] if {
	count(provider_deleters(b)) > 0
} else := ["unknown", sprintf("who may delete backup %s is not known", [b.name])] if {
	count(b.deleters) == 0
} else := ["pass", sprintf("no provider can delete backup %s", [b.name])]

results contains res if {
	some b in input.backups
	not b.immutable
	[st, msg] := status(b)
	some sys in systems_of(b)
	res := lib.result(st, sys, [b.id], msg, provider_deleters(b))
}

# Immutability alone settles it: grants do not matter.
results contains res if {
	some b in input.backups
	b.immutable
	[st, msg] := status(b)
	some sys in systems_of(b)
	res := lib.narrowed(lib.result(st, sys, [b.id], msg, []), ["backups"])
}
