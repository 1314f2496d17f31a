# METADATA
# title: Backup encryption keys are the customer's
# description: >-
#   The key encrypting each backup is owned by the customer (an AWS-managed
#   key counts when the storage is the customer's, since the key lives in
#   the storage account). A key owned by a provider fails: when the
#   provider leaves, the backups cannot be decrypted. An unknown key owner
#   is unknown.
# custom:
#   id: KH-BAK-003
#   severity: high
#   remediation: >-
#     Re-encrypt the backups (or the vault) with a key in an account the
#     customer owns, and give the provider no rights on it.
#   reads: [backups]
package keyholder.checks.kh_bak_003

import rego.v1

import data.keyholder.lib

systems_of(b) := b.protects_systems if count(b.protects_systems) > 0
else := [b.system]

status(b) := ["unknown", sprintf("the owner of the key of backup %s is not known", [b.name])] if {
	b.key_owner == ""
} else := ["pass", sprintf("backup %s is encrypted with a key the customer owns", [b.name])] if {
	b.key_party_kind == "customer"
} else := ["pass", sprintf("backup %s uses an AWS-managed key in the customer's storage account", [b.name])] if {
	b.key_party == "aws"
	b.party_kind == "customer"
} else := ["pass", sprintf("backup %s uses a Microsoft platform-managed key in the customer's Azure vault", [b.name])] if {
	b.key_party == "microsoft"
	b.party_kind == "customer"
	b.attributes.encryption == "platform_managed"
} else := ["fail", sprintf("the key of backup %s belongs to %s, not the customer (%s)", [b.name, b.key_party, b.key_reason])]

results contains res if {
	some b in input.backups
	[st, msg] := status(b)
	some sys in systems_of(b)
	res := lib.result(st, sys, [b.id], msg, [sprintf("key %s, owner %s", [lib.first_non_empty([b.key_id, "(unnamed)"]), b.key_owner])])
}
