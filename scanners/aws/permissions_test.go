package aws

import (
	"encoding/json"
	"slices"
	"sort"
	"testing"
)

// TestPermissionsMatchCalls runs every scan the tests run, records each
// operation the fake served, and checks the policy document holds exactly
// the IAM actions of those operations.
func TestPermissionsMatchCalls(t *testing.T) {
	served := map[string]bool{}
	f1, url1 := startFake(t, loadScenario(t, "single.yaml"))
	scan(t, newTestScanner(t, target(t, url1, "backup_bucket_tags: {purpose: backup}"), testEnv(), "AKIACUSTOMERAUDIT01"))
	f2, url2 := startFake(t, loadScenario(t, "org.yaml"))
	scan(t, newTestScanner(t, target(t, url2, orgTarget(t, url2)...), testEnv(), "AKIAORGMANAGEMENT01"))
	sc3 := loadScenario(t, "org.yaml")
	sc3.Accounts[0].IdentityCenter.Region = "eu-west-1" // found by account:ListRegions
	f3, url3 := startFake(t, sc3)
	scan(t, newTestScanner(t, target(t, url3), testEnv(), "AKIAORGMANAGEMENT01"))
	f4, url4 := startFake(t, loadScenario(t, "org.yaml"))
	cfg4 := tagsConfig(t, url4, "") // sensitive aws_tags: vault and account tags
	env4 := testEnv()
	env4.Config = cfg4
	scan(t, newTestScanner(t, cfg4.Targets[0], env4, "AKIAORGMANAGEMENT01"))
	for _, op := range append(append(append(f1.Operations(), f2.Operations()...), f3.Operations()...), f4.Operations()...) {
		served[op] = true
	}
	var called []string
	for op := range served {
		a, ok := iamActionOf(op)
		if !ok {
			t.Errorf("operation %s is called but missing from the permissions table", op)
			continue
		}
		called = append(called, a)
	}
	sort.Strings(called)
	called = slices.Compact(called)

	p := permissions()
	var doc struct {
		Version   string
		Statement []struct {
			Effect   string
			Action   []string
			Resource string
		}
	}
	if err := json.Unmarshal([]byte(p.Document), &doc); err != nil {
		t.Fatalf("policy document is not valid JSON: %v", err)
	}
	if doc.Version != "2012-10-17" || len(doc.Statement) != 1 || doc.Statement[0].Effect != "Allow" || doc.Statement[0].Resource != "*" {
		t.Fatalf("policy: %+v", doc)
	}
	if !slices.Equal(doc.Statement[0].Action, called) {
		t.Fatalf("policy actions differ from the actions called:\npolicy: %v\ncalled: %v", doc.Statement[0].Action, called)
	}
	if len(p.Items) != len(called) {
		t.Fatalf("%d items, %d actions", len(p.Items), len(called))
	}
	for _, it := range p.Items {
		if it.Why == "" {
			t.Errorf("%s has no reason", it.Name)
		}
	}
	for _, a := range called {
		for _, verb := range []string{"Create", "Delete", "Put", "Update", "Attach", "Detach", "Tag", "Untag"} {
			if len(a) > 0 && containsVerb(a, verb) {
				t.Errorf("write action %s in the read-only policy", a)
			}
		}
	}
}

func containsVerb(action, verb string) bool {
	for i := range action {
		if action[i] == ':' {
			return len(action) > i+len(verb) && action[i+1:i+1+len(verb)] == verb
		}
	}
	return false
}
