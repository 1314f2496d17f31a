package report

import (
	"cmp"
	"slices"
	"strings"

	"github.com/keyholder/keyholder/findings"
)

// view is what the HTML and Markdown templates render: the assessment
// reduced to the report's ten sections, sorted, names resolved, text
// cleaned (see clean) and dates formatted. Both templates render the same
// view, so the two formats carry the same content.
type view struct {
	Org          string
	Paper        string
	Verdict      verdictView
	AsOf         string
	AsOfISO      string
	ScannedAt    string
	Profile      string
	ExitProvider string
	Partial      bool
	// Filtered describes --check/--severity when the report shows only
	// some findings.
	Filtered      string
	SnapshotHash  string
	SnapshotShort string
	ConfigHash    string
	ToolVersion   string
	Scope         []scopeItem
	Tiles         []tile
	Keys          []keyRow
	Changes       *changesView
	Providers     []providerView
	Ownership     []ownershipRow
	Domains       *domainsView
	Timeline      *timeline
	Backups       []backupRow
	Matrix        *matrixView
	BackupMap     *backupMapView
	Blockers      []blockerView
	Actions       []actionView
	Findings      []checkSection
	Passed        []passedRow
	Expired       []waiverView
	Gaps          []gapRow
	Runbook       []phaseView
	Checks        []checkRow
	Permissions   []PermissionSet
	Attributions  []attributionRow
	StartedAt     string
	FinishedAt    string
}

// buildView turns an assessment into the report's view.
func buildView(a *findings.Assessment, opts Options) *view {
	ix := newIndex(a)
	v := &view{
		Org:           clean(cmp.Or(a.Organization, "Unnamed organisation")),
		Paper:         opts.Paper,
		AsOf:          a.AsOf.UTC().Format(longDate),
		AsOfISO:       a.AsOf.UTC().Format(isoDate),
		ScannedAt:     fmtStamp(a.ScannedAt),
		Profile:       clean(a.Profile),
		ExitProvider:  clean(a.ExitProvider),
		Partial:       a.Partial || ix.snap.Partial,
		SnapshotHash:  clean(a.SnapshotSHA256),
		SnapshotShort: clean(shortHash(a.SnapshotSHA256)),
		ConfigHash:    clean(cmp.Or(a.ConfigHash, ix.snap.ConfigHash)),
		ToolVersion:   clean(strings.TrimSpace(a.Tool.Name + " " + a.Tool.Version)),
		StartedAt:     fmtStamp(ix.snap.StartedAt),
		FinishedAt:    fmtStamp(ix.snap.FinishedAt),
		Permissions:   opts.Permissions,
		Filtered:      clean(opts.Filter.String()),
	}
	v.Verdict = overallVerdict(a, ix)
	v.Scope = buildScope(ix)
	v.Tiles = buildTiles(a)
	v.Keys = buildKeys(ix)
	v.Changes = buildChanges(a.Changes, ix)
	v.Providers = buildProviders(ix)
	v.Ownership = buildOwnership(ix)
	v.Domains = buildDomains(ix)
	v.Timeline = buildTimeline(ix)
	v.Backups = buildBackups(ix)
	v.Matrix = buildMatrix(ix)
	v.BackupMap = buildBackupMap(v.Backups)
	v.Findings, v.Passed = buildFindings(ix)
	if !opts.Filter.Empty() {
		v.Findings, v.Passed = filterSections(v.Findings, v.Passed, opts.Filter)
	}
	anchors := map[string]string{}
	for _, c := range v.Findings {
		anchors[c.Check] = c.Anchor
	}
	v.Blockers = buildBlockers(ix, anchors)
	v.Actions = buildActions(ix, anchors, maxActions)
	for _, w := range a.ExpiredWaivers {
		v.Expired = append(v.Expired, waiverFor(ix, &w))
	}
	v.Gaps = buildGaps(ix)
	v.Runbook = buildRunbook(ix)
	v.Checks = buildChecks(ix)
	v.Attributions = buildAttributions(ix)
	return v
}

func verdictLabel(v findings.Verdict) (label, class string) {
	switch v {
	case findings.VerdictNotReady:
		return "Not ready", "v-not-ready"
	case findings.VerdictIncomplete:
		return "Incomplete", "v-incomplete"
	case findings.VerdictReadyWithActions:
		return "Ready with actions", "v-actions"
	case findings.VerdictReady:
		return "Ready", "v-ready"
	}
	return clean(cmp.Or(string(v), "No verdict")), "v-incomplete"
}

func chip(v findings.Verdict) verdictView {
	l, c := verdictLabel(v)
	return verdictView{Code: clean(string(v)), Label: l, Class: c}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func kindLabel(s *findings.System) string {
	switch s.Kind {
	case findings.SystemEntra:
		return "Microsoft Entra ID tenant"
	case findings.SystemAWS:
		return "AWS account"
	case findings.SystemLDAP:
		if s.Flavour == "active_directory" {
			return "Active Directory domain"
		}
		return "LDAP directory"
	case findings.SystemGitHub:
		return "GitHub organisation"
	case findings.SystemWorkspace:
		return "Google Workspace"
	case findings.SystemDomains:
		return "Domains, DNS and address blocks"
	case findings.SystemDeclared:
		return "Declared inventory"
	case findings.SystemAzure:
		if s.Flavour == "tenant" {
			return "Azure tenant (management groups)"
		}
		return "Azure subscription"
	}
	return clean(string(s.Kind))
}

func (ix *index) names(ids []string) []nameRef {
	out := make([]nameRef, 0, len(ids))
	for _, id := range ids {
		out = append(out, ix.name(id))
	}
	slices.SortStableFunc(out, func(a, b nameRef) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), strings.Compare(a.ID, b.ID))
	})
	return out
}

func statusLabel(s findings.Status) (label, class string) {
	switch s {
	case findings.StatusFail:
		return "Fail", "s-fail"
	case findings.StatusWarn:
		return "Warn", "s-warn"
	case findings.StatusUnknown:
		return "Unknown", "s-unknown"
	case findings.StatusWaived:
		return "Waived", "s-waived"
	case findings.StatusPass:
		return "Pass", "s-pass"
	}
	return clean(string(s)), "s-unknown"
}

func statusRank(s findings.Status) int {
	switch s {
	case findings.StatusFail:
		return 0
	case findings.StatusUnknown:
		return 1
	case findings.StatusWarn:
		return 2
	case findings.StatusWaived:
		return 3
	}
	return 4
}

func severityLabel(s findings.Severity) string {
	switch s {
	case findings.SeverityBlocker:
		return "Blocker"
	case findings.SeverityHigh:
		return "High"
	case findings.SeverityMedium:
		return "Medium"
	case findings.SeverityLow:
		return "Low"
	case findings.SeverityInfo:
		return "Info"
	}
	return clean(upperFirst(string(s)))
}

func levelClass(l findings.Level) string {
	switch l {
	case findings.LevelSuperAdmin:
		return "l-super"
	case findings.LevelAdmin:
		return "l-admin"
	case findings.LevelPrivileged:
		return "l-priv"
	}
	return "l-low"
}

func levelLabel(l findings.Level) string {
	switch l {
	case findings.LevelSuperAdmin:
		return "super-admin"
	case findings.LevelAdmin:
		return "admin"
	case findings.LevelPrivileged:
		return "privileged"
	case findings.LevelLimited:
		return "limited"
	case findings.LevelRead:
		return "read"
	}
	return clean(string(l))
}

func assignmentLabel(a findings.Assignment) string {
	switch a {
	case findings.AssignmentTimeBound:
		return "time-bound"
	}
	return clean(string(a))
}
