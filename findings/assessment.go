package findings

import "time"

// Status is the outcome of one check for one system or subject.
type Status string

// Statuses. Unknown means the facts the check needs were not collected; it
// never counts as a pass.
const (
	StatusPass    Status = "pass"
	StatusFail    Status = "fail"
	StatusWarn    Status = "warn"
	StatusUnknown Status = "unknown"
	StatusWaived  Status = "waived"
)

// Severity orders findings. Blocker failures make a system not ready.
type Severity string

// Severities, strongest first.
const (
	SeverityBlocker Severity = "blocker"
	SeverityHigh    Severity = "high"
	SeverityMedium  Severity = "medium"
	SeverityLow     Severity = "low"
	SeverityInfo    Severity = "info"
)

// Rank orders severities: blocker is 5, info is 1, anything else 0.
func (s Severity) Rank() int {
	switch s {
	case SeverityBlocker:
		return 5
	case SeverityHigh:
		return 4
	case SeverityMedium:
		return 3
	case SeverityLow:
		return 2
	case SeverityInfo:
		return 1
	}
	return 0
}

// Verdict is the termination-readiness answer.
type Verdict string

// Verdicts, worst first.
const (
	VerdictNotReady         Verdict = "not_ready"
	VerdictIncomplete       Verdict = "incomplete"
	VerdictReadyWithActions Verdict = "ready_with_actions"
	VerdictReady            Verdict = "ready"
)

// Assessment is the policy layer's output for one snapshot.
type Assessment struct {
	SchemaVersion string `json:"schema_version"`
	Tool          Tool   `json:"tool"`
	// SnapshotSHA256 is the SHA-256 of the snapshot's canonical JSON.
	SnapshotSHA256 string `json:"snapshot_sha256"`
	ConfigHash     string `json:"config_hash,omitempty"`
	Organization   string `json:"organization"`
	Profile        string `json:"profile"`
	// ExitProvider is the departed provider of an exit-profile run.
	ExitProvider string    `json:"exit_provider,omitempty"`
	AsOf         time.Time `json:"as_of"`
	ScannedAt    time.Time `json:"scanned_at"`
	Partial      bool      `json:"partial,omitempty"`

	Verdict        Verdict         `json:"verdict"`
	Systems        []SystemVerdict `json:"systems"`
	Parties        []Attribution   `json:"parties"`
	Findings       []Finding       `json:"findings"`
	Runbook        []RunbookStep   `json:"runbook"`
	ExpiredWaivers []Waiver        `json:"expired_waivers,omitempty"`
	// WaivedBlockers lists every blocker finding a waiver accepted, with
	// its waiver. Each caps the verdict at ready_with_actions and belongs
	// on the report's first page beside the verdict.
	WaivedBlockers []WaivedFinding `json:"waived_blockers,omitempty"`
	// AssessmentSHA256 is the SHA-256 of the assessment's JSON without
	// this field, recorded when the file is written (Seal), so report can
	// refuse an assessment edited afterwards (Verify).
	AssessmentSHA256 string `json:"assessment_sha256,omitempty"`
	// ModifiedInputs names the inputs (snapshot, assessment) whose
	// content no longer matched their recorded SHA-256 and were used
	// anyway (--allow-modified); the report states it. Empty when every
	// input matched.
	ModifiedInputs []string `json:"modified_inputs,omitempty"`
	// GapChecks maps every gap id of the evaluation to the checks (ids,
	// sorted) whose inputs it covers, so they may be left unknown; a gap
	// covered by a declared relationship maps to an empty list. Absent in
	// assessments written before it existed.
	GapChecks map[string][]string `json:"gap_checks,omitempty"`
	Checks    []CheckInfo         `json:"checks"`
	// SnapshotCounts counts the collections of the whole snapshot the
	// assessment was made from (Facts holds only part of it).
	SnapshotCounts *Counts `json:"snapshot_counts,omitempty"`
	// Facts is the part of the snapshot (named by SnapshotSHA256) that
	// the findings and report views show, in canonical form (see
	// LeanFacts): every system, principal, licence, backup, trust, asset,
	// attestation and gap, the grants at level privileged or stronger,
	// every grant a principal of a party other than the customer holds
	// (directly or through its groups), one grant of a system that has
	// grants but none of those, and the memberships that lead to them. A saved assessment renders its reports from it alone.
	// Absent in assessments written before it existed (they embed
	// Snapshot instead).
	Facts *Snapshot `json:"facts,omitempty"`
	// Snapshot is the whole snapshot the assessment was made from. Only
	// assessments written before Facts existed carry it in the file; in
	// memory it is set by the policy engine and by the run store, and
	// left out when the assessment is written (the snapshot is its own
	// file, named by SnapshotSHA256).
	Snapshot *Snapshot `json:"snapshot,omitempty"`
	// Changes is what changed since the previous run (findings.Diff), set
	// by `keyholder review` and `keyholder demo`; nil when there is no
	// previous run to compare with.
	Changes *Changes `json:"changes,omitempty"`
}

