// Package github scans one GitHub organisation (GitHub.com, Enterprise
// Cloud or Enterprise Server) and reports who holds its keys: owners and
// members with their 2FA state, pending invitations, outside
// collaborators, teams (nested) with their members and repository
// permissions, repositories' direct collaborators, GitHub App
// installations, deploy keys, organisation webhooks, enterprise owners,
// organisation roles, custom repository roles, members' fine-grained
// personal access tokens (GitHub App only) and the audit log's owner and
// role changes.
//
// Members, teams (with their members and repositories) and repositories
// (with their direct collaborators) are read by GraphQL, 100 a page
// (gqlteams.go, gqlrepos.go, members.go), REST being the fallback per
// collection; team access is emitted as grants on the team plus
// memberships, which policies/access expands (never one grant per member).
//
// One file per kind of object: org.go, members.go, invitations.go,
// teams.go, repos.go, installations.go, deploykeys.go, hooks.go,
// enterprise.go, auditlog.go, roles.go (organisation roles, custom
// repository roles, fine-grained tokens); the HTTP stack is in client.go, auth.go,
// ratelimit.go and paging.go, the snapshot builder in result.go. Waits
// and retries run on the wall clock, never on the evaluation clock.
//
// It must not write: every REST call is a GET, GraphQL documents are
// queries (POST is how GraphQL is spoken), and the only other POST is the
// GitHub App token exchange (an authentication step). It must not judge:
// whether a member is the MSP's, or whether a permission is too much, is
// the policies' business. It must never put a token, a private key, a JWT
// or a webhook URL's path or query into a snapshot, an error or a log.
package github
