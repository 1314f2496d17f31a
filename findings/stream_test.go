package findings

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// encodingJSON is what the canonical encoder must equal: encoding/json,
// indented by two spaces, HTML left unescaped.
func encodingJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestStreamMatchesEncodingJSON (issue 21, one canonical encoder): the
// streamed snapshot and assessment encodings, and the hashes of them,
// are exactly encoding/json's indented bytes for every shape.
func TestStreamMatchesEncodingJSON(t *testing.T) {
	extras := sample(false)
	extras.ConfigHash, extras.Partial, extras.ContentSHA256 = "abc", true, "def"
	extras.Principals[0].DisplayName = `<script>"&'</script> ünïcode`
	extras.Principals[0].Credentials = []Credential{{ID: "k1", Kind: "access_key", Active: true, Created: ts("2026-01-01T00:00:00.123456789Z")}}
	extras.Principals[0].Attributes = map[string]string{"line\nbreak": "sep\u2028arator", "é": "bad \xff utf-8", "tab\t": "\x01\x7f<>&", "": "empty key"}
	extras.Systems[0].Attributes = map[string]string{}
	extras.Grants[0].Via = []string{"a", `b"quoted"`, `back\slash`}
	empty := &Snapshot{}
	for name, s := range map[string]*Snapshot{"sample": sample(false), "extras": extras, "empty": empty} {
		s.Canonicalize()
		want := encodingJSON(t, s)
		got, err := s.CanonicalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: streamed encoding differs from encoding/json:\n%s\nwant\n%s", name, got, want)
		}
		sha, err := s.SHA256()
		if err != nil {
			t.Fatal(err)
		}
		if want := sha256Hex(want); sha != want {
			t.Errorf("%s: SHA256 %s, want %s", name, sha, want)
		}
		if c, _ := s.CanonicalSHA256(); c != sha {
			t.Errorf("%s: CanonicalSHA256 %s, SHA256 %s", name, c, sha)
		}
	}

	full := &Assessment{
		Tool: Tool{Name: "keyholder", Version: "v"}, SnapshotSHA256: "x", Organization: "Contoso", Profile: "readiness",
		AsOf: time.Unix(0, 0).UTC(), Verdict: VerdictNotReady,
		Systems:        []SystemVerdict{{System: "m365", Kind: SystemEntra, CustomerSuperAdmins: []string{"a"}, ProviderSuperAdmins: []string{}}},
		Parties:        []Attribution{{Subject: "a", Party: "customer", PartyKind: "customer", Reason: "<domain> & co"}},
		Findings:       []Finding{{Check: "KH-KEY-001", Status: StatusFail, Severity: SeverityBlocker, Subjects: []string{"a"}, Waiver: &Waiver{Check: "c", Reason: "r"}}},
		Runbook:        []RunbookStep{{Phase: "secure_keys", Order: 1, Action: "do"}},
		GapChecks:      map[string][]string{"z": {"KH-1"}, "a": {}},
		Checks:         []CheckInfo{{ID: "KH-KEY-001", Source: "builtin"}},
		Snapshot:       extras,
		Facts:          sample(true),
		SnapshotCounts: &Counts{Principals: 2, Grants: 2},
		Changes: &Changes{FromSnapshot: "x", ToTime: time.Unix(0, 0).UTC(),
			PrincipalsAdded: []ChangeItem{{ID: "user:m365:new"}}},
	}
	full.Facts.Canonicalize()
	bare := &Assessment{}
	for name, a := range map[string]*Assessment{"full": full, "bare": bare} {
		var got bytes.Buffer
		if err := EncodeAssessment(&got, a); err != nil {
			t.Fatal(err)
		}
		want := encodingJSON(t, a)
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%s: streamed assessment differs from encoding/json:\n%s\nwant\n%s", name, got.Bytes(), want)
		}
		d, err := a.Digest()
		if err != nil {
			t.Fatal(err)
		}
		if d != sha256Hex(want) {
			t.Errorf("%s: Digest %s, want %s", name, d, sha256Hex(want))
		}
	}
}

