package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
)

// identifierEstate is one principal, key, role, app and vault of each kind
// an admin console names differently, with a runbook step naming them by
// keyholder id.
func identifierEstate() *findings.Assessment {
	due := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	snap := &findings.Snapshot{
		Systems: []findings.System{
			{ID: "m365", Kind: findings.SystemEntra, Name: "Contoso Ltd", NativeID: "tenant-1"},
			{ID: "corp-ad", Kind: findings.SystemLDAP, Flavour: "active_directory", Name: "DC=contoso,DC=com", Domains: []string{"contoso.com"}},
			{ID: "gh", Kind: findings.SystemGitHub, Name: "Contoso Ltd", NativeID: "contoso"},
			{ID: "aws-prod", Kind: findings.SystemAWS, Name: "aws-prod", NativeID: "412345678901", Attributes: map[string]string{"account_alias": "contoso-prod"}},
		},
		Principals: []findings.Principal{
			{ID: "user:m365:1", System: "m365", Kind: findings.PrincipalUser, NativeID: "1", DisplayName: "Alice Chen", Login: "alice@contoso.com"},
			{ID: "guest:m365:2", System: "m365", Kind: findings.PrincipalGuest, NativeID: "2", DisplayName: "Tom Baker (Acme IT)", Login: "tom_acme-it.com#EXT#@contoso.onmicrosoft.com", Emails: []string{"tom@acme-it.com"}},
			{ID: "service_principal:m365:3", System: "m365", Kind: findings.PrincipalServicePrincipal, NativeID: "3", DisplayName: "Acme RMM Agent", Attributes: map[string]string{"app_id": "0a1b-app"}},
			{ID: "user:corp-ad:4", System: "corp-ad", Kind: findings.PrincipalUser, NativeID: "4", DisplayName: "Sam Reed (Acme IT)", Login: "acme-sam"},
			{ID: "user:gh:5", System: "gh", Kind: findings.PrincipalUser, NativeID: "5", DisplayName: "Bob Hale", Login: "acme-bob"},
			{ID: "user:aws-prod:arn:aws:iam::412345678901:user/acme-deploy", System: "aws-prod", Kind: findings.PrincipalUser, NativeID: "arn:aws:iam::412345678901:user/acme-deploy", DisplayName: "acme-deploy", Login: "acme-deploy",
				Credentials: []findings.Credential{{ID: "AKIA-EXAMPLE-ACME-DEPLOY-1", Kind: "access_key", Active: true}}},
			{ID: "role:aws-prod:arn:aws:iam::412345678901:role/AcmeAdmin", System: "aws-prod", Kind: findings.PrincipalRole, NativeID: "arn:aws:iam::412345678901:role/AcmeAdmin", DisplayName: "AcmeAdmin"},
		},
		Backups: []findings.Backup{{ID: "backup:aws-prod:vault:acme", System: "aws-prod", Name: "acme-managed-vault", Location: "arn:aws:backup:eu-west-1:412345678901:backup-vault:acme-managed-vault"}},
	}
	return &findings.Assessment{
		Organization: "Contoso Ltd", AsOf: time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC), Snapshot: snap,
		Parties: []findings.Attribution{{Subject: "guest:m365:2", Party: "Acme IT", PartyKind: "msp"}, {Subject: "user:m365:1", Party: "customer", PartyKind: "customer"}},
		Runbook: []findings.RunbookStep{
			{Phase: "secure_keys", Order: 1, System: "m365", Action: "Keep the super-admin credentials with management", Done: true, Identifiers: []string{"user:m365:1"}},
			{Phase: "secure_keys", Order: 2, System: "aws-prod", Action: "Verify who holds the top privilege", Verify: true, Identifiers: []string{"role:aws-prod:arn:aws:iam::412345678901:role/AcmeAdmin"}},
			{Phase: "cut_access", Order: 3, System: "m365", Action: "Remove the guests and apps", Due: &due,
				Identifiers: []string{"guest:m365:2", "service_principal:m365:3"}},
			{Phase: "cut_access", Order: 4, System: "corp-ad", Action: "Disable the accounts", Identifiers: []string{"user:corp-ad:4"}},
			{Phase: "cut_access", Order: 5, System: "gh", Action: "Remove the members", Identifiers: []string{"user:gh:5"}},
			{Phase: "cut_access", Order: 6, System: "aws-prod", Action: "Delete the user and its key",
				Identifiers: []string{"user:aws-prod:arn:aws:iam::412345678901:user/acme-deploy", "user:aws-prod:arn:aws:iam::412345678901:user/acme-deploy#AKIA-EXAMPLE-ACME-DEPLOY-1"}},
			{Phase: "secure_backups", Order: 7, System: "aws-prod", Action: "Lock the vault", Identifiers: []string{"backup:aws-prod:vault:acme"}},
		},
	}
}

