package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keyholder/keyholder/findings"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// fixture loads the Contoso assessment: a customer with MSP technicians in
// Domain Admins, a partner-created subscription, an MSP-owned backup key,
// an AWS trust without external id, a GitHub MSP owner, gaps, a waiver,
// an open notice window and changes since the last run.
func fixture(t testing.TB) *findings.Assessment {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "contoso.assessment.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a, err := findings.DecodeAssessment(f, "contoso.assessment.json")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func fixtureOptions() Options {
	return Options{Permissions: []PermissionSet{
		{Scanner: "entra", Summary: "Microsoft Graph application permissions", Items: []Permission{
			{Name: "Directory.Read.All", Why: "users, groups, roles, partner relationships"},
			{Name: "RoleManagement.Read.Directory", Why: "active and eligible role assignments"},
			{Name: "AuditLog.Read.All", Why: "sign-in activity", Optional: true},
		}},
		{Scanner: "aws", Summary: "IAM policy on the audit role", Items: []Permission{
			{Name: "iam:GetAccountAuthorizationDetails", Why: "users, roles, groups and their policies"},
			{Name: "organizations:DescribeOrganization", Why: "management account", Optional: true},
		}},
	}}
}

// render renders one file of a format.
func render(t testing.TB, format, file string, a *findings.Assessment, opts Options) []byte {
	t.Helper()
	w, err := New(format, opts)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.WriteFile(file, &buf, a); err != nil {
		t.Fatalf("%s/%s: %v", format, file, err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	for _, format := range Formats() {
		w, err := New(format, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range w.Files() {
			t.Run(file, func(t *testing.T) {
				got := render(t, format, file, fixture(t), fixtureOptions())
				// Byte-identical across runs, from a freshly decoded fixture.
				again := render(t, format, file, fixture(t), fixtureOptions())
				if !bytes.Equal(got, again) {
					t.Fatalf("%s is not deterministic", file)
				}
				golden := filepath.Join("testdata", "golden", file)
				if *update {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./report -run TestGolden -update)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from %s (-want +got):\n%s", file, golden, cmp.Diff(string(want), string(got)))
				}
			})
		}
	}
}
