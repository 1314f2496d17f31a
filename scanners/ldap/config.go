package ldap

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/keyholder/keyholder/internal/config"
)

// Defaults for unset config keys.
const (
	DefaultPageSize = 1000
	DefaultTimeout  = 30 * time.Second
	maxPageSize     = 100000
)

// Config is the ldap target's section of keyholder.yaml. See README.md for
// a commented sample.
type Config struct {
	// URL is ldaps://host[:port] or ldap://host[:port].
	URL string `yaml:"url"`
	// BaseDN is where users and groups are searched; default: the
	// rootDSE's defaultNamingContext (AD) or its only naming context.
	BaseDN string `yaml:"base_dn"`
	// BindDN is the account to bind as (a DN, or user@domain on AD). Empty
	// means an anonymous bind.
	BindDN       string `yaml:"bind_dn"`
	PasswordEnv  string `yaml:"password_env"`
	PasswordFile string `yaml:"password_file"`
	// CAFile is a PEM bundle that replaces the system roots for this target.
	CAFile        string `yaml:"ca_file"`
	TLSServerName string `yaml:"tls_server_name"`
	// StartTLS upgrades ldap:// connections; default true for ldap://.
	StartTLS *bool `yaml:"start_tls"`
	// InsecurePlaintext allows ldap:// without StartTLS; the system is then
	// marked insecure ("plaintext_ldap").
	InsecurePlaintext bool `yaml:"insecure_plaintext"`
	// InsecureSkipVerify turns off certificate checks; marked insecure.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
	// AdminGroups are group DNs or names (cn / sAMAccountName) that carry
	// admin rights: the admin groups of a generic directory, extra
	// privileged groups on AD.
	AdminGroups []string `yaml:"admin_groups"`
	// PageSize is the simple paged results page size (default 1000).
	PageSize int `yaml:"page_size"`
	// SizeLimit and TimeLimit (seconds) are sent with every search; 0 means
	// the server's own limits.
	SizeLimit int `yaml:"size_limit"`
	TimeLimit int `yaml:"time_limit"`
	// FollowReferrals follows referrals with the same credentials and TLS
	// settings (the target's CA); by default they are recorded, not
	// followed. Only referrals to the target's own server or to a host in
	// ReferralHosts are followed: the bind password is sent to no other
	// host (the audited directory could name any). The rest are gaps.
	FollowReferrals bool `yaml:"follow_referrals"`
	// ReferralHosts lists the hosts ("dc2.corp.example" or
	// "dc2.corp.example:636") referrals may be followed to; required with
	// follow_referrals.
	ReferralHosts []string `yaml:"referral_hosts"`
	// Timeout bounds dialing and each request (default 30s).
	Timeout time.Duration `yaml:"timeout"`
}

// settings is a validated Config with defaults applied.
type settings struct {
	Config
	u          *url.URL
	ldaps      bool
	startTLS   bool
	hostPort   string
	serverName string
}

func (c Config) secret() config.SecretRef {
	return config.SecretRef{Env: c.PasswordEnv, File: c.PasswordFile}
}

