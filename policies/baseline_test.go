package policies

import (
	"testing"

	"github.com/keyholder/keyholder/findings"
)

// TestBaselinePasses: the baseline estate passes every readiness check on
// every system, so each check's pass case is exercised, and the verdict is
// ready.
func TestBaselinePasses(t *testing.T) {
	a := evaluate(t, baseSnapshot(), loadConfig(t, "base.yaml"), EvalOptions{})
	for _, f := range a.Findings {
		if f.Status != findings.StatusPass {
			t.Errorf("%s %s %v: %s: %s %v", f.Check, f.System, f.Subjects, f.Status, f.Message, f.Evidence)
		}
	}
	for _, c := range a.Checks {
		if _, ok := worst(a, c.ID, "*"); !ok {
			t.Errorf("%s produced no finding on the baseline", c.ID)
		}
	}
	if a.Verdict != findings.VerdictReady {
		t.Errorf("verdict %s, want ready", a.Verdict)
	}
}
