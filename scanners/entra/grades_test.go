package entra

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
)

// TestIssue12_RoleGradesPublished: every graded Entra role appears in
// policies/README.md "Privilege levels" with the same template id, level
// and basis, and the takeover-capable roles are graded at the top level
// (issue 12 item 3).
func TestIssue12_RoleGradesPublished(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "policies", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range RoleGrades {
		row := "| Entra role | " + g.Name + " | " + g.Template + " | " + string(g.Level) + " | " + g.Basis + " | "
		if !strings.Contains(string(readme), row) {
			t.Errorf("policies/README.md has no row %q", row)
		}
	}
	graded := map[string]bool{}
	for _, g := range RoleGrades {
		graded[g.Template] = true
	}
	for id, name := range privilegedTemplates {
		if graded[id] {
			continue
		}
		d := &roleDef{template: id, name: name, builtIn: true, known: true, privileged: true}
		row := "| Entra role | " + name + " | " + id + " | " + string(d.level()) + " | role | "
		if !strings.Contains(string(readme), row) {
			t.Errorf("policies/README.md has no row %q", row)
		}
	}
	for _, name := range []string{"Partner Tier2 Support", "Privileged Authentication Administrator", "Privileged Role Administrator",
		"Application Administrator", "Cloud Application Administrator", "Conditional Access Administrator", "Intune Administrator"} {
		found := false
		for _, g := range RoleGrades {
			if g.Name == name {
				found = true
				d := &roleDef{template: g.Template, name: name, builtIn: true, known: true}
				if d.level() != findings.LevelSuperAdmin || d.basis() != "takeover_route" {
					t.Errorf("%s graded %s (%s), want super_admin (takeover_route)", name, d.level(), d.basis())
				}
			}
		}
		if !found {
			t.Errorf("%s is not graded", name)
		}
	}
}
