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
	// Fields are tenant_id, authority_host, ca_file, auth and timeout.
	msauth.Fields `yaml:",inline"`
	// Cloud picks the ARM endpoint and the authority: global (default),
	// usgov or china.
	Cloud string `yaml:"cloud"`
	// Endpoint overrides the cloud's ARM endpoint (https://host[:port],
	// no path).
	Endpoint string `yaml:"endpoint"`
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
}

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
	c.Fields.Check(add)
	s := &settings{Config: c}
	var hosts [3]string
	s.Cloud, hosts = msauth.CheckCloud(c.Cloud, cloudHosts, "global, usgov or china", add)
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
	s.timeout = msauth.CheckTimeout(c.Timeout, add)
	s.Concurrency = msauth.CheckConcurrency(c.Concurrency, add)
	if len(probs) > 0 {
		return nil, probs
	}
	return s, nil
}

// identity is what msauth.Credential signs in with.
func (s *settings) identity() msauth.Identity {
	return s.Fields.Identity(s.authority, s.authorityOverridden)
}
