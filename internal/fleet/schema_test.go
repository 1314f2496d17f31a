package fleet

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestGoldenMatchesSchema: fleet.json (with a first run, a stale run and a
// run without summary) matches docs/schema/fleet.schema.json.
func TestGoldenMatchesSchema(t *testing.T) {
	load := func(p string) any {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		return v
	}
	sch := load(filepath.Join("..", "..", "docs", "schema", "fleet.schema.json"))
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	id := sch.(map[string]any)["$id"].(string)
	if err := c.AddResource(id, sch); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(load(filepath.Join("testdata", "golden", "fleet.json"))); err != nil {
		t.Errorf("golden fleet.json does not match the schema: %v", err)
	}
}
