package access

import (
	"slices"
	"strings"
	"time"

	"github.com/keyholder/keyholder/findings"
)

// Row is one effective privilege: Principal holds Privilege at Scope on
// System, through one or more paths (direct grants, group chains, trusts).
// Paths to the same privilege and scope are merged.
type Row struct {
	Principal   string
	System      string
	Privilege   string
	PrivilegeID string
	Scope       string
	Level       findings.Level
	// Grant is the grant id of the chosen path.
	Grant string
	// Expires is the latest end of the active, time-bound paths (nil when
	// Permanent or when the row is only eligible).
	Expires *time.Time
	// Via is the chain of the chosen path, nearest first: groups, then the
	// grant's own via (a trust, the local principal a trust lets in).
	Via       []string
	Sensitive []string
	// Paths counts the paths merged into the row.
	Paths int32
	// Active is true when at least one path holds the privilege now;
	// Eligible when at least one path can be activated (PIM).
	Active   bool
	Eligible bool
	// Permanent is true when an active path has no end.
	Permanent bool
	// Direct is true when the chosen path is a grant on Principal itself.
	Direct bool
	// Implicit is true for access no grant states but the system implies
	// (the AWS root user's full access).
	Implicit bool
}

// The fields are ordered so that the flags and Paths share one word: a
// large estate has over a million rows.

// Assignment is the row's effective assignment: permanent, time_bound or
// eligible.
func (r *Row) Assignment() findings.Assignment {
	switch {
	case r.Active && r.Permanent:
		return findings.AssignmentPermanent
	case r.Active:
		return findings.AssignmentTimeBound
	}
	return findings.AssignmentEligible
}

// Counterparty is an outside party a trust lets in that has no principal
// of its own in the snapshot; Compute gives it a synthetic id
// "external:<system>:<counterparty>".
type Counterparty struct {
	ID       string
	System   string
	NativeID string
	// Kind is the trust's counterparty kind ("aws_account", "entra_tenant").
	Kind   string
	Trusts []string
}

// Result is the effective access of a snapshot.
type Result struct {
	// Rows are grouped by principal, principals in id order, then the
	// rows trusts carry to counterparties; within a principal, rows come
	// in the order of its paths (own grants by grant id, then group
	// paths). Deterministic for a canonical snapshot.
	Rows []Row
	// Expired lists the grant and trust ids dropped because they ended
	// before the evaluation time.
	Expired []string
	// Cycles are the membership cycles found (see Graph.Cycles).
	Cycles [][]string
	// Counterparties are the synthetic principals created for trusts.
	Counterparties []Counterparty
	// TrustLevels is the strongest level each trust carries: its own level
	// or that of the local principal it lets the counterparty act as.
	TrustLevels map[string]findings.Level
	// TrustPrincipals maps each trust id to the principal id that stands
	// for its counterparty in Rows.
	TrustPrincipals map[string]string
	Graph           *Graph
}

// Options tune Compute.
type Options struct {
	// AsOf is the evaluation time; grants and trusts that ended before it
	// are dropped. Required.
	AsOf time.Time
	// TrustLevel returns the level a trust carries by itself; nil means
	// the trust's Level field.
	TrustLevel func(*findings.Trust) findings.Level
	// Graph, when set, is the membership graph of the snapshot's
	// memberships (NewGraph), built by the caller beforehand; nil builds
	// it.
	Graph *Graph
	// Fold, when set, is called once with each finished row of a
	// principal that no trust lets in and that is not an external
	// principal (their rows may still change), principal by principal in
	// the order of Rows; a row for which it returns false is left out of
	// Result.Rows. A caller that only needs a summary of most rows folds
	// them as they are made instead of holding them all: on a large
	// estate the rows are the bulk of the memory.
	Fold func(*Row) bool
}

type rowKey struct {
	principal, system, privilege, scope string
}

// path is one way a principal holds a grant.
type path struct {
	g        *findings.Grant
	via      []string
	direct   bool
	implicit bool
}

type builder struct {
	asOf time.Time
	rows []Row
	// Rows are merged per principal: rows[start:] are the current
	// principal's. Few rows are scanned; many get a map.
	start int
	local map[rowKey]int32
	// global, when set, indexes every row (the trust phase).
	global map[rowKey]int32
}

