package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keyholder/keyholder/findings"
)

// view is what the HTML and Markdown templates render: the assessment
// reduced to the report's ten sections, sorted, names resolved, text
// cleaned (see clean) and dates formatted. Both templates render the same
// view, so the two formats carry the same content.
type view struct {
	Org           string
	Paper         string
	Verdict       verdictView
	AsOf          string
	AsOfISO       string
	ScannedAt     string
	Profile       string
	ExitProvider  string
	Partial       bool
	SnapshotHash  string
	SnapshotShort string
	ConfigHash    string
	ToolVersion   string
	Scope         []scopeItem
	Tiles         []tile
	Keys          []keyRow
	Changes       *changesView
	// ChangesTop is Changes with at most pageOneChanges items per group,
	// for page one of the HTML report; ChangesCut says whether anything
	// was cut, in which case the full list follows later in the report.
	ChangesTop   *changesView
	ChangesCut   bool
	Providers    []providerView
	Ownership    []ownershipRow
	Timeline     *timeline
	Backups      []backupRow
	Severities   []severityGroup
	Passed       []passedRow
	Expired      []waiverView
	Gaps         []gapRow
	Runbook      []phaseView
	Checks       []checkRow
	Permissions  []PermissionSet
	Attributions []attributionRow
	StartedAt    string
	FinishedAt   string
}

type verdictView struct {
	Code     string
	Label    string
	Class    string
	Headline string
	Detail   string
}

type scopeItem struct {
	ID       string
	Kind     string
	Name     string
	NativeID string
	Insecure []string
	Gaps     int
}

type tile struct {
	Label string
	Value int
	Class string
}

type keyRow struct {
	System     string
	Kind       string
	Customer   []nameRef
	MFA        string
	MFAClass   string
	BreakGlass []nameRef
	Provider   []nameRef
	HoldsKeys  string
	HoldsClass string
	Verdict    verdictView
}

type changesView struct {
	From        string
	To          string
	FromRun     int64
	ToRun       int64
	VerdictFrom string
	VerdictTo   string
	Groups      []changeGroup
}

type changeGroup struct {
	Title string
	Class string // c-add, c-remove, c-change, c-fixed, c-bad
	Items []changeRow
	// Total is the number of items before any cut.
	Total int
	More  int
}

// pageOneChanges is how many changes per group page one shows.
const pageOneChanges = 3

// top returns c with at most n items per group, and whether it cut any.
func (c *changesView) top(n int) (*changesView, bool) {
	if c == nil {
		return nil, false
	}
	out := *c
	out.Groups = make([]changeGroup, len(c.Groups))
	cut := false
	for i, g := range c.Groups {
		out.Groups[i] = g
		if len(g.Items) > n {
			out.Groups[i].Items = g.Items[:n]
			out.Groups[i].More = len(g.Items) - n
			cut = true
		}
	}
	return &out, cut
}

type changeRow struct {
	System  string
	Summary string
	Before  string
	After   string
}

type providerView struct {
	Name        string
	Kind        string
	Summary     string
	Accounts    []accountRow
	Trusts      []trustRow
	Credentials []credRow
	Owned       []string
}

type accountRow struct {
	System       string
	Who          nameRef
	Kind         string
	Status       string
	StatusClass  string
	MFA          string
	LastActivity string
	Roles        []roleRef
}

type roleRef struct {
	Privilege  string
	Level      string
	LevelClass string
	Assignment string
	Scope      string
	Via        string
	Expires    string
}

type trustRow struct {
	System       string
	Kind         string
	Name         string
	Counterparty string
	Permissions  string
	Level        string
	LevelClass   string
	Conditions   string
	Expires      string
}

type credRow struct {
	System   string
	Holder   string
	Kind     string
	KeyID    string
	Created  string
	Age      string
	LastUsed string
	Expires  string
	Active   string
}

type ownershipRow struct {
	Item       string
	Kind       string
	System     string
	Owner      string
	Party      partyRef
	Channel    string
	Seats      string
	Renews     string
	Window     string
	State      string
	StateClass string
}

type backupRow struct {
	Name         string
	Protects     string
	Location     string
	Storage      string
	StorageParty partyRef
	Key          string
	KeyParty     partyRef
	KeyID        string
	Copies       []copyRef
	Immutable    string
	LastPoint    string
	LastAge      string
	Deleters     []string
}

type copyRef struct {
	Destination string
	Owner       string
	Party       partyRef
}

type severityGroup struct {
	Severity string
	Label    string
	Counts   string
	Findings []findingView
}

type findingView struct {
	Anchor      string
	Check       string
	Title       string
	Status      string
	StatusLabel string
	StatusClass string
	Severity    string
	System      string
	Message     string
	Subjects    []nameRef
	Evidence    []string
	Remediation string
	Waiver      *waiverView
	Gaps        []string
}

type waiverView struct {
	Check   string
	Subject string
	Reason  string
	Expires string
}

type passedRow struct {
	Check    string
	Title    string
	Severity string
	Systems  string
}

type gapRow struct {
	System     string
	Collection string
	Reason     string
	Error      string
	Remedy     string
	Checks     []string
}

type phaseView struct {
	Title string
	Steps []stepView
}

