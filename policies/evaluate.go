package policies

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
)

// Evaluate judges snap under cfg: it attributes parties, resolves
// effective access, runs the checks of the profile, applies the gap rules
// and waivers, and derives verdicts and the runbook. The same snapshot,
// config and options always give the same assessment.
//
// Evaluate canonicalises snap (sorts its collections) and sets it as the
// assessment's Snapshot (in memory; written files carry Facts instead,
// see findings.Assessment.Lean); it does not otherwise change it.
func (e *Engine) Evaluate(ctx context.Context, snap *findings.Snapshot, cfg *config.Config, ev EvalOptions) (*findings.Assessment, error) {
	if snap == nil || cfg == nil {
		return nil, fmt.Errorf("policies: evaluate needs a snapshot and a config")
	}
	profile := ev.Profile
	if profile == "" {
		profile = ProfileReadiness
	}
	if !knownProfile[profile] {
		return nil, usageErr("policies: unknown profile %q (readiness or exit)", profile)
	}
	exit := ev.ExitProvider
	if exit != "" {
		p := cfg.ProviderByName(exit)
		if p == nil {
			return nil, usageErr("policies: --exit-provider %q is not a configured provider", exit)
		}
		exit = p.Name
	}
	if profile == ProfileExit && exit == "" {
		return nil, usageErr("policies: the exit profile needs --exit-provider NAME (the departed provider)")
	}
	if err := e.CheckWaivers(cfg); err != nil {
		return nil, err
	}

	snap.Canonicalize()
	// The assessment records the snapshot's digest in snapshot_sha256;
	// the embedded copy carries no seal of its own (the caller verifies
	// the file's seal before evaluating).
	snap.ContentSHA256 = ""
	asOf := ev.AsOf
	if asOf.IsZero() {
		asOf = snap.FinishedAt
	}
	asOf = asOf.UTC()

	// The snapshot's hash is the longest single step on big estates; it
	// only reads the snapshot, so it runs alongside the evaluation.
	hash := ev.SnapshotSHA256
	var hashErr error
	var wg sync.WaitGroup
	if hash == "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hash, hashErr = snap.CanonicalSHA256()
		}()
	}

	start := time.Now()
	st, err := newState(snap, cfg, asOf, profile, exit)
	if err != nil {
		wg.Wait()
		return nil, err
	}
	selected := e.selected(profile)
	gapChecks := e.gapChecks(st, selected)
	input := st.buildInput(gapChecks)
	st.inputBuilt()
	val, err := ast.InterfaceToValue(input)
	if err != nil {
		wg.Wait()
		return nil, fmt.Errorf("policies: input: %w", err)
	}
	input = nil
	// On a large estate, collect what building the input left behind (its
	// Go form, the folded access rows, the summaries, the membership
	// graph) before the checks run: their garbage is then paced against
	// the live set they need (GOGC lets the heap grow to about twice the
	// live heap at the last collection), not against the live heap of
	// building the input.
	if len(snap.Grants)+len(snap.Principals) >= largeEstate {
		runtime.GC()
	}
	e.log.Debug("policies: input built", "rows", len(st.acc.Rows), "elapsed", time.Since(start))

	var all []findings.Finding
	for _, c := range selected {
		if err := ctx.Err(); err != nil {
			wg.Wait()
			return nil, err
		}
		t0 := time.Now()
		rs, err := c.query.Eval(ctx, rego.EvalParsedInput(val))
		if err != nil {
			wg.Wait()
			return nil, fmt.Errorf("policies: %s (%s): %w", c.info.ID, c.file, err)
		}
		fs, err := toFindings(c, rs)
		if err != nil {
			wg.Wait()
			return nil, err
		}
		e.log.Debug("policies: check evaluated", "check", c.info.ID, "results", len(fs), "elapsed", time.Since(t0))
		all = append(all, fs...)
	}
	val = nil // the Rego input is not needed past the checks
	all = e.guard(st, selected, all)
	all = st.nothingRead(selected, all)
	gapChecks = st.leftUnknown(gapChecks, all) // unknown.go
	keys := keyStatus(all)
	expired := applyWaivers(cfg, asOf, all)
	sortFindings(all)

	wg.Wait()
	if hashErr != nil {
		return nil, fmt.Errorf("policies: snapshot hash: %w", hashErr)
	}
	a := &findings.Assessment{
		SchemaVersion:  findings.SchemaVersion,
		Tool:           findings.Tool{Name: "keyholder", Version: ev.Version},
		SnapshotSHA256: hash,
		ConfigHash:     cfg.Hash,
		Organization:   cfg.Organization.Name,
		Profile:        profile,
		ExitProvider:   exit,
		AsOf:           asOf,
		ScannedAt:      snap.FinishedAt,
		Partial:        snap.Partial,
		Findings:       all,
		ExpiredWaivers: expired,
		GapChecks:      st.gapCheckList(gapChecks),
		Parties:        st.attributions(),
		SnapshotCounts: findings.CountsOf(snap),
		Snapshot:       snap,
	}
	for _, c := range selected {
		a.Checks = append(a.Checks, c.info)
	}
	for _, f := range all {
		if f.Status == findings.StatusWaived && f.Severity == findings.SeverityBlocker && f.Waiver != nil {
			a.WaivedBlockers = append(a.WaivedBlockers, findings.WaivedFinding{
				Check: f.Check, System: f.System, Subjects: f.Subjects, Message: f.Message, Waiver: *f.Waiver,
			})
		}
	}
	a.Systems = st.systemVerdicts(all, keys)
	a.Verdict = verdictOf(all)
	a.Runbook = st.runbook(all, a.GapChecks)
	// The facts last, once the access rows of st are no longer needed:
	// only the few non-customer principals are kept from it.
	notCustomer := map[string]bool{}
	for id, r := range st.party {
		if r.Kind != findings.PartyCustomer {
			notCustomer[id] = true
		}
	}
	st = nil
	a.Facts = findings.LeanFacts(snap, func(id string) bool { return notCustomer[id] })
	e.log.Debug("policies: evaluated", "findings", len(all), "verdict", a.Verdict, "elapsed", time.Since(start))
	return a, nil
}

