# METADATA
# title: Every system has a known backup
# description: >-
#   Every scanned system has at least one known backup location, scanned
#   (an AWS Backup vault, a replicated bucket, Microsoft 365 Backup) or
#   declared with target naming the system.
# custom:
#   id: KH-BAK-001
#   severity: high
#   remediation: >-
#     Set up a backup of the system, or declare the existing one under
#     declared.backups with target set to the system's target name.
#   reads: [backups]
#   system_kinds: [entra, aws, ldap, github, workspace, azure]
package keyholder.checks.kh_bak_001

import rego.v1

import data.keyholder.lib

protected[sys] contains b.name if {
	some b in input.backups
	some sys in b.protects_systems
}

results contains res if {
	some sys in lib.key_systems
	names := protected[sys]
	# A backup seen stays seen: what a gap hides can only add backups.
	res := lib.holds_without(lib.result("pass", sys, [sys], sprintf("%d known backup %s: %s", [count(names), lib.plural(count(names), "location", "locations"), lib.join_names(sort(names))]), []), ["backups"])
}

results contains res if {
	some sys in lib.key_systems
	not protected[sys]
	res := lib.holds_without(lib.absent_result("fail", sys, [sys], "no backup of this system is known (scanned or declared)", []), lib.backup_details)
}
