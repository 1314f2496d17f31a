# METADATA
# title: No stale provider access
# description: >-
#   No provider principal keeps access it does not use: nothing unused for
#   policy.stale_after_days (last sign-in or use; never used and created
#   longer ago than that), and no disabled provider account still holding
#   privileged access. Where the source could not report activity the
#   principal is unknown, not a pass.
# custom:
#   id: KH-SEG-006
#   severity: medium
#   remediation: >-
#     Remove accounts and roles the provider no longer uses, and take
#     privileges away from disabled accounts (then delete them).
#   reads: [principals, grants, activity]
#   not_affected_by:
#     - grants/aws_tags
#     - activity/audit_log
#   system_kinds: [entra, aws, ldap, github, workspace, azure]
package keyholder.checks.kh_seg_006

import rego.v1

import data.keyholder.lib

stale_days := input.params.stale_after_days

candidates contains id if {
	some _, ids in input.provider_principals
	some id in ids
	p := lib.principal(id)
	not lib.container(p.kind)
	p.kind != "external" # an outside organisation, not an account that signs in
	holds_access(p)
}

holds_access(p) if p.max_rank > 0

holds_access(p) if lib.human_kind(p.kind)

stale(p) := "disabled but still holds privileged access" if {
	p.enabled == false
	p.max_rank >= 3
} else := sprintf("last used %d days ago (%s)", [d, p.last_activity]) if {
	p.enabled == true
	p.last_activity_known == true
	p.last_activity_unix != null
	d := lib.days_since(p.last_activity_unix)
	d > stale_days
} else := sprintf("never used; created %d days ago (%s)", [d, p.created]) if {
	p.enabled == true
	p.last_activity_known == true
	p.last_activity_unix == null
	p.created_unix != null
	d := lib.days_since(p.created_unix)
	d > stale_days
}

unread(p) := "its last activity could not be read" if {
	p.enabled == true
	p.last_activity_known == false
} else := "it was never used and its creation date is unknown" if {
	p.enabled == true
	p.last_activity_known == true
	p.last_activity_unix == null
	p.created_unix == null
}

results contains res if {
	some id in candidates
	p := lib.principal(id)
	msg := stale(p)
	res := lib.result("fail", p.system, [id], sprintf("stale access of %s (%s): %s", [lib.label(id), p.party, msg]), [])
}

results contains res if {
	some id in candidates
	p := lib.principal(id)
	not stale(p)
	msg := unread(p)
	res := lib.result("unknown", p.system, [id], sprintf("whether %s (%s) is stale is unknown: %s", [lib.label(id), p.party, msg]), [])
}

flagged contains p.system if {
	some id in candidates
	p := lib.principal(id)
	stale(p)
}

flagged contains p.system if {
	some id in candidates
	p := lib.principal(id)
	unread(p)
}

# The pass needs every candidate's last activity read (unread ones are
# unknown above). Scanners mark last activity unknown when its read fails,
# so an activity gap hides only other principals' activity and cannot
# change the pass. Gaps that could add a candidate (principals, grants)
# still do.
results contains res if {
	some sys in lib.key_systems
	not sys in flagged
	res := lib.holds_without(lib.result("pass", sys, [sys], sprintf("no provider access unused for more than %d days", [stale_days]), []), ["activity"])
}
