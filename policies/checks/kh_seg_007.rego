# METADATA
# title: No long-lived provider credentials
# description: >-
#   Active access keys, app secrets, tokens and SSH keys of a provider's
#   principals are younger than policy.credential_max_age_days (default 90)
#   and have been used. A credential whose creation date is unknown is
#   unknown. Passwords (their own policies apply) and certificates are
#   not judged.
# custom:
#   id: KH-SEG-007
#   severity: medium
#   remediation: >-
#     Rotate or delete old and unused provider keys and secrets; prefer
#     short-lived credentials (role assumption, workload identity,
#     certificate-bound tokens).
#   reads: [principals, credentials]
#   system_kinds: [entra, aws, ldap, github, workspace, azure]
package keyholder.checks.kh_seg_007

import rego.v1

import data.keyholder.lib

max_age := input.params.credential_max_age_days

kinds := {"access_key", "client_secret", "secret", "token", "ssh_key", "deploy_key", "api_key"}

creds contains [id, c] if {
	some _, ids in input.provider_principals
	some id in ids
	some c in lib.principal(id).credentials
	c.active
	c.kind in kinds
}

problem(c) := sprintf("%s %s is %d days old (created %s)", [c.kind, c.id, d, c.created]) if {
	c.created_unix != null
	d := lib.days_since(c.created_unix)
	d > max_age
} else := sprintf("%s %s is at least %d days old (existed on %s)", [c.kind, c.id, d, c.created_at_least]) if {
	c.created_unix == null
	c.created_at_least_unix != null
	d := lib.days_since(c.created_at_least_unix)
	d > max_age
} else := sprintf("%s %s has never been used", [c.kind, c.id]) if {
	c.last_used_known == true
	c.last_used_unix == null
}

results contains res if {
	some [id, c] in creds
	msg := problem(c)
	p := lib.principal(id)
	res := lib.result("fail", p.system, [id, c.id], sprintf("long-lived credential of %s (%s): %s", [lib.label(id), p.party, msg]), [])
}

results contains res if {
	some [id, c] in creds
	not problem(c)
	c.created_unix == null
	p := lib.principal(id)
	res := lib.result("unknown", p.system, [id, c.id], sprintf("the age of %s %s of %s is unknown%s", [c.kind, c.id, lib.label(id), at_least_text(c)]), [])
}

flagged contains lib.principal(id).system if {
	some [id, c] in creds
	problem(c)
}

flagged contains lib.principal(id).system if {
	some [id, c] in creds
	c.created_unix == null
}

results contains res if {
	some sys in lib.key_systems
	not sys in flagged
	# Groups hold no credentials: a gap in them cannot add one.
	res := lib.holds_without(lib.result("pass", sys, [sys], sprintf("no provider access key, app secret, token or SSH key older than %d days or unused (passwords and certificates are not judged)", [max_age]), []), ["principals/groups"])
}

at_least_text(c) := sprintf(" (it existed on %s; the source does not say when it was created)", [c.created_at_least]) if c.created_at_least != ""
else := ""
