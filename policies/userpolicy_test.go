package policies

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
)

func TestUserPolicyGood(t *testing.T) {
	dir := filepath.Join("testdata", "userpolicy", "good")
	e, err := NewEngine(Options{PolicyDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	info, ok := e.Check("CONTOSO-001")
	if !ok {
		t.Fatal("user check CONTOSO-001 not loaded")
	}
	if info.Source != filepath.Join(dir, "guest_admins.rego") || info.Severity != findings.SeverityHigh || len(info.Profiles) != 1 || info.Profiles[0] != ProfileReadiness {
		t.Errorf("info %+v", info)
	}
	if _, ok := e.Check("KH-KEY-001"); !ok {
		t.Error("built-ins missing next to user checks")
	}
	if len(e.Checks()) != len(testEngine(t).Checks())+1 {
		t.Errorf("%d checks, want built-ins + 1 (the library and the _test file are not checks)", len(e.Checks()))
	}

	snap := baseSnapshot()
	cfg := loadConfig(t, "base.yaml")
	a, err := e.Evaluate(t.Context(), snap, cfg, EvalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st, ok := worst(a, "CONTOSO-001", "m365"); !ok || st != findings.StatusPass {
		t.Errorf("CONTOSO-001 on the baseline: %v %v", st, ok)
	}
	// tom (a guest) holds Helpdesk Administrator eligible: make it count.
	grantsOf(snap, tom)[0].Assignment = findings.AssignmentPermanent
	a, err = e.Evaluate(t.Context(), snap, cfg, EvalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !hasSubject(findingsOf(a, "CONTOSO-001"), findings.StatusFail, tom) {
		t.Errorf("CONTOSO-001 did not flag the guest admin:\n%s", dumpFindings(findingsOf(a, "CONTOSO-001")))
	}
	// The gap rule applies to user checks too.
	snap = baseSnapshot()
	addGap(snap, "m365", "grants")
	a, err = e.Evaluate(t.Context(), snap, cfg, EvalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := worst(a, "CONTOSO-001", "m365"); st != findings.StatusUnknown {
		t.Errorf("CONTOSO-001 with a grants gap: %s, want unknown", st)
	}
	// A waiver may name a user check.
	cfg.Policy.Waivers = []config.Waiver{{Check: "CONTOSO-001", Reason: "r", Expires: &config.Date{Time: finished.AddDate(1, 0, 0)}}}
	if _, err := e.Evaluate(t.Context(), baseSnapshot(), cfg, EvalOptions{}); err != nil {
		t.Errorf("waiver on a user check: %v", err)
	}
}

func TestUserPolicyErrors(t *testing.T) {
	cases := []struct {
		dir  string
		want []string
	}{
		{"broken", []string{filepath.Join("testdata", "userpolicy", "broken", "bad.rego") + ":11:", "rego_parse_error"}},
		{"collide", []string{"dup.rego", "KH-KEY-001", "already defined by builtin/checks/kh_key_001.rego"}},
		{"badmeta", []string{"nosev.rego:1:", "severity"}},
		{"compile", []string{"undefined.rego:11:", "no_such_function"}},
		{"missing", []string{"--policy-dir"}},
	}
	for _, tc := range cases {
		t.Run(tc.dir, func(t *testing.T) {
			_, err := NewEngine(Options{PolicyDir: filepath.Join("testdata", "userpolicy", tc.dir)})
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrPolicy) {
				t.Errorf("error does not wrap ErrPolicy: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestREADMEDocumentsEveryCheck: each built-in check has its section in
// README.md, with its severity.
func TestREADMEDocumentsEveryCheck(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, c := range testEngine(t).Checks() {
		i := strings.Index(doc, "### "+c.ID+"\n")
		if i < 0 {
			t.Errorf("README.md has no section for %s", c.ID)
			continue
		}
		section := doc[i:]
		if j := strings.Index(section[4:], "\n### "); j > 0 {
			section = section[:j+4]
		}
		if !strings.Contains(section, "**"+string(c.Severity)+"**") {
			t.Errorf("README.md section of %s does not give its severity %s", c.ID, c.Severity)
		}
	}
}
