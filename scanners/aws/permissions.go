package aws

import (
	"encoding/json"
	"sort"

	"github.com/keyholder/keyholder/scanners"
)

// action is one AWS operation the scanner calls: Op is the SDK operation
// ("service:Operation" with the SigV4 signing name as service), IAM the
// IAM action that authorises it.
type action struct {
	Op, IAM, Why string
	Optional     bool
}

// actions lists every operation the scanner calls, and nothing else.
var actions = []action{
	{"sts:GetCallerIdentity", "sts:GetCallerIdentity", "identify the scanned account (needs no grant; listed for completeness)", false},
	{"sts:AssumeRole", "sts:AssumeRole", "assume_role and organisation mode: assume the audit role (on the caller, for the role ARNs used)", true},
	{"iam:GetAccountAuthorizationDetails", "iam:GetAccountAuthorizationDetails", "users, groups, roles, trust policies and managed/inline policies in few pages", false},
	{"iam:GetAccountSummary", "iam:GetAccountSummary", "root MFA and root access keys present", false},
	{"iam:GenerateCredentialReport", "iam:GenerateCredentialReport", "start the credential report (a read-side report generation, classed by AWS as a read action)", false},
	{"iam:GetCredentialReport", "iam:GetCredentialReport", "password, MFA and access-key age and last use of every user and root", false},
	{"iam:ListAccessKeys", "iam:ListAccessKeys", "access key ids of users with an active key, so the exit runbook names the key to delete", false},
	{"iam:ListAccountAliases", "iam:ListAccountAliases", "account alias as the system name", true},
	{"iam:ListSAMLProviders", "iam:ListSAMLProviders", "SAML identity providers roles may trust", true},
	{"iam:GetSAMLProvider", "iam:GetSAMLProvider", "a SAML provider's metadata: its entity id names the IdP (an Entra tenant gives that tenant's users the roles trusting it)", true},
	{"iam:ListOpenIDConnectProviders", "iam:ListOpenIDConnectProviders", "OIDC identity providers roles may trust", true},
	{"iam:GetOpenIDConnectProvider", "iam:GetOpenIDConnectProvider", "an OIDC provider's issuer URL and client ids: who issues the tokens", true},
	{"rolesanywhere:ListTrustAnchors", "rolesanywhere:ListTrustAnchors", "IAM Roles Anywhere trust anchors: whose CA's certificates may assume the roles trusting rolesanywhere.amazonaws.com", true},
	{"ssm:GetInventory", "ssm:GetInventory", "AWS:Application inventory of Systems Manager managed instances: remote-management agents and the instances they run on", true},
	{"organizations:DescribeOrganization", "organizations:DescribeOrganization", "management account id and e-mail: the billing owner of record", false},
	{"organizations:ListAccounts", "organizations:ListAccounts", "organisation mode: member accounts and their root e-mails", true},
	{"organizations:ListPolicies", "organizations:ListPolicies", "service control policies present (management account only)", true},
	{"account:GetAlternateContact", "account:GetAlternateContact", "billing, operations and security contacts", true},
	{"account:GetContactInformation", "account:GetContactInformation", "primary contact name and company", true},
	{"sso:ListInstances", "sso:ListInstances", "IAM Identity Center instance, in the configured regions then in every enabled region", true},
	{"account:ListRegions", "account:ListRegions", "regions enabled for the account, to find the Identity Center instance outside the configured regions", true},
	{"sso:ListPermissionSets", "sso:ListPermissionSets", "Identity Center permission sets", true},
	{"sso:DescribePermissionSet", "sso:DescribePermissionSet", "permission set names and session duration", true},
	{"sso:ListManagedPoliciesInPermissionSet", "sso:ListManagedPoliciesInPermissionSet", "AWS managed policies of permission sets", true},
	{"sso:ListCustomerManagedPolicyReferencesInPermissionSet", "sso:ListCustomerManagedPolicyReferencesInPermissionSet", "customer managed policies of permission sets", true},
	{"sso:GetInlinePolicyForPermissionSet", "sso:GetInlinePolicyForPermissionSet", "inline policies of permission sets", true},
	{"sso:ListPermissionSetsProvisionedToAccount", "sso:ListPermissionSetsProvisionedToAccount", "permission sets provisioned to each scanned account", true},
	{"sso:ListAccountAssignments", "sso:ListAccountAssignments", "who holds each permission set on each account", true},
	{"identitystore:ListUsers", "identitystore:ListUsers", "Identity Center users with their e-mails", true},
	{"identitystore:ListGroups", "identitystore:ListGroups", "Identity Center groups", true},
	{"identitystore:ListGroupMemberships", "identitystore:ListGroupMemberships", "Identity Center group members", true},
	{"backup:ListBackupVaults", "backup:ListBackupVaults", "backup vaults, their keys and locks", true},
	{"backup:GetBackupVaultAccessPolicy", "backup:GetBackupVaultAccessPolicy", "who may delete recovery points", true},
	{"backup:ListRecoveryPointsByBackupVault", "backup:ListRecoveryPointsByBackupVault", "latest recovery point per vault", true},
	{"backup:ListBackupPlans", "backup:ListBackupPlans", "backup plans", true},
	{"backup:GetBackupPlan", "backup:GetBackupPlan", "copy actions to other vaults and accounts", true},
	{"s3:ListBuckets", "s3:ListAllMyBuckets", "buckets that may hold backups", true},
	{"s3:GetBucketTagging", "s3:GetBucketTagging", "backup_bucket_tags hints and, with sensitive aws_tags, the tags of backup buckets (only when configured)", true},
	{"backup:ListTags", "backup:ListTags", "tags of backup vaults (only with sensitive aws_tags)", true},
	{"organizations:ListTagsForResource", "organizations:ListTagsForResource", "tags of the scanned accounts (only with sensitive aws_tags)", true},
	{"s3:GetBucketReplication", "s3:GetReplicationConfiguration", "replication destinations and their accounts", true},
	{"s3:GetBucketPolicy", "s3:GetBucketPolicy", "who may delete backup objects, and other accounts it lets in", true},
	{"s3:GetBucketOwnershipControls", "s3:GetBucketOwnershipControls", "object ownership of backup buckets", true},
	{"s3:GetBucketEncryption", "s3:GetEncryptionConfiguration", "encryption key of backup buckets", true},
	{"kms:DescribeKey", "kms:DescribeKey", "owner and manager (AWS or customer) of backup keys", true},
	{"kms:GetKeyPolicy", "kms:GetKeyPolicy", "other accounts a backup key's policy lets decrypt, re-key or delete it", true},
	{"license-manager:ListReceivedLicenses", "license-manager:ListReceivedLicenses", "Marketplace licences received (issuer, beneficiary, product)", true},
}

