package aws

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/scanners"
)

// Factory returns the factory of aws targets.
func Factory() scanners.Factory {
	return scanners.Factory{
		Gaps:        append(slices.Clone(gapCollections), hiddenPathGaps...),
		Type:        "aws",
		Summary:     "AWS accounts and organisations: IAM, root, Identity Center, role trusts, Organizations, contacts, Backup, S3, KMS, License Manager",
		New:         newScanner,
		Permissions: permissions,
	}
}

// Scanner scans one aws target: an account, or an organisation from its
// management (or delegated administrator) account.
type Scanner struct {
	target config.Target
	set    *settings
	env    scanners.Env

	// Test hooks; zero in production.
	credentials aws.CredentialsProvider
	backoff     retry.BackoffDelayer
	httpClient  *http.Client
	sleep       func(context.Context, time.Duration) error
}

func newScanner(t config.Target, env scanners.Env) (scanners.Scanner, error) {
	set, err := parseConfig(t)
	if err != nil {
		return nil, err
	}
	return &Scanner{target: t, set: set, env: env.WithDefaults()}, nil
}

// account is one AWS account being scanned.
type account struct {
	s       *Scanner
	col     *collector
	sys     string // system id
	id      string // account id
	cfg     aws.Config
	regions []string
	org     *orgInfo // nil outside an organisation or when unreadable
	member  *orgAccount
	alias   string

	rootEmail    string
	needOrgTrust bool

	mu       sync.Mutex
	attrs    map[string]string
	contacts []findings.Contact
	// IAM results other collections use.
	iam *iamData
	// keyIDs are the access keys of users with an active key, by user
	// name (iam:ListAccessKeys).
	keyIDs map[string][]keyMeta
}

func (a *account) attr(k, v string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.attrs[k] = v
}

func (a *account) contact(c findings.Contact) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.contacts = append(a.contacts, c)
}

// isManagement reports whether the account is its organisation's
// management account.
func (a *account) isManagement() bool { return a.org != nil && a.org.MasterID == a.id }

// Scan reads the target. See scanners.Scanner for the contract.
func (s *Scanner) Scan(ctx context.Context) (*findings.Snapshot, error) {
	col := newCollector(s.env.Redactor)
	started := s.env.Now()
	finish := func(err error) (*findings.Snapshot, error) {
		snap := col.result()
		snap.SchemaVersion = findings.SchemaVersion
		snap.Tool = findings.Tool{Name: "keyholder", Version: s.env.Version}
		snap.StartedAt, snap.FinishedAt = started, s.env.Now()
		if err == nil && ctx.Err() != nil {
			err = fmt.Errorf("aws: %s: %w", s.target.Name, ctx.Err())
		}
		snap.Partial = ctx.Err() != nil
		return snap, err
	}
	sysID := s.target.Name
	placeholder := findings.System{ID: sysID, Kind: findings.SystemAWS, Target: s.target.Name, Name: s.target.Name, Endpoint: s.set.EndpointURL}

	cfg, err := s.loadConfig(ctx)
	if err != nil {
		col.system(placeholder)
		col.gap(sysID, "system", err, "check the profile, region and ca_file of the target")
		return finish(fmt.Errorf("aws: %s: %w", s.target.Name, s.env.Redactor.Error(err)))
	}
	ident, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		err = classify("sts:GetCallerIdentity", "", err)
		col.system(placeholder)
		col.gap(sysID, "system", err, "credentials from the SDK chain (profile, environment, SSO, instance role) and, with assume_role, sts:AssumeRole")
		// Only an answer from STS says the credentials were refused.
		switch class, _ := scanners.Classify(err); class {
		case scanners.ClassUnreachable, scanners.ClassTLS, scanners.ClassCancelled:
			return finish(fmt.Errorf("aws: %s: cannot reach STS: %w", s.target.Name, err))
		}
		return finish(fmt.Errorf("aws: %s: cannot authenticate: %w", s.target.Name, err))
	}
	main := s.newAccount(col, sysID, aws.ToString(ident.Account), cfg)
	main.attr("caller_arn", aws.ToString(ident.Arn))
	s.env.Logger.Info("aws: scanning", "target", s.target.Name, "account", main.id, "regions", main.regions)

	main.org = s.describeOrganization(ctx, main)
	for _, a := range []*account{main} {
		a.orgFacts()
	}

	var members []*account
	if o := s.set.Organization; o != nil && o.Enabled {
		members = s.scanOrganization(ctx, main)
	}
	s.scanAccount(ctx, main)
	all := append([]*account{main}, members...)
	if ctx.Err() == nil {
		s.collectIdentityCenter(ctx, main, all)
	}
	if ctx.Err() == nil && s.wantTags() && main.org != nil && main.org.err == nil {
		// Account tags live in Organizations: readable for every scanned
		// account from the management (or delegated administrator)
		// account; a member scanned on its own records the gap.
		eachBounded(ctx, s.set.concurrency, all, func(_ int, a *account) { s.accountTags(ctx, main, a) })
	}
	for _, a := range all {
		a.flushSystem()
	}
	return finish(nil)
}

