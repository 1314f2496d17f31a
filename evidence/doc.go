// Package evidence makes and checks keyholder's evidence bundles: a tar
// file with a run's snapshot, assessment, reports, redacted config and
// tool version, plus a DSSE envelope (payload type
// application/vnd.in-toto+json) over an in-toto Statement v1 whose
// subjects are every file's name and SHA-256, with keyholder's own
// predicate (PredicateType, documented in docs/evidence.md), and an
// optional RFC 3161 timestamp over the signature.
//
// Lifecycle of a bundle:
//
//  1. The caller collects the files (Member) and the Predicate.
//  2. Create hashes every file, builds the Statement, signs it with a
//     Signer (an Ed25519 key file, an AWS KMS or an Azure Key Vault key:
//     the private key never enters the bundle, only its public key and
//     key id), asks a TSA for a timestamp over the signature when one is
//     configured, and writes the tar.
//  3. Verify reads the tar and checks, naming every failure: the
//     envelope's form and signature (against the key the verifier trusts,
//     or the bundle's own public key, which proves integrity but not who
//     signed), the timestamp, every file's digest, missing and extra
//     files, and then calls the caller's re-evaluation and compares its
//     findings and verdict with the bundled assessment.
//
// The package must not judge (re-evaluation is the caller's), resolve
// secrets, or put key material other than public keys into a bundle.
package evidence
