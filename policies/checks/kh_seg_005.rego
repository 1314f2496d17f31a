# METADATA
# title: Provider access is by named individual accounts
# description: >-
#   A provider's user and guest accounts each belong to one person: no
#   generic or shared logins (policy.generic_logins: admin, support, msp,
#   helpdesk... alone or with the provider's name or a number) and no
#   service or shared account without a person behind it.
# custom:
#   id: KH-SEG-005
#   severity: medium
#   remediation: >-
#     Replace shared provider logins with one named account per technician
#     (so every action is attributable and one leaver can be removed), then
#     delete the shared account.
#   reads: [principals]
#   system_kinds: [entra, aws, ldap, github, workspace, azure]
package keyholder.checks.kh_seg_005

import rego.v1

import data.keyholder.lib

humans contains id if {
	some _, ids in input.provider_principals
	some id in ids
	lib.principal(id).kind in {"user", "guest"}
}

# The login's name part: before "@", and for a B2B guest UPN the alias
# before the home domain ("bob_acme-it.com#EXT#@..." gives "bob").
name_of(p) := n if {
	l := lower(lib.first_non_empty([p.login, p.native_id]))
	contains(l, "#ext#")
	alias := split(l, "#ext#")[0]
	parts := split(alias, "_")
	n := concat("_", array.slice(parts, 0, count(parts) - 1))
} else := split(l, "@")[0] if {
	l := lower(lib.first_non_empty([p.login, p.native_id]))
}

tokens(name) := [s |
	some t in regex.split(`[^a-z0-9]+`, name)
	s := trim_right(t, "0123456789")
	s != ""
]

generic_set := {g | some g in input.params.generic_logins}

provider_tokens(p) := {t | some t in object.get(input.providers, [p.party, "tokens"], [])}

meaningful(p) := [t | some t in tokens(name_of(p)); not t in provider_tokens(p)]

problem(p) := sprintf("login %q is generic (%s)", [p.login, lib.join_names(meaningful(p))]) if {
	m := meaningful(p)
	count(m) > 0
	every t in m {
		t in generic_set
	}
} else := sprintf("login %q is only the provider's name", [p.login]) if {
	count(tokens(name_of(p))) > 0
	count(meaningful(p)) == 0
} else := "it is a service or shared account with no person behind it" if {
	some k in ["service_account", "shared"]
	p.attributes[k] == "true"
}

results contains res if {
	some id in humans
	p := lib.principal(id)
	msg := problem(p)
	res := lib.result("fail", p.system, [id], sprintf("%s of %s is not a named individual account: %s", [lib.label(id), p.party, msg]), [])
}

flagged contains lib.principal(id).system if {
	some id in humans
	problem(lib.principal(id))
}

results contains res if {
	some sys in lib.key_systems
	not sys in flagged
	res := lib.holds_without(lib.result("pass", sys, [sys], "every provider account is a named individual account", []), no_humans)
}

# Collections that cannot add a user or guest account: service principals
# and groups (Entra) are not people, and the AWS credential report only
# says how the IAM users listed by GetAccountAuthorizationDetails sign in.
no_humans := ["principals/service_principals", "principals/groups", "principals/credential_report"]
