package policies

import (
	"slices"
	"strings"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/policies/access"
	"github.com/keyholder/keyholder/policies/parties"
)

// state is everything one evaluation derives from the snapshot and config
// before the checks run: systems (with stubs for targets the snapshot
// lacks), parties, effective access, and gap coverage.
type state struct {
	// takeover holds the ids of grants whose level is a route to the top
	// privilege (level_basis "takeover_route": Account Operators,
	// Application Administrator…), not the top privilege itself: they
	// count against the provider, never as keys the customer holds.
	takeover map[string]bool
	// runbookGapChecks maps each gap to the checks it leaves unknown; the
	// runbook says from it what a step resting on an unknown must verify.
	runbookGapChecks map[string][]string

	snap    *findings.Snapshot
	cfg     *config.Config
	asOf    time.Time
	profile string
	exit    string

	cls *parties.Classifier
	acc *access.Result

	systems []*sysInfo
	sysByID map[string]*sysInfo

	principal  map[string]*findings.Principal
	party      map[string]parties.Result // principals and counterparties
	licParty   map[string]parties.Result
	bakParty   map[string]parties.Result
	trustParty map[string]parties.Result
	assetParty map[string]parties.Result

	// summary of each principal's effective access.
	summary map[string]*accessSummary
	// topHolders lists, per system, the enabled principals holding the top
	// privilege actively, sorted: not groups or teams (their members are
	// listed), nor trust counterparties (the role they assume is).
	topHolders map[string][]string
	// customerTopBySys caches customerTop.
	customerTopBySys map[string][]string
	// breakGlass maps each configured entry to the principals it matches.
	breakGlass map[string][]string
	bgSet      map[string]bool
	// bgSystems binds each break-glass entry to the systems it lives in
	// (explicit break_glass_targets, else by UPN domain); empty when
	// nothing says.
	bgSystems map[string][]string

	gaps []*gapInfo

	// tagStore caches taggedStorage.
	tagStore map[string][]string
	// extTrust and sessionRole cache sessionPath.
	extTrust    map[string]bool
	sessionRole map[string]bool
}

// sysInfo is a system as the checks see it.
type sysInfo struct {
	findings.System
	// Stub is true for a configured target with no system in the snapshot.
	Stub bool
	// Failed is true when the target could not be scanned (a "system"
	// gap, or no system at all); FailReason says why.
	Failed     bool
	FailReason string
	Party      parties.Result
}

type gapInfo struct {
	findings.Gap
	// CoveredBy lists declared relationships that cover a structural gap.
	CoveredBy []string
	// Unregistered is true for the gap of an Azure resource provider not
	// registered for the subscription (the system lists the collection
	// in unregistered_provider_collections): nothing of the provider can
	// exist there, so the gap is on record but leaves no check unknown.
	Unregistered bool
	// Synthetic is true for the gap of a target missing from the snapshot.
	Synthetic bool
}

type accessSummary struct {
	maxRank      int
	topActive    bool
	topPermanent bool
	topEligible  bool
	topPrivs     []string
	systems      []string
}

// newState classifies and resolves everything the checks need.
func newState(snap *findings.Snapshot, cfg *config.Config, asOf time.Time, profile, exit string) (*state, error) {
	cls, err := parties.New(cfg)
	if err != nil {
		return nil, err
	}
	snap = linkEntra(snap)
	st := &state{
		snap: snap, cfg: cfg, asOf: asOf, profile: profile, exit: exit, cls: cls,
		sysByID:    map[string]*sysInfo{},
		principal:  make(map[string]*findings.Principal, len(snap.Principals)),
		party:      make(map[string]parties.Result, len(snap.Principals)),
		licParty:   map[string]parties.Result{},
		bakParty:   map[string]parties.Result{},
		trustParty: map[string]parties.Result{},
		assetParty: map[string]parties.Result{},
		summary:    map[string]*accessSummary{},
		topHolders: map[string][]string{},
		breakGlass: map[string][]string{},
		bgSet:      map[string]bool{},
	}
	st.buildSystems()
	st.takeover = map[string]bool{}
	for i := range snap.Grants {
		if snap.Grants[i].Attributes["level_basis"] == "takeover_route" {
			st.takeover[snap.Grants[i].ID] = true
		}
	}
	// Principals are classified before effective access is computed, so
	// that the rows are summarised as they are made and only those a
	// later step reads are kept (see pruneRows); trust counterparties,
	// which the computation creates, are classified after it.
	g := access.NewGraph(snap.Memberships)
	st.classify(g)
	var fold func(*access.Row) bool
	if foldAccessRows {
		fold = st.foldRow
	}
	st.acc = access.Compute(snap, access.Options{AsOf: asOf, TrustLevel: trustLevel, Graph: g, Fold: fold})
	st.classifyCounterparties()
	// Rows not folded (those of trusted and external principals); folded
	// rows that were kept are summarised again, which changes nothing.
	st.summarise()
	if foldAccessRows {
		st.pruneRows()
	}
	st.sortTopHolders()
	st.matchBreakGlass()
	st.buildGaps()
	return st, nil
}

