// Package findings is keyholder's data model: the Snapshot a scan produces
// (systems, principals, memberships, grants, licences, backups, trusts,
// declared assets and attestations, and the gaps of what could not be read)
// and the Assessment the policy layer makes of it (parties, findings,
// verdicts, runbook).
//
// It owns stable ids (PrincipalID, ObjectID, GrantID), the canonical JSON
// encoding and its SHA-256, strict decoding, Merge of per-scanner results,
// and snapshot Diff.
//
// It must not judge: nothing here decides whose an account is or whether a
// privilege is too much. That is the policies package's work. It must not do
// I/O beyond the readers and writers it is given.
package findings
