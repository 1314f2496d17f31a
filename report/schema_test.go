package report

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/keyholder/keyholder/findings"
)

const schemaDir = "../docs/schema"

// compileSchema compiles one of the published schemas with formats
// (date-time) asserted, resolving the other file locally.
func compileSchema(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for _, f := range []string{"snapshot.schema.json", "assessment.schema.json", "runbook.schema.json"} {
		doc := loadJSON(t, filepath.Join(schemaDir, f))
		id := doc.(map[string]any)["$id"].(string)
		if err := c.AddResource(id, doc); err != nil {
			t.Fatal(err)
		}
	}
	doc := loadJSON(t, filepath.Join(schemaDir, name))
	s, err := c.Compile(doc.(map[string]any)["$id"].(string))
	if err != nil {
		t.Fatalf("compile %s: %v", name, err)
	}
	return s
}

func loadJSON(t *testing.T, path string) any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

func decodeAny(t *testing.T, b []byte) any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestJSONOutputMatchesSchema(t *testing.T) {
	s := compileSchema(t, "assessment.schema.json")
	out := render(t, "json", "assessment.json", fixture(t), Options{})
	if err := s.Validate(decodeAny(t, out)); err != nil {
		t.Fatalf("assessment.json does not match the schema: %v", err)
	}
	// An assessment without snapshot or changes, with nil lists, as the
	// policy layer could hand it over, still renders valid JSON with
	// lists that are never null.
	bare := &findings.Assessment{Organization: "Bare", Profile: "readiness", Verdict: findings.VerdictReady,
		SnapshotSHA256: strings.Repeat("0", 64), Systems: []findings.SystemVerdict{{System: "x", Kind: findings.SystemAWS, Verdict: findings.VerdictReady, HoldsKeys: "unknown"}}}
	out = render(t, "json", "assessment.json", bare, Options{})
	if err := s.Validate(decodeAny(t, out)); err != nil {
		t.Fatalf("bare assessment does not match the schema: %v", err)
	}
	if bytes.Contains(out, []byte("null")) {
		t.Errorf("json output has null lists:\n%s", out)
	}
}

// TestSchemaRejectsDrift proves the schemas are strict enough to catch a
// wrong document, so the passing validations above mean something.
func TestSchemaRejectsDrift(t *testing.T) {
	s := compileSchema(t, "assessment.schema.json")
	good := render(t, "json", "assessment.json", fixture(t), Options{})
	cases := map[string]func(m map[string]any){
		"unknown top-level field":  func(m map[string]any) { m["surprise"] = true },
		"missing verdict":          func(m map[string]any) { delete(m, "verdict") },
		"bad verdict":              func(m map[string]any) { m["verdict"] = "maybe" },
		"bad severity":             func(m map[string]any) { m["findings"].([]any)[0].(map[string]any)["severity"] = "critical" },
		"bad status":               func(m map[string]any) { m["findings"].([]any)[0].(map[string]any)["status"] = "ok" },
		"time not RFC 3339":        func(m map[string]any) { m["as_of"] = "20/11/2026" },
		"snapshot principal extra": func(m map[string]any) { snapList(m, "principals")[0].(map[string]any)["password"] = "x" },
		"snapshot grant bad level": func(m map[string]any) { snapList(m, "grants")[0].(map[string]any)["level"] = "god" },
		"snapshot gap bad reason":  func(m map[string]any) { snapList(m, "gaps")[0].(map[string]any)["reason"] = "oops" },
		"snapshot missing systems": func(m map[string]any) { delete(m["snapshot"].(map[string]any), "systems") },
		"changes bad item": func(m map[string]any) {
			m["changes"].(map[string]any)["findings_new"] = []any{map[string]any{"id": "x"}}
		},
		"schema version":            func(m map[string]any) { m["schema_version"] = "2" },
		"sha256 not hex":            func(m map[string]any) { m["snapshot_sha256"] = "not-a-hash" },
		"system verdict holds keys": func(m map[string]any) { m["systems"].([]any)[0].(map[string]any)["holds_keys"] = "maybe" },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(good, &m); err != nil {
				t.Fatal(err)
			}
			mutate(m)
			b, _ := json.Marshal(m)
			if err := s.Validate(decodeAny(t, b)); err == nil {
				t.Fatal("schema accepted a wrong document")
			}
		})
	}
}