func (st *state) buildSystems() {
	for i := range st.snap.Systems {
		s := &sysInfo{System: st.snap.Systems[i]}
		st.systems = append(st.systems, s)
		st.sysByID[s.ID] = s
	}
	for _, g := range st.snap.Gaps {
		if g.Collection != "system" {
			continue
		}
		if s := st.sysByID[g.System]; s != nil {
			s.Failed = true
			s.FailReason = string(g.Reason) + ": " + g.Error
		}
	}
	// Configured targets the snapshot does not have at all.
	for _, t := range st.cfg.Targets {
		found := false
		for _, s := range st.systems {
			if s.ID == t.Name || s.Target == t.Name {
				found = true
				break
			}
		}
		if found {
			continue
		}
		s := &sysInfo{
			System: findings.System{ID: t.Name, Kind: findings.SystemKind(t.Type), Target: t.Name, Name: t.Name},
			Stub:   true, Failed: true, FailReason: "not in the snapshot: the target was not scanned",
		}
		st.systems = append(st.systems, s)
		st.sysByID[s.ID] = s
	}
	slices.SortFunc(st.systems, func(a, b *sysInfo) int { return strings.Compare(a.ID, b.ID) })
	for _, s := range st.systems {
		switch s.Kind {
		case findings.SystemEntra:
			s.Party = st.cls.Owner(s.NativeID, "entra_tenant")
		case findings.SystemAWS:
			s.Party = st.cls.Owner(s.NativeID, "aws_account")
		case findings.SystemGitHub:
			s.Party = st.cls.Owner(s.NativeID, "github_org")
		case findings.SystemAzure:
			s.Party = st.cls.Owner(firstNonEmpty(s.Attributes["tenant_id"], s.NativeID), "entra_tenant")
		case findings.SystemWorkspace:
			// A Workspace customer is known by its primary domain.
			s.Party = st.cls.Owner(s.Attributes["primary_domain"], "domain")
		default:
			s.Party = parties.Result{Party: findings.PartyUnknown, Kind: parties.KindUnknown, Reason: "not attributed"}
		}
	}
}

// entraTopRoles are the Entra roles that give full control of a tenant;
// a declared relationship naming them carries super_admin.
var entraTopRoles = map[string]bool{
	"global administrator": true, "privileged role administrator": true, "privileged authentication administrator": true,
	"company administrator": true,
}

// trustLevel is the level a trust carries by itself: its Level, or for a
// declared relationship the strongest of the roles it names.
func trustLevel(t *findings.Trust) findings.Level {
	if t.Level != "" {
		return t.Level
	}
	if t.Kind != findings.TrustDeclared {
		return ""
	}
	var best findings.Level
	for _, r := range t.Permissions {
		lr := strings.ToLower(strings.TrimSpace(r))
		l := findings.LevelPrivileged
		switch {
		case entraTopRoles[lr]:
			l = findings.LevelSuperAdmin
		case strings.HasSuffix(lr, "administrator") || strings.HasSuffix(lr, "admin"):
			l = findings.LevelAdmin
		case strings.HasSuffix(lr, "reader"):
			l = findings.LevelRead
		}
		if l.Rank() > best.Rank() {
			best = l
		}
	}
	return best
}