// TestIssue15RunbookIdentifiers: every object is named as its admin
// console names it, keyholder's id second.
func TestIssue15RunbookIdentifiers(t *testing.T) {
	items := runbookItems(identifierEstate())
	type want struct{ exact, kind string }
	byID := map[string]runbookItem{}
	for _, it := range items {
		byID[it.KeyholderID] = it
	}
	for id, w := range map[string]want{
		"user:m365:1":              {"alice@contoso.com", "UPN"},
		"guest:m365:2":             {"tom@acme-it.com", "e-mail"},
		"service_principal:m365:3": {"Acme RMM Agent (app id 0a1b-app)", "app"},
		"user:corp-ad:4":           {"acme-sam", "sAMAccountName"},
		"user:gh:5":                {"acme-bob", "GitHub login"},
		"user:aws-prod:arn:aws:iam::412345678901:user/acme-deploy":                            {"acme-deploy", "IAM user"},
		"user:aws-prod:arn:aws:iam::412345678901:user/acme-deploy#AKIA-EXAMPLE-ACME-DEPLOY-1": {"AKIA-EXAMPLE-ACME-DEPLOY-1", "access key id"},
		"role:aws-prod:arn:aws:iam::412345678901:role/AcmeAdmin":                              {"arn:aws:iam::412345678901:role/AcmeAdmin", "role ARN"},
		"backup:aws-prod:vault:acme":                                                          {"arn:aws:backup:eu-west-1:412345678901:backup-vault:acme-managed-vault", "vault ARN"},
	} {
		it, ok := byID[id]
		if !ok {
			t.Errorf("%s: no runbook item", id)
			continue
		}
		if it.Identifier != w.exact || it.IdentifierKind != w.kind {
			t.Errorf("%s: identifier %q (%s), want %q (%s)", id, it.Identifier, it.IdentifierKind, w.exact, w.kind)
		}
	}
	if it := byID["guest:m365:2"]; it.Party != "Acme IT" || it.Due != "2026-12-31" || it.Owner != "" || it.System != "Contoso Ltd (Entra ID)" {
		t.Errorf("guest item: party %q, due %q, owner %q, system %q", it.Party, it.Due, it.Owner, it.System)
	}
	if it := byID["user:aws-prod:arn:aws:iam::412345678901:user/acme-deploy"]; it.System != "contoso-prod (AWS 412345678901)" {
		t.Errorf("AWS system named %q", it.System)
	}
	// A step whose check passed is done; one resting on an unknown is to verify.
	if s := byID["user:m365:1"].Status; s != "done" {
		t.Errorf("done step has status %q", s)
	}
	if s := byID["role:aws-prod:arn:aws:iam::412345678901:role/AcmeAdmin"].Status; s != "verify" {
		t.Errorf("unknown step has status %q", s)
	}
	if s := byID["user:gh:5"].Status; s != "to_do" {
		t.Errorf("open step has status %q", s)
	}
	html := string(render(t, "html", "report.html", identifierEstate(), Options{}))
	for _, s := range []string{"<code>acme-sam</code>", "sAMAccountName", `<code class="kh">user:corp-ad:4</code>`, "AKIA-EXAMPLE-ACME-DEPLOY-1"} {
		if !strings.Contains(html, s) {
			t.Errorf("HTML runbook lacks %q", s)
		}
	}
}

// TestIssue15RunbookExportsValidate: runbook.json validates against
// docs/schema/runbook.schema.json, and runbook.csv carries the same items
// with the same columns.
func TestIssue15RunbookExportsValidate(t *testing.T) {
	schema := compileSchema(t, "runbook.schema.json")
	for name, a := range map[string]*findings.Assessment{"fixture": fixture(t), "identifiers": identifierEstate(), "hostile": hostileFixture(t)} {
		js := render(t, "runbook-json", "runbook.json", a, Options{})
		if err := schema.Validate(decodeAny(t, js)); err != nil {
			t.Errorf("%s: runbook.json does not validate: %v", name, err)
		}
		var doc runbookExport
		if err := json.Unmarshal(js, &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Items) == 0 {
			t.Errorf("%s: no items", name)
		}
		rows, err := csv.NewReader(bytes.NewReader(render(t, "runbook-csv", "runbook.csv", a, Options{}))).ReadAll()
		if err != nil {
			t.Fatalf("%s: runbook.csv: %v", name, err)
		}
		if len(rows) != len(doc.Items)+1 {
			t.Errorf("%s: runbook.csv has %d rows for %d items", name, len(rows)-1, len(doc.Items))
		}
		if got := strings.Join(rows[0], ","); got != "step,phase,system,action,identifier,identifier_kind,name,keyholder_id,party,owner,due,status" {
			t.Errorf("%s: runbook.csv header %s", name, got)
		}
	}
}