func snapList(m map[string]any, key string) []any {
	return m["snapshot"].(map[string]any)[key].([]any)
}

// TestRepositoryDocumentsMatchSchemas validates every snapshot and
// assessment JSON file in the repository that keyholder itself accepts
// (strict decoding) against the published schemas: the fixture's snapshot,
// scanner goldens, diff fixtures. A file keyholder reads must be one the
// schema describes.
func TestRepositoryDocumentsMatchSchemas(t *testing.T) {
	snapSchema := compileSchema(t, "snapshot.schema.json")
	assessSchema := compileSchema(t, "assessment.schema.json")

	// The fixture's embedded snapshot, as the JSON writer emits it.
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(render(t, "json", "assessment.json", fixture(t), Options{}), &doc); err != nil {
		t.Fatal(err)
	}
	if err := snapSchema.Validate(decodeAny(t, doc["snapshot"])); err != nil {
		t.Fatalf("fixture snapshot: %v", err)
	}

	snapshots, assessments := 0, 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "vendor":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".json") || strings.Contains(path, "schema") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil || !bytes.Contains(b, []byte(`"schema_version"`)) {
			return err
		}
		if _, err := findings.DecodeAssessment(bytes.NewReader(b), path); err == nil && bytes.Contains(b, []byte(`"snapshot_sha256"`)) {
			assessments++
			if err := assessSchema.Validate(decodeAny(t, b)); err != nil {
				t.Errorf("%s: %v", path, err)
			}
			return nil
		}
		if _, err := findings.DecodeSnapshot(bytes.NewReader(b), path); err == nil {
			snapshots++
			if err := snapSchema.Validate(decodeAny(t, b)); err != nil {
				t.Errorf("%s: %v", path, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("validated %d snapshot and %d assessment files", snapshots, assessments)
	if snapshots == 0 || assessments == 0 {
		t.Fatalf("found %d snapshots and %d assessments; expected the fixtures at least", snapshots, assessments)
	}
}

// TestSchemasCoverModel checks the schemas against the Go model by
// reflection: every JSON field of every type is a property of its $defs
// entry (or the root), nothing else is, and "required" lists exactly the
// fields Go always writes (no omitempty). A field added to findings
// without a schema update fails here.
func TestSchemasCoverModel(t *testing.T) {
	defs := map[string]map[string]any{}
	for _, f := range []string{"snapshot.schema.json", "assessment.schema.json", "runbook.schema.json"} {
		root := loadJSON(t, filepath.Join(schemaDir, f)).(map[string]any)
		for name, d := range root["$defs"].(map[string]any) {
			defs[name] = d.(map[string]any)
		}
		switch f {
		case "snapshot.schema.json":
			defs["Snapshot"] = root
		case "assessment.schema.json":
			defs["Assessment"] = root
		}
	}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || typ == reflect.TypeOf(time.Time{}) || seen[typ] {
			return
		}
		seen[typ] = true
		def, ok := defs[typ.Name()]
		if !ok {
			t.Errorf("schema has no $defs entry for %s", typ.Name())
			return
		}
		props := map[string]bool{}
		for k := range def["properties"].(map[string]any) {
			props[k] = true
		}
		var wantRequired []string
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			tag := f.Tag.Get("json")
			name, opts, _ := strings.Cut(tag, ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if !props[name] {
				t.Errorf("%s.%s: field %q is missing from the schema", typ.Name(), f.Name, name)
			}
			delete(props, name)
			if !strings.Contains(opts, "omitempty") {
				wantRequired = append(wantRequired, name)
			}
			walk(f.Type)
		}
		for k := range props {
			t.Errorf("%s: schema property %q has no Go field", typ.Name(), k)
		}
		var gotRequired []string
		if r, ok := def["required"].([]any); ok {
			for _, x := range r {
				gotRequired = append(gotRequired, x.(string))
			}
		}
		sort.Strings(wantRequired)
		sort.Strings(gotRequired)
		if !slices.Equal(wantRequired, gotRequired) {
			t.Errorf("%s: required = %v, Go always writes %v", typ.Name(), gotRequired, wantRequired)
		}
	}
	walk(reflect.TypeOf(findings.Assessment{}))
	if !seen[reflect.TypeOf(findings.Snapshot{})] || !seen[reflect.TypeOf(findings.Changes{})] {
		t.Fatal("walk did not reach Snapshot and Changes")
	}
}