func (st *state) classify(g *access.Graph) {
	snap := st.snap
	for i := range snap.Principals {
		st.principal[snap.Principals[i].ID] = &snap.Principals[i]
	}
	st.cls.IndexGroups(snap.Principals, g.TransitiveMembers)
	for i := range snap.Principals {
		p := &snap.Principals[i]
		var sys *findings.System
		if s := st.sysByID[p.System]; s != nil {
			sys = &s.System
		}
		st.party[p.ID] = st.cls.Principal(p, sys)
	}
	st.attributeTrustedRoles()
	for i := range snap.Licences {
		st.licParty[snap.Licences[i].ID] = st.cls.Licence(&snap.Licences[i])
	}
	for i := range snap.Backups {
		st.bakParty[snap.Backups[i].ID] = st.cls.Backup(&snap.Backups[i])
	}
	for i := range snap.Trusts {
		st.trustParty[snap.Trusts[i].ID] = st.cls.Trust(&snap.Trusts[i])
	}
	for i := range snap.Assets {
		a := &snap.Assets[i]
		r := st.cls.Owner(a.OwnerOfRecord, "name")
		if a.OwnerOfRecord == "" {
			r.Reason = "no owner of record declared"
		} else {
			r.Reason = "owner of record: " + r.Reason
		}
		st.assetParty[a.ID] = r
	}
}

// attributeTrustedRoles gives an AWS role that no rule attributes the
// party of whoever its trust policy admits: a role only a provider's
// accounts can assume is that provider's access path ("trusted only by
// account 999999999999"); a role several parties can assume belongs to
// the riskiest of them (parties.Riskiest). A role any unknown account
// can assume stays unknown, and a role only the customer's own accounts
// or AWS services assume keeps its rule's answer: it is judged where it
// is held.
func (st *state) attributeTrustedRoles() {
	byRole := map[string][]*findings.Trust{}
	for i := range st.snap.Trusts {
		t := &st.snap.Trusts[i]
		if t.Kind == findings.TrustAWSRole && t.PrincipalID != "" && t.Counterparty != "" {
			byRole[t.PrincipalID] = append(byRole[t.PrincipalID], t)
		}
	}
	for id, ts := range byRole {
		p := st.principal[id]
		if p == nil || p.Kind != findings.PrincipalRole || st.party[id].Kind != parties.KindUnknown {
			continue
		}
		rs := make([]parties.Result, 0, len(ts))
		var names []string
		for _, t := range ts {
			r := st.cls.Owner(t.Counterparty, t.CounterpartyKind)
			rs = append(rs, r)
			what := "account"
			if t.CounterpartyKind != "aws_account" && t.CounterpartyKind != "" {
				what = t.CounterpartyKind
			}
			names = append(names, what+" "+t.Counterparty+" ("+r.Party+")")
		}
		best := parties.Riskiest(rs)
		if !best.IsProvider() {
			continue
		}
		slices.Sort(names)
		names = slices.Compact(names)
		reason := "trusted only by " + strings.TrimSuffix(names[0], " ("+best.Party+")")
		if len(names) > 1 {
			reason = "trusted by " + strings.Join(names, ", ") + ": the riskiest party"
		}
		st.party[id] = parties.Result{Party: best.Party, Kind: best.Kind, Reason: reason}
	}
}

func (st *state) trust(id string) *findings.Trust {
	i, ok := slices.BinarySearchFunc(st.snap.Trusts, id, func(t findings.Trust, id string) int { return strings.Compare(t.ID, id) })
	if !ok {
		for j := range st.snap.Trusts {
			if st.snap.Trusts[j].ID == id {
				return &st.snap.Trusts[j]
			}
		}
		return nil
	}
	return &st.snap.Trusts[i]
}

// pruneRows keeps only the effective-access rows a later step reads, in
// a list of their own so the full list is freed before the Rego input is
// built (on a large estate the customer's lesser rights are most of the
// rows, and summarise has already folded them into st.summary). Every
// reader after this point filters rows by one of these conditions:
//   - accessInput (indexed): every row of a provider's principal, every
//     super_admin row, the privileged rows of principals of unknown party;
//   - backupsInput and the runbook: rows at admin or above;
//   - systemVerdicts: super_admin rows.
//
// keepRow must stay a superset of those filters.
func (st *state) pruneRows() {
	st.acc.Rows = keepRows(st.acc.Rows, st.keepRow)
}

func (st *state) keepRow(r *access.Row) bool {
	if r.Level.Rank() >= findings.LevelPrivileged.Rank() {
		return true
	}
	return st.partyOfPrincipal(r.Principal).IsProvider()
}

