package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/scanners/all"
)

// TestDocsCLIMatchesCommands regenerates the command reference and compares
// it with the checked-in docs/cli, so the reference never drifts from the
// commands.
func TestDocsCLIMatchesCommands(t *testing.T) {
	dir := t.TempDir()
	if code, out, errOut := runCmd(t, "docs", "--out", dir); code != 0 {
		t.Fatalf("docs: exit %d\n%s%s", code, out, errOut)
	}
	list := func(root string) map[string][]byte {
		m := map[string][]byte{}
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(root, p)
				m[filepath.ToSlash(rel)], _ = os.ReadFile(p)
			}
			return nil
		})
		return m
	}
	got, want := list(dir), list(filepath.Join("..", "..", "docs", "cli"))
	if len(got) == 0 {
		t.Fatal("docs wrote nothing")
	}
	var stale []string
	for name, b := range got {
		if w, ok := want[name]; !ok || !bytes.Equal(w, b) {
			stale = append(stale, name)
		}
	}
	for name := range want {
		if _, ok := got[name]; !ok {
			stale = append(stale, name+" (no longer generated)")
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Errorf("docs/cli is out of date with the commands (%s); regenerate it: go run ./cmd/keyholder docs --out docs/cli && git add docs/cli", strings.Join(stale, ", "))
	}
	if _, ok := got["man/keyholder-setup.1"]; !ok {
		t.Error("no man page for keyholder setup")
	}
}

func TestSetupAndPermissionsDocument(t *testing.T) {
	// permissions entra --document is the setup manifest.
	code, doc, errOut := runCmd(t, "permissions", "entra", "--document")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, man, _ := runCmd(t, "setup", "entra", "--artefact", "manifest")
	if code != 0 || doc != man {
		t.Fatalf("permissions --document and setup --artefact manifest differ (exit %d)", code)
	}
	var m struct {
		RRA []struct {
			ResourceAppID  string `json:"resourceAppId"`
			ResourceAccess []struct{ ID, Type string }
		} `json:"requiredResourceAccess"`
	}
	if err := json.Unmarshal([]byte(doc), &m); err != nil || len(m.RRA) != 1 || len(m.RRA[0].ResourceAccess) == 0 {
		t.Fatalf("manifest: %v %s", err, doc)
	}

	// aws --document is still the scanner's IAM policy.
	f, _ := all.Registry().Lookup("aws")
	if code, out, _ := runCmd(t, "permissions", "aws", "--document"); code != 0 || strings.TrimSpace(out) != strings.TrimSpace(f.Permissions().Document) {
		t.Errorf("permissions aws --document (exit %d) is not the scanner's policy", code)
	}

	// The guide carries the tenant's admin-consent URL.
	if code, out, _ := runCmd(t, "setup", "entra", "--tenant", "tid-123", "--client-id", "cid-456"); code != 0 ||
		!strings.Contains(out, "https://login.microsoftonline.com/tid-123/adminconsent?client_id=cid-456") {
		t.Errorf("setup entra (exit %d) lacks the consent URL:\n%s", code, out)
	}

	// --out writes the guide and every artefact.
	dir := filepath.Join(t.TempDir(), "aws")
	code, out, errOut := runCmd(t, "setup", "aws", "--principal", "arn:aws:iam::111111111111:role/runner", "--external-id", "contoso", "--out", dir)
	if code != 0 {
		t.Fatalf("setup aws --out: exit %d %s", code, errOut)
	}
	for _, name := range []string{"README.md", "aws-iam-policy.json", "aws-audit-role.cfn.json", "aws-org-stackset.cfn.json", "aws-audit-role.tf", "keyholder-aws.yaml"} {
		if !strings.Contains(out, name) {
			t.Errorf("setup aws --out did not list %s", name)
		}
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
	readme, _ := os.ReadFile(filepath.Join(dir, "README.md"))
	if !strings.Contains(string(readme), "TrustedPrincipalArn=arn:aws:iam::111111111111:role/runner ExternalId=contoso") {
		t.Error("the guide does not carry the given principal and external id")
	}

	for _, args := range [][]string{
		{"setup", "nope"},
		{"setup", "github", "--artefact", "nope"},
		{"setup", "declared", "--out", t.TempDir()},
		{"permissions", "declared", "--document"},
	} {
		if code, _, _ := runCmd(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
	// A type without artefacts prints its permission list.
	if code, out, _ := runCmd(t, "setup", "declared"); code != 0 || !strings.Contains(out, "== declared") {
		t.Errorf("setup declared: exit %d\n%s", code, out)
	}
}