// largeEstate is the number of grants and principals from which Evaluate
// collects garbage once the Rego input is built.
const largeEstate = 200_000

// UsageError is an error in what the caller asked for (profile, exit
// provider, a waiver naming no check): the CLI maps it to exit code 2.
type UsageError struct{ Err error }

func (u *UsageError) Error() string { return u.Err.Error() }
func (u *UsageError) Unwrap() error { return u.Err }

func usageErr(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// selected returns the checks of a profile, sorted by id.
func (e *Engine) selected(profile string) []*check {
	var out []*check
	for _, c := range e.checks {
		if c.inProfile(profile) {
			out = append(out, c)
		}
	}
	return out
}

// CheckWaivers rejects the waivers the engine would refuse, each as a
// config problem naming the waiver and the reason (keyholder validate
// prints them): a waiver naming a check the engine does not have (a
// mistyped waiver would silently waive nothing), a waiver of KH-COV-001
// (a gap closes only by reading the data or by declaring the fact), and a
// waiver of a blocker check without a subject (a blocker is waived for
// one named subject at a time, never wholesale).
func (e *Engine) CheckWaivers(cfg *config.Config) error {
	var probs config.Problems
	for i, w := range cfg.Policy.Waivers {
		path := fmt.Sprintf("policy.waivers[%d]", i)
		c, ok := e.byID[w.Check]
		switch {
		case !ok:
			probs = append(probs, &config.Problem{File: cfg.Path, Path: path + ".check",
				Msg: fmt.Sprintf("no check %q (see keyholder policies list)", w.Check)})
		case c.info.ID == "KH-COV-001":
			probs = append(probs, &config.Problem{File: cfg.Path, Path: path + ".check",
				Msg: "KH-COV-001 cannot be waived: a gap closes only by reading the data or by declaring the fact (declared.relationships)"})
		case c.info.Severity == findings.SeverityBlocker && strings.TrimSpace(w.Subject) == "":
			probs = append(probs, &config.Problem{File: cfg.Path, Path: path + ".subject",
				Msg: fmt.Sprintf("%s is a blocker: a waiver of it must name its subject (a system or principal id), it cannot waive the whole check", w.Check)})
		}
	}
	if len(probs) > 0 {
		return probs
	}
	return nil
}

// gapChecks maps each gap to the checks (of the profile) it leaves
// unknown.
func (e *Engine) gapChecks(st *state, selected []*check) map[string][]string {
	out := map[string][]string{}
	for _, g := range st.gaps {
		if g.covered() {
			continue
		}
		kind := findings.SystemKind("")
		if s := st.sysByID[g.System]; s != nil {
			kind = s.Kind
		}
		for _, c := range selected {
			if kind != "" && !c.appliesTo(kind) {
				continue
			}
			if c.covers(g.Collection, nil, false) {
				out[g.ID] = append(out[g.ID], c.info.ID)
			}
		}
	}
	return out
}

// gapCheckList is gapChecks for the assessment: every gap of the
// evaluation (a covered one with an empty list), so a report shows the
// policies' own answer instead of guessing.
func (st *state) gapCheckList(gc map[string][]string) map[string][]string {
	if len(st.gaps) == 0 {
		return nil
	}
	out := make(map[string][]string, len(st.gaps))
	for _, g := range st.gaps {
		l := slices.Clone(gc[g.ID])
		if l == nil {
			l = []string{}
		}
		slices.Sort(l)
		out[g.ID] = slices.Compact(l)
	}
	return out
}

var validStatus = map[string]findings.Status{
	"pass": findings.StatusPass, "fail": findings.StatusFail, "warn": findings.StatusWarn, "unknown": findings.StatusUnknown,
}

// toFindings converts a check's results, validating their shape.
func toFindings(c *check, rs rego.ResultSet) ([]findings.Finding, error) {
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return nil, nil
	}
	items, ok := rs[0].Expressions[0].Value.([]any)
	if !ok {
		return nil, fmt.Errorf("policies: %s (%s): results must be a set of objects, got %T", c.info.ID, c.file, rs[0].Expressions[0].Value)
	}
	out := make([]findings.Finding, 0, len(items))
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("policies: %s (%s): a result must be an object, got %T", c.info.ID, c.file, it)
		}
		stStr, _ := m["status"].(string)
		status, ok := validStatus[stStr]
		if !ok {
			return nil, fmt.Errorf("policies: %s (%s): result status %q is not pass, fail, warn or unknown", c.info.ID, c.file, stStr)
		}
		msg, _ := m["message"].(string)
		if msg == "" {
			return nil, fmt.Errorf("policies: %s (%s): a result needs a message", c.info.ID, c.file)
		}
		sys, _ := m["system"].(string)
		f := findings.Finding{
			Check: c.info.ID, Title: c.info.Title, Status: status, Severity: c.info.Severity,
			System: sys, Message: msg, Remediation: c.info.Remediation,
			Subjects: stringList(m["subjects"]), Evidence: stringList(m["evidence"]),
		}
		if status == findings.StatusPass {
			f.Remediation = ""
		}
		if abs, _ := m["absence"].(bool); abs {
			f.Gaps = []string{absenceMark}
		}
		if rr, ok := m["reads"]; ok {
			reads := stringList(rr)
			for _, r := range reads {
				if c.readsAll() {
					if top, _, _ := strings.Cut(r, "/"); !knownReads[top] {
						return nil, fmt.Errorf("policies: %s (%s): result reads unknown collection %q", c.info.ID, c.file, r)
					}
					continue
				}
				if !slices.ContainsFunc(c.info.Reads, func(cr string) bool { return r == cr || strings.HasPrefix(r, cr+"/") }) {
					return nil, fmt.Errorf("policies: %s (%s): result reads %q, which the check's METADATA reads does not list", c.info.ID, c.file, r)
				}
			}
			f.Gaps = append(f.Gaps, readsMark+strings.Join(reads, ","))
		}
		if hw, ok := m["holds_without"]; ok {
			f.Gaps = append(f.Gaps, withoutMark+strings.Join(stringList(hw), ","))
		}
		out = append(out, f)
	}
	return out, nil
}