func (s *Scanner) newAccount(col *collector, sys, id string, cfg aws.Config) *account {
	return &account{s: s, col: col, sys: sys, id: id, cfg: cfg, regions: s.regions(cfg), attrs: map[string]string{}}
}

// regions returns the configured regions, or the SDK's resolved one.
func (s *Scanner) regions(cfg aws.Config) []string {
	if len(s.set.regions) > 0 {
		return s.set.regions
	}
	if cfg.Region != "" {
		return []string{cfg.Region}
	}
	return []string{DefaultRegion}
}

// loadConfig builds the SDK config from the default chain and the target's
// settings. The adaptive retryer with max attempts is the only retry
// layer.
func (s *Scanner) loadConfig(ctx context.Context) (aws.Config, error) {
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithRetryer(s.retryer),
		awsconfig.WithAppID("keyholder-" + s.env.Version),
	}
	if len(s.set.regions) > 0 {
		opts = append(opts, awsconfig.WithRegion(s.set.regions[0]))
	}
	if s.set.Profile != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(s.set.Profile))
	}
	if s.set.EndpointURL != "" {
		opts = append(opts, awsconfig.WithBaseEndpoint(s.set.EndpointURL))
	}
	if s.set.CAFile != "" {
		pem, err := os.ReadFile(s.set.CAFile)
		if err != nil {
			return aws.Config{}, fmt.Errorf("aws: ca_file: %w", err)
		}
		opts = append(opts, awsconfig.WithCustomCABundle(bytes.NewReader(pem)))
	}
	if s.httpClient != nil {
		opts = append(opts, awsconfig.WithHTTPClient(s.httpClient))
	} else {
		opts = append(opts, awsconfig.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(s.set.Timeout).
			WithDialerOptions(func(d *net.Dialer) { d.Timeout = min(15*time.Second, s.set.Timeout) })))
	}
	// A call that gets no answer is tried twice, not max_attempts times.
	opts = append(opts, awsconfig.WithAPIOptions([]func(*middleware.Stack) error{noAnswerMiddleware}))
	// The SDK's own warnings go through keyholder's logger (text or JSON).
	opts = append(opts, awsconfig.WithLogger(sdkLogger{s.env.Logger}))
	if s.credentials != nil {
		opts = append(opts, awsconfig.WithCredentialsProvider(s.credentials))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("aws: load config: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if ar := s.set.AssumeRole; ar != nil {
		cfg.Credentials = s.assumeRoleCredentials(cfg, ar.RoleARN, ar.ExternalID, ar.SessionName)
	}
	return cfg, nil
}

func (s *Scanner) retryer() aws.Retryer {
	return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
		o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) {
			so.MaxAttempts = s.set.maxAttempts
			if s.backoff != nil {
				so.Backoff = s.backoff
			}
		})
	})
}

// assumeRoleCredentials returns cached credentials of roleARN, assumed with
// cfg's credentials.
func (s *Scanner) assumeRoleCredentials(cfg aws.Config, roleARN, externalID, session string) aws.CredentialsProvider {
	if session == "" {
		session = DefaultSessionName
	}
	prov := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), roleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = session
		o.Duration = s.set.duration
		if externalID != "" {
			o.ExternalID = aws.String(externalID)
		}
	})
	return aws.NewCredentialsCache(prov)
}

