package azure

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/keyholder/keyholder/internal/config"
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

// Auth says how to obtain a token (the same methods as the entra target).
type Auth struct {
	// Method is client_secret, certificate, workload_identity,
	// managed_identity, azure_cli, default or token.
	Method                 string `yaml:"method"`
	ClientID               string `yaml:"client_id"`
	SecretEnv              string `yaml:"secret_env"`
	SecretFile             string `yaml:"secret_file"`
	CertificateFile        string `yaml:"certificate_file"`
	CertificatePasswordEnv string `yaml:"certificate_password_env"`
	TokenEnv               string `yaml:"token_env"`
	TokenFile              string `yaml:"token_file"`
}

// Auth methods.
const (
	MethodClientSecret     = "client_secret"
	MethodCertificate      = "certificate"
	MethodWorkloadIdentity = "workload_identity"
	MethodManagedIdentity  = "managed_identity"
	MethodAzureCLI         = "azure_cli"
	MethodDefault          = "default"
	MethodToken            = "token"
)

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
	add := func(key, format string, args ...any) {
		probs = append(probs, config.TargetProblem(t, key, fmt.Sprintf(format, args...)))
	}
	s := &settings{Config: c}
	if c.TenantID == "" {
		add("", "tenant_id is required (the tenant's GUID)")
	} else if !config.IsTenantID(c.TenantID) {
		add("tenant_id", "tenant_id %q is not a GUID", c.TenantID)
	}
	if s.Cloud == "" {
		s.Cloud = "global"
	}
	hosts, ok := cloudHosts[s.Cloud]
	if !ok {
		add("cloud", "unknown cloud %q (want global, usgov or china)", c.Cloud)
		hosts = cloudHosts["global"]
	}
	s.endpoint, s.audience, s.authority = hosts[0], hosts[1], hosts[2]
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
	if c.AuthorityHost != "" {
		a, err := url.Parse(c.AuthorityHost)
		if err != nil || a.Scheme != "https" || a.Host == "" {
			add("authority_host", "authority_host %q must be an https URL", c.AuthorityHost)
		}
		s.authority = strings.TrimSuffix(c.AuthorityHost, "/") + "/"
		s.authorityOverridden = true
	}
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
	switch {
	case s.Concurrency == 0:
		s.Concurrency = 4
	case s.Concurrency < 1 || s.Concurrency > 16:
		add("concurrency", "concurrency %d is out of range (1..16)", c.Concurrency)
	}
	s.timeout = 60 * time.Second
	if c.Timeout != "" {
		d, err := time.ParseDuration(c.Timeout)
		if err != nil || d <= 0 {
			add("timeout", "timeout %q is not a positive duration like 60s", c.Timeout)
		}
		s.timeout = d
	}
	a := c.Auth
	secretSet := a.SecretEnv != "" || a.SecretFile != ""
	tokenSet := a.TokenEnv != "" || a.TokenFile != ""
	switch a.Method {
	case MethodClientSecret:
		if a.ClientID == "" {
			add("auth.client_id", "client_secret needs auth.client_id")
		}
		if !secretSet {
			add("auth", "client_secret needs auth.secret_env or auth.secret_file")
		}
	case MethodCertificate:
		if a.ClientID == "" {
			add("auth.client_id", "certificate needs auth.client_id")
		}
		if a.CertificateFile == "" {
			add("auth", "certificate needs auth.certificate_file")
		}
	case MethodToken:
		if !tokenSet {
			add("auth", "token needs auth.token_env or auth.token_file")
		}
	case MethodWorkloadIdentity, MethodManagedIdentity, MethodAzureCLI, MethodDefault:
	case "":
		add("auth", "auth.method is required (client_secret, certificate, workload_identity, managed_identity, azure_cli, default or token)")
	default:
		add("auth.method", "unknown auth method %q (want client_secret, certificate, workload_identity, managed_identity, azure_cli, default or token)", a.Method)
	}
	if a.Method != MethodClientSecret && secretSet {
		add("auth", "secret_env/secret_file only apply to method client_secret")
	}
	if a.Method != MethodToken && tokenSet {
		add("auth", "token_env/token_file only apply to method token")
	}
	if a.Method != MethodCertificate && (a.CertificateFile != "" || a.CertificatePasswordEnv != "") {
		add("auth", "certificate_file/certificate_password_env only apply to method certificate")
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return s, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
