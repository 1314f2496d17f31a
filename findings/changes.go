package findings

import "time"

// Changes is what changed between a previous run and this one. The diff
// that computes it lives in diff.go; reports render it on page one.
type Changes struct {
	// FromSnapshot and ToSnapshot are the snapshots' SHA-256.
	FromSnapshot string    `json:"from_snapshot"`
	ToSnapshot   string    `json:"to_snapshot"`
	FromTime     time.Time `json:"from_time"`
	ToTime       time.Time `json:"to_time"`
	// FromRun and ToRun are store run ids, when the runs are stored.
	FromRun int64 `json:"from_run,omitempty"`
	ToRun   int64 `json:"to_run,omitempty"`

	PrincipalsAdded   []ChangeItem `json:"principals_added"`
	PrincipalsRemoved []ChangeItem `json:"principals_removed"`
	// Privileged grants (level privileged or stronger).
	GrantsAdded   []ChangeItem `json:"grants_added"`
	GrantsRemoved []ChangeItem `json:"grants_removed"`
	GrantsChanged []ChangeItem `json:"grants_changed"`
	TrustsAdded   []ChangeItem `json:"trusts_added"`
	TrustsRemoved []ChangeItem `json:"trusts_removed"`
	// TrustsChanged are trusts whose counterparty, conditions,
	// permissions, level or expiry changed in place (an AWS role trust
	// that lost its sts:ExternalId condition).
	TrustsChanged     []ChangeItem `json:"trusts_changed,omitempty"`
	LicencesChanged   []ChangeItem `json:"licences_changed"`
	BackupsChanged    []ChangeItem `json:"backups_changed"`
	FindingsNew       []ChangeItem `json:"findings_new"`
	FindingsFixed     []ChangeItem `json:"findings_fixed"`
	FindingsRegressed []ChangeItem `json:"findings_regressed"`
	// SystemsNotRead are systems the previous run read and this one did
	// not: nothing of them is reported removed, fixed or changed.
	SystemsNotRead []ChangeItem `json:"systems_not_read,omitempty"`
	VerdictFrom    Verdict      `json:"verdict_from,omitempty"`
	VerdictTo      Verdict      `json:"verdict_to,omitempty"`
}

// ChangeItem is one change: the id it concerns, a one-line summary, and
// the before/after values where something changed in place.
type ChangeItem struct {
	ID      string `json:"id"`
	System  string `json:"system,omitempty"`
	Summary string `json:"summary"`
	Before  string `json:"before,omitempty"`
	After   string `json:"after,omitempty"`
}
