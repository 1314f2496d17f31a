package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFullConfigLoads(t *testing.T) {
	c, err := Load("testdata/full.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.Organization.Name != "Contoso Ltd" || len(c.Organization.Domains) != 2 || c.Organization.LDAP.OUs[0] != "OU=Staff,DC=contoso,DC=com" {
		t.Fatalf("organization decoded wrongly: %+v", c.Organization)
	}
	if p := c.ProviderByName("acme it"); p == nil || p.Kind != "msp" || p.Allowed[0].Assignment != "eligible" || p.NamePatterns[0] != "^acme-" {
		t.Fatalf("provider decoded wrongly: %+v", p)
	}
	if len(c.Targets) != 2 || c.Targets[1].Type != "github" || c.Targets[1].Name != "gh" || c.Targets[1].Line != 28 {
		t.Fatalf("targets: %+v", c.Targets)
	}
	l := c.Declared.Licences[0]
	if l.Renews.String() != "2027-03-31" || l.Notice.NoEarlierThanDays != 180 {
		t.Fatalf("licence: %+v", l)
	}
	if c.Policy.Waivers[0].Expires.String() != "2027-01-31" || c.Policy.DeclaredMaxAgeDays != DefaultDeclaredMaxAgeDays {
		t.Fatalf("policy: %+v", c.Policy)
	}
	if len(c.Hash) != 64 {
		t.Fatalf("hash %q", c.Hash)
	}
}

// problemsOf parses yaml and returns the problems as "line: path: msg".
func problemsOf(t *testing.T, yaml string) []string {
	t.Helper()
	_, err := Parse([]byte(yaml), "k.yaml")
	if err == nil {
		return nil
	}
	ps := AsProblems(err)
	if ps == nil {
		t.Fatalf("error is not Problems: %v", err)
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.Error())
	}
	return out
}

const base = `organization:
  name: Contoso
  domains: [contoso.com]
providers:
  - name: Acme IT
    kind: msp
    domains: [acme-it.com]
targets:
  - {type: ldap, name: corp-ad}
`

const provBase = `organization: {name: Contoso}
providers:
  - name: Acme IT
    kind: msp
`

func TestStrictDecodingReportsEveryUnknownKeyWithLine(t *testing.T) {
	got := problemsOf(t, `organization:
  name: Contoso
  domain: [contoso.com]
providers:
  - name: Acme
    kind: msp
    colour: red
polcy: {}
`)
	want := []string{
		"k.yaml:3: organization.domain: unknown key (did you mean \"domains\"?)",
		"k.yaml:7: providers[0].colour: unknown key",
		"k.yaml:8: polcy: unknown key (did you mean \"policy\"?)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestSyntaxErrorHasLine(t *testing.T) {
	got := problemsOf(t, "organization:\n  name: [unclosed\n")
	if len(got) != 1 || !strings.HasPrefix(got[0], "k.yaml:") || strings.HasPrefix(got[0], "k.yaml: ") {
		t.Fatalf("got %q, want one problem with a line number", got)
	}
}

func TestDuplicateKey(t *testing.T) {
	got := problemsOf(t, "organization:\n  name: A\n  name: B\n")
	if len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), "organization.name") {
		t.Fatalf("got %q", got)
	}
}

func TestLiteralSecretRejected(t *testing.T) {
	got := problemsOf(t, base+`policy:
  min_super_admins: 2
  client_secret: hunter2hunter2
`)
	joined := strings.Join(got, "\n")
	if !strings.Contains(joined, "k.yaml:12: policy.client_secret: literal secrets are not allowed") || strings.Contains(joined, "hunter2") {
		t.Fatalf("got %q", joined)
	}
}

