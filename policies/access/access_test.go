package access

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
)

var asOf = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func at(days int) *time.Time {
	t := asOf.AddDate(0, 0, days)
	return &t
}

func g(principal, privilege string, level findings.Level, as findings.Assignment, expires *time.Time, via ...string) findings.Grant {
	return findings.Grant{
		ID: findings.GrantID("s", principal, privilege, "s", as, via), System: "s", PrincipalID: principal,
		Privilege: privilege, Level: level, Scope: "s", Assignment: as, Expires: expires, Via: via, Direct: len(via) == 0,
	}
}

func m(member, group string) findings.Membership {
	return findings.Membership{ID: member + ">" + group, System: "s", MemberID: member, GroupID: group}
}

func rowOf(t *testing.T, res *Result, principal, privilege string) Row {
	t.Helper()
	for _, r := range res.Rows {
		if r.Principal == principal && r.Privilege == privilege {
			return r
		}
	}
	t.Fatalf("no row %s %s in %+v", principal, privilege, res.Rows)
	return Row{}
}

func hasRow(res *Result, principal, privilege string) bool {
	for _, r := range res.Rows {
		if r.Principal == principal && r.Privilege == privilege {
			return true
		}
	}
	return false
}

func TestNesting(t *testing.T) {
	snap := &findings.Snapshot{
		Memberships: []findings.Membership{m("alice", "inner"), m("inner", "middle"), m("middle", "admins"), m("bob", "admins")},
		Grants:      []findings.Grant{g("admins", "Domain Admins", findings.LevelSuperAdmin, findings.AssignmentActive, nil)},
	}
	res := Compute(snap, Options{AsOf: asOf})
	a := rowOf(t, res, "alice", "Domain Admins")
	if !slices.Equal(a.Via, []string{"inner", "middle", "admins"}) || a.Direct || !a.Active || !a.Permanent {
		t.Errorf("alice: %+v", a)
	}
	b := rowOf(t, res, "bob", "Domain Admins")
	if !slices.Equal(b.Via, []string{"admins"}) {
		t.Errorf("bob: %+v", b)
	}
	if r := rowOf(t, res, "admins", "Domain Admins"); !r.Direct || len(r.Via) != 0 {
		t.Errorf("the group itself: %+v", r)
	}
	for _, id := range []string{"inner", "middle"} {
		rowOf(t, res, id, "Domain Admins")
	}
}

func TestCycles(t *testing.T) {
	snap := &findings.Snapshot{
		Memberships: []findings.Membership{m("a", "b"), m("b", "c"), m("c", "a"), m("carol", "a"), m("x", "x")},
		Grants:      []findings.Grant{g("c", "Admins", findings.LevelAdmin, findings.AssignmentActive, nil)},
	}
	done := make(chan *Result)
	go func() { done <- Compute(snap, Options{AsOf: asOf}) }()
	var res *Result
	select {
	case res = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Compute hangs on a membership cycle")
	}
	for _, id := range []string{"a", "b", "c", "carol"} {
		rowOf(t, res, id, "Admins")
	}
	if r := rowOf(t, res, "carol", "Admins"); !slices.Equal(r.Via, []string{"a", "b", "c"}) {
		t.Errorf("carol via %v", r.Via)
	}
	want := [][]string{{"a", "b", "c"}, {"x"}}
	if len(res.Cycles) != 2 || !slices.Equal(res.Cycles[0], want[0]) || !slices.Equal(res.Cycles[1], want[1]) {
		t.Errorf("cycles %v, want %v", res.Cycles, want)
	}
}