const scanLimit = 24

// begin starts the rows of the next principal.
func (b *builder) begin() {
	b.start = len(b.rows)
	if b.local != nil {
		clear(b.local)
	}
}

func (b *builder) find(k rowKey) (int, bool) {
	if b.global != nil {
		i, ok := b.global[k]
		return int(i), ok
	}
	n := len(b.rows) - b.start
	if n <= scanLimit {
		for i := b.start; i < len(b.rows); i++ {
			r := &b.rows[i]
			if r.Scope == k.scope && r.Privilege == k.privilege && r.System == k.system && r.Principal == k.principal {
				return i, true
			}
		}
		return 0, false
	}
	if b.local == nil {
		b.local = map[rowKey]int32{}
	}
	if len(b.local) == 0 {
		for i := b.start; i < len(b.rows); i++ {
			r := &b.rows[i]
			b.local[rowKey{r.Principal, r.System, r.Privilege, r.Scope}] = int32(i)
		}
	}
	i, ok := b.local[k]
	return int(i), ok
}

// fold passes the current principal's rows to keep and drops those it
// refuses.
func (b *builder) fold(keep func(*Row) bool) {
	w := b.start
	for i := b.start; i < len(b.rows); i++ {
		if keep(&b.rows[i]) {
			b.rows[w] = b.rows[i]
			w++
		}
	}
	clear(b.rows[w:])
	b.rows = b.rows[:w]
}

func (b *builder) appendRow(k rowKey, r Row) {
	b.rows = append(b.rows, r)
	i := int32(len(b.rows) - 1)
	switch {
	case b.global != nil:
		b.global[k] = i
	case len(b.local) > 0:
		b.local[k] = i
	}
}

// Compute resolves the effective access of snap as of opts.AsOf. It reads
// snap and never modifies it.
func Compute(snap *findings.Snapshot, opts Options) *Result {
	b := &builder{asOf: opts.AsOf}
	res := &Result{TrustLevels: map[string]findings.Level{}, TrustPrincipals: map[string]string{}}
	g := opts.Graph
	if g == nil {
		g = NewGraph(snap.Memberships)
	}
	res.Graph = g
	res.Cycles = g.Cycles()

	// Grants by holder, in snapshot order (sorted by grant id).
	holders := map[string][]int{}
	var holderOrder []string
	for i := range snap.Grants {
		gr := &snap.Grants[i]
		if gr.Expires != nil && !gr.Expires.After(opts.AsOf) {
			res.Expired = append(res.Expired, gr.ID)
			continue
		}
		if _, ok := holders[gr.PrincipalID]; !ok {
			holderOrder = append(holderOrder, gr.PrincipalID)
		}
		holders[gr.PrincipalID] = append(holders[gr.PrincipalID], i)
	}
	slices.Sort(holderOrder)

	// Invert the walks: for each member, the group holders that reach it
	// and the chain, so each principal's rows are built (and merged) in
	// one place.
	type inPath struct {
		holder string
		via    []string
	}
	inbound := map[string][]inPath{}
	total := 0
	for _, h := range holderOrder {
		total += len(holders[h])
		if !g.HasMembers(h) {
			continue
		}
		for _, m := range g.Walk(h) {
			inbound[m.ID] = append(inbound[m.ID], inPath{holder: h, via: m.Via})
			total += len(holders[h])
		}
	}
	roots := map[string]*findings.Principal{}
	for i := range snap.Principals {
		if p := &snap.Principals[i]; p.Kind == findings.PrincipalRoot {
			roots[p.ID] = p
		}
	}
	all := slices.Clone(holderOrder)
	for id := range inbound {
		if _, ok := holders[id]; !ok {
			all = append(all, id)
		}
	}
	for id := range roots {
		if _, ok := holders[id]; !ok {
			if _, ok := inbound[id]; !ok {
				all = append(all, id)
			}
		}
	}
	slices.Sort(all)
	// Room for the rows trusts will carry too: at most one per path of
	// each trusted local principal, plus one per trust.
	for i := range snap.Trusts {
		total++
		if p := snap.Trusts[i].PrincipalID; p != "" {
			total += len(holders[p])
			for _, ip := range inbound[p] {
				total += len(holders[ip.holder])
			}
			if roots[p] != nil {
				total++
			}
		}
	}
	// Principals whose rows the trust phase reads or merges into are not
	// folded.
	trusted := map[string]bool{}
	for i := range snap.Trusts {
		if p := snap.Trusts[i].PrincipalID; p != "" {
			trusted[p] = true
		}
	}
	if opts.Fold == nil {
		b.rows = make([]Row, 0, total+len(roots))
	}
	external := string(findings.PrincipalExternal) + ":"

	for _, p := range all {
		b.begin()
		for _, i := range holders[p] {
			gr := &snap.Grants[i]
			b.add(p, path{g: gr, via: gr.Via, direct: gr.Direct || len(gr.Via) == 0})
		}
		for _, ip := range inbound[p] {
			for _, i := range holders[ip.holder] {
				gr := &snap.Grants[i]
				via := ip.via
				if len(gr.Via) > 0 {
					via = append(slices.Clip(ip.via), gr.Via...)
				}
				b.add(p, path{g: gr, via: via})
			}
		}
		// The AWS root user holds full access whether or not a grant
		// says so.
		if rp := roots[p]; rp != nil {
			b.add(p, path{g: &findings.Grant{
				ID: "", System: rp.System, PrincipalID: rp.ID, Privilege: "root user",
				Level: findings.LevelSuperAdmin, Scope: "account", Assignment: findings.AssignmentPermanent,
			}, direct: true, implicit: true})
		}
		if opts.Fold != nil && !trusted[p] && !strings.HasPrefix(p, external) {
			b.fold(opts.Fold)
		}
	}

	b.trusts(snap, opts, res)

	res.Rows = b.rows
	slices.Sort(res.Expired)
	return res
}

