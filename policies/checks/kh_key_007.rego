# METADATA
# title: Master credentials are the customer's and protected
# description: >-
#   Every system's built-in master account is in the customer's hands and
#   protected. AWS: the root user of every account has MFA and no access
#   keys, and its e-mail is on a customer domain (unknown, with the reason,
#   where the e-mail, MFA or key state could not be read). Root without MFA
#   fails whoever owns it. Active Directory: the built-in Administrator
#   (RID 500) is disabled, or its password was set after the last logon of
#   any provider account in the domain, so the provider cannot know it.
#   Entra ID and GitHub have no single master account: KH-KEY-001 and
#   KH-KEY-003 cover them. Generic LDAP directories have no built-in
#   Administrator and are not judged.
# custom:
#   id: KH-KEY-007
#   severity: blocker
#   remediation: >-
#     AWS: sign in as each account's root user, register a hardware MFA
#     device kept by the customer's management, delete every root access
#     key, and set the root e-mail to a customer-controlled address. Active
#     Directory: reset the built-in Administrator's password after the
#     provider's last access and keep it sealed with the customer's
#     management, or disable the account.
#   reads: [principals, mfa, credentials, activity]
#   not_affected_by:
#     - principals/invitations
#     - principals/outside_collaborators
#     - mfa/outside_collaborators
#   system_kinds: [aws, ldap]
#   profiles: [readiness, exit]
package keyholder.checks.kh_key_007

import rego.v1

import data.keyholder.lib

aws_systems := lib.systems_of({"aws"})

ad_systems := {id | some id, s in input.systems; s.kind == "ldap"; s.flavour == "active_directory"}

root(sys) := input.systems[sys].root

# AWS root user: what is certainly wrong (whatever else was not read).
root_fail(p) := {m | some k in ["mfa", "keys", "summary_keys", "email"]; m := root_problem(p, k)}

root_problem(p, "mfa") := "has no MFA" if p.mfa == "none"

root_problem(p, "keys") := "has active access keys" if {
	some c in p.credentials
	c.kind == "access_key"
	c.active
}

root_problem(p, "summary_keys") := "has access keys (account summary)" if {
	object.get(p.attributes, "access_keys_present", "") == "true"
	count([c | some c in p.credentials; c.kind == "access_key"]) == 0
}

root_problem(p, "email") := sprintf("its e-mail is not on a customer domain (%s: %s)", [p.party, p.reason]) if {
	count(p.emails) > 0
	p.party_kind != "customer"
}

# What could not be read.
root_unknown(p) := {m | some k in ["mfa", "keys", "email"]; m := root_gap(p, k)}

root_gap(p, "mfa") := "its MFA state was not read" if not p.mfa in {"none", "registered", "enforced"}

root_gap(p, "keys") := "whether it has access keys was not read" if {
	object.get(p.attributes, "access_keys_present", "") == ""
	count(p.credentials) == 0
}

root_gap(p, "email") := "its e-mail was not read" if count(p.emails) == 0

results contains res if {
	some sys in aws_systems
	root(sys) == ""
	res := lib.absent_result("unknown", sys, [sys], sprintf("the root user of %s was not read, so whether it has MFA and no access keys is unknown", [sys]), [])
}

results contains res if {
	some sys in aws_systems
	id := root(sys)
	id != ""
	p := lib.principal(id)
	fails := root_fail(p)
	count(fails) > 0
	res := lib.result("fail", sys, [id], sprintf("the root user of account %s %s", [p.native_id, concat(" and ", sort(fails))]), [sprintf("mfa: %s", [p.mfa])])
}

results contains res if {
	some sys in aws_systems
	id := root(sys)
	id != ""
	p := lib.principal(id)
	count(root_fail(p)) == 0
	unk := root_unknown(p)
	count(unk) > 0
	res := lib.result("unknown", sys, [id], sprintf("the root user of account %s: %s", [p.native_id, concat("; ", sort(unk))]), [sprintf("mfa: %s", [p.mfa])])
}

results contains res if {
	some sys in aws_systems
	id := root(sys)
	id != ""
	p := lib.principal(id)
	count(root_fail(p)) == 0
	count(root_unknown(p)) == 0
	# Its MFA, access keys and e-mail were all read (else unknown above),
	# from the account summary or the credential report, both the root
	# user's own record: no other collection can change them, so only a
	# "system" gap makes this pass unknown.
	res := lib.narrowed(
		lib.result("pass", sys, [id], sprintf("the root user of account %s has MFA (%s), no access keys and a customer e-mail", [p.native_id, p.mfa]), []),
		[],
	)
}

# Active Directory: the built-in Administrator (RID 500).
admin(sys) := input.systems[sys].builtin_admin

results contains res if {
	some sys in ad_systems
	admin(sys) == ""
	res := lib.absent_result("unknown", sys, [sys], "the built-in Administrator (RID 500) was not found, so whether the provider can know its password is unknown", [])
}

pwd_set(p) := c.created_unix if {
	some c in p.credentials
	c.kind == "password"
	c.created_unix != null
}

# "reads" below is what each answer rests on beyond the account itself:
# none when it was read disabled (no other fact can change that).
ad_status(sys, p) := ["pass", "is disabled", []] if {
	p.enabled == false
} else := ["pass", "exists but no provider account was seen in this directory", ["principals"]] if {
	input.systems[sys].provider_accounts == 0
} else := ["unknown", "its password's last change was not read", []] if {
	not pwd_set(p)
} else := ["unknown", "the last logon of some provider account was not read", []] if {
	not input.systems[sys].provider_last_access_known
} else := ["pass", sprintf("password set %s, and no provider account has logged on since it was set", [date_of(pwd_set(p))]), ["principals", "credentials", "activity"]] if {
	input.systems[sys].provider_last_access_unix == null
} else := ["pass", sprintf("password set %s, after the provider's last logon (%s)", [date_of(pwd_set(p)), input.systems[sys].provider_last_access]), ["principals", "credentials", "activity"]] if {
	pwd_set(p) > input.systems[sys].provider_last_access_unix
} else := ["fail", sprintf("is enabled and its password (set %s) predates the provider's last logon (%s): the provider may know it", [date_of(pwd_set(p)), input.systems[sys].provider_last_access]), []]

date_of(unix) := substring(time.format([unix * 1000000000, "UTC", "2006-01-02T15:04:05Z07:00"]), 0, 10)

results contains res if {
	some sys in ad_systems
	id := admin(sys)
	id != ""
	p := lib.principal(id)
	[status, msg, reads] := ad_status(sys, p)
	r := lib.result(status, sys, [id], sprintf("the built-in Administrator %s %s", [lib.label(id), msg]), [])
	res := narrow(r, reads)
}

narrow(r, reads) := r if r.status != "pass"
else := lib.narrowed(r, reads)
