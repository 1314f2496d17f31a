package msauth

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/keyholder/keyholder/internal/config"
)

// Fields are the keys every Microsoft target has with the same meaning:
// who signs in, where, and what one HTTP attempt may take. A target's
// Config embeds them inline (`yaml:",inline"`), so its keys stay flat.
type Fields struct {
	// TenantID is the audited tenant's GUID.
	TenantID string `yaml:"tenant_id"`
	// AuthorityHost overrides the cloud's authority (https://host[:port],
	// no path); instance discovery is then off.
	AuthorityHost string `yaml:"authority_host"`
	// CAFile is a PEM bundle trusted in addition to the system roots.
	CAFile string `yaml:"ca_file"`
	Auth   Auth   `yaml:"auth"`
	// Timeout bounds one HTTP attempt ("60s" by default).
	Timeout string `yaml:"timeout"`
}

// Identity is f signing in at authority (see CheckAuthority).
func (f Fields) Identity(authority string, overridden bool) Identity {
	return Identity{TenantID: f.TenantID, Auth: f.Auth, Authority: authority, AuthorityOverridden: overridden}
}

// Add records a problem at a key of the target ("" for the target
// itself). Scanners pass a function that appends
// config.TargetProblem(t, key, fmt.Sprintf(format, args...)).
type Add func(key, format string, args ...any)

// Collect returns an Add that appends to *probs, located in t.
func Collect(t config.Target, probs *config.Problems) Add {
	return func(key, format string, args ...any) {
		*probs = append(*probs, config.TargetProblem(t, key, fmt.Sprintf(format, args...)))
	}
}

// Check reports what is wrong with the sign-in keys: tenant_id and auth
// (CheckTenantID, CheckAuth).
func (f Fields) Check(add Add) {
	CheckTenantID(f.TenantID, add)
	CheckAuth(f.Auth, add)
}

// CheckCloud returns the name of the cloud (global when unset) and its
// entry in clouds. A name clouds does not hold is reported, naming want
// (the valid names), and answers global's entry so that the other keys
// can still be checked.
func CheckCloud[H any](name string, clouds map[string]H, want string, add Add) (string, H) {
	if name == "" {
		name = "global"
	}
	hosts, ok := clouds[name]
	if !ok {
		add("cloud", "unknown cloud %q (want %s)", name, want)
		hosts = clouds["global"]
	}
	return name, hosts
}

// CheckTenantID reports a missing tenant_id or one that is not a GUID.
func CheckTenantID(id string, add Add) {
	if id == "" {
		add("", "tenant_id is required (the tenant's GUID)")
	} else if !config.IsTenantID(id) {
		add("tenant_id", "tenant_id %q is not a GUID", id)
	}
}

// CheckAuthority returns the authority to sign in at: the cloud's
// (cloudAuthority, "https://host/") or authority_host when it is set, with
// a trailing slash. overridden is true for authority_host: a custom
// authority (test server, private cloud) is not in Microsoft's instance
// discovery list, so discovery must be off.
func CheckAuthority(cloudAuthority, authorityHost string, add Add) (authority string, overridden bool) {
	if authorityHost == "" {
		return cloudAuthority, false
	}
	a, err := url.Parse(authorityHost)
	if err != nil || a.Scheme != "https" || a.Host == "" {
		add("authority_host", "authority_host %q must be an https URL", authorityHost)
	}
	return strings.TrimSuffix(authorityHost, "/") + "/", true
}

// CheckConcurrency returns n, or 4 when it is unset, and reports a value
// outside 1..16.
func CheckConcurrency(n int, add Add) int {
	switch {
	case n == 0:
		return 4
	case n < 1 || n > 16:
		add("concurrency", "concurrency %d is out of range (1..16)", n)
	}
	return n
}

// CheckTimeout returns the bound of one HTTP attempt: timeout, or 60s
// when it is unset. It reports what is not a positive duration.
func CheckTimeout(timeout string, add Add) time.Duration {
	if timeout == "" {
		return 60 * time.Second
	}
	d, err := time.ParseDuration(timeout)
	if err != nil || d <= 0 {
		add("timeout", "timeout %q is not a positive duration like 60s", timeout)
	}
	return d
}

// Loopback reports whether host is localhost or a loopback address, the
// only hosts a token may reach over plain http.
func Loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
