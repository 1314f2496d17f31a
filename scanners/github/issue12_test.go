package github

import (
	"strings"
	"testing"

	ghsim "github.com/keyholder/keyholder/internal/sim/github"
)

// TestIssue12_GapsNameTheCall: every gap a non-owner token causes names
// the exact REST call (method and path) or GraphQL query beside its
// collection (issue 12 item 15).
func TestIssue12_GapsNameTheCall(t *testing.T) {
	h := newHarness(t, contoso(t), ghsim.Options{})
	snap, _ := h.scan(h.target(memberToken))
	if len(snap.Gaps) == 0 {
		t.Fatal("no gaps")
	}
	for _, g := range snap.Gaps {
		if !strings.Contains(g.Error, "GET /") && !strings.Contains(g.Error, "graphql ") {
			t.Errorf("gap %s does not name its call: %q", g.Collection, g.Error)
		}
	}
}