// classifyCounterparties attributes the synthetic principals effective
// access created for trust counterparties.
func (st *state) classifyCounterparties() {
	for _, c := range st.acc.Counterparties {
		r := st.cls.Owner(c.NativeID, c.Kind)
		r.Reason = "trust counterparty: " + r.Reason
		// A declared relationship names its provider: use it.
		for _, tid := range c.Trusts {
			if t := st.trust(tid); t != nil && t.Provider != "" {
				r = st.cls.Trust(t)
				break
			}
		}
		st.party[c.ID] = r
	}
}

// inputBuilt releases what only the Rego input needed: the per-principal
// summaries (principalInput) and the membership graph (sensitiveMembers).
// On a large estate they are tens of megabytes the checks' evaluation
// would otherwise hold.
//
// Past the input, only rows at admin or above are read (the runbook's
// rotation reach at admin, systemVerdicts at super_admin): the others
// are dropped too.
func (st *state) inputBuilt() {
	st.summary = nil
	st.acc.Graph = nil
	if !foldAccessRows {
		return
	}
	st.acc.Rows = keepRows(st.acc.Rows, func(r *access.Row) bool { return r.Level.Rank() >= findings.LevelAdmin.Rank() })
}

// keepRows returns the rows keep accepts, in a list of their own (so
// the old one can be freed), or rows itself when it keeps them all.
func keepRows(rows []access.Row, keep func(*access.Row) bool) []access.Row {
	n := 0
	for i := range rows {
		if keep(&rows[i]) {
			n++
		}
	}
	if n == len(rows) {
		return rows
	}
	kept := make([]access.Row, 0, n)
	for i := range rows {
		if keep(&rows[i]) {
			kept = append(kept, rows[i])
		}
	}
	return kept
}

// foldAccessRows is false only in a test that holds the evaluation with
// every row kept equal to the evaluation with the rows folded and pruned.
var foldAccessRows = true

// foldRow summarises a row as access.Compute makes it and keeps it only
// if a later step reads it.
func (st *state) foldRow(r *access.Row) bool {
	st.summariseRow(r)
	return st.keepRow(r)
}

func (st *state) summarise() {
	for i := range st.acc.Rows {
		st.summariseRow(&st.acc.Rows[i])
	}
}

func (st *state) summariseRow(r *access.Row) {
	{
		s := st.summary[r.Principal]
		if s == nil {
			s = &accessSummary{}
			st.summary[r.Principal] = s
		}
		if rk := r.Level.Rank(); rk > s.maxRank {
			s.maxRank = rk
		}
		if !slices.Contains(s.systems, r.System) {
			s.systems = append(s.systems, r.System)
			slices.Sort(s.systems)
		}
		if r.Level == findings.LevelSuperAdmin {
			// A trust's counterparty (external) is whoever the trusted
			// account lets assume the role, not a holder of its own.
			if kind, enabled := st.kindOf(r.Principal); r.Active && enabled && st.usable(r.Principal) && !isContainer(kind) && kind != findings.PrincipalExternal {
				st.topHolders[r.System] = append(st.topHolders[r.System], r.Principal)
			}
			if r.Active {
				s.topActive = true
				if r.Permanent {
					s.topPermanent = true
				}
			} else {
				s.topEligible = true
			}
			if !slices.Contains(s.topPrivs, r.Privilege) {
				s.topPrivs = append(s.topPrivs, r.Privilege)
			}
		}
	}
}

func (st *state) sortTopHolders() {
	for sys, l := range st.topHolders {
		slices.Sort(l)
		st.topHolders[sys] = slices.Compact(l)
	}
}

