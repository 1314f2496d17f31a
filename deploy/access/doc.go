// Package access generates the ready-to-apply setup artefacts of each
// scanner — the Entra application manifest and admin-consent steps, the AWS
// IAM policy, CloudFormation, StackSet and Terraform for the audit role, the
// Active Directory PowerShell script and OpenLDAP access rules, the GitHub
// App manifest — from the permissions the scanner itself declares
// (scanners.Factory.Permissions), so what an admin grants can never drift
// from what the code reads. `keyholder setup TYPE` and
// `keyholder permissions TYPE --document` print them.
//
// Contract: For never drops a declared permission. A permission the
// generator cannot translate (a Graph permission without a pinned app-role
// id, a GitHub permission without a manifest key) makes For fail with
// ErrUnmapped, and the package tests fail with the same message.
package access
