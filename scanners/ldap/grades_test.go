package ldap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
)

// TestIssue12_RoleGradesPublished: every graded AD group appears in
// policies/README.md "Privilege levels" with the same level and basis,
// and the tier-0 groups are graded at or next to the top (issue 12 item 3).
func TestIssue12_RoleGradesPublished(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "policies", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range GroupGrades {
		row := "| AD group | " + g.Name + " | "
		i := strings.Index(string(readme), row)
		if i < 0 {
			t.Errorf("policies/README.md has no row for %s", g.Name)
			continue
		}
		line := string(readme)[i:]
		line = line[:strings.IndexByte(line, '\n')]
		if !strings.Contains(line, " | "+string(g.Level)+" | "+g.Basis+" | ") {
			t.Errorf("policies/README.md row %q does not say %s / %s", line, g.Level, g.Basis)
		}
	}
	want := map[string]findings.Level{
		"Account Operators": findings.LevelSuperAdmin, "Server Operators": findings.LevelSuperAdmin,
		"Backup Operators": findings.LevelSuperAdmin, "Print Operators": findings.LevelSuperAdmin,
		"Schema Admins": findings.LevelSuperAdmin, "Key Admins": findings.LevelSuperAdmin,
		"Enterprise Key Admins": findings.LevelSuperAdmin, "DnsAdmins": findings.LevelSuperAdmin,
		"Group Policy Creator Owners": findings.LevelAdmin,
	}
	got := map[string]findings.Level{}
	for _, w := range adWellKnownGroups("S-1-5-21-1-2-3", "S-1-5-21-1-2-3") {
		got[w.name] = w.level
	}
	for name, lvl := range want {
		if got[name] != lvl {
			t.Errorf("%s graded %q, want %q", name, got[name], lvl)
		}
	}
}
