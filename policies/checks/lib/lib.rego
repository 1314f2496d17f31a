# Helpers shared by keyholder's checks. The input document is described in
# policies/README.md ("Input document"). Everything here is linear in the
# size of what it walks: no joins, no nested iteration over collections.
package keyholder.lib

import rego.v1

# Systems whose keys a customer can hold (not the declared inventory).
key_kinds := {"entra", "aws", "ldap", "github", "workspace", "azure"}

key_systems contains id if {
	some id, s in input.systems
	s.kind in key_kinds
	not holds_no_keys(s)
}

# An Azure target's tenant-level system only carries the principals its
# subscriptions share; each subscription is judged as a system of its own.
holds_no_keys(s) if {
	s.kind == "azure"
	s.flavour == "tenant"
}

# systems_of(kinds) is the set of system ids of the given kinds.
systems_of(kinds) := {id | some id, s in input.systems; s.kind in kinds}

# Party groups of the access index.
groups := ["customer", "provider", "first_party", "unknown"]

# rows(sys) lists every indexed access row of a system.
rows(sys) := [r | some g in groups; some r in object.get(input.access, [sys, g], [])]

# rows_of(sys, group) lists the rows of one party group on a system.
rows_of(sys, group) := object.get(input.access, [sys, group], [])

# Containers hold access only for their members, who are judged themselves.
container(kind) if kind in {"group", "team"}

# A principal that holds a key itself. Not a group or team: their members
# are judged. Not a trust counterparty ("external"): it stands for whoever
# the trusted account or tenant lets assume the role (in an AWS account
# trusting itself, every IAM principal with sts:AssumeRole, the provider's
# administrators included); the role itself is judged.
key_holder(kind) if {
	not container(kind)
	kind != "external"
}

# A person-like principal: not a group, team or trust counterparty.
human_kind(kind) if kind in {"user", "guest", "root"}

is_provider(kind) if kind in {"msp", "vendor"}

principal(id) := input.principals[id]

# label(id) is a readable name for a principal id.
label(id) := sprintf("%s (%s)", [name, id]) if {
	p := input.principals[id]
	name := first_non_empty([p.login, p.display_name, p.native_id])
	name != ""
} else := id

first_non_empty(xs) := ys[0] if {
	ys := [x | some x in xs; x != ""]
	count(ys) > 0
} else := ""

days_since(unix) := floor((input.as_of_unix - unix) / 86400)

# result builds a check result. status is pass, fail, warn or unknown.
result(status, sys, subjects, msg, evidence) := {
	"status": status,
	"system": sys,
	"subjects": subjects,
	"message": msg,
	"evidence": evidence,
}

# absent_result marks a result that rests on something not being seen: a
# gap covering the check's inputs turns it unknown whatever its status.
absent_result(status, sys, subjects, msg, evidence) := object.union(
	result(status, sys, subjects, msg, evidence),
	{"absence": true},
)

# narrowed(res, reads) says a result rests only on some of the check's
# reads (each must be one of them or a sub-collection): gaps elsewhere do
# not make it unknown. An immutable vault is safe whoever holds grants.
narrowed(res, reads) := object.union(res, {"reads": reads})

# holds_without(res, cols) says a result holds whatever the listed
# collections hide: their gaps do not make it unknown (a "system" gap
# still does). Use it only where no fact those collections could bring
# would change the answer.
holds_without(res, cols) := object.union(res, {"holds_without": cols})

# attribution_only are the gap collections that hide only facts used to
# attribute principals (e-mails, profile names, foreign tenants' names and
# default domains), never who holds what. Such facts can give a principal
# or trust a party, never take one away.
attribution_only := ["principals/verified_emails", "principals/profiles", "trusts/tenant_names"]

# only_add_holders are gap collections that can only add principals or
# paths to a privilege — service principals, groups, group members,
# referrals to other directories — never change what was read of a
# principal already seen (its record, its party, its grants): a pass that
# rests on principals seen holding enough holds whatever they hide.
only_add_holders := [
	"principals/service_principals",
	"principals/groups",
	"grants/group_members",
	"principals/referrals",
]

# backup_details are the gap collections that hide only facts about
# backups already listed (their keys and key policies, vault settings,
# resource guards, recovery points), never a backup of their own: a vault
# whose details fail is still recorded. Bucket details are not here: the
# scanner decides from them whether a bucket is a backup.
backup_details := [
	"backups/kms",
	"backups/kms_policy",
	"backups/vault_details",
	"backups/resource_guards",
	"backups/recovery_points",
]

row_evidence(r) := sprintf("%s holds %s (%s) at %s, %s%s", [
	label(r.principal), r.privilege, r.level, r.scope, r.assignment, via_text(r.via),
])

via_text(via) := "" if count(via) == 0
else := sprintf(" via %s", [concat(" > ", via)])

# join_names joins a list of strings for a message.
join_names(xs) := concat(", ", xs)

plural(n, one, many) := one if n == 1
else := many
