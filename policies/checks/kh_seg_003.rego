# METADATA
# title: Trusts name a known party and are least-privilege
# description: >-
#   Every trust that lets another organisation in names a known party
#   (customer, provider or platform): cross-tenant partners, GDAP, AWS role
#   trusts, directory trusts, third-party apps, GitHub outside
#   collaborators and app installations. AWS roles trusting a provider's
#   account require sts:ExternalId and do not grant full admin; a SAML or
#   OIDC role trust is judged by the IdP's organisation (an Entra tenant, a
#   host). Resource policies of backup keys, buckets and vaults must not
#   let a provider delete, re-key or re-policy them (decrypt only warns). A trust to
#   any principal (*) fails; restricted only by conditions it warns.
#   GitHub deploy keys are named by a free-text title, so most belong to
#   no known party: one with write access fails when its holder is unknown
#   or a provider; a read-only one warns on a sensitive repository.
# custom:
#   id: KH-SEG-003
#   severity: high
#   remediation: >-
#     Remove trusts nobody can name, or attribute the counterparty in the
#     config; require sts:ExternalId on roles third parties assume and give
#     those roles only the permissions the contract needs; replace
#     Principal "*" with the exact accounts.
#   reads: [trusts, grants]
#   not_affected_by:
#     - grants/aws_tags
#     - trusts/webhooks
#   system_kinds: [entra, aws, ldap, github, workspace, azure]
package keyholder.checks.kh_seg_003

import rego.v1

import data.keyholder.lib

skipped_kinds := {"declared_relationship", "webhook", "aws_org_management"}

trusts contains t if {
	some t in input.trusts
	not t.kind in skipped_kinds
}

is_any(t) if t.counterparty == "*"

is_any(t) if t.counterparty_kind == "any"

has_external_id(t) if {
	some k, _ in t.conditions
	lower(k) == "sts:externalid"
}

problem_kinds := ["party", "any", "external_id", "admin", "deploy_key", "resource_policy"]

problem(t, "party") := sprintf("counterparty %s belongs to no known party (%s)", [t.counterparty, t.reason]) if {
	t.kind != "github_deploy_key"
	t.party_kind == "unknown"
	not is_any(t)
}

# Deploy keys: write access to a repository by a key nobody vouches for
# (or a provider's) survives the end of the contract unseen.
deploy_key(t) if t.kind == "github_deploy_key"

read_only(t) if t.attributes.read_only == "true"

read_only(t) if t.level == "read"

outsider(t) if t.party_kind == "unknown"

outsider(t) if lib.is_provider(t.party_kind)

holder_text(t) := sprintf("%s (%s)", [t.party, t.reason]) if lib.is_provider(t.party_kind)
else := sprintf("no known party (%s)", [t.reason])

sensitive_text(t) := sprintf(" to a sensitive repository (%s)", [t.attributes.sensitive]) if t.attributes.sensitive != ""
else := ""

problem(t, "deploy_key") := sprintf("deploy key with write access%s, held by %s", [sensitive_text(t), holder_text(t)]) if {
	deploy_key(t)
	not read_only(t)
	outsider(t)
}

problem(t, "any") := "trusts any principal (*) without conditions" if {
	is_any(t)
	count(t.conditions) == 0
}

problem(t, "external_id") := sprintf("role trusted by %s (%s) does not require sts:ExternalId", [t.counterparty, t.party]) if {
	t.kind == "aws_role_trust"
	t.counterparty_kind == "aws_account"
	lib.is_provider(t.party_kind)
	not has_external_id(t)
}

problem(t, "admin") := sprintf("role trusted by %s (%s) grants full admin", [t.counterparty, t.party]) if {
	t.kind in {"aws_role_trust", "aws_roles_anywhere"}
	lib.is_provider(t.party_kind)
	t.effective_level == "super_admin"
}

