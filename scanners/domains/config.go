package domains

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/keyholder/keyholder/internal/config"
)

// Defaults of the target config.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultConcurrency = 8
	DefaultBootstrap   = "https://data.iana.org/rdap/"
)

// targetConfig is a "type: domains" target:
//
//   - type: domains
//     name: internet
//     domains: [contoso-shop.com]      # added to organization.domains
//     addresses: [203.0.113.10]        # added to declared internet assets' ip
//     rdap:
//     bootstrap_url: https://data.iana.org/rdap/
//     servers: {com: "https://rdap.verisign.com/com/v1/"}   # per TLD, "ip" for addresses, "*" for all
//     resolver: 192.0.2.53:53          # default: the system's (/etc/resolv.conf)
//     timeout: 10s
//     concurrency: 8
type targetConfig struct {
	Domains     []string      `yaml:"domains"`
	Addresses   []string      `yaml:"addresses"`
	RDAP        rdapConfig    `yaml:"rdap"`
	Resolver    string        `yaml:"resolver"`
	Timeout     time.Duration `yaml:"timeout"`
	Concurrency int           `yaml:"concurrency"`
	// SkipRDAP and SkipDNS turn off one half (recorded as skipped gaps).
	SkipRDAP bool `yaml:"skip_rdap"`
	SkipDNS  bool `yaml:"skip_dns"`
}

type rdapConfig struct {
	BootstrapURL string            `yaml:"bootstrap_url"`
	Servers      map[string]string `yaml:"servers"`
}

// decodeConfig decodes and validates a target strictly.
func decodeConfig(t config.Target) (*targetConfig, error) {
	var c targetConfig
	if err := config.DecodeTarget(t, &c); err != nil {
		return nil, err
	}
	var probs config.Problems
	bad := func(key, msg string) { probs = append(probs, config.TargetProblem(t, key, msg)) }
	for i, d := range c.Domains {
		n := normDomain(d)
		if !validDomain(n) {
			bad("domains", fmt.Sprintf("domains[%d]: %q is not a domain name", i, d))
		}
		c.Domains[i] = n
	}
	for i, a := range c.Addresses {
		if _, err := netip.ParseAddr(a); err != nil {
			bad("addresses", fmt.Sprintf("addresses[%d]: %q is not an IP address", i, a))
		}
	}
	if c.RDAP.BootstrapURL == "" {
		c.RDAP.BootstrapURL = DefaultBootstrap
	}
	check := func(key, v string) {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad(key, fmt.Sprintf("want an http(s) URL, got %q", v))
		}
	}
	check("rdap", c.RDAP.BootstrapURL)
	keys := make([]string, 0, len(c.RDAP.Servers))
	for k := range c.RDAP.Servers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		check("rdap", c.RDAP.Servers[k])
	}
	if c.Resolver != "" {
		if _, _, err := net.SplitHostPort(c.Resolver); err != nil {
			c.Resolver = net.JoinHostPort(c.Resolver, "53")
			if _, _, err := net.SplitHostPort(c.Resolver); err != nil {
				bad("resolver", fmt.Sprintf("want host:port, got %q", c.Resolver))
			}
		}
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	} else if c.Timeout < 0 {
		bad("timeout", "must be positive")
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	} else if c.Concurrency < 0 || c.Concurrency > 64 {
		bad("concurrency", "want 1 to 64")
	}
	if len(probs) > 0 {
		probs.Sort()
		return nil, probs
	}
	return &c, nil
}

func normDomain(d string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
}

func validDomain(d string) bool {
	if d == "" || len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, l := range strings.Split(d, ".") {
		if l == "" || len(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}
