// Package access resolves effective access: from a snapshot's grants,
// memberships and trusts it computes, for every principal, the privileges
// it really holds on each system, whichever path carries them.
//
// A grant on a group reaches every transitive member (nested groups,
// GitHub child teams, Identity Center groups), each resulting row naming
// the chain it came through in Via (nearest first). Membership cycles are
// allowed in the data: each group is expanded once and cycles are reported,
// never followed twice. A trust that lets an outside party act as a local
// principal (an AWS role trusted by another account, a declared GDAP
// relationship with roles) carries that principal's access, or the trust's
// own level, to the counterparty. Grants that have expired as of the
// evaluation time are dropped and listed; eligible (PIM) grants are kept
// apart from active ones.
//
// It must not judge: it does not know parties, allowed lists or checks, and
// it never reads the clock (the caller passes "as of").
package access