# Resource policies (KMS backup keys, backup buckets and vaults) that let
# a provider destroy or re-key the customer's backups: a provider must not
# be able to take the backups with it. Reading (decrypt) only warns.
destructive(t) := [p | some p in t.permissions; not p in read_actions]

read_actions := {"kms:Decrypt", "kms:ReEncryptFrom", "backup:CopyFromBackupVault"}

problem(t, "resource_policy") := sprintf("%s lets %s (%s) %s", [t.name, t.counterparty, t.party, concat(", ", destructive(t))]) if {
	t.kind == "aws_resource_policy"
	lib.is_provider(t.party_kind)
	count(destructive(t)) > 0
}

problems(t) := [m | some k in problem_kinds; m := problem(t, k)]

warning(t) := sprintf("trusts any principal (*), restricted only by conditions %s", [concat(", ", [k | some k, _ in t.conditions])]) if {
	is_any(t)
	count(t.conditions) > 0
}

warning(t) := sprintf("%s lets %s (%s) %s backups", [t.name, t.counterparty, t.party, concat(", ", t.permissions)]) if {
	t.kind == "aws_resource_policy"
	lib.is_provider(t.party_kind)
	count(destructive(t)) == 0
}

warning(t) := sprintf("read-only deploy key%s, held by %s", [sensitive_text(t), holder_text(t)]) if {
	deploy_key(t)
	read_only(t)
	outsider(t)
	object.get(t.attributes, "sensitive", "") != ""
}

evidence(t) := [sprintf("%s %s: counterparty %s (%s), party %s, level %s, conditions %s", [t.kind, t.name, t.counterparty, t.counterparty_kind, t.party, t.effective_level, json.marshal(t.conditions)])]

results contains res if {
	some t in trusts
	ps := problems(t)
	count(ps) > 0
	res := lib.result("fail", t.system, [t.id], sprintf("trust %s: %s", [t.name, lib.join_names(ps)]), evidence(t))
}

results contains res if {
	some t in trusts
	count(problems(t)) == 0
	w := warning(t)
	res := lib.result("warn", t.system, [t.id], sprintf("trust %s: %s", [t.name, w]), evidence(t))
}

flagged contains t.system if {
	some t in trusts
	count(problems(t)) > 0
}

flagged contains t.system if {
	some t in trusts
	warning(t)
}

# Read-only deploy keys of unnamed holders are accepted, and said so.
unnamed_read_only(sys) := [t |
	some t in trusts
	t.system == sys
	deploy_key(t)
	read_only(t)
	t.party_kind == "unknown"
]

pass_text(sys, n) := sprintf("%d %s judged, each to a known party and least-privilege", [n, lib.plural(n, "trust", "trusts")]) if {
	count(unnamed_read_only(sys)) == 0
} else := sprintf("%d %s judged, each to a known party and least-privilege but for %d read-only deploy %s whose holder no rule names", [n, lib.plural(n, "trust", "trusts"), k, lib.plural(k, "key", "keys")]) if {
	k := count(unnamed_read_only(sys))
}

results contains res if {
	some sys in lib.key_systems
	not sys in flagged
	n := count([t | some t in trusts; t.system == sys])
	res := lib.holds_without(
		lib.result("pass", sys, [sys], pass_text(sys, n), array.concat(
			[sprintf("read-only deploy key %s: %s", [t.name, holder_text(t)]) | some t in unnamed_read_only(sys)],
			azure_listed(sys),
		)),
		# Foreign tenants' names only attribute counterparties: every
		# trust judged already has a known party, and no problem of an
		# Entra trust depends on which provider it is.
		["trusts/tenant_names"],
	)
}

# Azure: every managing tenant (Lighthouse, managedByTenants), CSP foreign
# principal and outside Resource Guard is listed, known or not.
azure_listed(sys) := sort([sprintf("%s %s: tenant %s, %s (%s)", [t.kind, t.name, t.counterparty, t.party, t.reason]) |
	some t in trusts
	t.system == sys
	startswith(t.kind, "azure_")
])
