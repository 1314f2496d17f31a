package estate

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	awssim "github.com/keyholder/keyholder/internal/sim/aws"
	ghsim "github.com/keyholder/keyholder/internal/sim/github"
	"github.com/keyholder/keyholder/internal/sim/graph"
	ldapsim "github.com/keyholder/keyholder/internal/sim/ldap"
)

// GenerateParams size a generated estate; each simulator's own generator
// builds its part. Zero counts take a small default.
type GenerateParams struct {
	// Users sizes every part: Entra members, directory users, GitHub
	// members (a quarter of Users), AWS IAM users (a fiftieth).
	Users int
	// Groups are directory groups (default Users/10).
	Groups int
	Seed   uint64
}

// Identifiers of the generated estate's customer and MSP.
const (
	genTenant    = "3f8c2a1e-6b4d-4e9a-9c7b-2d5e8f1a0b3c"
	genMSPTenant = "9a7e5c3b-1d2f-4a6b-8c9d-0e1f2a3b4c5d"
	genAccount   = "412345678901"
	genMSP       = "987654321098"
)

// Generate builds a large, deterministic estate for benchmarks: the same
// parameters give the same estate. The config attributes the generators'
// MSP (msp domain, tenant, account, "acme-" names) to the provider Acme IT.
func Generate(p GenerateParams) (*Scenario, error) {
	if p.Users <= 0 {
		p.Users = 100
	}
	if p.Groups <= 0 {
		p.Groups = max(1, p.Users/10)
	}
	cfg := fmt.Sprintf(`organization:
  name: Contoso Ltd (generated)
  domains: [contoso.com, contoso0.onmicrosoft.example]
  entra_tenants: [%s]
  aws_accounts: ["%s"]
  github_orgs: [contoso]
  ldap: {ous: ["OU=Staff,DC=contoso,DC=com"]}
providers:
  - name: Acme IT
    kind: msp
    domains: [acme-it.com]
    entra_tenants: [%s]
    aws_accounts: ["%s"]
    name_patterns: ["^acme-"]
    ldap: {ous: ["OU=Acme,OU=Vendors,DC=contoso,DC=com"], groups: ["Acme Technicians"]}
`, genTenant, genAccount, genMSPTenant, genMSP)
	var node yaml.Node
	if err := yaml.Unmarshal([]byte(cfg), &node); err != nil {
		return nil, fmt.Errorf("estate: generate: %w", err)
	}
	members := max(10, p.Users/4)
	sc := &Scenario{
		Now:    DefaultNow,
		Config: *node.Content[0],
		Entra: &EntraPart{Target: "m365", Scenario: *graph.Generate(graph.GenerateParams{
			TenantID: genTenant, Domain: "contoso.com", Users: p.Users, Guests: max(5, p.Users/50),
			ServicePrincipals: max(10, p.Users/20), RoleAssignments: max(10, p.Users/100),
			MSPDomain: "acme-it.com", MSPTenantID: genMSPTenant,
		})},
		AWS: &AWSPart{Target: "aws-prod", Region: "us-east-1", Scenario: awssim.Generate(awssim.GenerateParams{
			Account: genAccount, MSPAccount: genMSP, Users: max(5, p.Users/50), Roles: max(5, p.Users/100),
			Vaults: 3, Buckets: max(3, p.Users/500),
		})},
		GitHub: &GitHubPart{Target: "gh", Scenario: *ghsim.Generate(ghsim.Params{Org: "contoso", Members: members, Seed: p.Seed})},
		LDAP: &LDAPPart{Target: "corp-ad", Scenario: *ldapsim.Generate(ldapsim.GenerateParams{
			Domain: "contoso.com", Users: p.Users, Groups: p.Groups, Seed: p.Seed, BindUser: "svc-keyholder",
		})},
	}
	// The estate issues its own GitHub token.
	for i := range sc.GitHub.Scenario.Tokens {
		sc.GitHub.Scenario.Tokens[i].Value = ""
	}
	return sc, nil
}
