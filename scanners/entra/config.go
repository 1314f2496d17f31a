package entra

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/keyholder/keyholder/internal/config"
)

// Config is an entra target's section of keyholder.yaml.
//
//   - type: entra
//     name: m365
//     tenant_id: 00000000-0000-0000-0000-000000000001
//     cloud: global            # global | usgov | usgov-dod | china
//     auth: {method: client_secret, client_id: ..., secret_env: KH_GRAPH_SECRET}
type Config struct {
	TenantID string `yaml:"tenant_id"`
	// Cloud picks the Graph host and the authority: global (default),
	// usgov, usgov-dod or china.
	Cloud string `yaml:"cloud"`
	// GraphEndpoint and AuthorityHost override the cloud's hosts
	// (https://host[:port], no path).
	GraphEndpoint string `yaml:"graph_endpoint"`
	AuthorityHost string `yaml:"authority_host"`
	// CAFile is a PEM bundle trusted in addition to the system roots.
	CAFile string `yaml:"ca_file"`
	Auth   Auth   `yaml:"auth"`
	// PageSize is $top for collections that support it (1..999, default
	// 999).
	PageSize int `yaml:"page_size"`
	// Concurrency bounds parallel requests (1..16, default 4).
	Concurrency int `yaml:"concurrency"`
	// Timeout bounds one HTTP attempt ("60s" by default).
	Timeout string `yaml:"timeout"`
}

// Auth says how to obtain a token.
type Auth struct {
	// Method is client_secret, certificate, workload_identity,
	// managed_identity, azure_cli, default or token.
	Method   string `yaml:"method"`
	ClientID string `yaml:"client_id"`
	// SecretEnv / SecretFile hold the client secret (client_secret).
	SecretEnv  string `yaml:"secret_env"`
	SecretFile string `yaml:"secret_file"`
	// CertificateFile is a PEM or PKCS#12 file with the certificate and
	// its private key; CertificatePasswordEnv names the variable holding
	// its password, if any.
	CertificateFile        string `yaml:"certificate_file"`
	CertificatePasswordEnv string `yaml:"certificate_password_env"`
	// TokenEnv / TokenFile hold a pre-issued Graph access token (token).
	TokenEnv  string `yaml:"token_env"`
	TokenFile string `yaml:"token_file"`
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

// cloudHosts are the Graph endpoint and authority host of each cloud
// (Microsoft's national cloud deployments page).
var cloudHosts = map[string][2]string{
	"global":    {"https://graph.microsoft.com", "https://login.microsoftonline.com/"},
	"usgov":     {"https://graph.microsoft.us", "https://login.microsoftonline.us/"},
	"usgov-dod": {"https://dod-graph.microsoft.us", "https://login.microsoftonline.us/"},
	"china":     {"https://microsoftgraph.chinacloudapi.cn", "https://login.chinacloudapi.cn/"},
}

// settings is a validated Config with defaults applied.
type settings struct {
	Config
	graph     *url.URL // endpoint without /v1.0
	authority string
	timeout   time.Duration
	// authorityOverridden disables MSAL instance discovery: a custom
	// authority (test server, private cloud) is not in Microsoft's list.
	authorityOverridden bool
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
		add("cloud", "unknown cloud %q (want global, usgov, usgov-dod or china)", c.Cloud)
		hosts = cloudHosts["global"]
	}
	graph := hosts[0]
	if c.GraphEndpoint != "" {
		graph = strings.TrimSuffix(c.GraphEndpoint, "/")
		graph = strings.TrimSuffix(graph, "/v1.0")
	}
	u, err := url.Parse(graph)
	switch {
	case err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "":
		add("graph_endpoint", "graph_endpoint %q must be a URL like https://graph.microsoft.com", c.GraphEndpoint)
	case u.Scheme != "https" && !(u.Scheme == "http" && loopback(u.Hostname())):
		add("graph_endpoint", "graph_endpoint %q must use https (plain http is accepted for 127.0.0.1 and localhost only)", c.GraphEndpoint)
	default:
		u.Path = ""
		s.graph = u
	}
	s.authority = hosts[1]
	if c.AuthorityHost != "" {
		a, err := url.Parse(c.AuthorityHost)
		if err != nil || a.Scheme != "https" || a.Host == "" {
			add("authority_host", "authority_host %q must be an https URL", c.AuthorityHost)
		}
		s.authority = strings.TrimSuffix(c.AuthorityHost, "/") + "/"
		s.authorityOverridden = true
	}
	switch {
	case s.PageSize == 0:
		s.PageSize = 999
	case s.PageSize < 1 || s.PageSize > 999:
		add("page_size", "page_size %d is out of range (1..999)", c.PageSize)
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

// scope is the token scope for the Graph endpoint ("<endpoint>/.default").
func (s *settings) scope() string { return s.graph.String() + "/.default" }
