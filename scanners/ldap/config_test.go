package ldap

import (
	"fmt"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/scanners"
)

func TestConfigProblems(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  string // in the problem text
	}{
		{"url missing", []string{"bind_dn: x", "password_env: PW"}, "url is required"},
		{"bad scheme", []string{"url: https://dc1"}, `scheme "https" not supported`},
		{"no host", []string{"url: ldaps://"}, "has no host"},
		{"credentials in url", []string{"url: ldaps://u:p@dc1"}, "must not carry credentials"},
		{"base dn in url", []string{"url: ldaps://dc1/dc=x"}, "scheme://host[:port] only"},
		{"plain text needs consent", []string{"url: ldap://dc1", "start_tls: false"}, "insecure_plaintext: true"},
		{"start_tls on ldaps", []string{"url: ldaps://dc1", "start_tls: true"}, "does not apply to ldaps"},
		{"plaintext on ldaps", []string{"url: ldaps://dc1", "insecure_plaintext: true"}, "contradicts an ldaps"},
		{"plaintext and start_tls", []string{"url: ldap://dc1", "start_tls: true", "insecure_plaintext: true"}, "contradicts start_tls"},
		{"ca_file without TLS", []string{"url: ldap://dc1", "insecure_plaintext: true", "ca_file: /x"}, "need TLS"},
		{"bind dn without password", []string{"url: ldaps://dc1", "bind_dn: cn=x"}, "needs password_env or password_file"},
		{"password without bind dn", []string{"url: ldaps://dc1", "password_env: PW"}, "bind_dn is empty"},
		{"literal password", []string{"url: ldaps://dc1", "bind_dn: cn=x", "password: hunter22"}, "password"},
		{"unknown key", []string{"url: ldaps://dc1", "page_sise: 5"}, "page_sise"},
		{"bad base dn", []string{"url: ldaps://dc1", "base_dn: not a dn"}, "invalid DN"},
		{"bad admin group dn", []string{"url: ldaps://dc1", `admin_groups: ["cn=a,,dc=x"]`}, "admin_groups[0]: invalid DN"},
		{"empty admin group", []string{"url: ldaps://dc1", `admin_groups: [" "]`}, "admin_groups[0] is empty"},
		{"page size", []string{"url: ldaps://dc1", "page_size: -1"}, "page_size must be between"},
		{"negative limits", []string{"url: ldaps://dc1", "size_limit: -1"}, "size_limit must not be negative"},
		{"timeout", []string{"url: ldaps://dc1", "timeout: -5s"}, "timeout must be positive"},
		{"issue 13: follow_referrals needs referral_hosts", []string{"url: ldaps://dc1", "follow_referrals: true"}, "needs referral_hosts"},
		{"issue 13: referral_hosts alone", []string{"url: ldaps://dc1", `referral_hosts: ["dc2"]`}, "no effect without follow_referrals"},
		{"issue 13: referral_hosts is not a URL", []string{"url: ldaps://dc1", "follow_referrals: true", `referral_hosts: ["ldaps://dc2/x"]`}, "referral_hosts[0]"},
		{"issue 13: referrals without verification", []string{"url: ldaps://dc1", "follow_referrals: true", `referral_hosts: ["dc2"]`, "insecure_skip_verify: true"}, "insecure_skip_verify"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			for _, l := range tt.lines {
				b.WriteString("    " + l + "\n")
			}
			cfg, err := config.Parse([]byte(fmt.Sprintf(testConfig, b.String())), "keyholder.yaml")
			if err == nil {
				_, err = Factory().New(*cfg.TargetByName("corp"), testEnvOnly())
			}
			if err == nil {
				t.Fatal("no problem reported")
			}
			if config.AsProblems(err) == nil {
				t.Errorf("not config problems: %T %v", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "keyholder.yaml:") {
				t.Errorf("problem %q lacks %q or a file:line", err, tt.want)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	for _, tt := range []struct {
		url, startTLS string
		tls           string
	}{
		{"ldap://dc1", "", "starttls"},
		{"ldaps://dc1", "", "ldaps"},
		{"ldap://dc1:3890", "true", "starttls"},
	} {
		lines := []string{"url: " + tt.url}
		if tt.startTLS != "" {
			lines = append(lines, "start_tls: "+tt.startTLS)
		}
		env, _ := testEnv()
		sc := newTestScanner(t, env, "", lines...)
		if got := sc.tlsMode(); got != tt.tls {
			t.Errorf("%s: tls %q, want %q", tt.url, got, tt.tls)
		}
		if sc.cfg.PageSize != DefaultPageSize || sc.cfg.Timeout != DefaultTimeout || sc.cfg.FollowReferrals || sc.cfg.InsecureSkipVerify {
			t.Errorf("defaults = %+v", sc.cfg.Config)
		}
	}
}

func testEnvOnly() scanners.Env {
	env, _ := testEnv()
	return env
}
