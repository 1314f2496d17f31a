// Package diffview renders findings.Changes — what changed between two
// keyholder runs — as plain text for terminals and cron mail, Markdown for
// tickets and pull requests, and JSON for automation.
//
// Output is deterministic: the same Changes give byte-identical output.
// It must not compute the diff (that is findings.Diff) nor judge whether a
// change is acceptable; it only renders.
package diffview
