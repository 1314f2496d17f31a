// Package findings is keyholder's data model: the Snapshot a scan produces
// (systems, principals, memberships, grants, licences, backups, trusts,
// declared assets and attestations, and the gaps of what could not be read)
// and the Assessment the policy layer makes of it (parties, findings,
// verdicts, runbook).
//
// It owns stable ids (PrincipalID, ObjectID, GrantID), the one canonical
// JSON encoder and its SHA-256 (streamed item by item, stream.go and
// direct.go; scan, evaluate, the store and digests all use it), strict
// streaming decoding, the lean facts an assessment carries instead of its
// snapshot (LeanFacts), Merge of per-scanner results, and snapshot Diff.
//
// It must not judge: nothing here decides whose an account is or whether a
// privilege is too much. That is the policies package's work. It must not do
// I/O beyond the readers and writers it is given.
package findings