type stepView struct {
	Number      int
	Action      string
	System      string
	Identifiers []string
	Due         string
	DueClass    string
	Done        bool
}

type checkRow struct {
	ID       string
	Title    string
	Severity string
	Source   string
	Reads    string
	Results  string
}

type attributionRow struct {
	Subject nameRef
	Kind    string
	Reason  string
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
	}
	v.Verdict = overallVerdict(a, ix)
	v.Scope = buildScope(ix)
	v.Tiles = buildTiles(a)
	v.Keys = buildKeys(ix)
	v.Changes = buildChanges(a.Changes, ix)
	v.ChangesTop, v.ChangesCut = v.Changes.top(pageOneChanges)
	v.Providers = buildProviders(ix)
	v.Ownership = buildOwnership(ix)
	v.Timeline = buildTimeline(ix)
	v.Backups = buildBackups(ix)
	v.Severities, v.Passed = buildFindings(ix)
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

// providers returns the provider parties the assessment names, sorted.
func (ix *index) providers() []string {
	var out []string
	for name, kind := range ix.partyKind {
		if kind == "msp" || kind == "vendor" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

func overallVerdict(a *findings.Assessment, ix *index) verdictView {
	v := chip(a.Verdict)
	who := "its providers"
	if a.ExitProvider != "" {
		who = clean(a.ExitProvider)
	} else if p := ix.providers(); len(p) > 0 {
		names := make([]string, len(p))
		for i, n := range p {
			names[i] = clean(n)
		}
		who = joinAnd(names)
	}
	org := clean(cmp.Or(a.Organization, "The organisation"))
	switch a.Verdict {
	case findings.VerdictNotReady:
		v.Headline = fmt.Sprintf("%s is not ready to end the contract with %s.", org, who)
	case findings.VerdictIncomplete:
		v.Headline = fmt.Sprintf("%s cannot yet tell whether it could end the contract with %s.", org, who)
	case findings.VerdictReadyWithActions:
		v.Headline = fmt.Sprintf("%s holds the keys; actions remain before ending the contract with %s.", org, who)
	case findings.VerdictReady:
		v.Headline = fmt.Sprintf("%s is ready to end the contract with %s.", org, who)
	default:
		v.Headline = "No verdict was recorded."
	}
	if a.ExitProvider != "" {
		switch a.Verdict {
		case findings.VerdictReady:
			v.Headline = fmt.Sprintf("No access of %s remains at %s.", who, org)
		case findings.VerdictNotReady:
			v.Headline = fmt.Sprintf("Access of %s remains at %s.", who, org)
		}
	}
	failSys, unknownSys := map[string]bool{}, map[string]bool{}
	fails, unknowns := 0, 0
	for _, f := range a.Findings {
		if f.Severity != findings.SeverityBlocker {
			continue
		}
		switch f.Status {
		case findings.StatusFail:
			fails++
			failSys[cmp.Or(f.System, "all systems")] = true
		case findings.StatusUnknown:
			unknowns++
			unknownSys[cmp.Or(f.System, "all systems")] = true
		}
	}
	var parts []string
	if fails > 0 {
		parts = append(parts, fmt.Sprintf("%s %s in %s", plural(fails, "blocker check", "blocker checks"), failVerb(fails), joinAnd(sortedKeys(failSys))))
	}
	if unknowns > 0 {
		parts = append(parts, fmt.Sprintf("%s could not be evaluated in %s", plural(unknowns, "blocker check", "blocker checks"), joinAnd(sortedKeys(unknownSys))))
	}
	if len(parts) == 0 {
		v.Detail = "No blocker check fails or is unknown."
	} else {
		v.Detail = clean(upperFirst(strings.Join(parts, "; ")) + ".")
	}
	return v
}

func failVerb(n int) string {
	if n == 1 {
		return "fails"
	}
	return "fail"
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
	case findings.SystemDeclared:
		return "Declared inventory"
	}
	return clean(string(s.Kind))
}

func buildScope(ix *index) []scopeItem {
	gaps := map[string]int{}
	for _, g := range ix.snap.Gaps {
		gaps[g.System]++
	}
	var out []scopeItem
	for _, s := range ix.snap.Systems {
		out = append(out, scopeItem{ID: clean(s.ID), Kind: kindLabel(&s), Name: clean(s.Name), NativeID: clean(s.NativeID), Insecure: cleanAll(s.Insecure), Gaps: gaps[s.ID]})
	}
	// Systems the assessment names but the snapshot lacks (a saved
	// assessment without its snapshot) still appear.
	for _, sv := range ix.a.Systems {
		if _, ok := ix.systems[sv.System]; !ok {
			out = append(out, scopeItem{ID: clean(sv.System), Kind: kindLabel(&findings.System{Kind: sv.Kind}), Name: clean(sv.Name), Gaps: gaps[sv.System]})
		}
	}
	slices.SortFunc(out, func(a, b scopeItem) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func buildTiles(a *findings.Assessment) []tile {
	count := func(ok func(findings.Finding) bool) int {
		n := 0
		for _, f := range a.Findings {
			if ok(f) {
				n++
			}
		}
		return n
	}
	failAt := func(sevs ...findings.Severity) func(findings.Finding) bool {
		return func(f findings.Finding) bool {
			return f.Status == findings.StatusFail && slices.Contains(sevs, f.Severity)
		}
	}
	status := func(s findings.Status) func(findings.Finding) bool {
		return func(f findings.Finding) bool { return f.Status == s }
	}
	t := []tile{
		{Label: "Blockers failing", Value: count(failAt(findings.SeverityBlocker)), Class: "t-blocker"},
		{Label: "High failing", Value: count(failAt(findings.SeverityHigh)), Class: "t-high"},
		{Label: "Medium and low failing", Value: count(failAt(findings.SeverityMedium, findings.SeverityLow, findings.SeverityInfo)), Class: "t-medium"},
		{Label: "Unknown", Value: count(status(findings.StatusUnknown)), Class: "t-unknown"},
		{Label: "Warnings", Value: count(status(findings.StatusWarn)), Class: "t-warn"},
		{Label: "Waived", Value: count(status(findings.StatusWaived)), Class: "t-waived"},
		{Label: "Passed", Value: count(status(findings.StatusPass)), Class: "t-pass"},
	}
	for i := range t {
		if t[i].Value == 0 {
			t[i].Class += " t-zero"
		}
	}
	return t
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

func buildKeys(ix *index) []keyRow {
	var out []keyRow
	svs := slices.Clone(ix.a.Systems)
	slices.SortFunc(svs, func(a, b findings.SystemVerdict) int { return strings.Compare(a.System, b.System) })
	for _, sv := range svs {
		if sv.Kind == findings.SystemDeclared {
			continue // the declared inventory holds no keys
		}
		r := keyRow{
			System:     ix.systemName(sv.System),
			Kind:       kindLabel(&findings.System{Kind: sv.Kind, Flavour: flavour(ix, sv.System)}),
			Customer:   ix.names(sv.CustomerSuperAdmins),
			BreakGlass: ix.names(sv.BreakGlass),
			Provider:   ix.names(sv.ProviderSuperAdmins),
			Verdict:    chip(sv.Verdict),
		}
		n := len(sv.CustomerSuperAdmins)
		switch {
		case sv.MFANotApplicable:
			r.MFA, r.MFAClass = "n/a", "muted" // the directory reports no MFA state
		case n == 0:
			r.MFA, r.MFAClass = "—", "muted"
		case sv.CustomerSuperAdminsWithMFA >= n:
			r.MFA, r.MFAClass = fmt.Sprintf("%d of %d", sv.CustomerSuperAdminsWithMFA, n), "good"
		default:
			r.MFA, r.MFAClass = fmt.Sprintf("%d of %d", sv.CustomerSuperAdminsWithMFA, n), "bad"
		}
		switch sv.HoldsKeys {
		case "yes":
			r.HoldsKeys, r.HoldsClass = "Yes", "good"
		case "no":
			r.HoldsKeys, r.HoldsClass = "No", "bad"
		case "n/a":
			r.HoldsKeys, r.HoldsClass = "n/a", "muted"
		default:
			r.HoldsKeys, r.HoldsClass = "Unknown", "warn"
		}
		out = append(out, r)
	}
	return out
}

func flavour(ix *index, system string) string {
	if s, ok := ix.systems[system]; ok {
		return s.Flavour
	}
	return ""
}

func buildChanges(c *findings.Changes, ix *index) *changesView {
	if c == nil {
		return nil
	}
	cv := &changesView{From: fmtStamp(c.FromTime), To: fmtStamp(c.ToTime), FromRun: c.FromRun, ToRun: c.ToRun}
	if c.VerdictFrom != "" {
		cv.VerdictFrom, _ = verdictLabel(c.VerdictFrom)
	}
	if c.VerdictTo != "" {
		cv.VerdictTo, _ = verdictLabel(c.VerdictTo)
	}
	add := func(title, class string, items []findings.ChangeItem) {
		if len(items) == 0 {
			return
		}
		g := changeGroup{Title: title, Class: class}
		for _, it := range items {
			sys := ""
			if it.System != "" {
				sys = ix.systemName(it.System)
			}
			g.Items = append(g.Items, changeRow{System: sys, Summary: clean(cmp.Or(it.Summary, it.ID)), Before: clean(it.Before), After: clean(it.After)})
		}
		slices.SortStableFunc(g.Items, func(a, b changeRow) int {
			return cmp.Or(strings.Compare(a.System, b.System), strings.Compare(a.Summary, b.Summary))
		})
		g.Total = len(g.Items)
		cv.Groups = append(cv.Groups, g)
	}
	add("New findings", "c-bad", c.FindingsNew)
	add("Regressed findings", "c-bad", c.FindingsRegressed)
	add("Fixed findings", "c-fixed", c.FindingsFixed)
	add("New privileged grants", "c-add", c.GrantsAdded)
	add("Removed privileged grants", "c-remove", c.GrantsRemoved)
	add("Changed privileged grants", "c-change", c.GrantsChanged)
	add("New trusts", "c-add", c.TrustsAdded)
	add("Removed trusts", "c-remove", c.TrustsRemoved)
	add("Changed trusts", "c-change", c.TrustsChanged)
	add("New principals", "c-add", c.PrincipalsAdded)
	add("Removed principals", "c-remove", c.PrincipalsRemoved)
	add("Licences changed", "c-change", c.LicencesChanged)
	add("Backups changed", "c-change", c.BackupsChanged)
	return cv
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

func trustKindLabel(k findings.TrustKind) string {
	switch k {
	case findings.TrustEntraPartner:
		return "Cross-tenant partner"
	case findings.TrustEntraGDAP:
		return "GDAP relationship"
	case findings.TrustThirdPartyApp:
		return "Third-party app"
	case findings.TrustAWSRole:
		return "IAM role trust"
	case findings.TrustAWSOrgManagement:
		return "Organizations management"
	case findings.TrustGitHubApp:
		return "GitHub App installation"
	case findings.TrustOutsideCollaborator:
		return "Outside collaborator"
	case findings.TrustDeployKey:
		return "Deploy key"
	case findings.TrustWebhook:
		return "Webhook"
	case findings.TrustDirectory:
		return "Directory trust"
	case findings.TrustDeclared:
		return "Declared relationship"
	}
	return clean(string(k))
}

func (ix *index) roles(pid string) []roleRef {
	var out []roleRef
	for _, eg := range ix.effectiveGrants(pid) {
		g := eg.Grant
		out = append(out, roleRef{
			Privilege:  clean(g.Privilege),
			Level:      levelLabel(g.Level),
			LevelClass: levelClass(g.Level),
			Assignment: assignmentLabel(g.Assignment),
			Scope:      clean(g.Scope),
			Via:        ix.viaNames(eg.Via),
			Expires:    fmtDate(g.Expires),
		})
	}
	return out
}

func (ix *index) activity(p *findings.Principal) string {
	if !p.LastActivityKnown {
		return "not known"
	}
	if p.LastActivity == nil {
		return "never"
	}
	return fmtDate(p.LastActivity) + " (" + ago(ix.a.AsOf, p.LastActivity) + ")"
}

func mfaLabel(m findings.MFA) string {
	if m == "" {
		return string(findings.MFAUnknown)
	}
	return clean(string(m))
}

// buildProviders gathers, per provider party, everything attributed to it
// across all systems. Principals of unknown party that hold privileged
// grants get a block of their own: they might be a provider's.
func buildProviders(ix *index) []providerView {
	type acc struct {
		pv  providerView
		sys map[string]bool
	}
	byParty := map[string]*acc{}
	get := func(party string) *acc {
		if p, ok := byParty[party]; ok {
			return p
		}
		ref := ix.ref(party, ix.partyKind[party])
		kind := "Provider"
		switch ref.Kind {
		case "msp":
			kind = "MSP"
		case "vendor":
			kind = "Vendor"
		case findings.PartyUnknown:
			kind = "Unattributed"
		}
		name := ref.Name
		if ref.Kind == findings.PartyUnknown {
			name = "Unknown party"
		}
		p := &acc{pv: providerView{Name: name, Kind: kind}, sys: map[string]bool{}}
		byParty[party] = p
		return p
	}
	isProvider := func(at findings.Attribution) bool {
		return at.PartyKind == "msp" || at.PartyKind == "vendor"
	}
	for i := range ix.snap.Principals {
		p := &ix.snap.Principals[i]
		at, ok := ix.party[p.ID]
		if !ok {
			continue
		}
		if !isProvider(at) && (at.PartyKind != findings.PartyUnknown || p.Kind == findings.PrincipalGroup || p.Kind == findings.PrincipalTeam) {
			continue
		}
		roles := ix.roles(p.ID)
		if !isProvider(at) && !privileged(roles) {
			// Of the unattributed, only accounts holding privilege are
			// listed: groups show through their members.
			continue
		}
		a := get(at.Party)
		a.sys[p.System] = true
		status, class := "enabled", ""
		if !p.Enabled {
			status, class = "disabled", "muted"
		}
		a.pv.Accounts = append(a.pv.Accounts, accountRow{
			System: ix.systemName(p.System), Who: ix.name(p.ID), Kind: clean(string(p.Kind)),
			Status: status, StatusClass: class, MFA: mfaLabel(p.MFA), LastActivity: ix.activity(p), Roles: roles,
		})
		for _, c := range p.Credentials {
			a.pv.Credentials = append(a.pv.Credentials, credRow{
				System: ix.systemName(p.System), Holder: clean(principalName(p)), Kind: clean(c.Kind), KeyID: clean(c.ID),
				Created: fmtDate(c.Created), Age: ago(ix.a.AsOf, c.Created), LastUsed: lastUsed(ix, c), Expires: fmtDate(c.Expires),
				Active: map[bool]string{true: "active", false: "inactive"}[c.Active],
			})
		}
	}
	for _, t := range ix.snap.Trusts {
		at, ok := ix.party[t.ID]
		if !ok || !(isProvider(at) || at.PartyKind == findings.PartyUnknown) {
			continue
		}
		a := get(at.Party)
		a.sys[t.System] = true
		a.pv.Trusts = append(a.pv.Trusts, trustRow{
			System: ix.systemName(t.System), Kind: trustKindLabel(t.Kind), Name: clean(t.Name),
			Counterparty: clean(t.Counterparty), Permissions: clean(strings.Join(t.Permissions, ", ")),
			Level: levelLabel(t.Level), LevelClass: levelClass(t.Level), Conditions: conditions(t.Conditions), Expires: fmtDate(t.Expires),
		})
	}
	owned := func(id, what string) {
		at, ok := ix.party[id]
		if ok && isProvider(at) {
			if a, ok := byParty[at.Party]; ok {
				a.pv.Owned = append(a.pv.Owned, what)
			} else {
				get(at.Party).pv.Owned = append(get(at.Party).pv.Owned, what)
			}
		}
	}
	for _, l := range ix.snap.Licences {
		owned(l.ID, "Licence: "+clean(l.Product))
	}
	for _, as := range ix.snap.Assets {
		owned(as.ID, "Asset: "+clean(as.Name))
	}
	for _, b := range ix.snap.Backups {
		owned(b.ID, "Backup storage: "+clean(b.Name))
	}
	var out []providerView
	for party, a := range byParty {
		_ = party
		pv := a.pv
		slices.SortStableFunc(pv.Accounts, func(x, y accountRow) int {
			return cmp.Or(strings.Compare(x.System, y.System), strings.Compare(strings.ToLower(x.Who.Name), strings.ToLower(y.Who.Name)), strings.Compare(x.Who.ID, y.Who.ID))
		})
		slices.SortStableFunc(pv.Trusts, func(x, y trustRow) int {
			return cmp.Or(strings.Compare(x.System, y.System), strings.Compare(x.Kind, y.Kind), strings.Compare(x.Name, y.Name), strings.Compare(x.Counterparty, y.Counterparty))
		})
		slices.SortStableFunc(pv.Credentials, func(x, y credRow) int {
			return cmp.Or(strings.Compare(x.System, y.System), strings.Compare(x.Holder, y.Holder), strings.Compare(x.KeyID, y.KeyID))
		})
		slices.Sort(pv.Owned)
		priv := 0
		for _, ac := range pv.Accounts {
			for _, r := range ac.Roles {
				if r.LevelClass != "l-low" {
					priv++
				}
			}
		}
		pv.Summary = fmt.Sprintf("%s in %s, %s, %s, %s, %s held in its name.",
			plural(len(pv.Accounts), "account", "accounts"), plural(len(a.sys), "system", "systems"),
			plural(priv, "privileged grant", "privileged grants"), plural(len(pv.Trusts), "trust or app", "trusts and apps"),
			plural(len(pv.Credentials), "credential", "credentials"), plural(len(pv.Owned), "item", "items"))
		out = append(out, pv)
	}
	slices.SortFunc(out, func(x, y providerView) int {
		// Providers first, the unattributed block last.
		ux, uy := x.Kind == "Unattributed", y.Kind == "Unattributed"
		if ux != uy {
			if ux {
				return 1
			}
			return -1
		}
		return strings.Compare(x.Name, y.Name)
	})
	return out
}

func privileged(roles []roleRef) bool {
	for _, r := range roles {
		if r.LevelClass != "l-low" {
			return true
		}
	}
	return false
}

func lastUsed(ix *index, c findings.Credential) string {
	if !c.LastUsedKnown {
		return "not known"
	}
	if c.LastUsed == nil {
		return "never"
	}
	return fmtDate(c.LastUsed) + " (" + ago(ix.a.AsOf, c.LastUsed) + ")"
}

func conditions(m map[string]string) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = clean(k) + " " + clean(m[k])
	}
	return strings.Join(parts, ", ")
}

// window is the notice window of a contract as of a date.
type window struct {
	Start, Deadline time.Time // Start is zero when there is no earliest day
	Renews          time.Time
	Label           string // "2026-10-02 – 2026-12-31", "by 2027-07-02"
	State           string
	Class           string // w-open, w-passed, w-future, w-none
}

func noticeWindow(renews *time.Time, n *findings.Notice, asOf time.Time) window {
	if renews == nil {
		return window{State: "no renewal date recorded", Class: "w-none"}
	}
	w := window{Renews: renews.UTC()}
	if n == nil || (n.NoEarlierThanDays == 0 && n.NoLaterThanDays == 0) {
		w.State, w.Class = "no notice rule recorded", "w-none"
		if asOf.After(w.Renews) {
			w.State, w.Class = "renewal date passed", "w-passed"
		}
		return w
	}
	w.Deadline = w.Renews.AddDate(0, 0, -n.NoLaterThanDays)
	if n.NoEarlierThanDays > 0 {
		w.Start = w.Renews.AddDate(0, 0, -n.NoEarlierThanDays)
		w.Label = w.Start.Format(isoDate) + " – " + w.Deadline.Format(isoDate)
	} else {
		w.Label = "by " + w.Deadline.Format(isoDate)
	}
	switch {
	case asOf.After(w.Renews):
		w.State, w.Class = "renewal date passed", "w-passed"
	case asOf.After(w.Deadline):
		w.State, w.Class = "notice deadline passed: renews automatically", "w-passed"
	case w.Start.IsZero() || !asOf.Before(w.Start):
		w.State, w.Class = fmt.Sprintf("open: give notice within %s", plural(days(asOf, w.Deadline), "day", "days")), "w-open"
	default:
		w.State, w.Class = fmt.Sprintf("opens in %s", plural(days(asOf, w.Start), "day", "days")), "w-future"
	}
	return w
}

func channelLabel(c string) string {
	return clean(c)
}

func buildOwnership(ix *index) []ownershipRow {
	var out []ownershipRow
	asOf := ix.a.AsOf
	for _, l := range ix.snap.Licences {
		w := noticeWindow(l.Renews, l.Notice, asOf)
		party := ix.partyOf(l.ID)
		if party.Party == "" {
			party = ix.ownerParty(l.OwnerOfRecord)
		}
		seats := ""
		switch {
		case l.Quantity > 0 && l.Consumed > 0:
			seats = fmt.Sprintf("%d / %d", l.Consumed, l.Quantity)
		case l.Quantity > 0:
			seats = fmt.Sprint(l.Quantity)
		}
		item := clean(l.Product)
		if l.Trial {
			item += " (trial)"
		}
		out = append(out, ownershipRow{
			Item: item, Kind: "Licence", System: ix.systemName(l.System), Owner: rawOwner(l.OwnerOfRecord, party), Party: party,
			Channel: channelLabel(l.Channel), Seats: seats, Renews: fmtDate(l.Renews), Window: w.Label, State: w.State, StateClass: w.Class,
		})
	}
	for _, as := range ix.snap.Assets {
		w := noticeWindow(as.Renews, as.Notice, asOf)
		party := ix.partyOf(as.ID)
		if party.Party == "" {
			party = ix.ownerParty(as.OwnerOfRecord)
		}
		out = append(out, ownershipRow{
			Item: clean(as.Name), Kind: "Asset: " + clean(as.Kind), System: ix.systemName(as.System), Owner: rawOwner(as.OwnerOfRecord, party), Party: party,
			Channel: "declared", Renews: fmtDate(as.Renews), Window: w.Label, State: w.State, StateClass: w.Class,
		})
	}
	slices.SortStableFunc(out, func(a, b ownershipRow) int {
		return cmp.Or(strings.Compare(a.System, b.System), strings.Compare(a.Kind, b.Kind), strings.Compare(a.Item, b.Item))
	})
	return out
}

// rawOwner is an owner as the source states it, or "" when it only
// repeats the party's name shown next to it.
func rawOwner(owner string, p partyRef) string {
	if strings.EqualFold(strings.TrimSpace(owner), p.Name) || strings.EqualFold(strings.TrimSpace(owner), p.Party) {
		return ""
	}
	return clean(owner)
}

func buildBackups(ix *index) []backupRow {
	var out []backupRow
	for _, b := range ix.snap.Backups {
		sp := ix.partyOf(b.ID)
		if sp.Party == "" {
			sp = ix.ownerParty(b.StorageOwner)
		}
		r := backupRow{
			Name: clean(b.Name), Location: clean(b.Location),
			Storage: rawOwner(b.StorageOwner, sp), StorageParty: sp,
			Key: clean(b.KeyOwner), KeyID: clean(b.KeyID),
			LastPoint: fmtDate(b.LastRecoveryPoint), LastAge: ago(ix.a.AsOf, b.LastRecoveryPoint),
		}
		switch {
		case b.Protects != "":
			r.Protects = clean(b.Protects)
		case b.ProtectsSystem != "":
			r.Protects = ix.systemName(b.ProtectsSystem)
		}
		switch {
		case b.KeyOwner == "":
			r.Key = "not known"
		case b.KeyOwner == "aws_managed":
			r.Key, r.KeyParty = "AWS managed key", ix.ref(findings.PartyAWS, "first_party")
		default:
			r.KeyParty = ix.ownerParty(b.KeyOwner)
			r.Key = rawOwner(b.KeyOwner, r.KeyParty)
		}
		if b.Immutable {
			r.Immutable = "yes"
		} else {
			r.Immutable = "no"
		}
		for _, c := range b.Copies {
			cp := ix.ownerParty(c.Owner)
			r.Copies = append(r.Copies, copyRef{Destination: clean(c.Destination), Owner: rawOwner(c.Owner, cp), Party: cp})
		}
		for _, d := range b.Deleters {
			r.Deleters = append(r.Deleters, ix.name(d).Name)
		}
		slices.Sort(r.Deleters)
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b backupRow) int {
		return cmp.Or(strings.Compare(a.Protects, b.Protects), strings.Compare(a.Name, b.Name), strings.Compare(a.Location, b.Location))
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

// sortedFindings returns the findings by severity (strongest first),
// status (fail, unknown, warn, waived, pass), check, system and subjects.
func sortedFindings(fs []findings.Finding) []findings.Finding {
	out := slices.Clone(fs)
	slices.SortStableFunc(out, func(a, b findings.Finding) int {
		return cmp.Or(
			b.Severity.Rank()-a.Severity.Rank(),
			statusRank(a.Status)-statusRank(b.Status),
			strings.Compare(a.Check, b.Check),
			strings.Compare(a.System, b.System),
			strings.Compare(strings.Join(a.Subjects, "\x00"), strings.Join(b.Subjects, "\x00")),
			strings.Compare(a.Message, b.Message),
		)
	})
	return out
}

func buildFindings(ix *index) ([]severityGroup, []passedRow) {
	var groups []severityGroup
	passed := map[string]*passedRow{}
	var passedSystems = map[string][]string{}
	anchors := map[string]int{}
	for _, f := range sortedFindings(ix.a.Findings) {
		if f.Status == findings.StatusPass {
			p, ok := passed[f.Check]
			if !ok {
				p = &passedRow{Check: clean(f.Check), Title: clean(f.Title), Severity: severityLabel(f.Severity)}
				passed[f.Check] = p
			}
			passedSystems[f.Check] = append(passedSystems[f.Check], cmp.Or(f.System, "all"))
			continue
		}
		sev := severityLabel(f.Severity)
		if len(groups) == 0 || groups[len(groups)-1].Severity != string(f.Severity) {
			groups = append(groups, severityGroup{Severity: clean(string(f.Severity)), Label: sev})
		}
		g := &groups[len(groups)-1]
		label, class := statusLabel(f.Status)
		anchor := "f-" + anchorID(f.Check+"-"+f.System)
		anchors[anchor]++
		if n := anchors[anchor]; n > 1 {
			anchor = fmt.Sprintf("%s-%d", anchor, n)
		}
		fv := findingView{
			Anchor: anchor, Check: clean(f.Check), Title: clean(f.Title), Status: clean(string(f.Status)),
			StatusLabel: label, StatusClass: class, Severity: sev, Message: clean(f.Message),
			Subjects: ix.names(f.Subjects), Evidence: cleanAll(f.Evidence), Remediation: clean(f.Remediation),
		}
		if f.System != "" {
			fv.System = ix.systemName(f.System)
		}
		if f.Waiver != nil {
			w := waiverFor(ix, f.Waiver)
			fv.Waiver = &w
		}
		for _, gid := range f.Gaps {
			if gp, ok := ix.gaps[gid]; ok {
				fv.Gaps = append(fv.Gaps, fmt.Sprintf("%s: %s not read (%s)", ix.systemName(gp.System), clean(gp.Collection), clean(string(gp.Reason))))
			} else {
				fv.Gaps = append(fv.Gaps, clean(gid))
			}
		}
		g.Findings = append(g.Findings, fv)
	}
	for i := range groups {
		counts := map[string]int{}
		for _, f := range groups[i].Findings {
			counts[f.StatusLabel]++
		}
		var parts []string
		for _, s := range []string{"Fail", "Unknown", "Warn", "Waived"} {
			if counts[s] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", counts[s], strings.ToLower(s)))
			}
		}
		groups[i].Counts = strings.Join(parts, ", ")
	}
	var prows []passedRow
	for id, p := range passed {
		sys := slices.Compact(slices.Sorted(slices.Values(passedSystems[id])))
		for i := range sys {
			sys[i] = clean(sys[i])
		}
		p.Systems = strings.Join(sys, ", ")
		prows = append(prows, *p)
	}
	slices.SortFunc(prows, func(a, b passedRow) int { return strings.Compare(a.Check, b.Check) })
	return groups, prows
}

func waiverFor(ix *index, w *findings.Waiver) waiverView {
	wv := waiverView{Check: clean(w.Check), Reason: clean(w.Reason), Expires: w.Expires.UTC().Format(isoDate)}
	if w.Subject != "" {
		wv.Subject = ix.name(w.Subject).Name
	}
	return wv
}

// anchorID keeps letters, digits and dashes so ids are valid fragments.
func anchorID(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}

func gapReasonLabel(r findings.GapReason) string {
	switch r {
	case findings.GapDenied:
		return "access denied"
	case findings.GapUnlicensed:
		return "not licensed"
	case findings.GapUnsupported:
		return "not supported"
	case findings.GapFailed:
		return "failed"
	case findings.GapSkipped:
		return "skipped"
	}
	return clean(string(r))
}

// buildGaps lists each gap with the checks it left unknown. When the
// assessment carries the policies' own list (gap_checks: system kinds and
// not_affected_by applied), that list plus any unknown finding naming the
// gap; otherwise, for older assessments, the findings that name the gap,
// and, when none does, the checks that read its collection.
func buildGaps(ix *index) []gapRow {
	named := map[string][]string{}
	for _, f := range ix.a.Findings {
		for _, g := range f.Gaps {
			if ix.a.GapChecks != nil && f.Status != findings.StatusUnknown {
				continue
			}
			named[g] = append(named[g], f.Check)
		}
	}
	var out []gapRow
	for _, g := range ix.snap.Gaps {
		checks := slices.Clone(named[g.ID])
		if ix.a.GapChecks != nil {
			checks = append(checks, ix.a.GapChecks[g.ID]...)
		} else if len(checks) == 0 {
			top, _, _ := strings.Cut(g.Collection, "/")
			for _, c := range ix.a.Checks {
				if slices.Contains(c.Reads, top) || slices.Contains(c.Reads, g.Collection) {
					checks = append(checks, c.ID)
				}
			}
		}
		checks = cleanAll(slices.Compact(slices.Sorted(slices.Values(checks))))
		out = append(out, gapRow{
			System: ix.systemName(g.System), Collection: clean(g.Collection), Reason: gapReasonLabel(g.Reason),
			Error: clean(g.Error), Remedy: clean(g.Remedy), Checks: checks,
		})
	}
	slices.SortStableFunc(out, func(a, b gapRow) int {
		return cmp.Or(strings.Compare(a.System, b.System), strings.Compare(a.Collection, b.Collection))
	})
	return out
}

// phaseTitles returns the runbook phases in the order the exit is done.
func phaseTitles() []struct{ key, title string } {
	return []struct{ key, title string }{
		{"secure_keys", "Secure the keys"},
		{"transfer_ownership", "Transfer ownership"},
		{"secure_backups", "Secure the backups"},
		{"cut_access", "Cut the provider's access"},
		{"rotate_secrets", "Rotate secrets the provider knew"},
		{"attestations", "Collect attestations"},
		{"rescan", "Re-scan with the exit profile"},
	}
}

func buildRunbook(ix *index) []phaseView {
	steps := slices.Clone(ix.a.Runbook)
	phases := phaseTitles()
	rank := func(phase string) int {
		for i, p := range phases {
			if p.key == phase {
				return i
			}
		}
		return len(phases)
	}
	slices.SortStableFunc(steps, func(a, b findings.RunbookStep) int {
		return cmp.Or(rank(a.Phase)-rank(b.Phase), a.Order-b.Order, strings.Compare(a.System, b.System), strings.Compare(a.Action, b.Action))
	})
	var out []phaseView
	n := 0
	for _, s := range steps {
		title := ""
		if r := rank(s.Phase); r < len(phases) {
			title = phases[r].title
		} else {
			title = clean(upperFirst(strings.ReplaceAll(s.Phase, "_", " ")))
		}
		if len(out) == 0 || out[len(out)-1].Title != title {
			out = append(out, phaseView{Title: title})
		}
		n++
		sv := stepView{Number: n, Action: clean(s.Action), Identifiers: cleanAll(s.Identifiers), Done: s.Done}
		if s.System != "" {
			sv.System = ix.systemName(s.System)
		}
		if s.Due != nil {
			sv.Due = fmtDate(s.Due)
			d := days(ix.a.AsOf, *s.Due)
			switch {
			case s.Done:
			case d < 0:
				sv.Due += " (overdue)"
				sv.DueClass = "bad"
			case d <= 60:
				sv.Due += fmt.Sprintf(" (in %s)", plural(d, "day", "days"))
				sv.DueClass = "warn"
			}
		}
		out[len(out)-1].Steps = append(out[len(out)-1].Steps, sv)
	}
	return out
}

func buildChecks(ix *index) []checkRow {
	res := map[string]map[findings.Status]int{}
	for _, f := range ix.a.Findings {
		if res[f.Check] == nil {
			res[f.Check] = map[findings.Status]int{}
		}
		res[f.Check][f.Status]++
	}
	var out []checkRow
	for _, c := range ix.a.Checks {
		var parts []string
		for _, s := range []findings.Status{findings.StatusFail, findings.StatusUnknown, findings.StatusWarn, findings.StatusWaived, findings.StatusPass} {
			if n := res[c.ID][s]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, s))
			}
		}
		if len(parts) == 0 {
			parts = []string{"no result"}
		}
		out = append(out, checkRow{
			ID: clean(c.ID), Title: clean(c.Title), Severity: severityLabel(c.Severity), Source: clean(c.Source),
			Reads: clean(strings.Join(c.Reads, ", ")), Results: strings.Join(parts, ", "),
		})
	}
	slices.SortFunc(out, func(a, b checkRow) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// buildAttributions lists why each principal, licence, backup and trust
// the report names belongs to its party: everything attributed to a
// provider, the key holders and finding subjects, and unknown principals
// holding privilege. (Every principal of a large directory would drown
// the table; the JSON has every attribution.)
func buildAttributions(ix *index) []attributionRow {
	// Customer principals the report names: key holders and subjects.
	named := map[string]bool{}
	for _, sv := range ix.a.Systems {
		for _, l := range [][]string{sv.CustomerSuperAdmins, sv.ProviderSuperAdmins, sv.BreakGlass} {
			for _, id := range l {
				named[id] = true
			}
		}
	}
	for _, f := range ix.a.Findings {
		if f.Status != findings.StatusPass {
			for _, id := range f.Subjects {
				named[id] = true
			}
		}
	}
	var out []attributionRow
	for _, at := range ix.a.Parties {
		_, isPrincipal := ix.principals[at.Subject]
		provider := at.PartyKind == "msp" || at.PartyKind == "vendor"
		unknown := at.PartyKind == findings.PartyUnknown || at.Party == findings.PartyUnknown
		switch {
		case provider, named[at.Subject]:
		case unknown && isPrincipal && privileged(ix.roles(at.Subject)):
		default:
			continue
		}
		kind := "principal"
		switch {
		case ix.trusts[at.Subject] != nil:
			kind = "trust"
		case ix.objects[at.Subject] != "":
			kind = strings.SplitN(at.Subject, ":", 2)[0]
		case ix.principals[at.Subject] == nil:
			kind = "other"
		}
		out = append(out, attributionRow{Subject: ix.name(at.Subject), Kind: clean(kind), Reason: clean(at.Reason)})
	}
	slices.SortStableFunc(out, func(a, b attributionRow) int {
		return cmp.Or(strings.Compare(a.Subject.Party.Name, b.Subject.Party.Name), strings.Compare(a.Kind, b.Kind), strings.Compare(strings.ToLower(a.Subject.Name), strings.ToLower(b.Subject.Name)), strings.Compare(a.Subject.ID, b.Subject.ID))
	})
	return out
}