// TestIssue15Filters: --check and --severity narrow the findings of html,
// md, csv and sarif; page one and json stay whole; a typo is an error.
func TestIssue15Filters(t *testing.T) {
	f, err := ParseFilter("kh-seg-001", "")
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Filter: f}
	html := string(render(t, "html", "report.html", fixture(t), opts))
	if !strings.Contains(html, `id="c-kh-seg-001"`) || strings.Contains(html, `id="c-kh-bak-003"`) {
		t.Error("the html findings section is not filtered to KH-SEG-001")
	}
	if !strings.Contains(html, "Filtered report:") || !strings.Contains(html, "Re-encrypt") && !strings.Contains(html, "Datto SaaS Protection seat") {
		t.Error("the filtered html does not say so, or lost page one")
	}
	rows, err := csv.NewReader(bytes.NewReader(render(t, "csv", "findings.csv", fixture(t), opts))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[1:] {
		if r[0] != "KH-SEG-001" {
			t.Errorf("findings.csv kept %s", r[0])
		}
	}
	if len(rows) < 2 {
		t.Error("findings.csv lost the KH-SEG-001 rows")
	}
	js := render(t, "json", "assessment.json", fixture(t), opts)
	if !bytes.Contains(js, []byte("KH-BAK-003")) {
		t.Error("assessment.json was filtered; it must stay whole")
	}
	sev, _ := ParseFilter("", "blocker")
	md := string(render(t, "md", "report.md", fixture(t), Options{Filter: sev}))
	if strings.Contains(md, "KH-SEG-001` Provider") || !strings.Contains(md, "`KH-BAK-002`") {
		t.Error("md not filtered to blockers")
	}
	if _, err := ParseFilter("", "severe"); err == nil {
		t.Error("--severity severe accepted")
	}
	bad, _ := ParseFilter("KH-NOPE-001", "")
	if _, err := bad.Apply(fixture(t)); err == nil || !strings.Contains(err.Error(), "KH-NOPE-001") {
		t.Errorf("unknown check: %v", err)
	}
}

// TestIssue15NoDoubledLabels: a name that already carries its party is not
// followed by it again ("Sam Reed (Acme IT) (Acme IT)").
func TestIssue15NoDoubledLabels(t *testing.T) {
	a := identifierEstate()
	a.Findings = []findings.Finding{{Check: "KH-SEG-001", Title: "t", Status: findings.StatusFail, Severity: findings.SeverityHigh, System: "m365", Subjects: []string{"guest:m365:2"}, Message: "m"}}
	for _, f := range []struct{ format, file string }{{"md", "report.md"}, {"html", "report.html"}, {"runbook-csv", "runbook.csv"}} {
		out := string(render(t, f.format, f.file, a, Options{}))
		if strings.Contains(out, "(Acme IT) (Acme IT)") || strings.Contains(out, "(Acme IT)</bdi></strong></bdi> (Acme IT)") {
			t.Errorf("%s doubles the party label", f.file)
		}
		if !strings.Contains(out, "Tom Baker (Acme IT)") {
			t.Errorf("%s lost the name", f.file)
		}
	}
}

// TestIssue15Pictures: the provider footprint matrix has a row per system
// and a column per provider with the highest level held and the account
// count; the backup map chains each backup to its storage, key and copies;
// both are inline SVG in the HTML.
func TestIssue15Pictures(t *testing.T) {
	v := buildView(fixture(t), Options{})
	m := v.Matrix
	if m == nil || len(m.Cols) != 1 || m.Cols[0].Full != "Acme IT" {
		t.Fatalf("matrix columns: %+v", m)
	}
	levels := map[string]string{}
	for _, r := range m.Rows {
		levels[r.Full] = r.Cells[0].Level + " / " + r.Cells[0].Accounts
	}
	if got := levels["Contoso Ltd (Entra ID)"]; !strings.HasPrefix(got, "super-admin / ") {
		t.Errorf("Entra cell %q, want super-admin (John Smith holds Global Administrator)", got)
	}
	if got := levels["contoso.com (Active Directory)"]; !strings.HasPrefix(got, "super-admin / ") || strings.HasSuffix(got, "/ 0 accounts") {
		t.Errorf("AD cell %q", got)
	}
	if _, ok := levels["Declared inventory"]; ok {
		t.Error("the declared inventory is not a system providers hold access on")
	}
	bm := v.BackupMap
	if bm == nil || len(bm.Rows) != len(v.Backups) {
		t.Fatalf("backup map rows %v for %d backups", bm, len(v.Backups))
	}
	for _, r := range bm.Rows {
		if len(r.Boxes) != 4 || len(r.Arrows) != 3 {
			t.Errorf("backup map row: %d boxes, %d arrows", len(r.Boxes), len(r.Arrows))
		}
	}
	html := string(render(t, "html", "report.html", fixture(t), Options{}))
	for _, s := range []string{`<figure class="pic matrix">`, `<figure class="pic bmap">`, `<figure class="timeline">`} {
		if !strings.Contains(html, s) {
			t.Errorf("report.html lacks %s", s)
		}
	}
}