// TestOldFormatAssessmentStillVerifies (issue 21): an assessment written
// before the lean format (it embeds its whole snapshot, sealed with
// assessment_sha256) still loads, its recorded digests still verify with
// the streaming encoder, and it re-encodes to the same bytes. The fixture
// is what `keyholder evaluate policies/testdata/base.snapshot.json -c
// policies/testdata/base.yaml` wrote at 42dd169, before issue 21.
func TestOldFormatAssessmentStillVerifies(t *testing.T) {
	path := filepath.Join("testdata", "old-format.assessment.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := DecodeAssessment(bytes.NewReader(raw), path)
	if err != nil {
		t.Fatal(err)
	}
	if a.Snapshot == nil || a.Facts != nil || a.AssessmentSHA256 == "" {
		t.Fatalf("fixture is not an old-format sealed assessment (snapshot %v, facts %v)", a.Snapshot != nil, a.Facts != nil)
	}
	if ok, err := a.Verify(); !ok || err != nil {
		t.Fatalf("Verify = %v, %v", ok, err)
	}
	if d, _ := a.Snapshot.Digest(); d != a.SnapshotSHA256 {
		t.Errorf("embedded snapshot digest %s, assessment names %s", d, a.SnapshotSHA256)
	}
	var again bytes.Buffer
	if err := EncodeAssessment(&again, a); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), raw) {
		t.Error("re-encoding the old-format assessment changed its bytes")
	}
	if v := a.View(); v != a.Snapshot {
		t.Error("View of an old-format assessment is not its embedded snapshot")
	}
	// An edit is still caught.
	a.Findings[0].Message += " (edited)"
	if _, err := a.Verify(); err == nil {
		t.Error("an edited old-format assessment verified")
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestStreamingDecodeMatchesWholeDecode (issue 21): decoding a snapshot
// item by item gives exactly what decoding the document at once gives,
// and a null collection still decodes (to an empty one).
func TestStreamingDecodeMatchesWholeDecode(t *testing.T) {
	for _, path := range []string{filepath.Join("..", "policies", "testdata", "base.snapshot.json")} {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var whole Snapshot
		if err := decodeStrict(bytes.NewReader(raw), path, &whole); err != nil {
			t.Fatal(err)
		}
		whole.Canonicalize()
		got, err := DecodeSnapshot(bytes.NewReader(raw), path)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, &whole) {
			t.Errorf("%s: streamed decode differs from the whole-document decode", path)
		}
		b, _ := got.CanonicalJSON()
		if !bytes.Equal(b, raw) {
			t.Errorf("%s: decode/encode round trip changed bytes", path)
		}
	}
	s, err := DecodeSnapshot(strings.NewReader(`{"schema_version":"1","grants":null,"principals":[]}`), "n.json")
	if err != nil {
		t.Fatal(err)
	}
	if s.Grants == nil || len(s.Grants) != 0 || s.Principals == nil {
		t.Errorf("null/empty collections decoded to %v / %v", s.Grants, s.Principals)
	}
	if _, err := DecodeSnapshot(strings.NewReader(`{"schema_version":"1","grants":[{"id":"g","bogus":1}]}`), "n.json"); err == nil || !strings.Contains(err.Error(), `unknown field "bogus"`) {
		t.Errorf("unknown field in an item: %v", err)
	}
	if _, err := DecodeSnapshot(strings.NewReader(`{"schema_version":"1","grants":{}}`), "n.json"); err == nil {
		t.Error("an object where the grants list belongs decoded")
	}
}

// TestDirectEncoderCoversTheModel: the items of every collection go
// through the one-pass encoder (the equality tests above then hold it to
// encoding/json), not the slower fallback.
func TestDirectEncoderCoversTheModel(t *testing.T) {
	for _, typ := range []reflect.Type{
		reflect.TypeFor[System](), reflect.TypeFor[Principal](), reflect.TypeFor[Membership](), reflect.TypeFor[Grant](),
		reflect.TypeFor[Licence](), reflect.TypeFor[Backup](), reflect.TypeFor[Trust](), reflect.TypeFor[Asset](),
		reflect.TypeFor[Attestation](), reflect.TypeFor[Gap](), reflect.TypeFor[Attribution](), reflect.TypeFor[Finding](),
		reflect.TypeFor[RunbookStep](), reflect.TypeFor[SystemVerdict](), reflect.TypeFor[CheckInfo](), reflect.TypeFor[Counts](),
	} {
		if !directable(typ) {
			t.Errorf("%s is not encoded directly", typ.Name())
		}
	}
}