// absenceMark flags, between toFindings and guard, a result that rests on
// something not being seen; readsMark carries a result's own, narrower
// reads. guard removes both.
const (
	absenceMark = "\x00absence"
	readsMark   = "\x00reads:"
	withoutMark = "\x00without:"
)

func stringList(v any) []string {
	items, _ := v.([]any)
	var out []string
	for _, it := range items {
		switch s := it.(type) {
		case string:
			out = append(out, s)
		default:
			out = append(out, fmt.Sprint(s))
		}
	}
	return out
}

// guard enforces the rules no check may break:
//
//   - a result whose inputs a gap covers (by collection) is never a pass:
//     it becomes unknown, and so does a fail or warn that rests on
//     something not being seen;
//   - a check that said nothing about a system whose gaps cover its inputs
//     is unknown there: silence about what was not read is not a pass
//     (a target that failed to scan is the extreme case: its system gap
//     covers every input of every check that applies to it);
//   - a check whose METADATA lists no reads is taken to read everything.
//
// KH-COV-001, which reports gaps and failed targets itself, is left alone.
func (e *Engine) guard(st *state, selected []*check, fs []findings.Finding) []findings.Finding {
	byCheck := map[string]*check{}
	for _, c := range selected {
		byCheck[c.ID()] = c
	}
	gapsBySys := map[string][]*gapInfo{}
	var uncovered []*gapInfo
	for _, g := range st.gaps {
		if !g.covered() {
			gapsBySys[g.System] = append(gapsBySys[g.System], g)
			uncovered = append(uncovered, g)
		}
	}
	// gapsOf lists the uncovered gaps that concern a system: its own and,
	// for organisation members (AWS accounts, Azure subscriptions), those
	// of their target that reach them (targetWide).
	gapsOf := func(sys string) []*gapInfo {
		if sys == "" {
			return uncovered
		}
		consider := gapsBySys[sys]
		if s := st.sysByID[sys]; s != nil && s.Target != "" && s.Target != sys {
			consider = slices.Clone(consider)
			for _, g := range gapsBySys[s.Target] {
				if targetWide(s.Kind, g.Collection) {
					consider = append(consider, g)
				}
			}
		}
		return consider
	}
	covering := func(c *check, sys string, reads []string, narrowed bool) []*gapInfo {
		var out []*gapInfo
		for _, g := range gapsOf(sys) {
			if c.covers(g.Collection, reads, narrowed) {
				out = append(out, g)
			}
		}
		return out
	}
	for i := range fs {
		f := &fs[i]
		absence, reads, narrowed := false, []string(nil), false
		var without []string
		for _, m := range f.Gaps {
			switch {
			case m == absenceMark:
				absence = true
			case strings.HasPrefix(m, withoutMark):
				if w := strings.TrimPrefix(m, withoutMark); w != "" {
					without = strings.Split(w, ",")
				}
			case strings.HasPrefix(m, readsMark):
				narrowed = true
				if r := strings.TrimPrefix(m, readsMark); r != "" {
					reads = strings.Split(r, ",")
				}
			}
		}
		f.Gaps = nil
		c := byCheck[f.Check]
		if c == nil || c.reportsGaps() {
			continue
		}
		if f.Status != findings.StatusPass && !absence {
			continue
		}
		gs := covering(c, f.System, reads, narrowed)
		// A result that holds whatever some collections hide (it says
		// so with holds_without) ignores their gaps: unknown only when
		// the missing data could change the answer.
		gs = slices.DeleteFunc(gs, func(g *gapInfo) bool {
			return g.Collection != "system" && slices.ContainsFunc(without, func(w string) bool {
				return g.Collection == w || strings.HasPrefix(g.Collection, w+"/")
			})
		})
		if len(gs) == 0 {
			continue
		}
		f.Status = findings.StatusUnknown
		for _, g := range gs {
			f.Gaps = append(f.Gaps, g.ID)
			f.Evidence = append(f.Evidence, notReadEvidence(g))
		}
		f.Message = "unknown: " + f.Message + " — but its inputs were not all read"
		f.Remediation = c.info.Remediation
	}
	// Checks silent about a system whose gaps cover their inputs: the
	// silence may be what was not read (no backup seen, so no backup
	// judged), so they are unknown there.
	said := map[[2]string]bool{}
	for i := range fs {
		said[[2]string{fs[i].Check, fs[i].System}] = true
	}
	for _, s := range st.systems {
		if st.judgedThroughMembers(s) {
			continue
		}
		for _, c := range selected {
			if c.reportsGaps() || !c.judgesSystem(s.Kind) || said[[2]string{c.info.ID, s.ID}] {
				continue
			}
			gs := covering(c, s.ID, nil, false)
			if len(gs) == 0 {
				continue
			}
			f := findings.Finding{
				Check: c.info.ID, Title: c.info.Title, Status: findings.StatusUnknown, Severity: c.info.Severity,
				System: s.ID, Subjects: []string{s.ID}, Remediation: c.info.Remediation,
			}
			if s.Failed {
				f.Message = fmt.Sprintf("unknown: target %s could not be scanned (%s)", s.ID, s.FailReason)
			} else {
				var cols []string
				for _, g := range gs {
					cols = append(cols, g.Collection)
				}
				slices.Sort(cols)
				cols = slices.Compact(cols)
				verb := "were"
				if len(cols) == 1 {
					verb = "was"
				}
				f.Message = fmt.Sprintf("unknown: nothing was found on %s, but %s %s not read there, so that proves nothing", s.ID, strings.Join(cols, ", "), verb)
			}
			for _, g := range gs {
				f.Gaps = append(f.Gaps, g.ID)
				f.Evidence = append(f.Evidence, notReadEvidence(g))
			}
			fs = append(fs, f)
		}
	}
	return fs
}