func TestValidationRules(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want string // substring of one problem, including the line
	}{
		{"missing org name", "organization: {domains: [a.com]}\n", "organization.name: the customer's name is required"},
		{"bad domain", "organization: {name: X, domains: [\"not a domain\"]}\n", `k.yaml:1: organization.domains[0]: invalid domain "not a domain"`},
		{"bad tenant id", "organization:\n  name: X\n  entra_tenants: [abc]\n", `k.yaml:3: organization.entra_tenants[0]: invalid tenant id "abc"`},
		{"bad aws account", "organization:\n  name: X\n  aws_accounts: [\"12345\"]\n", `k.yaml:3: organization.aws_accounts[0]: invalid AWS account id "12345"`},
		{"bad pattern", "organization:\n  name: X\n  name_patterns: [\"(\"]\n", `organization.name_patterns[0]: invalid pattern`},
		{"bad ou", "organization:\n  name: X\n  ldap: {ous: [Staff]}\n", `organization.ldap.ous[0]: invalid DN "Staff"`},
		{"provider kind", provBase + "  - {name: Other, kind: reseller}\n", `providers[1].kind: kind must be msp or vendor`},
		{"provider reserved", provBase + "  - {name: Customer, kind: msp}\n", `providers[1].name: "Customer" is a reserved party name`},
		{"provider duplicate", provBase + "  - {name: acme it, kind: msp}\n", `duplicate provider name`},
		{"domain claimed twice", "organization: {name: X}\nproviders:\n  - {name: A, kind: msp, domains: [x.com]}\n  - {name: B, kind: msp, domains: [X.com]}\n", `k.yaml:4: providers[1].domains[0]: domain "X.com" is claimed by both provider "A" and provider "B"`},
		{"customer and provider same tenant", "organization: {name: X, entra_tenants: [00000000-0000-0000-0000-000000000001]}\nproviders:\n  - {name: A, kind: msp, entra_tenants: [00000000-0000-0000-0000-000000000001]}\n", `claimed by both the organization and provider "A"`},
		{"account unknown party", base + "accounts: [{match: bob, party: Nobody}]\n", `k.yaml:10: accounts[0].party: party "Nobody" is neither customer nor a configured provider`},
		{"account empty match", base + "accounts: [{party: customer}]\n", `accounts[0].match: match is required`},
		{"allowance bad kind", "organization: {name: X}\nproviders:\n  - {name: A, kind: msp, allowed: [{system_kind: sap, privileges: [x]}]}\n", `providers[0].allowed[0].system_kind: unknown system kind "sap"`},
		{"allowance bad assignment", "organization: {name: X}\nproviders:\n  - {name: A, kind: msp, allowed: [{system_kind: entra, privileges: [x], assignment: forever}]}\n", `assignment must be eligible or time_bound`},
		{"allowance no privileges", "organization: {name: X}\nproviders:\n  - {name: A, kind: msp, allowed: [{system_kind: entra}]}\n", `list the privileges`},
		{"target without type", base + "  - {name: x}\n", `targets[1].type: missing target type`},
		{"target without name", base + "  - {type: ldap}\n", `targets[1].name: missing target name`},
		{"target duplicate", base + "  - {type: ldap, name: corp-ad}\n", `duplicate target name "corp-ad"`},
		{"target bad name", base + "  - {type: ldap, name: \"a b\"}\n", `invalid target name "a b"`},
		{"target reserved", base + "  - {type: ldap, name: declared}\n", `"declared" is reserved`},
		{"invalid date", base + "declared:\n  licences: [{product: P, owner_of_record: customer, renews: 2027-02-30}]\n", `k.yaml:11: declared.licences: invalid date "2027-02-30" (want YYYY-MM-DD)`},
		{"licence owner unknown", base + "declared:\n  licences: [{product: P, owner_of_record: Globex}]\n", `declared.licences[0].owner_of_record: "Globex" is neither customer`},
		{"licence owner missing", base + "declared:\n  licences: [{product: P}]\n", `declared.licences[0].owner_of_record: required`},
		{"licence notice without renews", base + "declared:\n  licences: [{product: P, owner_of_record: customer, notice: {no_earlier_than_days: 90, no_later_than_days: 30}}]\n", `a notice rule needs the renewal date`},
		{"notice window empty", base + "declared:\n  licences: [{product: P, owner_of_record: customer, renews: 2027-01-01, notice: {no_earlier_than_days: 30, no_later_than_days: 90}}]\n", `the window is empty`},
		{"backup unknown target", base + "declared:\n  backups: [{name: B, storage_owner: customer, target: nope}]\n", `declared.backups[0].target: no target named "nope"`},
		{"relationship kind", base + "declared:\n  relationships: [{target: corp-ad, provider: Acme IT, kind: friendship}]\n", `kind must be gdap, dap, reseller, csp, domain_wide_delegation, oauth_app or other`},
		{"relationship no target", base + "declared:\n  relationships: [{provider: Acme IT, kind: gdap}]\n", `declared.relationships[0].target: required`},
		{"asset kind", base + "declared:\n  assets: [{kind: car, name: Van}]\n", `kind must be internet, hardware, domain, dns, software or other`},
		{"attestation date", base + "declared:\n  attestations: [{name: A}]\n", `declared.attestations[0].date: required`},
		{"tool without product", base + "declared:\n  tools: [{provider: customer}]\n", `declared.tools[0].product: required`},
		{"tool unknown provider", base + "declared:\n  tools: [{product: NinjaOne, provider: Globex}]\n", `declared.tools[0].provider: "Globex" is neither customer`},
		{"tool without provider", base + "declared:\n  tools: [{product: NinjaOne}]\n", `declared.tools[0].provider: required`},
		{"remote tool bad pattern", base + "policy:\n  remote_tools: [{product: X, patterns: [\"(\"]}]\n", `policy.remote_tools[0].patterns[0]: invalid regular expression`},
		{"remote tool no pattern", base + "policy:\n  remote_tools: [{product: X}]\n", `policy.remote_tools[0].patterns: at least one pattern is required`},
		{"policy min", base + "policy: {min_super_admins: -1}\n", `policy.min_super_admins: must be at least 1`},
		{"policy max below min", base + "policy: {min_super_admins: 3, max_super_admins: 2}\n", `policy.max_super_admins: must be at least min_super_admins (3)`},
		{"waiver without expiry", base + "policy:\n  waivers: [{check: KH-SEG-001, reason: ok}]\n", `policy.waivers[0].expires: a waiver needs an expiry date`},
		{"waiver bad check", base + "policy:\n  waivers: [{check: seg1, reason: ok, expires: 2027-01-01}]\n", `invalid check id "seg1"`},
		{"waiver no reason", base + "policy:\n  waivers: [{check: KH-SEG-001, expires: 2027-01-01}]\n", `a waiver needs a reason`},
		{"sensitive empty", base + "sensitive: [{name: HR}]\n", `a sensitive segment needs at least one`},
		{"sensitive repo", base + "sensitive: [{name: HR, github_repos: [payroll]}]\n", `want owner/repo, got "payroll"`},
		{"list expected", "organization: {name: X, domains: a.com}\n", `organization.domains: expected a list`},
		// Issue 12: declared backups and break-glass targets.
		{"backup deleters twice", base + "declared:\n  backups: [{name: B, storage_owner: customer, deleters: [customer], deletable_by: [customer]}]\n", `declared.backups[0].deletable_by: give either deleters or deletable_by`},
		{"backup deletable_by party", base + "declared:\n  backups: [{name: B, storage_owner: customer, deletable_by: [Globex]}]\n", `declared.backups[0].deletable_by[0]: "Globex" is neither customer`},
		{"backup retention days", base + "declared:\n  backups: [{name: B, storage_owner: customer, retention: {locked: true}}]\n", `declared.backups[0].retention.days: must be a positive number of days`},
		{"break-glass target unknown", "organization:\n  name: X\n  break_glass: [bg]\n  break_glass_targets: {bg: nope}\n", `organization.break_glass_targets.bg: no target named "nope"`},
		{"break-glass target not listed", "organization:\n  name: X\n  break_glass_targets: {other: nope}\n", `"other" is not listed in organization.break_glass`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(problemsOf(t, tc.yaml), "\n")
			if !strings.Contains(got, tc.want) {
				t.Fatalf("problems:\n%s\nwant one containing:\n%s", got, tc.want)
			}
		})
	}
}