// bindBreakGlass binds each break-glass entry to the systems it lives
// in: the target named in organization.break_glass_targets, else the
// Entra tenants whose domains hold its UPN domain (an *.onmicrosoft.com
// UPN lives in an Entra tenant), else directories whose domain it is.
func (st *state) bindBreakGlass() {
	st.bgSystems = map[string][]string{}
	for _, bg := range st.cfg.Organization.BreakGlass {
		var out []string
		explicit := ""
		for k, v := range st.cfg.Organization.BreakGlassTargets {
			if strings.EqualFold(k, bg) {
				explicit = v
			}
		}
		if explicit != "" {
			for _, s := range st.systems {
				if s.ID == explicit || s.Target == explicit {
					out = append(out, s.ID)
				}
			}
			st.bgSystems[bg] = out
			continue
		}
		_, dom, ok := strings.Cut(strings.ToLower(strings.TrimSpace(bg)), "@")
		if !ok || dom == "" {
			continue
		}
		for _, s := range st.systems {
			switch s.Kind {
			case findings.SystemEntra:
				if slices.ContainsFunc(s.Domains, func(d string) bool { return strings.EqualFold(d, dom) }) {
					out = append(out, s.ID)
				}
			case findings.SystemLDAP:
				if strings.EqualFold(s.Name, dom) || slices.ContainsFunc(s.Domains, func(d string) bool { return strings.EqualFold(d, dom) }) {
					out = append(out, s.ID)
				}
			}
		}
		if len(out) == 0 && strings.HasSuffix(dom, ".onmicrosoft.com") {
			for _, s := range st.systems {
				if s.Kind == findings.SystemEntra {
					out = append(out, s.ID)
				}
			}
		}
		st.bgSystems[bg] = out
	}
}

func (st *state) matchBreakGlass() {
	st.bindBreakGlass()
	want := map[string]string{}
	for _, bg := range st.cfg.Organization.BreakGlass {
		k := strings.ToLower(strings.TrimSpace(bg))
		want[k] = bg
		st.breakGlass[bg] = nil
	}
	if len(want) == 0 {
		return
	}
	for i := range st.snap.Principals {
		p := &st.snap.Principals[i]
		if p.Kind == findings.PrincipalGroup || p.Kind == findings.PrincipalTeam {
			continue
		}
		keys := append([]string{p.ID, p.Login, p.NativeID}, p.Emails...)
		for _, k := range keys {
			if bg, ok := want[strings.ToLower(k)]; ok && k != "" {
				if !slices.Contains(st.breakGlass[bg], p.ID) {
					st.breakGlass[bg] = append(st.breakGlass[bg], p.ID)
				}
				st.bgSet[p.ID] = true
			}
		}
	}
}

// buildGaps lists the snapshot's gaps (plus one per missing target) and
// marks the structural ones a fresh declared relationship covers.
func (st *state) buildGaps() {
	maxAge := time.Duration(st.cfg.Policy.DeclaredMaxAgeDays) * 24 * time.Hour
	for _, g := range st.snap.Gaps {
		gi := &gapInfo{Gap: g}
		if kind, ok := structuralGap(g.Collection); ok {
			for _, t := range st.snap.Trusts {
				if t.Kind != findings.TrustDeclared || !st.sameTarget(t.System, g.System) {
					continue
				}
				rk := strings.ToLower(t.Attributes["relationship_kind"])
				if !coversGap(rk, kind) || t.Verified == nil || st.asOf.Sub(*t.Verified) > maxAge || t.Verified.After(st.asOf.Add(24*time.Hour)) {
					continue
				}
				gi.CoveredBy = append(gi.CoveredBy, t.ID)
			}
		}
		if g.Collection == "licences/billing" {
			// A billing owner no API shows is covered by the declared
			// licences of that target.
			for _, l := range st.snap.Licences {
				if l.Channel == "declared" && st.sameTarget(l.System, g.System) {
					gi.CoveredBy = append(gi.CoveredBy, l.ID)
				}
			}
		}
		if g.Reason == findings.GapUnsupported {
			// An Azure resource provider not registered for a subscription
			// (the scanner lists the collections it left unread in
			// unregistered_provider_collections): ARM refuses to
			// unregister a provider while resources of its types exist,
			// so nothing is there to read. The gap stays on record; it
			// leaves no check unknown.
			if s := st.sysByID[g.System]; s != nil && s.Kind == findings.SystemAzure &&
				slices.Contains(strings.Split(s.Attributes["unregistered_provider_collections"], ","), g.Collection) {
				gi.Unregistered = true
			}
		}
		st.gaps = append(st.gaps, gi)
	}
	for _, s := range st.systems {
		if s.Stub {
			st.gaps = append(st.gaps, &gapInfo{Gap: findings.Gap{
				ID: findings.GapID(s.ID, "system"), System: s.ID, Collection: "system",
				Reason: findings.GapSkipped, Error: s.FailReason,
			}, Synthetic: true})
		}
	}
	slices.SortFunc(st.gaps, func(a, b *gapInfo) int { return strings.Compare(a.ID, b.ID) })
}

