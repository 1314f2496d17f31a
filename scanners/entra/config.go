package entra

import (
	"net/url"
	"strings"
	"time"

	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/msauth"
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

// Auth says how to obtain a token: method client_secret, certificate,
// workload_identity, managed_identity, azure_cli, default or token (a
// pre-issued Graph access token). See internal/msauth.
type Auth = msauth.Auth

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
	add := msauth.Collect(t, &probs)
	s := &settings{Config: c}
	msauth.CheckTenantID(c.TenantID, add)
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
	case u.Scheme != "https" && !(u.Scheme == "http" && msauth.Loopback(u.Hostname())):
		add("graph_endpoint", "graph_endpoint %q must use https (plain http is accepted for 127.0.0.1 and localhost only)", c.GraphEndpoint)
	default:
		u.Path = ""
		s.graph = u
	}
	s.authority, s.authorityOverridden = msauth.CheckAuthority(hosts[1], c.AuthorityHost, add)
	switch {
	case s.PageSize == 0:
		s.PageSize = 999
	case s.PageSize < 1 || s.PageSize > 999:
		add("page_size", "page_size %d is out of range (1..999)", c.PageSize)
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

// scope is the token scope for the Graph endpoint ("<endpoint>/.default").
func (s *settings) scope() string { return s.graph.String() + "/.default" }
