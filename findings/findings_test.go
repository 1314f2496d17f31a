package findings

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func ts(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func sample(reverse bool) *Snapshot {
	sys := System{ID: "m365", Kind: SystemEntra, Target: "m365", Name: "Contoso", NativeID: "t1", Domains: []string{"b.com", "a.com", "a.com"}}
	p1 := Principal{ID: PrincipalID(PrincipalUser, "m365", "u1"), System: "m365", Kind: PrincipalUser, NativeID: "u1", Emails: []string{"z@a.com", "a@a.com"}, Enabled: true, MFA: MFARegistered,
		LastActivity: ts("2026-10-01T10:00:00+02:00")}
	p2 := Principal{ID: PrincipalID(PrincipalGroup, "m365", "g1"), System: "m365", Kind: PrincipalGroup, NativeID: "g1", Attributes: map[string]string{"z": "1", "a": "2"}}
	g1 := Grant{ID: GrantID("m365", p1.ID, "Global Administrator", "/", AssignmentActive, nil), System: "m365", PrincipalID: p1.ID, Privilege: "Global Administrator", Level: LevelSuperAdmin, Scope: "/", Assignment: AssignmentActive, Direct: true}
	g2 := Grant{ID: GrantID("m365", p2.ID, "User Administrator", "/", AssignmentEligible, nil), System: "m365", PrincipalID: p2.ID, Privilege: "User Administrator", Level: LevelAdmin, Scope: "/", Assignment: AssignmentEligible, Direct: true}
	s := &Snapshot{
		Tool:        Tool{Name: "keyholder", Version: "t"},
		StartedAt:   time.Date(2026, 11, 1, 12, 0, 0, 0, time.FixedZone("x", 3600)),
		Systems:     []System{sys},
		Principals:  []Principal{p1, p2},
		Memberships: []Membership{{ID: ObjectID("member", "m365", "u1", "g1"), System: "m365", MemberID: p1.ID, GroupID: p2.ID}},
		Grants:      []Grant{g1, g2},
		Gaps:        []Gap{{ID: GapID("m365", "mfa"), System: "m365", Collection: "mfa", Reason: GapDenied, Error: "403"}, {ID: GapID("m365", "activity"), System: "m365", Collection: "activity", Reason: GapUnlicensed}},
	}
	if reverse {
		s.Principals[0], s.Principals[1] = s.Principals[1], s.Principals[0]
		s.Grants[0], s.Grants[1] = s.Grants[1], s.Grants[0]
		s.Gaps[0], s.Gaps[1] = s.Gaps[1], s.Gaps[0]
		s.Systems[0].Domains = []string{"a.com", "b.com"}
		s.Principals[1].Emails = []string{"a@a.com", "z@a.com"}
	}
	return s
}

func TestCanonicalJSONIsOrderIndependent(t *testing.T) {
	a, err := sample(false).CanonicalJSON()
	if err != nil {
		t.Fatal(err)
	}
	b, err := sample(true).CanonicalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("canonical JSON differs by input order:\n%s\n---\n%s", a, b)
	}
	ha, _ := sample(false).SHA256()
	hb, _ := sample(true).SHA256()
	if ha != hb || len(ha) != 64 {
		t.Fatalf("hashes %s %s", ha, hb)
	}
	s := string(a)
	for _, want := range []string{`"schema_version": "1"`, `"started_at": "2026-11-01T11:00:00Z"`, `"last_activity": "2026-10-01T08:00:00Z"`, `"domains": [
        "a.com",
        "b.com"
      ]`, `"a": "2",
        "z": "1"`, `"mfa": "unknown"`, `"memberships": [`, `"licences": []`} {
		if !strings.Contains(s, want) {
			t.Errorf("canonical JSON lacks %s", want)
		}
	}
	if !strings.HasSuffix(s, "}\n") {
		t.Error("canonical JSON must end with a newline")
	}
	// A changed fact changes the hash.
	c := sample(false)
	c.Grants[0].Assignment = AssignmentPermanent
	hc, _ := c.SHA256()
	if hc == ha {
		t.Fatal("hash did not change with the facts")
	}
}