func TestEveryProblemReportedNotJustFirst(t *testing.T) {
	got := problemsOf(t, `organization:
  name: X
  entra_tenants: [nope]
  aws_accounts: ["1"]
providers:
  - {name: A, kind: bad}
policy: {min_super_admins: 0}
`)
	if len(got) < 3 {
		t.Fatalf("want at least 3 problems, got %q", got)
	}
}

func TestDecodeTarget(t *testing.T) {
	c, err := Parse([]byte(base+"  - {type: github, name: gh, org: contoso, token: abcdefgh, colour: red}\n"), "k.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Org      string `yaml:"org"`
		TokenEnv string `yaml:"token_env"`
	}
	err = DecodeTarget(c.Targets[1], &v)
	ps := AsProblems(err)
	if len(ps) != 2 {
		t.Fatalf("want 2 problems, got %v", err)
	}
	if !strings.Contains(ps[0].Error()+ps[1].Error(), "k.yaml:10: targets.gh.token: literal secrets are not allowed in the config; use token_env") ||
		!strings.Contains(ps[0].Error()+ps[1].Error(), "targets.gh.colour: unknown key") {
		t.Fatalf("problems: %v", err)
	}
	if strings.Contains(err.Error(), "abcdefgh") {
		t.Fatal("the literal secret leaked into the error")
	}
	c2, _ := Parse([]byte(base+"  - {type: github, name: gh, org: contoso, token_env: GH}\n"), "k.yaml")
	if err := DecodeTarget(c2.Targets[1], &v); err != nil || v.Org != "contoso" || v.TokenEnv != "GH" {
		t.Fatalf("DecodeTarget: %v %+v", err, v)
	}
	p := TargetProblem(c2.Targets[1], "org", "org not found")
	if p.Line != 10 || p.Path != "targets.gh.org" {
		t.Fatalf("TargetProblem: %+v", p)
	}
}

