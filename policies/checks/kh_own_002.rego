# METADATA
# title: The AWS Organizations management account is the customer's
# description: >-
#   The management (payer) account of the organisation an AWS account
#   belongs to is the customer's, by account id (organization.aws_accounts)
#   and by its e-mail address. Whoever holds the management account is the
#   owner of record of every member account. A standalone account passes
#   when its root user is the customer's.
# custom:
#   id: KH-OWN-002
#   severity: blocker
#   remediation: >-
#     Move the member accounts to an organisation whose management account
#     the customer owns (or have the provider transfer the management
#     account, its root e-mail and payment method to the customer).
#   reads: [organization, contacts]
#   system_kinds: [aws]
#   profiles: [readiness]
package keyholder.checks.kh_own_002

import rego.v1

import data.keyholder.lib

status(s) := ["unknown", "no Organizations facts were read for this account"] if {
	s.management == null
} else := ["pass", "the account is in no organisation and its root user is the customer's"] if {
	s.management.standalone
	s.root != ""
	lib.principal(s.root).party_kind == "customer"
} else := ["unknown", "the account is in no organisation and its root user's owner is unknown"] if {
	s.management.standalone
} else := ["fail", sprintf("management account %s belongs to %s, not the customer (%s)", [m.account_id, m.account_party, m.account_reason])] if {
	m := s.management
	m.account_party_kind != "customer"
	m.account_id != ""
} else := ["fail", sprintf("management account e-mail %s belongs to %s, not the customer (%s)", [m.email, m.email_party, m.email_reason])] if {
	m := s.management
	m.email != ""
	m.email_party_kind != "customer"
} else := ["unknown", "the management account's id or e-mail was not read"] if {
	m := s.management
	"" in {m.account_id, m.email}
} else := ["pass", sprintf("management account %s (%s) is the customer's", [s.management.account_id, s.management.email])]

results contains res if {
	some sys, s in input.systems
	s.kind == "aws"
	[st, msg] := status(s)
	res := lib.holds_without(lib.result(st, sys, [sys], msg, []), not_used)
}

# What the answer never rests on: it reads the management account from
# organizations:DescribeOrganization (organization/describe) and, for a
# standalone account, the root user's e-mail (contacts/root_email). The
# account list, the SCPs and the alternate and primary contacts cannot
# change it.
not_used := [
	"organization/accounts",
	"organization/scp",
	"contacts/alternate_billing",
	"contacts/alternate_operations",
	"contacts/alternate_security",
	"contacts/contact_information",
]
