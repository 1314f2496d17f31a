package parties

import (
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
)

const cfgYAML = `
organization:
  name: Contoso Ltd
  domains: [contoso.com, contoso.onmicrosoft.com]
  entra_tenants: [00000000-0000-0000-0000-000000000001]
  aws_accounts: ["111111111111"]
  github_orgs: [contoso]
  github_users: [alice-contoso]
  ldap: {ous: ["OU=Staff,DC=contoso,DC=com"]}
providers:
  - name: Acme IT
    kind: msp
    domains: [acme-it.com]
    entra_tenants: [00000000-0000-0000-0000-000000000099]
    aws_accounts: ["999999999999"]
    github_orgs: [acme-it]
    github_users: [acme-bob]
    name_patterns: ["^acme-"]
    ldap: {ous: ["OU=Acme, OU=Vendors, DC=contoso, DC=com"], groups: ["Acme Technicians"]}
  - name: Beta Hosting
    kind: vendor
    domains: [beta.example]
    name_patterns: ["(?i)^svc-beta"]
accounts:
  - {match: "Administrator", party: customer, reason: built-in}
  - {match: "Helper@Acme-IT.com", party: customer}
  - {match: "svc-backup@contoso.com", party: "Acme IT"}
`

func newClassifier(t *testing.T) *Classifier {
	t.Helper()
	cfg, err := config.Parse([]byte(cfgYAML), "keyholder.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPrincipalRules(t *testing.T) {
	c := newClassifier(t)
	entra := &findings.System{ID: "m365", Kind: findings.SystemEntra}
	gh := &findings.System{ID: "gh", Kind: findings.SystemGitHub}
	ad := &findings.System{ID: "ad", Kind: findings.SystemLDAP}
	aws := &findings.System{ID: "prod", Kind: findings.SystemAWS}
	cases := []struct {
		name   string
		p      findings.Principal
		sys    *findings.System
		party  string
		kind   string
		reason string // substring
	}{
		{"e-mail domain", findings.Principal{Kind: "user", Emails: []string{"alice@contoso.com"}}, entra, "customer", KindCustomer, "e-mail domain contoso.com"},
		{"subdomain", findings.Principal{Kind: "user", Emails: []string{"ops@mail.acme-it.com"}}, entra, "Acme IT", KindMSP, "mail.acme-it.com"},
		{"UPN domain", findings.Principal{Kind: "user", Login: "bob@contoso.onmicrosoft.com"}, entra, "customer", KindCustomer, "UPN domain"},
		{"principal domain field", findings.Principal{Kind: "user", Domain: "acme-it.com"}, entra, "Acme IT", KindMSP, "domain acme-it.com"},
		{"guest from the MSP", findings.Principal{Kind: "guest", Login: "tom_acme-it.com#EXT#@contoso.onmicrosoft.com"}, entra, "Acme IT", KindMSP, "guest UPN domain acme-it.com"},
		{"guest UPN suffix is not the customer", findings.Principal{Kind: "guest", Login: "eve_gmail.com#EXT#@contoso.onmicrosoft.com", Emails: []string{"eve@gmail.com"}}, entra, "unknown", KindUnknown, "no rule"},
		{"guest issuer", findings.Principal{Kind: "guest", Domain: "acme-it.com"}, entra, "Acme IT", KindMSP, "guest issuer acme-it.com"},
		{"home tenant of a guest", findings.Principal{Kind: "guest", HomeOrg: "00000000-0000-0000-0000-000000000099", HomeOrgKind: "entra_tenant"}, entra, "Acme IT", KindMSP, "home tenant"},
		{"app owner tenant", findings.Principal{Kind: "service_principal", HomeOrg: "00000000-0000-0000-0000-000000000099", HomeOrgKind: "entra_tenant"}, entra, "Acme IT", KindMSP, "appOwnerOrganizationId"},
		{"Microsoft first-party app", findings.Principal{Kind: "service_principal", HomeOrg: "f8cdef31-a31e-4b4a-93e4-5f571e91255a"}, entra, "microsoft", KindFirstParty, "Microsoft tenant"},
		{"customer's own app", findings.Principal{Kind: "service_principal", HomeOrg: "00000000-0000-0000-0000-000000000001", HomeOrgKind: "entra_tenant"}, entra, "customer", KindCustomer, "appOwnerOrganizationId"},
		{"trusted AWS account", findings.Principal{Kind: "external", HomeOrg: "999999999999", HomeOrgKind: "aws_account"}, aws, "Acme IT", KindMSP, "trusted account 999999999999"},
		{"AWS service-linked role", findings.Principal{Kind: "role", Login: "AWSServiceRoleForSupport"}, aws, "aws", KindFirstParty, "service-linked"},
		{"IAM user by name pattern", findings.Principal{Kind: "user", Login: "acme-ops"}, aws, "Acme IT", KindMSP, "name pattern ^acme-"},
		{"case-insensitive pattern", findings.Principal{Kind: "user", Login: "SVC-Beta-sync"}, aws, "Beta Hosting", KindVendor, "svc-beta"},
		{"GitHub user of the MSP", findings.Principal{Kind: "user", Login: "Acme-Bob"}, gh, "Acme IT", KindMSP, "GitHub user"},
		{"GitHub user of the customer", findings.Principal{Kind: "user", Login: "alice-contoso"}, gh, "customer", KindCustomer, "GitHub user"},
		{"GitHub login rule only on GitHub", findings.Principal{Kind: "user", Login: "alice-contoso"}, ad, "unknown", KindUnknown, ""},
		{"GitHub app owner", findings.Principal{Kind: "app_installation", HomeOrg: "acme-it", HomeOrgKind: "github_account"}, gh, "Acme IT", KindMSP, "owner acme-it"},
		{"GitHub's own app", findings.Principal{Kind: "app_installation", HomeOrg: "github", HomeOrgKind: "github_account"}, gh, "github", KindFirstParty, ""},
		{"LDAP OU (spaces and case ignored)", findings.Principal{Kind: "user", Login: "jim", DN: "CN=jim,ou=acme,OU=Vendors,DC=Contoso,DC=com"}, ad, "Acme IT", KindMSP, "in OU=Acme"},
		{"customer OU", findings.Principal{Kind: "user", Login: "dave", DN: "CN=dave,OU=Staff,DC=contoso,DC=com"}, ad, "customer", KindCustomer, "OU=Staff"},
		{"provider beats customer", findings.Principal{Kind: "user", Login: "tech@contoso.com", DN: "CN=tech,OU=Acme,OU=Vendors,DC=contoso,DC=com"}, ad, "Acme IT", KindMSP, "provider rule wins over customer rule: UPN domain contoso.com"},
		{"company attribute", findings.Principal{Kind: "user", Login: "x", Attributes: map[string]string{"company": "acme it"}}, entra, "Acme IT", KindMSP, "company attribute"},
		{"override wins over a provider domain", findings.Principal{Kind: "user", Login: "helper@acme-it.com"}, entra, "customer", KindCustomer, "explicit override"},
		{"override to a provider", findings.Principal{Kind: "user", Login: "svc-backup@contoso.com"}, entra, "Acme IT", KindMSP, "explicit override"},
		{"override by login with reason", findings.Principal{Kind: "user", Login: "Administrator", DN: "CN=Administrator,OU=Acme,OU=Vendors,DC=contoso,DC=com"}, ad, "customer", KindCustomer, "built-in"},
		{"strongest rule among providers", findings.Principal{Kind: "user", Login: "svc-beta-x@acme-it.com"}, entra, "Acme IT", KindMSP, "also matches Beta Hosting"},
		{"nothing matches", findings.Principal{Kind: "user", Login: "zed@example.org"}, entra, "unknown", KindUnknown, "no rule matches"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.p.ID = "user:x:" + tc.name
			r := c.Principal(&tc.p, tc.sys)
			if r.Party != tc.party || r.Kind != tc.kind {
				t.Fatalf("got %s (%s): %s; want %s (%s)", r.Party, r.Kind, r.Reason, tc.party, tc.kind)
			}
			if !strings.Contains(r.Reason, tc.reason) {
				t.Errorf("reason %q does not contain %q", r.Reason, tc.reason)
			}
		})
	}
}

