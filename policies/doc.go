// Package policies is keyholder's judgement: it takes a Snapshot (facts
// and gaps) and the config, and produces an Assessment (parties, findings,
// verdicts, exit runbook).
//
// Evaluation, in order:
//
//  1. classify parties (package parties): every principal, licence,
//     backup and trust belongs to the customer, a provider, a platform, or
//     is unknown, with the reason;
//  2. resolve effective access (package access): groups, teams, trusts,
//     eligible versus active, expiry as of the evaluation time;
//  3. build one indexed input document and run every check of the profile:
//     Rego modules under checks/ (embedded) plus the user's --policy-dir,
//     each compiled once and prepared for evaluation;
//  4. enforce the rules no check may break: a check whose inputs a gap
//     covers is never a pass, a check silent about such a system is
//     unknown there, and a target that failed to scan leaves every check
//     that applies to it unknown;
//  5. apply waivers (never to what gaps left unknown), derive verdicts per
//     system and overall, and build the runbook.
//
// It must not collect anything, touch the network, read the clock (the
// evaluation time comes from the snapshot or EvalOptions.AsOf), or write
// files: the CLI decides where the assessment goes.
package policies
