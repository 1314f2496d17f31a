package all

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/policies"
	"github.com/keyholder/keyholder/scanners"
)

// TestIssue12_EveryGapMakesACheckUnknown: every gap collection a scanner
// declares in Factory.Gaps makes at least one built-in check unknown on a
// system of the scanner's kind, so no gap is silent (issue 12 item 2).
func TestIssue12_EveryGapMakesACheckUnknown(t *testing.T) {
	engine, err := policies.NewEngine(policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	reg := Registry()
	for _, typ := range reg.Types() {
		f, _ := reg.Lookup(typ)
		kind := findings.SystemKind(typ)
		for _, p := range f.Gaps {
			concrete := strings.ReplaceAll(p, "*", "x")
			if ids := engine.ChecksCovering(kind, concrete); len(ids) == 0 {
				if why, ok := perItemGaps[typ+" "+p]; ok && len(engine.ChecksExempting(kind, concrete)) > 0 {
					t.Logf("%s: %s is exempted by %v: %s", typ, p, engine.ChecksExempting(kind, concrete), why)
					continue
				}
				t.Errorf("%s: gap collection %q makes no check unknown: a gap there would be silent (add it to a check's METADATA reads, or stop emitting it)", typ, p)
			}
		}
		if typ != "declared" && !scanners.GapDeclared(f.Gaps, "system") {
			t.Errorf("%s: Factory.Gaps does not list \"system\" (the gap of a target that could not be scanned)", typ)
		}
	}
}

// perItemGaps are gap collections that no check needs whole: their loss
// is recorded on each item it affects (which the checks then judge
// unknown) or feeds nothing judged, and the checks reading that data
// exempt them in not_affected_by. Each needs the reason, and a check must
// still name it in not_affected_by for the exemption to hold.
var perItemGaps = map[string]string{
	"github activity/audit_log":        "the audit log only adds last_role_change to members, which no check judges; KH-SEG-006, the check reading activity, exempts it",
	"github mfa/outside_collaborators": "outside collaborators' MFA then stays unknown on each of them; they hold no organisation role, so KH-KEY-002 (owners' MFA) is not affected",
}

// gapCallRE finds a string literal given as a gap collection: the first
// or second argument of gap/note/gapAs/skipped/report/GapFromError, a
// Collection field, or a gapXxx constant. A literal followed by + is a
// prefix.
var gapCallRE = regexp.MustCompile(`(?:\b(?:gap|note|gapAs|skipped|report|GapFromError)\((?:[^()"]*?,\s*)?|Collection:\s*|\bgap[A-Z]\w*\s*=\s*)"([a-z_]+(?:/[A-Za-z0-9_./-]*)?)"(\s*\+)?`)

// TestIssue12_ScannersDeclareEveryGapTheyEmit reads each scanner's source
// and checks that every literal gap collection it passes to a gap helper
// is declared in Factory.Gaps. (Collections built at run time are checked
// by each scanner's tests through scannertest.CheckGaps.)
func TestIssue12_ScannersDeclareEveryGapTheyEmit(t *testing.T) {
	reg := Registry()
	for _, typ := range reg.Types() {
		f, _ := reg.Lookup(typ)
		files, _ := filepath.Glob(filepath.Join("..", typ, "*.go"))
		seen := 0
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range gapCallRE.FindAllStringSubmatch(string(src), -1) {
				c := m[1]
				if m[2] != "" {
					c += "x"
				}
				seen++
				if !scanners.GapDeclared(f.Gaps, c) {
					t.Errorf("%s: %s emits gap collection %q, which Factory.Gaps does not declare", typ, filepath.Base(file), m[1])
				}
			}
		}
		if typ != "declared" && seen == 0 {
			t.Errorf("%s: no gap call found in the source: the scan for literals no longer matches the scanner's code", typ)
		}
	}
}

func TestGapDeclared(t *testing.T) {
	pats := []string{"grants", "backups/vaults/*", "contacts/alternate_*"}
	for c, want := range map[string]bool{
		"grants": true, "grants/pim": false, "backups/vaults/eu-west-1": true, "backups/vaults/": false,
		"backups/vaults": false, "contacts/alternate_billing": true, "contacts": false,
	} {
		if got := scanners.GapDeclared(pats, c); got != want {
			t.Errorf("GapDeclared(%q) = %v, want %v", c, got, want)
		}
	}
}
