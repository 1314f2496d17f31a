package azure

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/msauth"
)

// Config is an azure target's section of keyholder.yaml.
//
//   - type: azure
//     name: azure
//     tenant_id: 00000000-0000-0000-0000-000000000001
//     auth: {method: client_secret, client_id: ..., secret_env: KH_ARM_SECRET}
type Config struct {
	TenantID string `yaml:"tenant_id"`
	// Cloud picks the ARM endpoint and the authority: global (default),
	// usgov or china.
	Cloud string `yaml:"cloud"`
	// Endpoint and AuthorityHost override the cloud's hosts
	// (https://host[:port], no path).
	Endpoint      string `yaml:"endpoint"`
	AuthorityHost string `yaml:"authority_host"`
	// CAFile is a PEM bundle trusted in addition to the system roots.
	CAFile string `yaml:"ca_file"`
	Auth   Auth   `yaml:"auth"`
	// RootManagementGroup is where the hierarchy is read (default: the
	// tenant root group, whose id is the tenant id).
	RootManagementGroup string `yaml:"root_management_group"`
	// Subscriptions limits the scan to these subscription ids (default:
	// every subscription the identity can read).
	Subscriptions []string `yaml:"subscriptions"`
	// CSPPartnerTenantID is the CSP partner's tenant, for partner-billed
	// subscriptions whose managedByTenants does not name it unambiguously.
	CSPPartnerTenantID string `yaml:"csp_partner_tenant_id"`
	// Concurrency bounds subscriptions scanned in parallel (1..16,
	// default 4).
	Concurrency int `yaml:"concurrency"`
	// Timeout bounds one HTTP attempt ("60s" by default).
	Timeout string `yaml:"timeout"`
}

// Auth says how to obtain a token: the same methods and keys as the entra
// target (internal/msauth).
type Auth = msauth.Auth

// cloudHosts are the ARM endpoint, token audience and authority of each
// cloud.
var cloudHosts = map[string][3]string{
	"global": {"https://management.azure.com", "https://management.core.windows.net/", "https://login.microsoftonline.com/"},
	"usgov":  {"https://management.usgovcloudapi.net", "https://management.core.usgovcloudapi.net/", "https://login.microsoftonline.us/"},
	"china":  {"https://management.chinacloudapi.cn", "https://management.core.chinacloudapi.cn/", "https://login.chinacloudapi.cn/"},
}

type settings struct {
	Config
	endpoint            string
	audience            string
	authority           string
	authorityOverridden bool
	timeout             time.Duration
	only                map[string]bool
}

func validateConfig(t config.Target, c Config) (*settings, error) {
	var probs config.Problems
	add := msauth.Collect(t, &probs)
	s := &settings{Config: c}
	msauth.CheckTenantID(c.TenantID, add)
	if s.Cloud == "" {
		s.Cloud = "global"
	}
	hosts, ok := cloudHosts[s.Cloud]
	if !ok {
		add("cloud", "unknown cloud %q (want global, usgov or china)", c.Cloud)
		hosts = cloudHosts["global"]
	}
	s.endpoint, s.audience = hosts[0], hosts[1]
	if c.Endpoint != "" {
		u, err := url.Parse(strings.TrimSuffix(c.Endpoint, "/"))
		switch {
		case err != nil || u.Host == "" || u.Path != "" || u.RawQuery != "":
			add("endpoint", "endpoint %q must be a URL like https://management.azure.com", c.Endpoint)
		case u.Scheme != "https":
			add("endpoint", "endpoint %q must use https (the SDK sends tokens only over TLS)", c.Endpoint)
		default:
			s.endpoint = u.String()
		}
	}
	s.authority, s.authorityOverridden = msauth.CheckAuthority(hosts[2], c.AuthorityHost, add)
	if c.RootManagementGroup == "" {
		s.RootManagementGroup = c.TenantID
	}
	if len(c.Subscriptions) > 0 {
		s.only = map[string]bool{}
		for i, id := range c.Subscriptions {
			if !config.IsTenantID(id) {
				add(fmt.Sprintf("subscriptions[%d]", i), "subscription id %q is not a GUID", id)
			}
			s.only[strings.ToLower(id)] = true
		}
	}
	if c.CSPPartnerTenantID != "" && !config.IsTenantID(c.CSPPartnerTenantID) {
		add("csp_partner_tenant_id", "csp_partner_tenant_id %q is not a GUID", c.CSPPartnerTenantID)
	}
	s.Concurrency = msauth.CheckConcurrency(c.Concurrency, add)
	s.timeout = msauth.CheckTimeout(c.Timeout, add)
	msauth.CheckAuth(c.Auth, add)
	if len(probs) > 0 {
		return nil, probs
	}
	return s, nil
}

// identity is what msauth.Credential signs in with.
func (s *settings) identity() msauth.Identity {
	return msauth.Identity{TenantID: s.TenantID, Auth: s.Auth, Authority: s.authority, AuthorityOverridden: s.authorityOverridden}
}
