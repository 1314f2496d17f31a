package findings

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Issue 21 (memory): merging a large scan with the small parts around it
// (declared inventory, stub systems) must not copy it. MergeOwned takes the
// slice of the only part holding a collection; Merge copies and leaves the
// parts as they were; both give the same canonical snapshot.
func TestIssue21MergeOwnedTakesTheLonePartsSlices(t *testing.T) {
	big := func() *Snapshot {
		s := &Snapshot{Systems: []System{{ID: "dir", Kind: SystemLDAP, Target: "dir"}}}
		for i := 999; i >= 0; i-- { // reverse order: the merge sorts
			s.Principals = append(s.Principals, Principal{ID: PrincipalID(PrincipalUser, "dir", fmt.Sprintf("u%04d", i)), System: "dir", Kind: PrincipalUser, NativeID: fmt.Sprintf("u%04d", i)})
		}
		return s
	}
	small := &Snapshot{Systems: []System{{ID: "declared", Kind: "declared", Target: "declared"}}}

	in := big()
	before, _ := json.Marshal(in)
	copied, err := Merge(in, small)
	if err != nil {
		t.Fatal(err)
	}
	if after, _ := json.Marshal(in); !bytes.Equal(before, after) {
		t.Error("Merge modified its parts")
	}
	if &copied.Principals[0] == &in.Principals[0] {
		t.Error("Merge shares a part's slice")
	}

	own := big()
	owned, err := MergeOwned(own, small)
	if err != nil {
		t.Fatal(err)
	}
	if len(owned.Principals) != 1000 || &owned.Principals[0] != &own.Principals[0] {
		t.Error("MergeOwned copied the only part holding principals")
	}
	if len(owned.Systems) != 2 || owned.Systems[0].ID != "declared" {
		t.Errorf("systems %v: want both, sorted", owned.Systems)
	}
	a, _ := copied.CanonicalJSON()
	b, _ := owned.CanonicalJSON()
	if !bytes.Equal(a, b) {
		t.Error("Merge and MergeOwned differ")
	}
}

// Duplicates are found by sorting, without a set of every id: an id held
// three times (twice in one part) names its first holder each time, and
// nothing is merged.
func TestIssue21MergeFindsDuplicatesBySorting(t *testing.T) {
	p := func(sys, id string) Principal {
		return Principal{ID: PrincipalID(PrincipalUser, sys, id), System: sys, Kind: PrincipalUser, NativeID: id}
	}
	a := &Snapshot{Systems: []System{{ID: "a"}}, Principals: []Principal{p("a", "x"), p("a", "y")}}
	b := &Snapshot{Systems: []System{{ID: "b"}, {ID: "a"}}, Principals: []Principal{p("a", "x"), p("a", "x")}}
	b.Principals[0].System, b.Principals[1].System = "b", "c"
	for name, merge := range map[string]func(...*Snapshot) (*Snapshot, error){"Merge": Merge, "MergeOwned": MergeOwned} {
		out, err := merge(a, b)
		if err == nil || out != nil {
			t.Fatalf("%s: want an error and no snapshot, got %v", name, err)
		}
		msg := err.Error()
		for _, want := range []string{
			"3 duplicate id(s)",
			`system id "a" (from system "a" and "a")`,
			`principal id "user:a:x" (from system "a" and "b")`,
			`principal id "user:a:x" (from system "a" and "c")`,
		} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: error %q lacks %q", name, msg, want)
			}
		}
		if strings.Contains(msg, "user:a:y") {
			t.Errorf("%s: unique id reported: %q", name, msg)
		}
	}
}

// Canonicalising a canonical snapshot again (Merge, scan.Run and the
// scanners each do) allocates nothing per item: no copied e-mail lists, no
// new UTC times.
func TestIssue21CanonicalizeTwiceAllocatesNothing(t *testing.T) {
	s := sample(false)
	for i := 0; i < 200; i++ {
		s.Principals = append(s.Principals, Principal{ID: PrincipalID(PrincipalUser, "m365", fmt.Sprintf("n%03d", i)), System: "m365", Kind: PrincipalUser,
			Emails: []string{"a@x", "b@x"}, LastActivity: ts("2026-10-01T10:00:00+02:00"), Created: ts("2026-01-01T00:00:00Z")})
	}
	s.Canonicalize()
	if n := testing.AllocsPerRun(5, s.Canonicalize); n > 20 {
		t.Errorf("a second Canonicalize allocated %v times for %d principals", n, len(s.Principals))
	}
}