func TestLDAPGroupRule(t *testing.T) {
	c := newClassifier(t)
	ps := []findings.Principal{
		{ID: "group:ad:techs", Kind: findings.PrincipalGroup, DisplayName: "Acme Technicians"},
		{ID: "group:ad:nested", Kind: findings.PrincipalGroup, DisplayName: "Night shift"},
		{ID: "user:ad:kim", Kind: findings.PrincipalUser, Login: "kim"},
		{ID: "user:ad:lee", Kind: findings.PrincipalUser, Login: "lee"},
	}
	members := map[string]map[string]bool{"group:ad:techs": {"group:ad:nested": true, "user:ad:kim": true}}
	c.IndexGroups(ps, func(g string) map[string]bool { return members[g] })
	ad := &findings.System{ID: "ad", Kind: findings.SystemLDAP}
	for id, want := range map[string]string{"user:ad:kim": "Acme IT", "group:ad:nested": "Acme IT", "group:ad:techs": "Acme IT", "user:ad:lee": "unknown"} {
		for i := range ps {
			if ps[i].ID != id {
				continue
			}
			r := c.Principal(&ps[i], ad)
			if r.Party != want {
				t.Errorf("%s: %s (%s), want %s", id, r.Party, r.Reason, want)
			}
			if want == "Acme IT" && !strings.Contains(r.Reason, "member of group Acme Technicians") && id != "group:ad:techs" {
				t.Errorf("%s: reason %q", id, r.Reason)
			}
		}
	}
}

