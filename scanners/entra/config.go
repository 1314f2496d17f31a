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
	// Fields are tenant_id, authority_host, ca_file, auth and timeout.
	msauth.Fields `yaml:",inline"`
	// Cloud picks the Graph host and the authority: global (default),
	// usgov, usgov-dod or china.
	Cloud string `yaml:"cloud"`
	// GraphEndpoint overrides the cloud's Graph host (https://host[:port],
	// no path; plain http on loopback only).
	GraphEndpoint string `yaml:"graph_endpoint"`
	// PageSize is $top for collections that support it (1..999, default
	// 999).
	PageSize int `yaml:"page_size"`
	// Concurrency bounds parallel requests (1..16, default 4).
	Concurrency int `yaml:"concurrency"`
}

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
	c.Fields.Check(add)
	s := &settings{Config: c}
	var hosts [2]string
	s.Cloud, hosts = msauth.CheckCloud(c.Cloud, cloudHosts, "global, usgov, usgov-dod or china", add)
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
	if len(probs) > 0 {
		return nil, probs
	}
	return s, nil
}

// identity is what msauth.Credential signs in with.
func (s *settings) identity() msauth.Identity {
	return s.Fields.Identity(s.authority, s.authorityOverridden)
}

// scope is the token scope for the Graph endpoint ("<endpoint>/.default").
func (s *settings) scope() string { return s.graph.String() + "/.default" }
