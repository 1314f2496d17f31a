package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/fsx/fsxtest"
	"github.com/keyholder/keyholder/internal/sim/estate"
	"github.com/keyholder/keyholder/scanners/all"
)

// demoTimeBound is how long the whole demo may take on the CI machine
// (two cores shared with other jobs); it takes about a second alone.
const demoTimeBound = 90 * time.Second

// registeredTypes are the simulated types keyholder has scanners for.
func registeredTypes() []string {
	var out []string
	for _, t := range estate.Types() {
		if _, ok := all.Registry().Lookup(t); ok {
			out = append(out, t)
		}
	}
	return out
}

func TestDemoEndToEnd(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	a := &app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, redactor: &config.Redactor{}}
	lg, err := newLogger(a.stderr, "warn", "text", a.redactor)
	if err != nil {
		t.Fatal(err)
	}
	a.logger = lg
	ctx, cancel := context.WithTimeout(context.Background(), demoTimeBound)
	defer cancel()
	t0 := time.Now()
	res, err := runDemo(ctx, a, demoFlags{out: dir, formats: "html,md,json,runbook-csv,runbook-json"})
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(t0); el > demoTimeBound {
		t.Fatalf("demo took %v, bound %v", el, demoTimeBound)
	}
	types := registeredTypes()
	if !slices.Equal(res.types, types) || len(res.runs) != 2 {
		t.Fatalf("demo simulated %v (want %v), %d runs", res.types, types, len(res.runs))
	}

	// The second run is diffed against the first and privileged access changed.
	second := res.runs[1].result.assessment
	if slices.Contains(types, estate.TypeAzure) {
		// Issue 17: ARM names Owners only by object id; joined to the
		// Entra users they are the customer's two named Owners, while
		// Acme IT's permanent Lighthouse Owner and CSP AdminAgents fail
		// KH-SEG-001 and its Resource Guard fails KH-BAK-007.
		want := map[[2]string]findings.Status{
			{"KH-KEY-001", "azure/0c0a7050-1111-4000-8000-000000000001"}: findings.StatusPass,
			{"KH-SEG-001", "azure/0c0a7050-1111-4000-8000-000000000001"}: findings.StatusFail,
			{"KH-SEG-001", "azure/0c0a7050-2222-4000-8000-000000000002"}: findings.StatusFail,
			{"KH-OWN-001", "azure/0c0a7050-2222-4000-8000-000000000002"}: findings.StatusFail,
			{"KH-BAK-007", "azure/0c0a7050-1111-4000-8000-000000000001"}: findings.StatusFail,
			{"KH-KEY-001", "azure/0c0a7050-3333-4000-8000-000000000003"}: findings.StatusUnknown,
		}
		got := map[[2]string]findings.Status{}
		for _, f := range second.Findings {
			k := [2]string{f.Check, f.System}
			if _, ok := want[k]; ok && (got[k] == "" || f.Status == findings.StatusFail) {
				got[k] = f.Status
			}
		}
		for k, st := range want {
			if got[k] != st {
				t.Errorf("%s on %s: %s, want %s", k[0], k[1], got[k], st)
			}
		}
	}
	if second.Changes == nil || second.Changes.FromRun != 1 || second.Changes.ToRun != 2 || !second.Changes.PrivilegedChanged() {
		t.Fatalf("week 2 changes: %+v", second.Changes)
	}
	if second.Verdict != findings.VerdictNotReady {
		t.Errorf("verdict %s, want not_ready (the MSP owns the AWS organisation)", second.Verdict)
	}

	html := readFile(t, filepath.Join(dir, "report.html"))
	md := readFile(t, filepath.Join(dir, "report.md"))
	// ("all-changes" appears only when page one had to cut the list.)
	for _, id := range []string{"verdict", "keys", "changes", "providers", "ownership", "backups", "findings", "gaps", "runbook", "appendix"} {
		if !strings.Contains(html, `<section id="`+id+`"`) {
			t.Errorf("report.html lacks section %q", id)
		}
	}
	// Realistic content in every section: what the scenario plants.
	want := map[string][]string{
		"":                {"Acme IT", "notice window is open", "Veeam Backup &amp; Replication", "Sophos Central Intercept X", "CHG-1042"},
		estate.TypeLDAP:   {"Acme Technicians", "Domain Admins", "acme-lee", "Jo Kim (Acme IT, left 2025)"},
		estate.TypeAWS:    {"987654321098", "AcmeAdmin", "acme-managed-vault", "sts:ExternalId"},
		estate.TypeGitHub: {"acme-bob", "Bob Hale (Acme IT)", "Acme RMM", "audit"},
		estate.TypeEntra:  {"SPE_E3", "Tom Baker (Acme IT)", "Global Administrator", "Datto SaaS Protection", "Acme RMM Agent"},
		estate.TypeAzure:  {"Acme Cloud Engineers", "Contoso Dev (CSP)", "rsv-contoso-prod", "Azure subscription", "acme-guard"},
	}
	for typ, texts := range want {
		if typ != "" && !slices.Contains(types, typ) {
			continue
		}
		for _, s := range texts {
			if !strings.Contains(html, s) {
				t.Errorf("report.html lacks %q (%s)", s, or(typ, "declared"))
			}
		}
	}
	if !strings.Contains(md, "What changed since the previous run") && !strings.Contains(md, "hanges") {
		t.Error("report.md lacks the changes")
	}
	var as *findings.Assessment
	f, err := os.Open(filepath.Join(dir, "assessment.json"))
	if err != nil {
		t.Fatal(err)
	}
	as, err = findings.DecodeAssessment(f, "assessment.json")
	f.Close()
	if err != nil || as.Changes == nil || len(as.ExpiredWaivers) == 0 {
		t.Fatalf("assessment.json: %v, changes %v, expired waivers %d", err, as.Changes != nil, len(as.ExpiredWaivers))
	}
	waived, gaps := 0, len(as.View().Gaps)
	for _, fi := range as.Findings {
		if fi.Status == findings.StatusWaived {
			waived++
		}
	}
	if waived == 0 || gaps == 0 {
		t.Errorf("waived findings %d, gaps %d: the demo must show both", waived, gaps)
	}
	for _, p := range []string{"week1/report.html", "week1/assessment.json", "estate/keyholder.yaml", "estate/scenario.yaml", "keyholder.db"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}

	demoRunbookNamesObjects(t, dir, types)

	// The history is usable with the normal commands.
	code, out, _ := runCmd(t, "history", "--store", res.store)
	if code != 0 || !strings.Contains(out, "\n2 ") || !strings.Contains(out, "\n1 ") {
		t.Errorf("history (exit %d):\n%s", code, out)
	}
	code, out, _ = runCmd(t, "diff", "--store", res.store, "--fail-on-change", "privileged")
	if code != exitChanged || !strings.Contains(out, "privileged access changed") {
		t.Errorf("diff (exit %d):\n%s", code, out)
	}

	// No secret reached any file the demo wrote, nor its output.
	if len(res.secrets) == 0 {
		t.Fatal("no secrets recorded")
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, s := range res.secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s contains a secret", p)
			}
		}
		if runtime.GOOS == "windows" {
			fsxtest.AssertPrivate(t, p) // the owner-only ACL
		} else if st, _ := d.Info(); st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is readable by others: %v", p, st.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var printed bytes.Buffer
	printDemo(&printed, res)
	for _, s := range res.secrets {
		if strings.Contains(printed.String(), s) || strings.Contains(a.stderr.(*bytes.Buffer).String(), s) {
			t.Error("demo output contains a secret")
		}
	}
	if !strings.Contains(printed.String(), "Report: "+filepath.Join(dir, "report.html")) {
		t.Errorf("printout does not say where the report is:\n%s", printed.String())
	}
	// The environment is restored.
	if _, ok := os.LookupEnv(estate.EnvLDAPPassword); ok {
		t.Error("demo left its secrets in the environment")
	}
}

