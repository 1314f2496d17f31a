// Package workspace is keyholder's scanner for Google Workspace (and Cloud
// Identity): the customer account and its verified domains, admin roles and
// role assignments (to users and groups, customer-wide or per org unit),
// users with their super-admin, delegated-admin and 2-step verification
// state, and the members of groups that hold roles.
//
// It reads the Admin SDK Directory API through google.golang.org/api with
// read-only scopes only. What the API cannot show (the reseller's access,
// the billing owner, domain-wide delegation clients and third-party OAuth
// apps without a write-capable scope) is recorded as an unsupported gap
// that a declaration in keyholder.yaml can cover.
//
// It must not judge parties or pass/fail, and never calls an API that
// writes.
package workspace
