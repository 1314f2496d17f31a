package findings

import (
	"errors"
	"testing"
	"time"
)

func runOf(t0 time.Time, ghRead bool, ghOwners ...string) *Assessment {
	s := &Snapshot{SchemaVersion: SchemaVersion, StartedAt: t0, FinishedAt: t0,
		Systems: []System{{ID: "m365", Kind: SystemEntra}, {ID: "gh", Kind: SystemGitHub}}}
	s.Principals = append(s.Principals, Principal{ID: "user:m365:alice", System: "m365", Kind: PrincipalUser, Enabled: true})
	s.Grants = append(s.Grants, Grant{ID: "g1", System: "m365", PrincipalID: "user:m365:alice", Privilege: "Global Administrator", Level: LevelSuperAdmin, Assignment: AssignmentPermanent})
	var fs []Finding
	if ghRead {
		for _, o := range ghOwners {
			s.Principals = append(s.Principals, Principal{ID: "user:gh:" + o, System: "gh", Kind: PrincipalUser, Enabled: true})
			s.Grants = append(s.Grants, Grant{ID: "g:" + o, System: "gh", PrincipalID: "user:gh:" + o, Privilege: "owner", Level: LevelSuperAdmin, Assignment: AssignmentActive})
		}
		fs = append(fs, Finding{Check: "KH-KEY-004", System: "gh", Status: StatusFail, Subjects: []string{"gh"}, Message: "too many owners"})
	} else {
		s.Gaps = append(s.Gaps, Gap{ID: GapID("gh", "system"), System: "gh", Collection: "system", Reason: GapFailed, Error: "401 Bad credentials"})
		fs = append(fs, Finding{Check: "KH-KEY-004", System: "gh", Status: StatusUnknown, Subjects: []string{"gh"}, Message: "unknown"})
	}
	return &Assessment{SchemaVersion: SchemaVersion, ScannedAt: t0, Snapshot: s, Findings: fs}
}

// TestIssue12_DiffSystemNotRead: a system this run did not read is "not
// read", not removed or fixed; and a run that missed a system is not its
// baseline: the last run that read it is.
func TestIssue12_DiffSystemNotRead(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	read1 := runOf(t0, true, "alice", "bob")
	missed := runOf(t0.AddDate(0, 0, 7), false)
	read2 := runOf(t0.AddDate(0, 0, 14), true, "alice", "bob")

	c := Diff(read1, missed)
	if len(c.PrincipalsRemoved)+len(c.GrantsRemoved)+len(c.FindingsFixed)+len(c.FindingsRegressed) != 0 {
		t.Errorf("an unread system shows removals or fixes: %+v", c)
	}
	if len(c.SystemsNotRead) != 1 || c.SystemsNotRead[0].ID != "gh" {
		t.Errorf("systems not read %+v, want gh", c.SystemsNotRead)
	}

	// The next run reads gh again: compared with the run before the miss,
	// nothing changed there.
	base := Baseline(missed, read2, []*Assessment{read1})
	c = Diff(base, read2)
	if len(c.PrincipalsAdded)+len(c.GrantsAdded)+len(c.FindingsNew)+len(c.FindingsRegressed) != 0 {
		t.Errorf("re-reading an unchanged system shows additions: %+v", c)
	}
	// Without the baseline, everything on gh would look new.
	if c := Diff(missed, read2); len(c.GrantsAdded) == 0 {
		t.Error("test is vacuous: the plain diff shows no additions")
	}
	// A real change on gh after the miss is still reported.
	read3 := runOf(t0.AddDate(0, 0, 14), true, "alice", "bob", "mallory")
	c = Diff(Baseline(missed, read3, []*Assessment{read1}), read3)
	if len(c.GrantsAdded) != 1 || c.GrantsAdded[0].System != "gh" {
		t.Errorf("grants added %+v, want mallory's owner grant", c.GrantsAdded)
	}
	if missed.Snapshot.Principals[0].ID != "user:m365:alice" || len(missed.Snapshot.Principals) != 1 {
		t.Error("Baseline modified its argument")
	}
}

// TestIssue12_SealAndVerify: a sealed snapshot or assessment verifies;
// any edit of its content does not; an unsealed one has nothing to check.
func TestIssue12_SealAndVerify(t *testing.T) {
	a := runOf(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), true, "alice")
	s := a.Snapshot
	plain, _ := s.SHA256()
	if ok, err := s.Verify(); ok || err != nil {
		t.Fatalf("unsealed snapshot: %v %v", ok, err)
	}
	if err := s.Seal(); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.Digest(); d != plain || s.ContentSHA256 != plain {
		t.Errorf("digest %s, recorded %s, want the unsealed SHA-256 %s", d, s.ContentSHA256, plain)
	}
	if ok, err := s.Verify(); !ok || err != nil {
		t.Fatalf("sealed snapshot: %v %v", ok, err)
	}
	s.Principals[0].Enabled = false
	if _, err := s.Verify(); !errors.Is(err, ErrModified) {
		t.Errorf("edited snapshot: %v", err)
	}
	s.Principals[0].Enabled = true
	s.ContentSHA256 = ""

	a.SnapshotSHA256 = plain
	if err := a.Seal(); err != nil {
		t.Fatal(err)
	}
	if ok, err := a.Verify(); !ok || err != nil {
		t.Fatalf("sealed assessment: %v %v", ok, err)
	}
	a.Verdict = VerdictReady
	if _, err := a.Verify(); !errors.Is(err, ErrModified) {
		t.Errorf("edited verdict: %v", err)
	}
	a.Verdict = ""
	a.Snapshot.Principals[0].Login = "mallory"
	if _, err := a.Verify(); !errors.Is(err, ErrModified) {
		t.Errorf("edited embedded snapshot: %v", err)
	}
}