func TestEligibleActiveAndExpiry(t *testing.T) {
	snap := &findings.Snapshot{
		Memberships: []findings.Membership{m("dan", "pim-group")},
		Grants: []findings.Grant{
			g("erin", "Global Administrator", findings.LevelSuperAdmin, findings.AssignmentEligible, nil),
			g("frank", "Global Administrator", findings.LevelSuperAdmin, findings.AssignmentTimeBound, at(-1)),
			g("gina", "Global Administrator", findings.LevelSuperAdmin, findings.AssignmentTimeBound, at(30)),
			g("hal", "Global Administrator", findings.LevelSuperAdmin, findings.AssignmentEligible, at(-3)),
			// dan: eligible directly, active through a group: active wins.
			g("dan", "Exchange Administrator", findings.LevelAdmin, findings.AssignmentEligible, nil),
			g("pim-group", "Exchange Administrator", findings.LevelAdmin, findings.AssignmentTimeBound, at(10)),
			// ivy: two time-bound paths: the later end counts; a permanent one wins.
			g("ivy", "User Administrator", findings.LevelAdmin, findings.AssignmentTimeBound, at(5)),
			g("ivy", "User Administrator", findings.LevelAdmin, findings.AssignmentTimeBound, at(50), "trust:x"),
			g("jo", "User Administrator", findings.LevelAdmin, findings.AssignmentTimeBound, at(5)),
			g("jo", "User Administrator", findings.LevelAdmin, findings.AssignmentActive, nil, "grp"),
		},
	}
	res := Compute(snap, Options{AsOf: asOf})
	if r := rowOf(t, res, "erin", "Global Administrator"); r.Active || !r.Eligible || r.Assignment() != findings.AssignmentEligible {
		t.Errorf("erin (eligible only): %+v", r)
	}
	if hasRow(res, "frank", "Global Administrator") || hasRow(res, "hal", "Global Administrator") {
		t.Error("an expired grant is still effective")
	}
	if !slices.Contains(res.Expired, snap.Grants[1].ID) || !slices.Contains(res.Expired, snap.Grants[3].ID) {
		t.Errorf("expired list %v", res.Expired)
	}
	if r := rowOf(t, res, "gina", "Global Administrator"); !r.Active || r.Permanent || r.Expires == nil || !r.Expires.Equal(*at(30)) || r.Assignment() != findings.AssignmentTimeBound {
		t.Errorf("gina (time-bound): %+v", r)
	}
	if r := rowOf(t, res, "dan", "Exchange Administrator"); !r.Active || !r.Eligible || r.Paths != 2 || !slices.Equal(r.Via, []string{"pim-group"}) {
		t.Errorf("dan (eligible and active through a group): %+v", r)
	}
	if r := rowOf(t, res, "ivy", "User Administrator"); r.Expires == nil || !r.Expires.Equal(*at(50)) || r.Permanent {
		t.Errorf("ivy: %+v", r)
	}
	if r := rowOf(t, res, "jo", "User Administrator"); !r.Permanent || r.Expires != nil {
		t.Errorf("jo: %+v", r)
	}
}

