package findings

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

// decodeBoth decodes b with the fast item decoder (reading small pieces,
// so items straddle reads) and with encoding/json alone, and fails
// unless both give the same snapshot or the same error.
func decodeBoth(t *testing.T, what string, b []byte, chunks ...int) {
	t.Helper()
	fastItems = false
	want, wantErr := DecodeSnapshot(bytes.NewReader(b), "s.json")
	fastItems = true
	if len(chunks) == 0 {
		chunks = []int{5, 64, 256 << 10}
	}
	for _, chunk := range chunks {
		fastChunk = chunk
		got, err := DecodeSnapshot(bytes.NewReader(b), "s.json")
		fastChunk = 256 << 10
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Fatalf("%s (reads of %d): error %v; encoding/json's %v", what, chunk, err, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s (reads of %d): decoded\n%+v\nencoding/json's\n%+v", what, chunk, got, want)
		}
	}
}

// TestIssue21_FastDecodeMatchesEncodingJSON: the fast decoder of grants,
// memberships and principals gives encoding/json's values and errors
// (with the same byte offsets and item numbers) for the file as scan
// writes it, compacted, with items it leaves to encoding/json (escapes,
// other spellings, unknown fields, duplicates, nulls, wrong types,
// maps), and for every truncation and many one-byte edits of it.
func TestIssue21_FastDecodeMatchesEncodingJSON(t *testing.T) {
	s := sample(false)
	s.SchemaVersion = SchemaVersion
	s.Grants[0].Via = []string{"g1", "g2"}
	s.Grants[1].Sensitive = []string{}
	s.Grants[1].Expires = ts("2027-01-02T03:04:05.123+01:00")
	s.Principals[0].DisplayName = "Zoë ☃"
	s.Principals[0].Created = ts("2020-01-01T00:00:00Z")
	s.Principals[1].Credentials = []Credential{{}}
	s.Grants[0].Attributes = map[string]string{"k": "v"}
	if err := s.Seal(); err != nil {
		t.Fatal(err)
	}
	raw, err := s.CanonicalJSON()
	if err != nil {
		t.Fatal(err)
	}
	decodeBoth(t, "canonical", raw)
	// The plain items are the fast decoder's, not encoding/json's.
	var g Grant
	if _, ok, _ := fastDecode([]byte(`{"id": "g", "via": ["a"], "direct": true, "expires": "2027-01-02T03:04:05Z"}`), &g, newInterner()); !ok || g.Expires == nil || len(g.Via) != 1 || !g.Direct {
		t.Fatalf("fast decoder refused a plain grant: %+v", g)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		t.Fatal(err)
	}
	decodeBoth(t, "compact", compact.Bytes())

	grant := `{"id": "g", "system": "m365", "principal_id": "p", "privilege": "P", "level": "read", "scope": "/", "assignment": "active", "direct": true}`
	for i, item := range []string{
		grant,
		`{"id": "g\u0041", "system": "m365"}`,
		`{"ID": "g", "System": "m365"}`,
		`{"id": "g", "bogus": 1}`,
		`{"id": "g", "id": "h"}`,
		`{"id": null, "via": null}`,
		`{"id": 5}`,
		`{"direct": "yes"}`,
		`{"direct": tru}`,
		`{"via": ["a", 1]}`,
		`{"via": []}`,
		`{"expires": "not a time"}`,
		`{"expires": null}`,
		`{"attributes": {"b": "1", "a": "2"}}`,
		"{\"id\": \"\xff\xfe\"}",
		"{\"id\": \"a\tb\"}",
		`null`,
		`[]`,
		`"x"`,
		`{}`,
		`{"id": "g",}`,
		`{"id" "g"}`,
	} {
		for _, list := range []string{
			`[` + item + `]`,
			`[` + grant + `, ` + item + `, ` + grant + `]`,
			`[` + grant + `,` + item + `,` + item + `]`,
			`[` + grant + ` x ` + grant + `]`,
			`[` + grant + `, ]`,
			`[` + grant + `,, ` + grant + `]`,
			`[` + grant + `] x`,
			`[` + grant + `]}`,
		} {
			for _, field := range []string{"grants", "memberships", "principals"} {
				doc := `{"schema_version": "1", "` + field + `": ` + list + `, "gaps": []}`
				decodeBoth(t, fmt.Sprintf("item %d in %s", i, field), []byte(doc))
			}
		}
	}

	for n := range len(raw) {
		decodeBoth(t, fmt.Sprintf("cut at %d", n), raw[:n], 7)
	}
	for i := range raw {
		if i%3 != 0 { // every third byte: enough to hit every kind of place, in a test that stays short
			continue
		}
		for _, c := range []byte{'x', ',', ']', '"', '\\'} {
			if raw[i] == c {
				continue
			}
			b := bytes.Clone(raw)
			b[i] = c
			decodeBoth(t, fmt.Sprintf("byte %d set to %q", i, c), b, 7)
		}
	}
}
