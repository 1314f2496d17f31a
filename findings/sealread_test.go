package findings

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

// sealedBytes is a sample snapshot sealed and encoded as scan writes it.
func sealedBytes(t *testing.T) []byte {
	t.Helper()
	s := sample(false)
	s.SchemaVersion = SchemaVersion
	if err := s.Seal(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestIssue21_SealCheckedFromFileBytes: a file exactly as scan wrote it
// is verified from its bytes (no second encoding), read in pieces of any
// size; the digest of the bytes without the member is the recorded one.
func TestIssue21_SealCheckedFromFileBytes(t *testing.T) {
	raw := sealedBytes(t)
	for _, r := range []func([]byte) *sealReader{
		func(b []byte) *sealReader { return newSealReader(bytes.NewReader(b)) },
		func(b []byte) *sealReader { return newSealReader(iotest.OneByteReader(bytes.NewReader(b))) },
	} {
		sr := r(raw)
		s, err := DecodeSnapshot(sr, "s.json")
		if err != nil {
			t.Fatal(err)
		}
		d, rec := sr.digest()
		if d == "" || d != rec || rec != s.ContentSHA256 {
			t.Fatalf("file digest %q, member %q, recorded %q: want all equal", d, rec, s.ContentSHA256)
		}
		if want, _ := s.Digest(); d != want {
			t.Fatalf("file digest %s, canonical digest %s", d, want)
		}
	}
	_, verify, err := DecodeSnapshotSealed(bytes.NewReader(raw), "s.json")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := verify(); !ok || err != nil {
		t.Fatalf("verify = %v, %v; want true, nil", ok, err)
	}
}

// TestIssue21_SealFromBytesKeepsVerifySemantics: whatever the bytes,
// DecodeSnapshotSealed's verify answers as Snapshot.Verify does: an edit
// of content fails with ErrModified, the same content re-indented or
// compacted verifies, an unsealed file reports no seal.
func TestIssue21_SealFromBytesKeepsVerifySemantics(t *testing.T) {
	raw := sealedBytes(t)
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		t.Fatal(err)
	}
	var wide bytes.Buffer
	if err := json.Indent(&wide, compact.Bytes(), "", "\t"); err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(raw, []byte(`"Global Administrator"`), []byte(`"Global Administrater"`), 1)
	// The member moved to the end: same content, not where scan writes it.
	s0 := sample(false)
	s0.SchemaVersion = SchemaVersion
	unsealed, _ := s0.CanonicalJSON()
	_ = s0.Seal()
	moved := append(bytes.Clone(bytes.TrimRight(unsealed, "}\n")), []byte(",\n  \"content_sha256\": \""+s0.ContentSHA256+"\"\n}\n")...)
	for _, c := range []struct {
		name     string
		in       []byte
		sealed   bool
		modified bool
	}{
		{"as written", raw, true, false},
		{"compacted", compact.Bytes(), true, false},
		{"tab-indented", wide.Bytes(), true, false},
		{"member moved", moved, true, false},
		{"edited", edited, true, true},
		{"unsealed", unsealed, false, false},
	} {
		s, verify, err := DecodeSnapshotSealed(bytes.NewReader(c.in), c.name)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		// The reference answer: Verify on an independently decoded copy.
		ref, err := DecodeSnapshot(bytes.NewReader(c.in), c.name)
		if err != nil {
			t.Fatal(err)
		}
		wantOK, wantErr := ref.Verify()
		ok, err := verify()
		if ok != c.sealed || ok != wantOK || errors.Is(err, ErrModified) != c.modified || (err == nil) != (wantErr == nil) {
			t.Fatalf("%s: verify = %v, %v; Verify = %v, %v; want sealed %v modified %v", c.name, ok, err, wantOK, wantErr, c.sealed, c.modified)
		}
		if err != nil && err.Error() != wantErr.Error() {
			t.Fatalf("%s: error %q, Verify's %q", c.name, err, wantErr)
		}
		if c.name == "edited" && !strings.Contains(s.Grants[0].Privilege+s.Grants[1].Privilege, "Administrater") {
			t.Fatalf("edited content not decoded")
		}
	}
}
