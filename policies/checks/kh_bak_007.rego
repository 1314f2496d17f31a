# METADATA
# title: Azure backup vaults keep deleted backups and answer to the customer
# description: >-
#   Every Azure Recovery Services vault and Data Protection backup vault
#   keeps deleted backups (soft delete on), and a Resource Guard it is
#   linked to in another tenant belongs to the customer: a guard in a
#   provider's or an unknown tenant lets that tenant approve or block the
#   vault's destructive operations (disabling soft delete, reducing
#   retention, stopping protection). Immutability that is not locked
#   warns: it can still be switched off (who can delete is KH-BAK-005's
#   question). When the vault's Resource Guard links were not read, the
#   check is unknown.
# custom:
#   id: KH-BAK-007
#   severity: high
#   remediation: >-
#     Turn soft delete on (preferably always-on), lock immutability, and
#     link the vault to a Resource Guard in a subscription of the customer's
#     own tenant, managed by customer people only; remove the link to a
#     guard in a provider's tenant.
#   reads: [backups, trusts]
#   system_kinds: [azure]
#   profiles: [readiness, exit]
package keyholder.checks.kh_bak_007

import rego.v1

import data.keyholder.lib

vaults contains b if {
	some b in input.backups
	b.attributes.vault_kind in {"recovery_services", "backup_vault"}
}

guards(b) := [t |
	some t in input.trusts
	t.kind == "azure_resource_guard"
	t.attributes.vault == b.location
]

problems(b) := array.concat(
	[sprintf("soft delete is %s: a deleted backup is gone at once", [b.attributes.soft_delete]) |
		lower(b.attributes.soft_delete) in {"disabled", "off"}],
	[sprintf("its Resource Guard %s is in tenant %s of %s (%s): that tenant approves or blocks its destructive operations", [t.attributes.resource_guard, t.counterparty, t.party, t.reason]) |
		some t in guards(b)
		t.party_kind != "customer"],
)

warnings(b) := [sprintf("immutability is %s, not locked: it can be switched off", [lib.first_non_empty([b.attributes.immutability, "not set"])]) |
	not b.immutable
]

results contains res if {
	some b in vaults
	ps := problems(b)
	count(ps) > 0
	res := lib.result("fail", b.system, [b.id], sprintf("vault %s: %s", [b.name, lib.join_names(ps)]), array.concat(ps, warnings(b)))
}

results contains res if {
	some b in vaults
	count(problems(b)) == 0
	b.attributes.resource_guards_read != "true"
	res := lib.result("unknown", b.system, [b.id], sprintf("vault %s: its Resource Guard links were not read", [b.name]), warnings(b))
}

results contains res if {
	some b in vaults
	count(problems(b)) == 0
	b.attributes.resource_guards_read == "true"
	ws := warnings(b)
	count(ws) > 0
	res := lib.result("warn", b.system, [b.id], sprintf("vault %s: %s", [b.name, lib.join_names(ws)]), [])
}

results contains res if {
	some b in vaults
	count(problems(b)) == 0
	b.attributes.resource_guards_read == "true"
	count(warnings(b)) == 0
	res := lib.result("pass", b.system, [b.id], sprintf("vault %s keeps deleted backups, is locked, and no outside tenant guards it", [b.name]), [])
}
