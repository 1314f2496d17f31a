# METADATA
# title: Notice windows are known and not missed
# description: >-
#   For each contract with notice rules (renewal date, notice no earlier
#   than and no later than N days before it) the window is computed as of
#   the evaluation date: before it opens passes, inside it warns (act now),
#   past its last day (or past the renewal date) fails.
# custom:
#   id: KH-OWN-005
#   severity: medium
#   remediation: >-
#     Give notice inside the window, or record the new renewal date once the
#     contract has renewed.
#   reads: [licences]
#   system_kinds: [declared]
package keyholder.checks.kh_own_005

import rego.v1

import data.keyholder.lib

now := input.as_of_unix

contracts contains {"id": l.id, "system": l.system, "name": l.product, "party": l.party, "renews": l.renews, "renews_unix": l.renews_unix, "notice": l.notice} if {
	some l in input.licences
	l.notice != null
	l.renews_unix != null
}

contracts contains {"id": a.id, "system": a.system, "name": a.name, "party": a.party, "renews": a.renews, "renews_unix": a.renews_unix, "notice": a.notice} if {
	some a in input.assets
	a.notice != null
	a.renews_unix != null
}

window(c) := sprintf("notice window %s to %s, renews %s", [opens, c.notice.closes, c.renews]) if {
	opens := lib.first_non_empty([c.notice.opens, "any time"])
}

status(c) := ["fail", sprintf("%s renewed on %s: the renewal date has passed; record the new one", [c.name, c.renews])] if {
	now >= c.renews_unix
} else := ["fail", sprintf("%s: the last day to give notice was %s; it renews on %s", [c.name, c.notice.closes, c.renews])] if {
	now > c.notice.closes_unix + 86399
} else := ["warn", sprintf("%s: the notice window is open; give notice by %s", [c.name, c.notice.closes])] if {
	opened(c)
} else := ["pass", sprintf("%s: the notice window opens %s", [c.name, c.notice.opens])]

opened(c) if c.notice.opens_unix == null

opened(c) if now >= c.notice.opens_unix

results contains res if {
	some c in contracts
	[st, msg] := status(c)
	res := lib.result(st, c.system, [c.id], msg, [window(c)])
}
