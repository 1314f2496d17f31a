package msauth

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/keyholder/keyholder/internal/config"
)

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
