package access

import (
	"cmp"
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
	// Active is true when at least one path holds the privilege now;
	// Eligible when at least one path can be activated (PIM).
	Active   bool
	Eligible bool
	// Permanent is true when an active path has no end. Expires is the
	// latest end of the active, time-bound paths (nil when Permanent or
	// when the row is only eligible).
	Permanent bool
	Expires   *time.Time
	// Via is the chain of the chosen path, nearest first: groups, then the
	// grant's own via (a trust, the local principal a trust lets in).
	Via []string
	// Direct is true when the chosen path is a grant on Principal itself.
	Direct bool
	// Grant is the grant id of the chosen path; Paths counts the paths.
	Grant     string
	Paths     int
	Sensitive []string
	// Implicit is true for access no grant states but the system implies
	// (the AWS root user's full access).
	Implicit bool
}

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
	// Rows are sorted by principal, system, privilege, scope.
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
	asOf  time.Time
	index map[rowKey]int32
	rows  []Row
}

// Compute resolves the effective access of snap as of opts.AsOf. It reads
// snap and never modifies it.
func Compute(snap *findings.Snapshot, opts Options) *Result {
	b := &builder{asOf: opts.AsOf, index: make(map[rowKey]int32, len(snap.Grants))}
	res := &Result{TrustLevels: map[string]findings.Level{}, TrustPrincipals: map[string]string{}}
	g := NewGraph(snap.Memberships)
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

	for _, h := range holderOrder {
		idx := holders[h]
		for _, i := range idx {
			gr := &snap.Grants[i]
			b.add(h, path{g: gr, via: gr.Via, direct: gr.Direct || len(gr.Via) == 0})
		}
		if !g.HasMembers(h) {
			continue
		}
		for _, m := range g.Walk(h) {
			for _, i := range idx {
				gr := &snap.Grants[i]
				via := m.Via
				if len(gr.Via) > 0 {
					via = append(slices.Clip(m.Via), gr.Via...)
				}
				b.add(m.ID, path{g: gr, via: via})
			}
		}
	}

	// The AWS root user holds full access whether or not a grant says so.
	for i := range snap.Principals {
		p := &snap.Principals[i]
		if p.Kind != findings.PrincipalRoot {
			continue
		}
		b.add(p.ID, path{g: &findings.Grant{
			ID: "", System: p.System, PrincipalID: p.ID, Privilege: "root user",
			Level: findings.LevelSuperAdmin, Scope: "account", Assignment: findings.AssignmentPermanent,
		}, direct: true, implicit: true})
	}

	b.trusts(snap, opts, res)

	res.Rows = b.rows
	slices.SortFunc(res.Rows, func(x, y Row) int {
		return cmp.Or(
			strings.Compare(x.Principal, y.Principal),
			strings.Compare(x.System, y.System),
			strings.Compare(x.Privilege, y.Privilege),
			strings.Compare(x.Scope, y.Scope),
		)
	})
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
	if i, ok := b.index[k]; ok {
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
	b.index[k] = int32(len(b.rows))
	b.rows = append(b.rows, Row{
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