// sameTarget reports whether system a and system b belong to the same
// configured target (AWS organisation members are "<target>/<account>").
func (st *state) sameTarget(a, b string) bool {
	if a == b {
		return true
	}
	ta, tb := a, b
	if s := st.sysByID[a]; s != nil && s.Target != "" {
		ta = s.Target
	}
	if s := st.sysByID[b]; s != nil && s.Target != "" {
		tb = s.Target
	}
	return ta == tb
}

// structuralGap reports whether a gap's collection is one the customer
// side of an API cannot read by design (partner relationships), and the
// sub-name ("gdap", "dap", ...).
func structuralGap(collection string) (string, bool) {
	top, sub, ok := strings.Cut(collection, "/")
	if !ok || top != "trusts" {
		return "", false
	}
	switch sub {
	case "gdap", "dap", "contracts", "delegated_admin", "partner", "partners", "reseller", "csp",
		"domain_wide_delegation", "oauth_apps":
		return sub, true
	}
	return "", false
}

// coversGap reports whether a declared relationship of kind rk covers a
// structural gap of sub-collection kind.
func coversGap(rk, kind string) bool {
	switch kind {
	case "gdap", "delegated_admin":
		return rk == "gdap"
	case "dap", "contracts":
		return rk == "dap" || rk == "gdap"
	case "partner", "partners", "reseller", "csp":
		return rk != ""
	case "domain_wide_delegation":
		// Google Workspace's delegation clients and OAuth apps have no
		// read API: only a declaration that says it reviewed exactly
		// them covers the gap, never one about another relationship.
		return rk == "domain_wide_delegation"
	case "oauth_apps":
		return rk == "oauth_app"
	}
	return false
}

// covered reports whether the gap no longer leaves checks unknown.
func (g *gapInfo) covered() bool { return len(g.CoveredBy) > 0 || g.Unregistered }

// coveredReason says why a covered gap leaves nothing unknown: "declared"
// (a declared relationship or licence) or "provider_unregistered".
func (g *gapInfo) coveredReason() string {
	switch {
	case g.Unregistered:
		return "provider_unregistered"
	case len(g.CoveredBy) > 0:
		return "declared"
	}
	return ""
}

// gapCovers reports whether gap collection gc covers a check reading
// reads: the same collection, or one a parent of the other ("grants"
// covers "grants/pim_eligibility" and the other way round); a "system"
// gap covers everything. notAffected lists collection prefixes the check
// does not depend on ("grants/pim" matches "grants/pim_eligibility").
func gapCovers(gc string, reads, notAffected []string) bool {
	if gc == "system" {
		return true
	}
	for _, na := range notAffected {
		if strings.HasPrefix(gc, na) {
			return false
		}
	}
	for _, r := range reads {
		if gc == r || strings.HasPrefix(gc, r+"/") || strings.HasPrefix(r, gc+"/") {
			return true
		}
	}
	return false
}

// protects returns the system ids a backup protects: its ProtectsSystem
// (a system id or a target name), else its own system when that is a
// scanned one.
func (st *state) protects(b *findings.Backup) []string {
	var out []string
	if b.ProtectsSystem != "" {
		for _, s := range st.systems {
			if s.ID == b.ProtectsSystem || s.Target == b.ProtectsSystem && s.Kind != findings.SystemDeclared {
				out = append(out, s.ID)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	if s := st.sysByID[b.System]; s != nil && s.Kind != findings.SystemDeclared {
		return []string{s.ID}
	}
	return nil
}

func (st *state) partyOfPrincipal(id string) parties.Result {
	if r, ok := st.party[id]; ok {
		return r
	}
	return parties.Result{Party: findings.PartyUnknown, Kind: parties.KindUnknown, Reason: "not in the snapshot"}
}

// partyOfRef attributes a reference that may be a principal id, an
// account or tenant id, or a party name (backup deleters, copy owners).
func (st *state) partyOfRef(ref, kind string) parties.Result {
	if r, ok := st.party[ref]; ok {
		return r
	}
	return st.cls.Owner(ref, kind)
}

func isContainer(k findings.PrincipalKind) bool {
	return k == findings.PrincipalGroup || k == findings.PrincipalTeam
}

// topRow reports whether a row holds the system's top privilege itself,
// not a route to it (see state.takeover).
func (st *state) topRow(r *access.Row) bool { return !st.takeover[r.Grant] }