// nothingRead adds an unknown KH-KEY-001 finding when no system that can
// hold keys (Entra, AWS, directory, GitHub) was read: no targets, or every
// target failed. Nothing scanned proves nothing, so the verdict is
// incomplete, never ready and never "holds the keys".
func (st *state) nothingRead(selected []*check, fs []findings.Finding) []findings.Finding {
	var key *check
	for _, c := range selected {
		if c.info.ID == "KH-KEY-001" && c.builtin {
			key = c
		}
	}
	if key == nil {
		return fs
	}
	n, failed := 0, 0
	for _, s := range st.systems {
		if s.Kind == findings.SystemDeclared || !key.appliesTo(s.Kind) {
			continue
		}
		n++
		// An organisation member (AWS account, Azure subscription) of a
		// target that failed was not read either.
		if t := st.sysByID[s.Target]; s.Failed || s.Target != s.ID && t != nil && t.Failed {
			failed++
		}
	}
	if n > 0 && failed < n {
		return fs
	}
	msg := "unknown: no system that can hold keys was configured or scanned (no targets), so nothing shows who holds the keys"
	if n > 0 {
		msg = fmt.Sprintf("unknown: every target failed to scan (%d of %d), so nothing shows who holds the keys", failed, n)
	}
	return append(fs, findings.Finding{
		Check: key.info.ID, Title: key.info.Title, Status: findings.StatusUnknown, Severity: key.info.Severity,
		Subjects: []string{}, Message: msg, Remediation: "add the customer's systems as targets (keyholder init) and scan them with read access",
	})
}

