# METADATA
# title: The latest recovery point is recent
# description: >-
#   Each backup's newest recovery point is at most
#   policy.backup_max_age_days old (default 2) as of the evaluation date.
#   A backup that reports no recovery point (a tape or SaaS service
#   declared in the config) passes on a declared last_restore_test at most
#   policy.declared_max_age_days old (default 90) and fails on an older
#   one; with neither it is unknown.
# custom:
#   id: KH-BAK-006
#   severity: medium
#   remediation: >-
#     Check the backup jobs: a backup that stopped running is no backup.
#     For declared backups, record the date of the last verified restore
#     point.
#   reads: [backups]
package keyholder.checks.kh_bak_006

import rego.v1

import data.keyholder.lib

max_age := input.params.backup_max_age_days

systems_of(b) := b.protects_systems if count(b.protects_systems) > 0
else := [b.system]

restore_max_age := input.params.declared_max_age_days

status(b) := ["pass", sprintf("backup %s shows no recovery point, but a restore from it was tested on %s", [b.name, b.last_restore_test])] if {
	b.last_recovery_unix == null
	b.last_restore_test_unix != null
	lib.days_since(b.last_restore_test_unix) <= restore_max_age
} else := ["fail", sprintf("backup %s shows no recovery point, and its last restore test (%s) is %d days old (more than %d)", [b.name, b.last_restore_test, d, restore_max_age])] if {
	b.last_recovery_unix == null
	b.last_restore_test_unix != null
	d := lib.days_since(b.last_restore_test_unix)
} else := ["unknown", sprintf("backup %s reports no recovery point and no restore test is declared", [b.name])] if {
	b.last_recovery_unix == null
} else := ["fail", sprintf("the latest recovery point of backup %s is %d days old (%s)", [b.name, d, b.last_recovery_point])] if {
	d := lib.days_since(b.last_recovery_unix)
	d > max_age
} else := ["pass", sprintf("the latest recovery point of backup %s is from %s", [b.name, b.last_recovery_point])]

results contains res if {
	some b in input.backups
	[st, msg] := status(b)
	some sys in systems_of(b)
	res := lib.result(st, sys, [b.id], msg, [])
}