func TestDemoCLIAndDirectorySafety(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	code, out, errOut := runCmd(t, "demo", "-o", dir, "--format", "json")
	if code != 0 || !strings.Contains(out, "week 2 (2026-11-09): run 2") || !strings.Contains(out, "privileged access changed") {
		t.Fatalf("demo (exit %d):\n%s\n%s", code, out, errOut)
	}
	// Again into the same directory: the previous demo is replaced, so the
	// history holds two runs, not four.
	if code, _, errOut := runCmd(t, "demo", "-o", dir, "--format", "json", "--now", "2027-02-01T09:00:00Z"); code != 0 {
		t.Fatalf("second demo: exit %d: %s", code, errOut)
	}
	_, out, _ = runCmd(t, "history", "--store", filepath.Join(dir, "keyholder.db"), "--format", "json")
	if strings.Count(out, `"id":`) != 2 || !strings.Contains(out, "2027-02-08T09:00:00Z") {
		t.Errorf("history after a second demo:\n%s", out)
	}
	// A directory with someone else's files is refused and left alone.
	other := t.TempDir()
	mine := filepath.Join(other, "notes.txt")
	os.WriteFile(mine, []byte("mine"), 0o600)
	if code, _, errOut := runCmd(t, "demo", "-o", other); code != exitUsage || !strings.Contains(errOut, "not empty") {
		t.Errorf("foreign directory: exit %d: %s", code, errOut)
	}
	if b, _ := os.ReadFile(mine); string(b) != "mine" {
		t.Error("foreign file changed")
	}
	if code, _, _ := runCmd(t, "demo", "-o", filepath.Join(t.TempDir(), "x"), "--format", "pdf"); code != exitUsage {
		t.Errorf("bad format: exit %d", code)
	}
}

