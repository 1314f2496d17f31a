# METADATA
# title: Every configured target was scanned
# description: >-
#   Every target in the config was scanned: a target that failed, was
#   skipped or is missing from the snapshot fails. Each gap (a collection
#   that could not be read) warns and names the checks it leaves unknown;
#   a structural gap covered by a recently verified declared relationship
#   does not, nor does an Azure resource provider that is not registered
#   for a subscription (reported, with the call, as a pass: nothing of the
#   provider can exist there).
# custom:
#   id: KH-COV-001
#   severity: high
#   remediation: >-
#     Fix the target's access (credentials, network) and grant the
#     permissions or licences each gap names; declare what no API can show
#     (GDAP relationships) under declared.relationships.
#   reads: []
#   profiles: [readiness, exit]
package keyholder.checks.kh_cov_001

import rego.v1

import data.keyholder.lib

results contains res if {
	some t in input.targets
	not t.scanned
	res := lib.result("fail", t.name, [t.name], sprintf("target %s (%s) is not in the snapshot: it was not scanned", [t.name, t.type]), [])
}

results contains res if {
	some t in input.targets
	t.scanned
	t.failed
	res := lib.result("fail", t.name, [t.name], sprintf("target %s (%s) could not be scanned: %s", [t.name, t.type, t.fail_reason]), [])
}

results contains res if {
	some g in input.gaps
	g.collection != "system"
	not g.covered
	res := lib.result("warn", g.system, [g.id], sprintf("%s not read on %s (%s): %s", [g.collection, g.system, g.reason, g.error]), array.concat(
		[sprintf("leaves unknown: %s", [lib.join_names(g.leaves_unknown)]) | count(g.leaves_unknown) > 0],
		[sprintf("remedy: %s", [g.remedy]) | g.remedy != ""],
	))
}

results contains res if {
	some g in input.gaps
	g.covered
	g.covered_reason == "provider_unregistered"
	res := lib.result("pass", g.system, [g.id], sprintf("%s not read on %s (%s): the resource provider is not registered, so nothing of this kind can exist there: %s", [g.collection, g.system, g.reason, g.error]), [sprintf("remedy: %s", [g.remedy]) | g.remedy != ""])
}

results contains res if {
	some g in input.gaps
	g.covered
	g.covered_reason != "provider_unregistered"
	res := lib.result("pass", g.system, [g.id], sprintf("%s not readable on %s, covered by a declared relationship verified within %d days", [g.collection, g.system, input.params.declared_max_age_days]), [sprintf("declared: %s", [lib.join_names(g.covered_by)])])
}

flagged contains g.system if {
	some g in input.gaps
	not g.covered
}

results contains res if {
	some sys, s in input.systems
	not sys in flagged
	not s.failed
	res := lib.result("pass", sys, [sys], "scanned completely", [])
}
