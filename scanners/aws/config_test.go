package aws

import (
	"strings"
	"testing"

	"github.com/keyholder/keyholder/internal/config"
)

func TestConfigStrict(t *testing.T) {
	cases := []struct {
		name, extra, want string
	}{
		{"unknown key", "regoin: eu-west-1", "unknown key"},
		{"static credentials refused", "secret_access_key: abc", "unknown key"},
		{"session token refused", "session_token: abc", "literal secrets are not allowed"},
		{"region and regions", "regions: [eu-west-1]", "set region or regions, not both"},
		{"bad region", "region: Ireland", "not an AWS region name"},
		{"bad role arn", "assume_role: {role_arn: admin}", "not an IAM role ARN"},
		{"bad duration", "assume_role: {role_arn: \"arn:aws:iam::123456789012:role/Audit\", duration: 5m}", "between 15m and 12h"},
		{"bad accounts", "organization: {enabled: true, accounts: [\"12\"]}", "not a 12-digit account id"},
		{"accounts scalar", "organization: {enabled: true, accounts: some}", `must be "all" or a list`},
		{"bad pattern", "backup_bucket_patterns: [\"(\"]", "backup_bucket_patterns"},
		{"max attempts", "max_attempts: 99", "between 1 and 20"},
		{"max pages negative", "max_pages: -1", "between 1 and 1000000"},
		{"max pages too large", "max_pages: 1000001", "between 1 and 1000000"},
		{"unknown nested key", "organization: {enabled: true, role: X}", "unknown key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			extra := []string{c.extra}
			if strings.HasPrefix(c.extra, "region:") {
				extra = []string{c.extra}
			} else if c.name == "region and regions" {
				extra = []string{"region: us-east-1", c.extra}
			}
			_, err := Factory().New(target(t, "http://127.0.0.1:1", extra...), testEnv())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if config.AsProblems(err) == nil {
				t.Fatalf("not config problems: %T", err)
			}
			if !strings.Contains(err.Error(), "keyholder.yaml:") {
				t.Fatalf("no file/line: %v", err)
			}
		})
	}
	t.Run("valid", func(t *testing.T) {
		s, err := Factory().New(target(t, "http://127.0.0.1:1",
			"profile: audit",
			"assume_role: {role_arn: \"arn:aws:iam::123456789012:role/Audit\", external_id: x, session_name: kh, duration: 1h}",
			"organization: {enabled: true, role_name: Audit, accounts: [\"222222222222\"], exclude: [\"333333333333\"], concurrency: 3}",
			"backup_bucket_patterns: [\"^bk-\"]", "backup_bucket_tags: {backup: \"*\"}", "max_attempts: 4", "max_pages: 50"), testEnv())
		if err != nil {
			t.Fatal(err)
		}
		set := s.(*Scanner).set
		if set.concurrency != 3 || set.roleName != "Audit" || set.allAccounts || set.accounts[0] != "222222222222" || set.maxAttempts != 4 || set.maxPages != 50 {
			t.Fatalf("settings: %+v", set)
		}
	})
	t.Run("default max_pages", func(t *testing.T) {
		s, err := Factory().New(target(t, "http://127.0.0.1:1"), testEnv())
		if err != nil {
			t.Fatal(err)
		}
		if n := s.(*Scanner).set.maxPages; n != 10000 {
			t.Fatalf("maxPages = %d, want 10000", n)
		}
	})
}