// trusts carries the access of each trust's local principal, or the
// trust's own level, to its counterparty.
func (b *builder) trusts(snap *findings.Snapshot, opts Options, res *Result) {
	level := opts.TrustLevel
	if level == nil {
		level = func(t *findings.Trust) findings.Level { return t.Level }
	}
	// From here on rows are merged across principals: index the rows of
	// principals that already exist and may be counterparties.
	b.global = map[rowKey]int32{}
	for i := range b.rows {
		if b.rows[i].Principal != "" && strings.HasPrefix(b.rows[i].Principal, string(findings.PrincipalExternal)+":") {
			r := &b.rows[i]
			b.global[rowKey{r.Principal, r.System, r.Privilege, r.Scope}] = int32(i)
		}
	}
	// Rows of each principal that a trust lets in, before trust rows are
	// added (no trust chains through another trust).
	local := map[string][]int{}
	for i := range snap.Trusts {
		if p := snap.Trusts[i].PrincipalID; p != "" {
			local[p] = nil
		}
	}
	for i := range b.rows {
		if _, ok := local[b.rows[i].Principal]; ok {
			local[b.rows[i].Principal] = append(local[b.rows[i].Principal], i)
		}
	}
	externals := map[string]string{} // system\x00native -> principal id
	for i := range snap.Principals {
		p := &snap.Principals[i]
		if p.Kind == findings.PrincipalExternal {
			externals[p.System+"\x00"+p.NativeID] = p.ID
		}
	}
	synth := map[string]*Counterparty{}
	for i := range snap.Trusts {
		t := &snap.Trusts[i]
		own := level(t)
		best := own
		if t.PrincipalID != "" {
			for _, ri := range local[t.PrincipalID] {
				if l := b.rows[ri].Level; l.Rank() > best.Rank() {
					best = l
				}
			}
		}
		if best != "" {
			res.TrustLevels[t.ID] = best
		}
		if t.Expires != nil && !t.Expires.After(opts.AsOf) {
			res.Expired = append(res.Expired, t.ID)
			continue
		}
		if t.Counterparty == "" {
			continue
		}
		cp, ok := externals[t.System+"\x00"+t.Counterparty]
		if !ok {
			cp = findings.PrincipalID(findings.PrincipalExternal, t.System, t.Counterparty)
			c := synth[cp]
			if c == nil {
				c = &Counterparty{ID: cp, System: t.System, NativeID: t.Counterparty, Kind: t.CounterpartyKind}
				synth[cp] = c
			}
			c.Trusts = append(c.Trusts, t.ID)
		}
		res.TrustPrincipals[t.ID] = cp
		if t.PrincipalID != "" {
			for _, ri := range local[t.PrincipalID] {
				r := b.rows[ri] // copy: b.rows may grow below
				via := append([]string{t.ID, t.PrincipalID}, r.Via...)
				gr := &findings.Grant{
					ID: r.Grant, System: r.System, PrincipalID: cp, Privilege: r.Privilege, PrivilegeID: r.PrivilegeID,
					Level: r.Level, Scope: r.Scope, Sensitive: r.Sensitive, Expires: minTime(r.Expires, t.Expires),
				}
				switch {
				case !r.Active:
					gr.Assignment = findings.AssignmentEligible
				case r.Permanent && t.Expires == nil:
					gr.Assignment = findings.AssignmentPermanent
				default:
					gr.Assignment = findings.AssignmentTimeBound
				}
				b.add(cp, path{g: gr, via: via})
			}
		}
		if own != "" {
			priv := t.Name
			if len(t.Permissions) > 0 {
				priv = strings.Join(t.Permissions, ", ")
			}
			as := findings.AssignmentPermanent
			if t.Expires != nil {
				as = findings.AssignmentTimeBound
			}
			b.add(cp, path{g: &findings.Grant{
				ID: "", System: t.System, PrincipalID: cp, Privilege: priv, Level: own,
				Scope: t.System, Assignment: as, Expires: t.Expires,
			}, via: []string{t.ID}})
		}
	}
	for _, c := range synth {
		slices.Sort(c.Trusts)
		res.Counterparties = append(res.Counterparties, *c)
	}
	slices.SortFunc(res.Counterparties, func(x, y Counterparty) int { return strings.Compare(x.ID, y.ID) })
}

