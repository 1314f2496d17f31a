# METADATA
# title: A copy of every backup is in a customer-owned account
# description: >-
#   For every backup, the storage itself or at least one copy or
#   replication destination is owned by the customer, so ending the
#   provider's contract loses no backup. A system with no known backup
#   passes here (KH-BAK-001 fails it) unless its backups were not read.
# custom:
#   id: KH-BAK-002
#   severity: blocker
#   remediation: >-
#     Add a copy (backup plan copy action, bucket replication, export) into
#     an account or tenant the customer owns, or move the backup storage to
#     the customer.
#   reads: [backups]
#   system_kinds: [entra, aws, ldap, github, workspace, azure]
package keyholder.checks.kh_bak_002

import rego.v1

import data.keyholder.lib

customer_copy(b) if b.party_kind == "customer"

customer_copy(b) if {
	some c in b.copies
	c.party_kind == "customer"
}

# A backup is reported on the systems it protects (or its own).
systems_of(b) := b.protects_systems if count(b.protects_systems) > 0
else := [b.system]

results contains res if {
	some b in input.backups
	not customer_copy(b)
	some sys in systems_of(b)
	res := lib.result("fail", sys, [b.id], sprintf("backup %s is stored only outside the customer's accounts: storage owned by %s (%s)", [b.name, b.party, b.reason]), [sprintf("copy to %s owned by %s", [c.destination, c.party]) | some c in b.copies])
}

flagged contains sys if {
	some b in input.backups
	not customer_copy(b)
	some sys in systems_of(b)
}

covered[sys] contains b.name if {
	some b in input.backups
	customer_copy(b)
	some sys in systems_of(b)
}

results contains res if {
	some sys, names in covered
	not sys in flagged
	res := lib.result("pass", sys, [sys], sprintf("every backup has a customer-owned copy: %s", [lib.join_names(sort(names))]), [])
}

# A system with no backup seen has nothing to judge here (KH-BAK-001 fails
# it); the result rests on that absence, so a gap makes it unknown.
results contains res if {
	some sys in lib.key_systems
	not sys in flagged
	not covered[sys]
	res := lib.holds_without(lib.absent_result("pass", sys, [sys], "no backup of this system is known, so none lacks a customer-owned copy (KH-BAK-001 reports the missing backup)", []), lib.backup_details)
}
