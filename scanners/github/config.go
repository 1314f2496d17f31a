package github

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/keyholder/keyholder/internal/config"
)

// Defaults of the target config.
const (
	DefaultMaxPages           = 1000
	DefaultConcurrency        = 4
	DefaultRateLimitMaxWait   = 15 * time.Minute
	DefaultDeployKeysMaxRepos = 100
	DefaultAuditLogDays       = 90
	DefaultTimeout            = 60 * time.Second
)

// targetConfig is a "type: github" target:
//
//   - type: github
//     name: gh
//     org: contoso
//     token_env: GITHUB_TOKEN            # or token_file, or app:
//     app: {app_id: 12345, installation_id: 678, private_key_file: /etc/keyholder/app.pem}
//     base_url: https://ghe.contoso.com  # GitHub Enterprise Server
//     ca_file: /etc/ssl/contoso-ca.pem
//     collaborators: all                 # all | private_only | none
//     deploy_keys: auto                  # auto | true | false
//     max_pages: 1000
//     concurrency: 4
//     rate_limit_max_wait: 15m
type targetConfig struct {
	Org string `yaml:"org"`
	// BaseURL is a GitHub Enterprise Server root; /api/v3/ is appended
	// (as go-github does) unless the host starts with "api.".
	BaseURL string `yaml:"base_url"`
	// APIURL is a REST API root used as it is: GitHub Enterprise Cloud
	// with data residency (https://api.acme.ghe.com/), a proxy, a test
	// server.
	APIURL string `yaml:"api_url"`
	// GraphQLURL overrides the GraphQL endpoint derived from the above.
	GraphQLURL string `yaml:"graphql_url"`
	CAFile     string `yaml:"ca_file"`

	TokenEnv  string     `yaml:"token_env"`
	TokenFile string     `yaml:"token_file"`
	App       *appConfig `yaml:"app"`

	// Collaborators says which repositories' direct collaborators are
	// read: all (default), private_only (skip public repositories),
	// none.
	Collaborators string `yaml:"collaborators"`
	// DeployKeys: auto (default: only when the organisation has at most
	// DeployKeysMaxRepos repositories), true, false.
	DeployKeys         deployKeys `yaml:"deploy_keys"`
	DeployKeysMaxRepos int        `yaml:"deploy_keys_max_repos"`
	// AuditLogDays is how far back the audit log is read (default 90).
	AuditLogDays int `yaml:"audit_log_days"`

	MaxPages         int           `yaml:"max_pages"`
	Concurrency      int           `yaml:"concurrency"`
	RateLimitMaxWait time.Duration `yaml:"rate_limit_max_wait"`
	// Timeout bounds connecting and each request's wait for an answer
	// (default 60s), so a silent endpoint fails as unreachable.
	Timeout time.Duration `yaml:"timeout"`
}

type appConfig struct {
	// AppID is the app's numeric id or its client id (both are accepted
	// as the JWT issuer).
	AppID          string `yaml:"app_id"`
	InstallationID int64  `yaml:"installation_id"`
	PrivateKeyFile string `yaml:"private_key_file"`
	PrivateKeyEnv  string `yaml:"private_key_env"`
}

// deployKeys is "auto", true or false.
type deployKeys string

const (
	deployKeysAuto   deployKeys = "auto"
	deployKeysAlways deployKeys = "true"
	deployKeysNever  deployKeys = "false"
)

func (d *deployKeys) UnmarshalYAML(n *yaml.Node) error {
	switch strings.ToLower(n.Value) {
	case "auto", "":
		*d = deployKeysAuto
	case "true", "yes", "on":
		*d = deployKeysAlways
	case "false", "no", "off":
		*d = deployKeysNever
	default:
		return &config.Problem{Line: n.Line, Msg: fmt.Sprintf("deploy_keys: want auto, true or false, got %q", n.Value)}
	}
	return nil
}