func TestOwner(t *testing.T) {
	c := newClassifier(t)
	cases := []struct {
		value, kind, party string
	}{
		{"00000000-0000-0000-0000-000000000099", "entra_tenant", "Acme IT"},
		{"00000000-0000-0000-0000-000000000001", "", "customer"},
		{"72f988bf-86f1-41af-91ab-2d7cd011db47", "entra_tenant", "microsoft"},
		{"999999999999", "aws_account", "Acme IT"},
		{"123456789012", "aws_account", "unknown"},
		{"arn:aws:kms:eu-west-1:999999999999:key/abc", "", "Acme IT"},
		{"arn:aws:iam::111111111111:root", "arn", "customer"},
		{"aws_managed", "", "aws"},
		{"*", "any", "unknown"},
		{"backup.amazonaws.com", "service", "aws"},
		{"evil.example", "service", "unknown"},
		{"acme-it", "github_account", "Acme IT"},
		{"github", "github_account", "github"},
		{"noc@acme-it.com", "email", "Acme IT"},
		{"billing@contoso.com", "", "customer"},
		{"acme-it.com", "domain", "Acme IT"},
		{"Contoso Ltd", "name", "customer"},
		{"customer", "name", "customer"},
		{"acme it", "name", "Acme IT"},
		{"Microsoft", "name", "microsoft"},
		{"Someone Else GmbH", "name", "unknown"},
		{"", "", "unknown"},
	}
	for _, tc := range cases {
		if r := c.Owner(tc.value, tc.kind); r.Party != tc.party {
			t.Errorf("Owner(%q, %q) = %s (%s), want %s", tc.value, tc.kind, r.Party, r.Reason, tc.party)
		}
	}
}

func TestItems(t *testing.T) {
	c := newClassifier(t)
	if r := c.Licence(&findings.Licence{ID: "l", OwnerOfRecord: "00000000-0000-0000-0000-000000000099", OwnerKind: "entra_tenant"}); r.Party != "Acme IT" || !strings.HasPrefix(r.Reason, "owner of record") {
		t.Errorf("licence: %+v", r)
	}
	if r := c.Backup(&findings.Backup{ID: "b", StorageOwner: "111111111111", StorageOwnerKind: "aws_account"}); r.Party != "customer" || !strings.HasPrefix(r.Reason, "storage owner") {
		t.Errorf("backup: %+v", r)
	}
	if r := c.Trust(&findings.Trust{ID: "t", Kind: findings.TrustAWSRole, Counterparty: "999999999999", CounterpartyKind: "aws_account"}); r.Party != "Acme IT" || !strings.Contains(r.Reason, "trusted account 999999999999") {
		t.Errorf("trust: %+v", r)
	}
	if r := c.Trust(&findings.Trust{ID: "t2", Kind: findings.TrustDeclared, Counterparty: "x", Provider: "Beta Hosting"}); r.Party != "Beta Hosting" || r.Kind != KindVendor {
		t.Errorf("declared trust: %+v", r)
	}
}

// TestConflictingRulesAreConfigErrors: two parties claiming one identifier
// never reach the classifier.
func TestConflictingRulesAreConfigErrors(t *testing.T) {
	bad := strings.Replace(cfgYAML, "domains: [beta.example]", "domains: [acme-it.com]", 1)
	_, err := config.Parse([]byte(bad), "keyholder.yaml")
	if err == nil || !strings.Contains(err.Error(), "claimed by both") {
		t.Fatalf("err = %v, want a conflict", err)
	}
	bad = strings.Replace(cfgYAML, `aws_accounts: ["111111111111"]`, `aws_accounts: ["999999999999"]`, 1)
	if _, err := config.Parse([]byte(bad), "keyholder.yaml"); err == nil || !strings.Contains(err.Error(), "claimed by both") {
		t.Fatalf("err = %v, want a conflict", err)
	}
	bad = strings.Replace(cfgYAML, `ldap: {ous: ["OU=Staff,DC=contoso,DC=com"]}`, `ldap: {ous: ["OU=Staff,DC=contoso,DC=com"], groups: ["acme technicians"]}`, 1)
	if _, err := config.Parse([]byte(bad), "keyholder.yaml"); err == nil || !strings.Contains(err.Error(), `LDAP group "Acme Technicians" is claimed by both`) {
		t.Fatalf("err = %v, want an LDAP group conflict", err)
	}
	bad = cfgYAML + `  - {match: "ADMINISTRATOR", party: "Acme IT"}` + "\n"
	if _, err := config.Parse([]byte(bad), "keyholder.yaml"); err == nil || !strings.Contains(err.Error(), "attributed to both customer and Acme IT") {
		t.Fatalf("err = %v, want an override conflict", err)
	}
	same := cfgYAML + `  - {match: "administrator", party: customer}` + "\n"
	if _, err := config.Parse([]byte(same), "keyholder.yaml"); err != nil {
		t.Fatalf("a repeated override to the same party: %v", err)
	}
}