// TestReviewTwiceAgainstEstate is the acceptance test: review
// twice against the simulated estate with a change between; the change
// shows and review exits 5.
func TestReviewTwiceAgainstEstate(t *testing.T) {
	types := registeredTypes()
	sc, err := estate.Contoso()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "reviews.db")
	review := func(when time.Time, extra ...string) (int, string, string) {
		t.Helper()
		e, err := estate.Start(sc, estate.Options{Dir: filepath.Join(dir, "estate"), Types: types, Now: when})
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		defer e.Setenv()()
		args := append([]string{"review", "-c", e.ConfigPath, "--store", db, "--now", when.Format(time.RFC3339), "--fail-on", "none"}, extra...)
		return runCmd(t, args...)
	}
	code, out, errOut := review(sc.Now)
	if code != exitOK || !strings.Contains(out, "First run of Contoso Ltd") {
		t.Fatalf("first review: exit %d\n%s\n%s", code, out, errOut)
	}
	// Nothing changed: no alert, even watching any change.
	code, out, errOut = review(sc.Now, "--fail-on-change", "any")
	if code != exitOK || !strings.Contains(out, "No changes.") {
		t.Fatalf("unchanged review: exit %d\n%s\n%s", code, out, errOut)
	}
	applied, err := estate.Week2(sc)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut = review(sc.Now.AddDate(0, 0, 7), "-o", filepath.Join(dir, "report"))
	if code != exitChanged {
		t.Fatalf("review after week 2: exit %d, want %d\n%s\n%s", code, exitChanged, out, errOut)
	}
	if !strings.Contains(errOut, "privileged access changed since run 2 (keyholder diff 2 3)") || !strings.Contains(out, "privileged access changed") {
		t.Errorf("change not reported:\n%s\n%s", out, errOut)
	}
	for typ, s := range map[string]string{estate.TypeLDAP: "acme-lee", estate.TypeAWS: "AcmeReadOnly", estate.TypeGitHub: "acme-erin", estate.TypeEntra: "Lee Wong"} {
		if slices.Contains(types, typ) && !strings.Contains(out, s) {
			t.Errorf("%s change %q not shown (applied: %v):\n%s", typ, s, applied, out)
		}
	}
	html := readFile(t, filepath.Join(dir, "report", "report.html"))
	if !strings.Contains(html, "What changed since the previous run") || !strings.Contains(html, "acme-lee") {
		t.Error("report page one lacks the changes")
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// demoRunbookNamesObjects (issue 15): the demo's runbook.json validates
// against its schema and names each kind of object as its admin console
// does, keyholder's id second.
func demoRunbookNamesObjects(t *testing.T, dir string, types []string) {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(readFile(t, "../../docs/schema/runbook.schema.json"))))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("runbook.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("runbook.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	raw := readFile(t, filepath.Join(dir, "runbook.json"))
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(inst); err != nil {
		t.Errorf("runbook.json does not validate: %v", err)
	}
	var rb struct {
		Items []struct {
			Identifier     string `json:"identifier"`
			IdentifierKind string `json:"identifier_kind"`
			KeyholderID    string `json:"keyholder_id"`
			Status         string `json:"status"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(raw), &rb); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	statuses := map[string]bool{}
	for _, it := range rb.Items {
		if _, ok := kinds[it.IdentifierKind]; !ok {
			kinds[it.IdentifierKind] = it.Identifier
		}
		statuses[it.Status] = true
		if strings.Contains(it.Identifier, "#password") || strings.HasPrefix(it.Identifier, "user:") {
			t.Errorf("identifier %q is keyholder's id, not the admin console's", it.Identifier)
		}
	}
	want := map[string][]string{
		estate.TypeEntra:  {"UPN", "e-mail", "app"},
		estate.TypeLDAP:   {"sAMAccountName"},
		estate.TypeGitHub: {"GitHub login"},
		estate.TypeAWS:    {"IAM user", "access key id", "role ARN", "vault ARN"},
	}
	for typ, ks := range want {
		if !slices.Contains(types, typ) {
			continue
		}
		for _, k := range ks {
			if _, ok := kinds[k]; !ok {
				t.Errorf("the demo runbook names no object by %s (kinds: %v)", k, kinds)
			}
		}
	}
	if id := kinds["access key id"]; id != "" && !strings.HasPrefix(id, "AKIA") {
		t.Errorf("access key named %q, want its id", id)
	}
	if app := kinds["app"]; app != "" && !strings.Contains(app, "(app id ") {
		t.Errorf("app named %q, want its display name with its app id", app)
	}
	for _, s := range []string{"done", "verify", "to_do"} {
		if !statuses[s] {
			t.Errorf("no runbook item is %s", s)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "runbook.csv")); err != nil {
		t.Error(err)
	}
}