// decodeConfig decodes and validates a target strictly.
func decodeConfig(t config.Target) (*targetConfig, error) {
	var c targetConfig
	if err := config.DecodeTarget(t, &c); err != nil {
		return nil, err
	}
	var probs config.Problems
	bad := func(key, msg string) { probs = append(probs, config.TargetProblem(t, key, msg)) }

	if c.Org == "" {
		bad("org", "org is required (the organisation's login)")
	} else if strings.ContainsAny(c.Org, "/ ") {
		bad("org", fmt.Sprintf("org must be an organisation login, got %q", c.Org))
	}
	if c.BaseURL != "" && c.APIURL != "" {
		bad("api_url", "set base_url (GitHub Enterprise Server) or api_url (an API root used as is), not both")
	}
	for key, v := range map[string]string{"base_url": c.BaseURL, "api_url": c.APIURL, "graphql_url": c.GraphQLURL} {
		if v == "" {
			continue
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad(key, fmt.Sprintf("want an http(s) URL, got %q", v))
		} else if u.User != nil {
			bad(key, "credentials in the URL are not allowed; use token_env, token_file or app")
		}
	}
	tokenSet := c.TokenEnv != "" || c.TokenFile != ""
	switch {
	case c.TokenEnv != "" && c.TokenFile != "":
		bad("token_file", "set token_env or token_file, not both")
	case tokenSet && c.App != nil:
		bad("app", "set a token (token_env/token_file) or app, not both")
	case !tokenSet && c.App == nil:
		bad("", "credentials are required: token_env, token_file or app {app_id, installation_id, private_key_file}")
	}
	if a := c.App; a != nil {
		if a.AppID == "" {
			bad("app", "app.app_id is required")
		}
		if a.InstallationID <= 0 {
			bad("app", "app.installation_id is required")
		}
		switch {
		case a.PrivateKeyFile == "" && a.PrivateKeyEnv == "":
			bad("app", "app.private_key_file (or app.private_key_env) is required")
		case a.PrivateKeyFile != "" && a.PrivateKeyEnv != "":
			bad("app", "set app.private_key_file or app.private_key_env, not both")
		}
	}
	switch c.Collaborators {
	case "":
		c.Collaborators = "all"
	case "all", "private_only", "none":
	default:
		bad("collaborators", fmt.Sprintf("want all, private_only or none, got %q", c.Collaborators))
	}
	if c.DeployKeys == "" {
		c.DeployKeys = deployKeysAuto
	}
	if c.DeployKeysMaxRepos == 0 {
		c.DeployKeysMaxRepos = DefaultDeployKeysMaxRepos
	} else if c.DeployKeysMaxRepos < 0 {
		bad("deploy_keys_max_repos", "must be positive")
	}
	if c.AuditLogDays == 0 {
		c.AuditLogDays = DefaultAuditLogDays
	} else if c.AuditLogDays < 0 || c.AuditLogDays > 180 {
		bad("audit_log_days", "want 1 to 180 (GitHub keeps web events for 180 days)")
	}
	if c.MaxPages == 0 {
		c.MaxPages = DefaultMaxPages
	} else if c.MaxPages < 0 {
		bad("max_pages", "must be positive")
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	} else if c.Concurrency < 0 || c.Concurrency > 32 {
		bad("concurrency", "want 1 to 32 (GitHub asks integrators not to make many concurrent requests)")
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	} else if c.Timeout < 0 {
		bad("timeout", "must be positive, like 30s")
	}
	if c.RateLimitMaxWait == 0 {
		c.RateLimitMaxWait = DefaultRateLimitMaxWait
	} else if c.RateLimitMaxWait < 0 {
		bad("rate_limit_max_wait", "must be positive")
	}
	if len(probs) > 0 {
		probs.Sort()
		return nil, probs
	}
	return &c, nil
}

// endpoints returns the REST API root (ending in "/"), the GraphQL URL and
// the system flavour.
func (c *targetConfig) endpoints() (rest, graphql, flavour string) {
	switch {
	case c.APIURL != "":
		rest = strings.TrimSuffix(c.APIURL, "/") + "/"
		graphql = rest + "graphql"
	case c.BaseURL != "":
		u, _ := url.Parse(c.BaseURL)
		flavour = "ghes"
		root := strings.TrimSuffix(u.Scheme+"://"+u.Host+u.Path, "/")
		switch {
		case strings.HasSuffix(root, "/api/v3"):
			rest = root + "/"
			graphql = strings.TrimSuffix(root, "/v3") + "/graphql"
		case strings.HasPrefix(u.Host, "api.") || strings.Contains(u.Host, ".api."):
			rest = root + "/"
			graphql = root + "/graphql"
		default:
			rest = root + "/api/v3/"
			graphql = root + "/api/graphql"
		}
	default:
		rest = "https://api.github.com/"
		graphql = "https://api.github.com/graphql"
	}
	if c.GraphQLURL != "" {
		graphql = c.GraphQLURL
	}
	return rest, graphql, flavour
}

func (c *targetConfig) tokenRef() config.SecretRef {
	return config.SecretRef{Env: c.TokenEnv, File: c.TokenFile}
}
