package aws

import (
	"fmt"
	"regexp"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/keyholder/keyholder/internal/config"
)

// Config is an aws target's section of keyholder.yaml. Static credentials
// are never accepted here: the SDK's default chain (environment, shared
// profiles, SSO, web identity, instance roles) supplies them.
type Config struct {
	Profile     string   `yaml:"profile"`
	Region      string   `yaml:"region"`
	Regions     []string `yaml:"regions"`
	EndpointURL string   `yaml:"endpoint_url"`
	CAFile      string   `yaml:"ca_file"`
	// AssumeRole is assumed with the chain's credentials before anything
	// else.
	AssumeRole   *AssumeRole         `yaml:"assume_role"`
	Organization *OrganizationConfig `yaml:"organization"`
	// BackupBucketPatterns are regular expressions on bucket names that mark
	// a bucket as a backup target (default: backup, bak, snapshot, vault,
	// archive, dr-).
	BackupBucketPatterns []string `yaml:"backup_bucket_patterns"`
	// BackupBucketTags mark a bucket as a backup target when it has one of
	// these tags ("*" matches any value).
	BackupBucketTags map[string]string `yaml:"backup_bucket_tags"`
	// MaxAttempts bounds the SDK retryer's attempts per call (default 6).
	MaxAttempts int `yaml:"max_attempts"`
	// MaxPages bounds the pages read from one paged listing (default
	// 10 000); a listing still sending next tokens after it stops with a
	// gap.
	MaxPages int `yaml:"max_pages"`
	// Timeout bounds each HTTP attempt, connecting included (default
	// 60s), so an endpoint that does not answer fails as unreachable.
	Timeout time.Duration `yaml:"timeout"`
}

// AssumeRole names a role to assume for the scan.
type AssumeRole struct {
	RoleARN     string `yaml:"role_arn"`
	ExternalID  string `yaml:"external_id"`
	SessionName string `yaml:"session_name"`
	// Duration is a Go duration ("1h"); default 1h.
	Duration string `yaml:"duration"`
}

// OrganizationConfig turns on organisation mode: from the management (or a
// delegated administrator) account, assume RoleName in each member account
// and scan it as its own system "<target>/<account id>".
type OrganizationConfig struct {
	Enabled  bool   `yaml:"enabled"`
	RoleName string `yaml:"role_name"`
	// Accounts is "all" (default) or a list of account ids.
	Accounts    yaml.Node `yaml:"accounts"`
	Exclude     []string  `yaml:"exclude"`
	Concurrency int       `yaml:"concurrency"`
}

// Defaults.
const (
	DefaultRoleName       = "KeyholderAudit"
	DefaultOrgConcurrency = 4
	DefaultMaxAttempts    = 6
	DefaultSessionName    = "keyholder"
	DefaultRegion         = "us-east-1"
	DefaultMaxPages       = 10000
	// DefaultTimeout bounds one HTTP attempt.
	DefaultTimeout = 60 * time.Second
	// MaxMaxPages is the largest max_pages accepted.
	MaxMaxPages = 1000000
)

// DefaultBackupBucketPatterns mark buckets whose names look like backup
// targets.
var DefaultBackupBucketPatterns = []string{`(?i)backup`, `(?i)(^|[-_.])bak([-_.]|$)`, `(?i)snapshot`, `(?i)vault`, `(?i)archive`, `(?i)(^|[-_.])dr([-_.]|$)`}