func TestTrustsCarryAccess(t *testing.T) {
	snap := &findings.Snapshot{
		Principals: []findings.Principal{
			{ID: "role:s:MSPAdmin", System: "s", Kind: findings.PrincipalRole},
			{ID: "external:s:222222222222", System: "s", Kind: findings.PrincipalExternal, NativeID: "222222222222"},
		},
		Grants: []findings.Grant{
			g("role:s:MSPAdmin", "AdministratorAccess", findings.LevelSuperAdmin, findings.AssignmentActive, nil),
		},
		Trusts: []findings.Trust{
			{ID: "trust:s:msp", System: "s", Kind: findings.TrustAWSRole, Counterparty: "999999999999", CounterpartyKind: "aws_account", PrincipalID: "role:s:MSPAdmin"},
			{ID: "trust:s:known", System: "s", Kind: findings.TrustAWSRole, Counterparty: "222222222222", CounterpartyKind: "aws_account", PrincipalID: "role:s:MSPAdmin", Expires: at(20)},
			{ID: "trust:s:gdap", System: "s", Kind: findings.TrustDeclared, Counterparty: "Acme", CounterpartyKind: "provider", Permissions: []string{"Helpdesk Administrator"}, Expires: at(100)},
			{ID: "trust:s:old", System: "s", Kind: findings.TrustEntraGDAP, Counterparty: "t-old", CounterpartyKind: "entra_tenant", Level: findings.LevelSuperAdmin, Expires: at(-1)},
		},
	}
	level := func(t *findings.Trust) findings.Level {
		if t.Kind == findings.TrustDeclared {
			return findings.LevelAdmin
		}
		return t.Level
	}
	res := Compute(snap, Options{AsOf: asOf, TrustLevel: level})
	r := rowOf(t, res, "external:s:999999999999", "AdministratorAccess")
	if r.Level != findings.LevelSuperAdmin || !slices.Equal(r.Via, []string{"trust:s:msp", "role:s:MSPAdmin"}) || !r.Permanent {
		t.Errorf("trust-carried row: %+v", r)
	}
	if res.TrustLevels["trust:s:msp"] != findings.LevelSuperAdmin {
		t.Errorf("trust level %q", res.TrustLevels["trust:s:msp"])
	}
	// An existing external principal is used, and the trust's expiry bounds the access.
	if r := rowOf(t, res, "external:s:222222222222", "AdministratorAccess"); r.Permanent || r.Expires == nil || !r.Expires.Equal(*at(20)) {
		t.Errorf("bounded by the trust's expiry: %+v", r)
	}
	if r := rowOf(t, res, "external:s:Acme", "Helpdesk Administrator"); r.Level != findings.LevelAdmin || !slices.Equal(r.Via, []string{"trust:s:gdap"}) || r.Assignment() != findings.AssignmentTimeBound {
		t.Errorf("declared relationship row: %+v", r)
	}
	if hasRow(res, "external:s:t-old", "") || !slices.Contains(res.Expired, "trust:s:old") {
		t.Errorf("an expired trust still carries access: %v", res.Expired)
	}
	var ids []string
	for _, c := range res.Counterparties {
		ids = append(ids, c.ID)
	}
	if !slices.Equal(ids, []string{"external:s:999999999999", "external:s:Acme"}) {
		t.Errorf("synthetic counterparties %v", ids)
	}
	if res.TrustPrincipals["trust:s:known"] != "external:s:222222222222" {
		t.Errorf("trust principal %q", res.TrustPrincipals["trust:s:known"])
	}
}

func TestRootImplicit(t *testing.T) {
	snap := &findings.Snapshot{Principals: []findings.Principal{{ID: "root:s:1", System: "s", Kind: findings.PrincipalRoot}}}
	r := rowOf(t, Compute(snap, Options{AsOf: asOf}), "root:s:1", "root user")
	if r.Level != findings.LevelSuperAdmin || !r.Implicit || !r.Permanent {
		t.Errorf("root: %+v", r)
	}
}

func TestRowOrderDeterministic(t *testing.T) {
	snap := &findings.Snapshot{
		Memberships: []findings.Membership{m("z", "g"), m("a", "g")},
		Grants:      []findings.Grant{g("g", "P", findings.LevelRead, findings.AssignmentActive, nil), g("b", "Q", findings.LevelRead, findings.AssignmentActive, nil)},
	}
	res := Compute(snap, Options{AsOf: asOf})
	var got []string
	for _, r := range res.Rows {
		got = append(got, r.Principal)
	}
	// Grouped by principal, principals in id order.
	if want := []string{"a", "b", "g", "z"}; !slices.Equal(got, want) {
		t.Errorf("row order %v, want %v", got, want)
	}
}