// SystemVerdict is the verdict and key-holding summary for one system.
type SystemVerdict struct {
	System  string     `json:"system"`
	Kind    SystemKind `json:"kind"`
	Name    string     `json:"name"`
	Verdict Verdict    `json:"verdict"`
	// CustomerSuperAdmins and ProviderSuperAdmins are principal ids holding
	// the system's top privilege actively.
	CustomerSuperAdmins []string `json:"customer_super_admins"`
	ProviderSuperAdmins []string `json:"provider_super_admins"`
	// CustomerSuperAdminsWithMFA counts those of CustomerSuperAdmins with MFA
	// registered or enforced.
	CustomerSuperAdminsWithMFA int `json:"customer_super_admins_with_mfa"`
	// MFANotApplicable is true for systems that report no MFA state
	// (AD and LDAP directories): CustomerSuperAdminsWithMFA is 0 there and
	// says nothing about MFA.
	MFANotApplicable bool     `json:"mfa_not_applicable,omitempty"`
	BreakGlass       []string `json:"break_glass,omitempty"`
	// HoldsKeys is "yes", "no" or "unknown" ("n/a" for the declared
	// inventory, which has no keys of its own).
	HoldsKeys string `json:"holds_keys"`
	Blockers  int    `json:"blockers"`
}

// Party kinds of an attribution.
const (
	PartyCustomer  = "customer"
	PartyUnknown   = "unknown"
	PartyMicrosoft = "microsoft"
	PartyAWS       = "aws"
	PartyGitHub    = "github"
)

// Attribution says which party a principal, licence, backup or trust
// belongs to, and why.
type Attribution struct {
	// Subject is the id of the principal, licence, backup or trust.
	Subject string `json:"subject"`
	// Party is "customer", a provider's configured name, "microsoft",
	// "aws", "github" or "unknown".
	Party string `json:"party"`
	// PartyKind is "customer", "msp", "vendor", "first_party" or "unknown".
	PartyKind string `json:"party_kind"`
	Reason    string `json:"reason"`
}

// Finding is one check's result for one system or subject.
type Finding struct {
	Check    string   `json:"check"`
	Title    string   `json:"title"`
	Status   Status   `json:"status"`
	Severity Severity `json:"severity"`
	System   string   `json:"system,omitempty"`
	// Subjects are the ids the finding is about.
	Subjects []string `json:"subjects,omitempty"`
	Message  string   `json:"message"`
	// Evidence is the facts the finding rests on, human readable.
	Evidence    []string `json:"evidence,omitempty"`
	Remediation string   `json:"remediation,omitempty"`
	// Waiver is set when Status is waived.
	Waiver *Waiver `json:"waiver,omitempty"`
	// Gaps are the gap ids that made the finding unknown.
	Gaps []string `json:"gaps,omitempty"`
}

// Waiver accepts a finding until it expires.
type Waiver struct {
	Check   string    `json:"check"`
	Subject string    `json:"subject,omitempty"`
	Reason  string    `json:"reason"`
	Expires time.Time `json:"expires"`
}

