package report

import (
	"encoding/json"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/keyholder/keyholder/findings"
)

// compileSARIF compiles the SARIF 2.1.0 schema kept in testdata (see its
// description: written from the specification for these tests).
func compileSARIF(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	doc := loadJSON(t, "testdata/sarif-2.1.0-subset.schema.json")
	if err := c.AddResource("sarif.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("sarif.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type sarifDoc struct {
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Rules []struct {
					ID                   string `json:"id"`
					DefaultConfiguration struct {
						Level string `json:"level"`
					} `json:"defaultConfiguration"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID              string            `json:"ruleId"`
			RuleIndex           int               `json:"ruleIndex"`
			Level               string            `json:"level"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			Suppressions        []struct {
				Kind          string `json:"kind"`
				Justification string `json:"justification"`
			} `json:"suppressions"`
			Locations []struct {
				LogicalLocations []struct {
					FullyQualifiedName string `json:"fullyQualifiedName"`
				} `json:"logicalLocations"`
			} `json:"locations"`
		} `json:"results"`
	} `json:"runs"`
}

func TestSARIF(t *testing.T) {
	a := fixture(t)
	out := render(t, "sarif", "report.sarif", a, Options{})
	if err := compileSARIF(t).Validate(decodeAny(t, out)); err != nil {
		t.Fatalf("report.sarif is not valid SARIF 2.1.0: %v", err)
	}
	var doc sarifDoc
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2.1.0" || len(doc.Runs) != 1 {
		t.Fatalf("version %q, %d runs", doc.Version, len(doc.Runs))
	}
	run := doc.Runs[0]

	// One rule per check, in id order, none twice.
	rules := run.Tool.Driver.Rules
	if len(rules) != len(a.Checks) {
		t.Errorf("%d rules for %d checks", len(rules), len(a.Checks))
	}
	for i := 1; i < len(rules); i++ {
		if rules[i-1].ID >= rules[i].ID {
			t.Errorf("rules not sorted or duplicated at %d: %s, %s", i, rules[i-1].ID, rules[i].ID)
		}
	}

	// One result per failing or waived finding; waived ones suppressed.
	var fail, waived int
	for _, f := range a.Findings {
		switch f.Status {
		case findings.StatusFail:
			fail++
		case findings.StatusWaived:
			waived++
		}
	}
	if len(run.Results) != fail+waived {
		t.Fatalf("%d results, want %d failing + %d waived", len(run.Results), fail, waived)
	}
	prints := map[string]bool{}
	suppressed := 0
	for _, r := range run.Results {
		if r.RuleIndex < 0 || r.RuleIndex >= len(rules) || rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s has ruleIndex %d pointing elsewhere", r.RuleID, r.RuleIndex)
		}
		fp := r.PartialFingerprints["keyholderFinding/v1"]
		if fp == "" || prints[fp] {
			t.Errorf("result %s: fingerprint %q missing or repeated", r.RuleID, fp)
		}
		prints[fp] = true
		if len(r.Suppressions) > 0 {
			suppressed++
			if r.Suppressions[0].Kind != "external" || r.Suppressions[0].Justification == "" {
				t.Errorf("waived result %s: suppression %+v", r.RuleID, r.Suppressions[0])
			}
		}
		if len(r.Locations) != 1 || len(r.Locations[0].LogicalLocations) == 0 {
			t.Errorf("result %s names no system or subject", r.RuleID)
		}
	}
	if suppressed != waived {
		t.Errorf("%d suppressed results, want %d", suppressed, waived)
	}
	// Levels follow severity: the blocker KH-KEY-001 is an error.
	for _, r := range run.Results {
		if r.RuleID == "KH-KEY-001" && r.Level != "error" {
			t.Errorf("KH-KEY-001 level %q", r.Level)
		}
		if r.RuleID == "KH-SEG-007" && r.Level != "warning" {
			t.Errorf("KH-SEG-007 (medium) level %q", r.Level)
		}
	}
}

// TestSARIFSchemaRejects proves the vendored schema catches mistakes.
func TestSARIFSchemaRejects(t *testing.T) {
	s := compileSARIF(t)
	good := render(t, "sarif", "report.sarif", fixture(t), Options{})
	cases := map[string]func(m map[string]any){
		"wrong version":          func(m map[string]any) { m["version"] = "2.0.0" },
		"no runs":                func(m map[string]any) { delete(m, "runs") },
		"result without message": func(m map[string]any) { result(m)["message"] = map[string]any{} },
		"bad level":              func(m map[string]any) { result(m)["level"] = "critical" },
		"bad kind":               func(m map[string]any) { result(m)["kind"] = "bad" },
		"unknown result field":   func(m map[string]any) { result(m)["severity"] = "high" },
		"rule without id":        func(m map[string]any) { delete(rule(m), "id") },
		"suppression kind":       func(m map[string]any) { result(m)["suppressions"] = []any{map[string]any{"kind": "waiver"}} },
		"start line zero":        func(m map[string]any) { location(m)["region"] = map[string]any{"startLine": 0} },
		"driver without name":    func(m map[string]any) { delete(driver(m), "name") },
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
				t.Fatal("schema accepted invalid SARIF")
			}
		})
	}
}

func run0(m map[string]any) map[string]any { return m["runs"].([]any)[0].(map[string]any) }
func driver(m map[string]any) map[string]any {
	return run0(m)["tool"].(map[string]any)["driver"].(map[string]any)
}
func rule(m map[string]any) map[string]any   { return driver(m)["rules"].([]any)[0].(map[string]any) }
func result(m map[string]any) map[string]any { return run0(m)["results"].([]any)[0].(map[string]any) }
func location(m map[string]any) map[string]any {
	return result(m)["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
}
