// Package aws is keyholder's AWS scanner (target type "aws").
//
// For one account, or from a management (or delegated administrator)
// account for every member of the organisation, it reads who can
// administer the account (root, IAM users, groups and roles with a small
// explicit policy evaluator, IAM Identity Center permission-set
// assignments), who else it trusts (every role trust principal with its
// conditions, the Organizations management account), who owns it (the
// management account as billing owner of record, contacts, License
// Manager licences) and where its backups live and who holds their keys
// (Backup vaults and plans, backup-like S3 buckets, KMS keys).
//
// One file per kind of object: iam.go, credreport.go, policyeval.go,
// trusts.go, identitycenter.go, orgs.go, account.go, backup.go, s3.go,
// kms.go, licences.go; scanner.go wires them together and permissions.go
// lists every action called.
//
// The scanner must only read: it calls no API that creates, changes or
// deletes anything (GenerateCredentialReport is a read-side report
// generation, see README.md). It must not judge parties or pass/fail: it
// records facts and gaps. Credentials come only from the SDK's default
// chain, never from keyholder's config; the SDK's adaptive retryer is the
// only retry layer.
package aws
