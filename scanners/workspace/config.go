package workspace

import (
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/keyholder/keyholder/internal/config"
)

// Defaults of the target config.
const (
	DefaultCustomer    = "my_customer"
	DefaultMaxPages    = 1000
	DefaultConcurrency = 4
	DefaultTimeout     = 60 * time.Second
	DefaultEndpoint    = "https://admin.googleapis.com/"
)

// Auth methods.
const (
	AuthServiceAccount     = "service_account"
	AuthApplicationDefault = "application_default"
)

// targetConfig is a "type: workspace" target:
//
//   - type: workspace
//     name: gws
//     customer: my_customer            # or the customer id (C01abc234)
//     auth:
//     method: service_account          # or application_default
//     key_file: /etc/keyholder/gws-sa.json   # or key_env (the JSON in a variable)
//     subject: keyholder-audit@contoso.com   # the read-only admin to impersonate
//     endpoint: https://admin.googleapis.com/  # tests and proxies
//     ca_file: /etc/ssl/proxy-ca.pem
//     timeout: 60s
//     max_pages: 1000
//     concurrency: 4
type targetConfig struct {
	Customer    string        `yaml:"customer"`
	Auth        authConfig    `yaml:"auth"`
	Endpoint    string        `yaml:"endpoint"`
	CAFile      string        `yaml:"ca_file"`
	Timeout     time.Duration `yaml:"timeout"`
	MaxPages    int           `yaml:"max_pages"`
	Concurrency int           `yaml:"concurrency"`
}

type authConfig struct {
	Method string `yaml:"method"`
	// KeyFile / KeyEnv hold a service-account key (JSON). With
	// application_default they may instead hold any Google credentials
	// file (an external_account file for workload identity federation);
	// without them, application default credentials are used.
	KeyFile string `yaml:"key_file"`
	KeyEnv  string `yaml:"key_env"`
	// Subject is the admin the service account impersonates through
	// domain-wide delegation.
	Subject string `yaml:"subject"`
}

func (a authConfig) keyRef() config.SecretRef {
	return config.SecretRef{Env: a.KeyEnv, File: a.KeyFile}
}

// decodeConfig decodes and validates a target strictly.
func decodeConfig(t config.Target) (*targetConfig, error) {
	var c targetConfig
	if err := config.DecodeTarget(t, &c); err != nil {
		return nil, err
	}
	var probs config.Problems
	bad := func(key, msg string) { probs = append(probs, config.TargetProblem(t, key, msg)) }
	if c.Customer == "" {
		c.Customer = DefaultCustomer
	} else if strings.ContainsAny(c.Customer, "/ ?#") {
		bad("customer", fmt.Sprintf("want my_customer or a customer id such as C01abc234, got %q", c.Customer))
	}
	switch c.Auth.Method {
	case AuthServiceAccount:
		if c.Auth.KeyFile == "" && c.Auth.KeyEnv == "" {
			bad("auth", "auth.key_file or auth.key_env is required for service_account (the service account's JSON key)")
		}
		if c.Auth.Subject == "" {
			bad("auth", "auth.subject is required for service_account: the e-mail of the read-only admin the service account impersonates (domain-wide delegation)")
		}
	case AuthApplicationDefault:
	case "":
		bad("auth", "auth.method is required: service_account or application_default")
	default:
		bad("auth", fmt.Sprintf("auth.method: want service_account or application_default, got %q", c.Auth.Method))
	}
	if c.Auth.KeyFile != "" && c.Auth.KeyEnv != "" {
		bad("auth", "set auth.key_file or auth.key_env, not both")
	}
	if c.Auth.Subject != "" {
		if _, err := mail.ParseAddress(c.Auth.Subject); err != nil {
			bad("auth", fmt.Sprintf("auth.subject must be an e-mail address, got %q", c.Auth.Subject))
		}
	}
	if c.Endpoint == "" {
		c.Endpoint = DefaultEndpoint
	} else if u, err := url.Parse(c.Endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		bad("endpoint", fmt.Sprintf("want an http(s) URL, got %q", c.Endpoint))
	} else if u.User != nil {
		bad("endpoint", "credentials in the URL are not allowed")
	}
	c.Endpoint = strings.TrimRight(c.Endpoint, "/") + "/"
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	} else if c.Timeout < 0 {
		bad("timeout", "must be positive")
	}
	if c.MaxPages == 0 {
		c.MaxPages = DefaultMaxPages
	} else if c.MaxPages < 0 {
		bad("max_pages", "must be positive")
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	} else if c.Concurrency < 0 || c.Concurrency > 16 {
		bad("concurrency", "want 1 to 16")
	}
	if len(probs) > 0 {
		probs.Sort()
		return nil, probs
	}
	return &c, nil
}