func minTime(a, b *time.Time) *time.Time {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case b.Before(*a):
		return b
	}
	return a
}

// add merges one path into the row of (principal, system, privilege,
// scope).
func (b *builder) add(principal string, p path) {
	g := p.g
	if g.Level.Rank() == 0 {
		return
	}
	active := g.Assignment != findings.AssignmentEligible
	permanent := active && g.Expires == nil && g.Assignment != findings.AssignmentTimeBound
	var expires *time.Time
	if active && !permanent {
		expires = g.Expires
	}
	k := rowKey{principal, g.System, g.Privilege, g.Scope}
	if i, ok := b.find(k); ok {
		r := &b.rows[i]
		r.Paths++
		if g.Level.Rank() > r.Level.Rank() {
			r.Level = g.Level
		}
		r.Sensitive = mergeSorted(r.Sensitive, g.Sensitive)
		if better(p, active, r) {
			r.Via, r.Direct, r.Grant, r.Implicit = p.via, p.direct, g.ID, p.implicit
			if g.PrivilegeID != "" {
				r.PrivilegeID = g.PrivilegeID
			}
		}
		if active {
			if !r.Active {
				r.Active = true
				r.Expires = expires
			} else if !r.Permanent && !permanent && expires != nil && (r.Expires == nil || expires.After(*r.Expires)) {
				r.Expires = expires
			}
			if permanent {
				r.Permanent = true
				r.Expires = nil
			}
		} else {
			r.Eligible = true
		}
		return
	}
	b.appendRow(k, Row{
		Principal: principal, System: g.System, Privilege: g.Privilege, PrivilegeID: g.PrivilegeID,
		Scope: g.Scope, Level: g.Level, Active: active, Eligible: !active, Permanent: permanent,
		Expires: expires, Via: p.via, Direct: p.direct, Grant: g.ID, Paths: 1,
		Sensitive: g.Sensitive, Implicit: p.implicit,
	})
}

// better reports whether path p should replace the row's chosen path:
// active beats eligible, then fewer hops, then the smaller grant id.
func better(p path, active bool, r *Row) bool {
	if active != r.Active {
		return active
	}
	if len(p.via) != len(r.Via) {
		return len(p.via) < len(r.Via)
	}
	return p.g.ID < r.Grant
}

func mergeSorted(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}
