# METADATA
# title: No backup is stored by a provider
# description: >-
#   A check that speaks only when something is wrong: it emits nothing for
#   a system whose backups are fine, so on a system whose backups were not
#   read the engine reports it unknown.
# custom:
#   id: CONTOSO-102
#   severity: blocker
#   remediation: Move the backup storage to the customer.
#   reads: [backups]
#   system_kinds: [entra, aws, ldap, github]
package contoso.noreads.provider_backups

import rego.v1

import data.keyholder.lib

results contains res if {
	some b in input.backups
	lib.is_provider(b.party_kind)
	some sys in b.protects_systems
	res := lib.result("fail", sys, [b.id], sprintf("backup %s is stored by %s", [b.name, b.party]), [])
}