func TestSecretRefResolve(t *testing.T) {
	red := &Redactor{}
	t.Setenv("KH_TEST_SECRET", "s3cr3t-value")
	v, err := SecretRef{Env: "KH_TEST_SECRET"}.Resolve(red)
	if err != nil || v != "s3cr3t-value" {
		t.Fatalf("env: %q %v", v, err)
	}
	if got := red.String("token=s3cr3t-value!"); got != "token=[REDACTED]!" {
		t.Fatalf("redactor: %q", got)
	}
	_, err = SecretRef{Env: "KH_TEST_UNSET_VAR"}.Resolve(red)
	if !errors.Is(err, ErrSecretMissing) || !strings.Contains(err.Error(), "KH_TEST_UNSET_VAR") {
		t.Fatalf("unset env: %v", err)
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "pw")
	os.WriteFile(f, []byte("file-secret-xyz\n"), 0o600)
	v, err = SecretRef{File: f}.Resolve(red)
	if err != nil || v != "file-secret-xyz" {
		t.Fatalf("file: %q %v", v, err)
	}
	_, err = SecretRef{File: filepath.Join(dir, "missing")}.Resolve(red)
	if !errors.Is(err, ErrSecretMissing) {
		t.Fatalf("missing file: %v", err)
	}
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	if _, err = (SecretRef{File: empty}).Resolve(red); !errors.Is(err, ErrSecretMissing) {
		t.Fatalf("empty file: %v", err)
	}
	if _, err = (SecretRef{Env: "A", File: f}).Resolve(red); err == nil {
		t.Fatal("both sources must be an error")
	}
	wrapped := red.Error(errors.Join(ErrSecretMissing, errors.New("bad file-secret-xyz")))
	if strings.Contains(wrapped.Error(), "file-secret-xyz") || !errors.Is(wrapped, ErrSecretMissing) {
		t.Fatalf("Redactor.Error: %v", wrapped)
	}
	var nilRed *Redactor
	if nilRed.String("x") != "x" {
		t.Fatal("nil redactor must pass text through")
	}
}

// Issue 14 item 4: a type error does not hide the other problems and
// carries its key path; a syntax error points at the right line; unset
// *_env and unreadable *_file are warned about.
func TestIssue14ValidateFindsEverything(t *testing.T) {
	_, err := Parse([]byte(`organization:
  name: ""
  domains: 5
providers:
  - {name: A, kind: bad}
`), "k.yaml")
	got := err.Error()
	for _, want := range []string{
		`k.yaml:2: organization.name: the customer's name is required`,
		`k.yaml:5: providers[0].kind: kind must be msp or vendor`,
		`k.yaml:3: organization.domains: expected a list`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	_, err = Parse([]byte("organization:\n  name: X\n  domains: [a.com, b.com\ntargets: []\n"), "k.yaml")
	if err == nil || !strings.HasPrefix(err.Error(), "k.yaml:3: ") {
		t.Errorf("syntax error line: %v", err)
	}
	t.Setenv("KH_SET", "x")
	cfg, err := Parse([]byte(`organization: {name: X}
targets:
  - type: github
    name: gh
    token_env: KH_SURELY_UNSET_14
    other_env: KH_SET
    ca_file: /nonexistent/ca.pem
`), "k.yaml")
	if err != nil {
		t.Fatal(err)
	}
	w := SecretWarnings(cfg).Error()
	if !strings.Contains(w, "k.yaml:5: targets.gh.token_env: warning: environment variable KH_SURELY_UNSET_14 is not set") ||
		!strings.Contains(w, "k.yaml:7: targets.gh.ca_file: warning: cannot read /nonexistent/ca.pem") || strings.Contains(w, "KH_SET ") {
		t.Errorf("warnings:\n%s", w)
	}
}