func notReadEvidence(g *gapInfo) string {
	return fmt.Sprintf("not read: %s on %s (%s): %s", g.Collection, g.System, g.Reason, g.Error)
}

// keyStatus is the KH-KEY-001 status per system: fail over unknown over
// pass when a system has several.
func keyStatus(fs []findings.Finding) map[string]findings.Status {
	out := map[string]findings.Status{}
	for _, f := range fs {
		if f.Check != "KH-KEY-001" {
			continue
		}
		if prev, ok := out[f.System]; !ok || statusRank[f.Status] < statusRank[prev] {
			out[f.System] = f.Status
		}
	}
	return out
}

// ID returns the check's id.
func (c *check) ID() string { return c.info.ID }

// applyWaivers marks findings waived by an active waiver and returns the
// expired waivers. A waiver is active through the end of its expiry date.
// A waiver with a subject waives a finding when the subject is one of the
// finding's subjects or its system; without a subject it waives every
// finding of the check (CheckWaivers refuses that for blockers). It
// accepts only known failures and warnings: passing findings are never
// waived, nor any unknown (a gap's or the check's own), nor KH-COV-001.
func applyWaivers(cfg *config.Config, asOf time.Time, fs []findings.Finding) []findings.Waiver {
	var active []findings.Waiver
	var expired []findings.Waiver
	for _, w := range cfg.Policy.Waivers {
		fw := findings.Waiver{Check: w.Check, Subject: w.Subject, Reason: w.Reason}
		if w.Expires != nil {
			fw.Expires = w.Expires.Time
		}
		if w.Expires == nil || !asOf.Before(w.Expires.AddDate(0, 0, 1)) {
			expired = append(expired, fw)
			continue
		}
		active = append(active, fw)
	}
	for i := range fs {
		f := &fs[i]
		if f.Status == findings.StatusPass {
			continue
		}
		if f.Status == findings.StatusUnknown || f.Check == "KH-COV-001" {
			// Unknown, whether a gap or the check itself says so: a
			// waiver accepts a known risk, it cannot stand in for facts
			// nobody has seen. KH-COV-001 says what was not read.
			continue
		}
		for j := range active {
			w := active[j]
			if w.Check != f.Check {
				continue
			}
			if w.Subject != "" && w.Subject != f.System && !slices.Contains(f.Subjects, w.Subject) {
				continue
			}
			f.Waiver = &w
			f.Evidence = append(f.Evidence, fmt.Sprintf("was %s before the waiver", f.Status))
			f.Status = findings.StatusWaived
			break
		}
	}
	slices.SortFunc(expired, func(a, b findings.Waiver) int {
		return cmp.Or(strings.Compare(a.Check, b.Check), strings.Compare(a.Subject, b.Subject), a.Expires.Compare(b.Expires))
	})
	return expired
}

var statusRank = map[findings.Status]int{
	findings.StatusFail: 0, findings.StatusUnknown: 1, findings.StatusWarn: 2, findings.StatusWaived: 3, findings.StatusPass: 4,
}

// sortFindings orders findings by check, system, subjects, status and
// message, so the same facts always list in the same order.
func sortFindings(fs []findings.Finding) {
	for i := range fs {
		if fs[i].Subjects == nil {
			fs[i].Subjects = []string{}
		}
	}
	slices.SortStableFunc(fs, func(a, b findings.Finding) int {
		return cmp.Or(
			strings.Compare(a.Check, b.Check),
			strings.Compare(a.System, b.System),
			slices.Compare(a.Subjects, b.Subjects),
			cmp.Compare(statusRank[a.Status], statusRank[b.Status]),
			strings.Compare(a.Message, b.Message),
		)
	})
}