// validate checks c and fills defaults. It does no I/O.
func validate(t config.Target, c Config) (*settings, error) {
	var probs config.Problems
	bad := func(key, format string, args ...any) {
		probs = append(probs, config.TargetProblem(t, key, fmt.Sprintf(format, args...)))
	}
	s := &settings{Config: c}
	switch {
	case c.URL == "":
		bad("url", "url is required (ldaps://host or ldap://host)")
	default:
		u, err := url.Parse(c.URL)
		if err != nil {
			bad("url", "invalid url: %v", err)
			break
		}
		s.u = u
		switch strings.ToLower(u.Scheme) {
		case "ldaps":
			s.ldaps = true
		case "ldap":
		default:
			bad("url", "scheme %q not supported (want ldaps:// or ldap://)", u.Scheme)
		}
		if u.Hostname() == "" {
			bad("url", "url %q has no host", c.URL)
		}
		if u.User != nil {
			bad("url", "url must not carry credentials; use bind_dn and password_env or password_file")
		}
		if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			bad("url", "url must be scheme://host[:port] only; put the base DN in base_dn")
		}
		port := u.Port()
		if port == "" {
			port = "389"
			if s.ldaps {
				port = "636"
			}
		}
		s.hostPort = u.Hostname() + ":" + port
		if strings.Contains(u.Hostname(), ":") {
			s.hostPort = "[" + u.Hostname() + "]:" + port
		}
		s.serverName = u.Hostname()
	}
	if c.TLSServerName != "" {
		s.serverName = c.TLSServerName
	}
	if s.u != nil {
		switch {
		case s.ldaps && c.StartTLS != nil && *c.StartTLS:
			bad("start_tls", "start_tls does not apply to ldaps:// (already encrypted)")
		case s.ldaps && c.InsecurePlaintext:
			bad("insecure_plaintext", "insecure_plaintext contradicts an ldaps:// url")
		case !s.ldaps && c.StartTLS != nil && *c.StartTLS && c.InsecurePlaintext:
			bad("insecure_plaintext", "insecure_plaintext contradicts start_tls: true")
		case !s.ldaps && c.StartTLS != nil && !*c.StartTLS && !c.InsecurePlaintext:
			bad("start_tls", "start_tls: false on ldap:// sends the password in clear text; use ldaps://, or set insecure_plaintext: true to accept it")
		}
		s.startTLS = !s.ldaps && !c.InsecurePlaintext
	}
	if c.InsecurePlaintext && c.InsecureSkipVerify {
		bad("insecure_skip_verify", "insecure_skip_verify has no effect with insecure_plaintext (there is no TLS)")
	}
	if (c.InsecurePlaintext) && (c.CAFile != "" || c.TLSServerName != "") {
		bad("insecure_plaintext", "ca_file and tls_server_name need TLS, but insecure_plaintext turns it off")
	}
	if c.BindDN != "" && !c.secret().Set() {
		bad("bind_dn", "bind_dn needs password_env or password_file")
	}
	if c.BindDN == "" && c.secret().Set() {
		bad("bind_dn", "a password is set but bind_dn is empty")
	}
	if c.BaseDN != "" {
		if _, err := goldap.ParseDN(c.BaseDN); err != nil {
			bad("base_dn", "invalid DN %q: %v", c.BaseDN, err)
		}
	}
	for i, g := range c.AdminGroups {
		g = strings.TrimSpace(g)
		switch {
		case g == "":
			bad("admin_groups", "admin_groups[%d] is empty", i)
		case strings.Contains(g, "="):
			if _, err := goldap.ParseDN(g); err != nil {
				bad("admin_groups", "admin_groups[%d]: invalid DN %q: %v", i, g, err)
			}
		}
	}
	switch {
	case c.FollowReferrals && len(c.ReferralHosts) == 0:
		bad("follow_referrals", "follow_referrals needs referral_hosts: the hosts the bind password may be sent to (a referral can name any host)")
	case !c.FollowReferrals && len(c.ReferralHosts) > 0:
		bad("referral_hosts", "referral_hosts has no effect without follow_referrals: true")
	case c.FollowReferrals && c.InsecureSkipVerify:
		bad("follow_referrals", "follow_referrals with insecure_skip_verify would send the bind password to whoever answers a listed name; verify certificates (ca_file) instead")
	}
	for i, h := range c.ReferralHosts {
		if _, err := parseReferralHost(h); err != nil {
			bad("referral_hosts", "referral_hosts[%d]: %v", i, err)
		}
	}
	switch {
	case c.PageSize == 0:
		s.PageSize = DefaultPageSize
	case c.PageSize < 0 || c.PageSize > maxPageSize:
		bad("page_size", "page_size must be between 1 and %d", maxPageSize)
	}
	if c.SizeLimit < 0 {
		bad("size_limit", "size_limit must not be negative")
	}
	if c.TimeLimit < 0 {
		bad("time_limit", "time_limit (seconds) must not be negative")
	}
	switch {
	case c.Timeout == 0:
		s.Timeout = DefaultTimeout
	case c.Timeout < 0:
		bad("timeout", "timeout must be positive")
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return s, nil
}

// referralHost is one entry of referral_hosts: a host name, and a port
// when the entry names one ("" matches any).
type referralHost struct{ host, port string }

func parseReferralHost(h string) (referralHost, error) {
	h = strings.TrimSpace(h)
	if h == "" {
		return referralHost{}, fmt.Errorf("empty host")
	}
	if strings.Contains(h, "/") || strings.Contains(h, "@") {
		return referralHost{}, fmt.Errorf("%q: want host or host:port, not a URL", h)
	}
	u, err := url.Parse("ldap://" + h)
	if err != nil || u.Hostname() == "" {
		return referralHost{}, fmt.Errorf("%q: want host or host:port", h)
	}
	return referralHost{host: strings.ToLower(u.Hostname()), port: u.Port()}, nil
}

// referralAllowed reports whether the bind password may be sent to the
// host:port a referral names.
func (s *settings) referralAllowed(host, port string) bool {
	host = strings.ToLower(host)
	for _, h := range s.ReferralHosts {
		rh, err := parseReferralHost(h)
		if err == nil && rh.host == host && (rh.port == "" || rh.port == port) {
			return true
		}
	}
	return false
}