var (
	accountRE  = regexp.MustCompile(`^\d{12}$`)
	roleARNRE  = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/.+$`)
	regionRE   = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)
	roleNameRE = regexp.MustCompile(`^[\w+=,.@/-]{1,64}$`)
)

// settings is a validated Config.
type settings struct {
	Config
	regions     []string
	duration    time.Duration
	allAccounts bool
	accounts    []string
	patterns    []*regexp.Regexp
	concurrency int
	roleName    string
	maxAttempts int
	maxPages    int
}

func parseConfig(t config.Target) (*settings, error) {
	var c Config
	if err := config.DecodeTarget(t, &c); err != nil {
		return nil, err
	}
	var probs config.Problems
	bad := func(key, format string, args ...any) {
		probs = append(probs, config.TargetProblem(t, key, fmt.Sprintf(format, args...)))
	}
	s := &settings{Config: c, duration: time.Hour, concurrency: DefaultOrgConcurrency, roleName: DefaultRoleName, maxAttempts: DefaultMaxAttempts, maxPages: DefaultMaxPages}
	if c.Region != "" && len(c.Regions) > 0 {
		bad("regions", "set region or regions, not both")
	}
	regions := c.Regions
	if c.Region != "" {
		regions = []string{c.Region}
	}
	for _, r := range regions {
		if !regionRE.MatchString(r) {
			bad("regions", "%q is not an AWS region name (like eu-west-1)", r)
		}
		if !slices.Contains(s.regions, r) {
			s.regions = append(s.regions, r)
		}
	}
	if c.MaxAttempts < 0 || c.MaxAttempts > 20 {
		bad("max_attempts", "must be between 1 and 20")
	} else if c.MaxAttempts > 0 {
		s.maxAttempts = c.MaxAttempts
	}
	if c.Timeout < 0 {
		bad("timeout", "must be positive, like 30s")
	} else if c.Timeout == 0 {
		s.Timeout = DefaultTimeout
	}
	if c.MaxPages < 0 || c.MaxPages > MaxMaxPages {
		bad("max_pages", "must be between 1 and %d", MaxMaxPages)
	} else if c.MaxPages > 0 {
		s.maxPages = c.MaxPages
	}
	if ar := c.AssumeRole; ar != nil {
		if !roleARNRE.MatchString(ar.RoleARN) {
			bad("assume_role.role_arn", "%q is not an IAM role ARN (arn:aws:iam::123456789012:role/Name)", ar.RoleARN)
		}
		if ar.Duration != "" {
			d, err := time.ParseDuration(ar.Duration)
			if err != nil || d < 15*time.Minute || d > 12*time.Hour {
				bad("assume_role.duration", "%q must be a duration between 15m and 12h", ar.Duration)
			} else {
				s.duration = d
			}
		}
	}
	if o := c.Organization; o != nil {
		if o.RoleName != "" {
			if !roleNameRE.MatchString(o.RoleName) {
				bad("organization.role_name", "%q is not an IAM role name", o.RoleName)
			}
			s.roleName = o.RoleName
		}
		if o.Concurrency < 0 || o.Concurrency > 64 {
			bad("organization.concurrency", "must be between 1 and 64")
		} else if o.Concurrency > 0 {
			s.concurrency = o.Concurrency
		}
		switch n := &o.Accounts; {
		case n.Kind == 0, n.Kind == yaml.ScalarNode && (n.Value == "all" || n.Tag == "!!null"):
			s.allAccounts = true
		case n.Kind == yaml.SequenceNode:
			for _, item := range n.Content {
				if item.Kind != yaml.ScalarNode || !accountRE.MatchString(item.Value) {
					bad("organization.accounts", "%q is not a 12-digit account id", item.Value)
					continue
				}
				s.accounts = append(s.accounts, item.Value)
			}
		default:
			bad("organization.accounts", `must be "all" or a list of account ids`)
		}
		for _, e := range o.Exclude {
			if !accountRE.MatchString(e) {
				bad("organization.exclude", "%q is not a 12-digit account id", e)
			}
		}
	}
	pats := c.BackupBucketPatterns
	if len(pats) == 0 {
		pats = DefaultBackupBucketPatterns
	}
	for _, p := range pats {
		re, err := regexp.Compile(p)
		if err != nil {
			bad("backup_bucket_patterns", "%q: %v", p, err)
			continue
		}
		s.patterns = append(s.patterns, re)
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return s, nil
}