// scanOrganization lists the organisation's accounts from main, assumes
// the audit role in each selected member and scans it. A member whose role
// cannot be assumed becomes a gap on that member's system.
func (s *Scanner) scanOrganization(ctx context.Context, main *account) []*account {
	// A listing that failed part-way still yields the accounts its
	// earlier pages held: they are scanned, and the gap says the list is
	// incomplete.
	listed, listErr := s.listAccounts(ctx, main)
	if listErr != nil {
		main.col.gap(main.sys, "organization/accounts", listErr, "organizations:ListAccounts from the management or a delegated administrator account")
	}
	var picked []orgAccount
	for _, m := range listed {
		if m.ID == main.id || slices.Contains(s.set.Organization.Exclude, m.ID) {
			continue
		}
		if !s.set.allAccounts && !slices.Contains(s.set.accounts, m.ID) {
			continue
		}
		picked = append(picked, m)
	}
	for _, want := range s.set.accounts {
		found := want == main.id
		for _, m := range listed {
			found = found || m.ID == want
		}
		switch {
		case found:
		case listErr != nil:
			// Not in an incomplete list: it may well be a member. It
			// gets a system of its own whose "system" gap leaves every
			// check of that account unknown.
			s.unreadSystem(main, s.target.Name+"/"+want, want, "AWS account "+want,
				"account "+want+" is listed in organization.accounts but was not scanned: the organisation's account list is incomplete ("+s.env.Redactor.Error(listErr).Error()+")")
		default:
			main.col.note(main.sys, "organization/accounts/"+want, findings.GapSkipped,
				"account "+want+" is listed in organization.accounts but is not a member of the organisation", "")
		}
	}
	if listErr != nil && s.set.allAccounts && main.org != nil {
		// Members on the pages never read were not scanned: they are
		// systems nobody read, so every check that would judge them
		// (KH-EXIT-001 included) must be unknown, not silent.
		s.unreadSystem(main, s.target.Name+"/"+UnlistedAccounts, "", "accounts not listed by organizations:ListAccounts",
			"the organisation's account list is incomplete, so the members on the pages not read were not scanned ("+s.env.Redactor.Error(listErr).Error()+")")
	}
	members := make([]*account, len(picked))
	eachBounded(ctx, s.set.concurrency, picked, func(i int, m orgAccount) {
		members[i] = s.scanMember(ctx, main, m, i, len(picked))
	})
	var out []*account
	for _, m := range members {
		if m != nil {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// UnlistedAccounts is the last segment of the system id that stands for
// the organisation members an incomplete ListAccounts never named.
const UnlistedAccounts = "unlisted-accounts"

// unreadSystem records a system that could not be read at all (a member
// left out by an incomplete account list) with a "system" gap saying why.
func (s *Scanner) unreadSystem(main *account, id, native, name, why string) {
	attrs := map[string]string{"not_listed": "true"}
	if main.org != nil && main.org.ID != "" {
		attrs["organization_id"] = main.org.ID
	}
	main.col.system(findings.System{
		ID: id, Kind: findings.SystemAWS, Target: s.target.Name, Name: name, NativeID: native,
		Endpoint: s.set.EndpointURL, Attributes: attrs,
	})
	main.col.note(id, "system", findings.GapFailed, "aws: organizations:ListAccounts: "+why,
		"organizations:ListAccounts from the management or a delegated administrator account")
}

func (s *Scanner) scanMember(ctx context.Context, main *account, m orgAccount, i, n int) *account {
	sys := s.target.Name + "/" + m.ID
	s.env.Progress.Step(s.target.Name, "account "+m.ID, i, n)
	roleARN := "arn:" + partitionOf(main.cfg) + ":iam::" + m.ID + ":role/" + s.set.roleName
	cfg := main.cfg.Copy()
	cfg.Credentials = s.assumeRoleCredentials(main.cfg, roleARN, "", "")
	a := s.newAccount(main.col, sys, m.ID, cfg)
	a.org = main.org
	mm := m
	a.member = &mm
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		err = classify("sts:AssumeRole", roleARN, err)
		a.flushSystem()
		a.col.gap(sys, "system", err, "create role "+s.set.roleName+" in account "+m.ID+" trusting the management account, with the policy from `keyholder permissions aws`")
		s.env.Logger.Warn("aws: cannot assume the audit role", "account", m.ID, "err", s.env.Redactor.Error(err))
		return nil
	}
	a.orgFacts()
	s.scanAccount(ctx, a)
	return a
}

func partitionOf(cfg aws.Config) string {
	switch {
	case len(cfg.Region) > 3 && cfg.Region[:3] == "cn-":
		return "aws-cn"
	case len(cfg.Region) > 7 && cfg.Region[:7] == "us-gov-":
		return "aws-us-gov"
	}
	return "aws"
}

// scanAccount runs every collection of one account; independent
// collections run concurrently.
func (s *Scanner) scanAccount(ctx context.Context, a *account) {
	var wg sync.WaitGroup
	run := func(f func(context.Context)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(ctx)
		}()
	}
	var backups []findings.Backup
	var bmu sync.Mutex
	addBackup := func(b findings.Backup) {
		bmu.Lock()
		defer bmu.Unlock()
		backups = append(backups, b)
	}
	run(a.collectIAM)
	run(a.collectContacts)
	run(a.collectLicences)
	run(a.collectSCPs)
	run(a.collectInventory)
	run(func(ctx context.Context) { a.collectVaults(ctx, addBackup) })
	run(func(ctx context.Context) { a.collectBuckets(ctx, addBackup) })
	wg.Wait()
	// Deleters from identity policies need IAM; add them now.
	for _, b := range backups {
		a.addIdentityDeleters(&b)
		a.col.backup(b)
	}
	if err := ctx.Err(); err != nil {
		a.col.note(a.sys, "system", findings.GapSkipped, "aws: scan of account "+a.id+" cancelled: "+err.Error(), "")
	}
}

// flushSystem records the account's System with what was learnt.
func (a *account) flushSystem() {
	a.mu.Lock()
	defer a.mu.Unlock()
	name := a.id
	if a.member != nil && a.member.Name != "" {
		name = a.member.Name
	}
	if a.alias != "" {
		name = a.alias
	}
	attrs := map[string]string{}
	for k, v := range a.attrs {
		attrs[k] = v
	}
	if a.alias != "" {
		attrs["account_alias"] = a.alias
	}
	a.col.system(findings.System{
		ID: a.sys, Kind: findings.SystemAWS, Target: a.s.target.Name, Name: name, NativeID: a.id,
		Endpoint: a.s.set.EndpointURL, Contacts: append([]findings.Contact(nil), a.contacts...), Attributes: attrs,
	})
}

// errorsIsAny reports whether err matches any target.
func errorsIsAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