// iamActionOf maps an operation ("s3:ListBuckets") to its IAM action.
func iamActionOf(op string) (string, bool) {
	for _, a := range actions {
		if a.Op == op {
			return a.IAM, true
		}
	}
	return "", false
}

// policyDocument returns the minimal IAM policy granting every action.
func policyDocument() string {
	var names []string
	for _, a := range actions {
		names = append(names, a.IAM)
	}
	sort.Strings(names)
	doc := map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Sid":      "KeyholderReadOnlyAudit",
			"Effect":   "Allow",
			"Action":   names,
			"Resource": "*",
		}},
	}
	b, _ := json.MarshalIndent(doc, "", "  ")
	return string(b)
}

func permissions() scanners.Permissions {
	p := scanners.Permissions{
		Type:     "aws",
		Summary:  "Read-only IAM policy for the scanning principal (and, in organisation mode, for the audit role in every member account)",
		Document: policyDocument(),
		Notes: []string{
			"AWS's SecurityAudit managed policy (arn:aws:iam::aws:policy/SecurityAudit) covers most of these actions; attach this policy alongside it (or alone) so that the account, backup and license-manager reads it may lack are granted too.",
			"iam:GenerateCredentialReport starts a read-side report generation; AWS classes it as a read (List) action and it changes nothing in the account.",
			"sts:GetCallerIdentity needs no permission; sts:AssumeRole is needed only with assume_role or organization mode.",
			"Organisation mode: create the role named by organization.role_name (default KeyholderAudit) in every member account, trusting the management account, with this same policy.",
		},
	}
	for _, a := range actions {
		p.Items = append(p.Items, scanners.Permission{Name: a.IAM, Why: a.Why, Optional: a.Optional})
	}
	sort.Slice(p.Items, func(i, j int) bool { return p.Items[i].Name < p.Items[j].Name })
	return p
}