// WaivedFinding is a finding a waiver accepted, as listed on page one.
type WaivedFinding struct {
	Check    string   `json:"check"`
	System   string   `json:"system,omitempty"`
	Subjects []string `json:"subjects,omitempty"`
	Message  string   `json:"message"`
	Waiver   Waiver   `json:"waiver"`
}

// CheckInfo describes a check that ran.
type CheckInfo struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Severity    Severity `json:"severity"`
	Remediation string   `json:"remediation,omitempty"`
	// Reads lists the snapshot collections the check depends on.
	Reads []string `json:"reads,omitempty"`
	// Source is "builtin" or the user policy file it came from.
	Source string `json:"source"`
	// Description explains the check in full; Profiles lists the
	// evaluation profiles it runs in ("readiness", "exit").
	Description string   `json:"description,omitempty"`
	Profiles    []string `json:"profiles,omitempty"`
}

// RunbookStep is one ordered step of the exit runbook.
type RunbookStep struct {
	// Phase is one of "secure_keys", "transfer_ownership", "secure_backups",
	// "cut_access", "rotate_secrets", "attestations", "rescan".
	Phase  string `json:"phase"`
	Order  int    `json:"order"`
	System string `json:"system,omitempty"`
	Action string `json:"action"`
	// Identifiers are the exact ids to act on (principal ids, ARNs,
	// tenant ids, licence ids).
	Identifiers []string `json:"identifiers,omitempty"`
	// Due is a date the step must be done by (a notice deadline).
	Due *time.Time `json:"due,omitempty"`
	// Done is true when the facts show the step is already done.
	Done bool `json:"done,omitempty"`
	// Verify is true when the step rests on a check that is unknown: the
	// action says what to verify and how, and the step is neither done
	// nor known to be needed.
	Verify bool `json:"verify,omitempty"`
}

// Counts counts the collections of a snapshot.
type Counts struct {
	Systems          int `json:"systems"`
	Principals       int `json:"principals"`
	Memberships      int `json:"memberships"`
	Grants           int `json:"grants"`
	PrivilegedGrants int `json:"privileged_grants"`
	Licences         int `json:"licences"`
	Backups          int `json:"backups"`
	Trusts           int `json:"trusts"`
	Assets           int `json:"assets"`
	Attestations     int `json:"attestations"`
	Gaps             int `json:"gaps"`
}

// CountsOf counts the collections of s.
func CountsOf(s *Snapshot) *Counts {
	c := &Counts{Systems: len(s.Systems), Principals: len(s.Principals), Memberships: len(s.Memberships), Grants: len(s.Grants),
		Licences: len(s.Licences), Backups: len(s.Backups), Trusts: len(s.Trusts), Assets: len(s.Assets),
		Attestations: len(s.Attestations), Gaps: len(s.Gaps)}
	for i := range s.Grants {
		if s.Grants[i].Level.Rank() >= LevelPrivileged.Rank() {
			c.PrivilegedGrants++
		}
	}
	return c
}

// View returns the facts the assessment's reports are made from: Facts,
// or for an assessment written before Facts existed its embedded
// snapshot; nil when it carries neither. Reports render from View alone,
// so an assessment renders the same in memory and read back from its
// file.
func (a *Assessment) View() *Snapshot {
	if a.Facts != nil {
		return a.Facts
	}
	return a.Snapshot
}

// whole returns the whole snapshot when it is at hand, else Facts.
func (a *Assessment) whole() *Snapshot {
	if a.Snapshot != nil {
		return a.Snapshot
	}
	return a.Facts
}

// Lean returns a copy of a as written to a file: Facts (and
// SnapshotCounts) instead of the whole snapshot, which is its own file.
// An assessment without Facts (written before they existed) keeps its
// embedded snapshot.
func (a *Assessment) Lean() *Assessment {
	c := *a
	if c.Facts != nil {
		c.Snapshot = nil
	}
	return &c
}