func TestDecodeRoundTripAndStrictness(t *testing.T) {
	a, _ := sample(false).CanonicalJSON()
	s, err := DecodeSnapshot(bytes.NewReader(a), "snap.json")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.CanonicalJSON()
	if !bytes.Equal(a, b) {
		t.Fatal("decode/encode round trip changed bytes")
	}
	cases := map[string]string{
		`{"schema_version":"1","bogus":1}`:            `snap.json: json: unknown field "bogus"`,
		`{"schema_version":"9"}`:                      `unsupported schema_version "9"`,
		`{"schema_version":"1","systems":[{"id":1}]}`: `field "systems.id"`,
		`{"schema_version":"1",`:                      `snap.json: unexpected EOF`,
		`{"schema_version":"1"} {}`:                   `unexpected data after the JSON document`,
		`{"schema_version":"1" ]`:                     `invalid JSON at byte`,
	}
	for in, want := range cases {
		_, err := DecodeSnapshot(strings.NewReader(in), "snap.json")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", in, err, want)
		}
	}
}

func TestMergeRejectsDuplicates(t *testing.T) {
	a := sample(false)
	b := &Snapshot{
		Systems:    []System{{ID: "aws", Kind: SystemAWS}},
		Principals: []Principal{a.Principals[0]},
		Grants:     []Grant{a.Grants[1]},
	}
	_, err := Merge(a, b)
	if err == nil {
		t.Fatal("want a duplicate-id error")
	}
	msg := err.Error()
	for _, want := range []string{"2 duplicate id(s)", `principal id "user:m365:u1"`, `grant id "grant:m365:`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	// Distinct parts merge, sorted, partial flag carried.
	c := &Snapshot{Systems: []System{{ID: "aws", Kind: SystemAWS}}, Partial: true,
		Principals: []Principal{{ID: PrincipalID(PrincipalRoot, "aws", "1"), System: "aws", Kind: PrincipalRoot}}}
	m, err := Merge(sample(false), c)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Partial || len(m.Systems) != 2 || m.Systems[0].ID != "aws" || len(m.Principals) != 3 {
		t.Fatalf("merge result: partial=%v systems=%v principals=%d", m.Partial, m.Systems, len(m.Principals))
	}
	if errs := m.Validate(); len(errs) != 0 {
		t.Fatalf("merged snapshot invalid: %v", errs)
	}
}

func TestValidateFindsEveryProblem(t *testing.T) {
	s := sample(false)
	s.Grants[0].PrincipalID = "user:m365:ghost"
	s.Grants[1].Level = "god"
	s.Principals[0].MFA = "maybe"
	s.Gaps[0].Reason = "lazy"
	s.Memberships[0].GroupID = "group:m365:none"
	s.Licences = []Licence{{ID: "l1", System: "nowhere"}}
	errs := s.Validate()
	joined := ""
	for _, e := range errs {
		joined += e.Error() + "\n"
	}
	for _, want := range []string{`unknown principal "user:m365:ghost"`, `invalid level "god"`, `invalid mfa "maybe"`, `invalid reason "lazy"`, `unknown group "group:m365:none"`, `licence "l1": unknown system "nowhere"`} {
		if !strings.Contains(joined, want) {
			t.Errorf("Validate lacks %q:\n%s", want, joined)
		}
	}
}

func TestIDs(t *testing.T) {
	if got := PrincipalID(PrincipalUser, "m365", "abc"); got != "user:m365:abc" {
		t.Fatal(got)
	}
	long := strings.Repeat("x", 100)
	id := ObjectID("trust", "aws", "role", long, "has space")
	if strings.Contains(id, long) || strings.Contains(id, " ") || !strings.HasPrefix(id, "trust:aws:role:") {
		t.Fatalf("ObjectID = %s", id)
	}
	if ObjectID("trust", "aws", long) != ObjectID("trust", "aws", long) {
		t.Fatal("ObjectID not stable")
	}
	a := GrantID("s", "p", "priv", "/", AssignmentActive, []string{"g1"})
	b := GrantID("s", "p", "priv", "/", AssignmentActive, []string{"g2"})
	if a == b {
		t.Fatal("grants via different chains must have different ids")
	}
	if LevelSuperAdmin.Rank() <= LevelAdmin.Rank() || Level("x").Rank() != 0 || SeverityBlocker.Rank() <= SeverityHigh.Rank() {
		t.Fatal("ranks out of order")
	}
}