// TestIssue21_FoldSeesEveryRowOnce: with Options.Fold, every row of a
// principal no trust lets in goes through Fold exactly once, in the
// order of the unfolded rows, and only the rows Fold keeps remain; the
// rows of trusted and external principals (which the trust phase reads
// and merges into) are never folded, so trust-carried access, trust
// levels and counterparties are what they are without folding.
func TestIssue21_FoldSeesEveryRowOnce(t *testing.T) {
	snap := &findings.Snapshot{
		Principals: []findings.Principal{
			{ID: "role:s:MSPAdmin", System: "s", Kind: findings.PrincipalRole},
			{ID: "external:s:222222222222", System: "s", Kind: findings.PrincipalExternal, NativeID: "222222222222"},
			{ID: "root:s:1", System: "s", Kind: findings.PrincipalRoot},
		},
		Memberships: []findings.Membership{m("alice", "inner"), m("inner", "admins"), m("bob", "admins"), m("role:s:MSPAdmin", "readers")},
		Grants: []findings.Grant{
			g("admins", "Domain Admins", findings.LevelSuperAdmin, findings.AssignmentActive, nil),
			g("readers", "Reader", findings.LevelRead, findings.AssignmentActive, nil),
			g("bob", "Reader", findings.LevelRead, findings.AssignmentEligible, nil),
			g("role:s:MSPAdmin", "AdministratorAccess", findings.LevelSuperAdmin, findings.AssignmentActive, nil),
			g("external:s:222222222222", "Reader", findings.LevelRead, findings.AssignmentActive, nil),
		},
		Trusts: []findings.Trust{
			{ID: "trust:s:known", System: "s", Kind: findings.TrustAWSRole, Counterparty: "222222222222", CounterpartyKind: "aws_account", PrincipalID: "role:s:MSPAdmin"},
			{ID: "trust:s:msp", System: "s", Kind: findings.TrustAWSRole, Counterparty: "999999999999", CounterpartyKind: "aws_account", PrincipalID: "role:s:MSPAdmin"},
		},
	}
	full := Compute(snap, Options{AsOf: asOf})
	var folded []Row
	keep := func(r *Row) bool {
		folded = append(folded, *r)
		return r.Level == findings.LevelSuperAdmin
	}
	res := Compute(snap, Options{AsOf: asOf, Fold: keep})

	notFolded := func(p string) bool {
		return p == "role:s:MSPAdmin" || strings.HasPrefix(p, "external:")
	}
	var wantFolded, wantRows []Row
	for _, r := range full.Rows {
		if notFolded(r.Principal) {
			wantRows = append(wantRows, r)
			continue
		}
		wantFolded = append(wantFolded, r)
		if r.Level == findings.LevelSuperAdmin {
			wantRows = append(wantRows, r)
		}
	}
	if len(wantFolded) == 0 || len(wantFolded) == len(full.Rows) {
		t.Fatalf("fixture folds %d of %d rows: it must fold some and keep some", len(wantFolded), len(full.Rows))
	}
	if !reflect.DeepEqual(folded, wantFolded) {
		t.Errorf("folded rows\n got %+v\nwant %+v", folded, wantFolded)
	}
	if !reflect.DeepEqual(res.Rows, wantRows) {
		t.Errorf("kept rows\n got %+v\nwant %+v", res.Rows, wantRows)
	}
	if !reflect.DeepEqual(res.TrustLevels, full.TrustLevels) || !reflect.DeepEqual(res.TrustPrincipals, full.TrustPrincipals) ||
		!reflect.DeepEqual(res.Counterparties, full.Counterparties) || !reflect.DeepEqual(res.Cycles, full.Cycles) {
		t.Errorf("trust results differ with folding: %+v vs %+v", res, full)
	}
	// The existing external principal's own row and the trust-carried
	// one are merged, not duplicated.
	if r := rowOf(t, res, "external:s:222222222222", "AdministratorAccess"); !slices.Equal(r.Via, []string{"trust:s:known", "role:s:MSPAdmin"}) {
		t.Errorf("trust-carried row: %+v", r)
	}
	// A graph built beforehand gives the same result.
	if again := Compute(snap, Options{AsOf: asOf, Graph: NewGraph(snap.Memberships)}); !reflect.DeepEqual(again.Rows, full.Rows) {
		t.Errorf("rows with Options.Graph differ")
	}
}
