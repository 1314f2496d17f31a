package github

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/scanners"
)

// Type is the target type of GitHub organisations.
const Type = "github"

// Factory returns the GitHub scanner factory.
func Factory() scanners.Factory {
	return scanners.Factory{
		Gaps:        gapCollections,
		Type:        Type,
		Summary:     "GitHub organisation: owners, members and 2FA, invitations, outside collaborators, teams, repository collaborators, apps, deploy keys, webhooks, enterprise owners, audit log",
		New:         newScanner,
		Permissions: permissions,
	}
}

// Scanner scans one GitHub organisation.
type Scanner struct {
	name string
	cfg  *targetConfig
	env  scanners.Env

	// Test hooks: the transport under the whole stack, the sleep used
	// for rate-limit and retry waits, and the wall clock those waits are
	// measured on. Nil means the defaults (a real sleep, time.Now).
	//
	// Waits, retries and app tokens always run on the wall clock, never
	// on env.Now: env.Now is the evaluation time (--now), which may be
	// far from the real one, while GitHub's X-RateLimit-Reset, Retry-After
	// and token lifetimes are real instants (issue 21: with --now a scan
	// computed a 342-hour wait).
	base    http.RoundTripper
	sleep   func(ctx context.Context, d time.Duration) error
	wallNow func() time.Time
	// restOnly reads members, teams, repositories and collaborators by
	// REST only, as before GraphQL did it (tests compare the two paths).
	restOnly bool
}

// wall returns the wall clock: the test hook or time.Now.
func (s *Scanner) wall() func() time.Time {
	if s.wallNow != nil {
		return s.wallNow
	}
	return time.Now
}

func newScanner(t config.Target, env scanners.Env) (scanners.Scanner, error) {
	cfg, err := decodeConfig(t)
	if err != nil {
		return nil, err
	}
	return &Scanner{name: t.Name, cfg: cfg, env: env.WithDefaults()}, nil
}

// Scan reads the organisation. Collections the token may not read become
// gaps; an error is returned only when the organisation itself cannot be
// read (bad credentials, unknown organisation, unreachable API) or ctx
// ends, and then what was collected is returned too.
func (s *Scanner) Scan(ctx context.Context) (*findings.Snapshot, error) {
	rest, _, flavour := s.cfg.endpoints()
	sc := &scan{
		s:   s,
		org: s.cfg.Org,
		out: newResult(s.name, s.env.Redactor),
		system: findings.System{
			ID: s.name, Kind: findings.SystemGitHub, Target: s.name,
			Name: s.cfg.Org, NativeID: s.cfg.Org, Endpoint: rest, Flavour: flavour,
			Attributes: map[string]string{},
		},
		users:     map[int64]*findings.Principal{},
		logins:    map[string]int64{},
		sensitive: sensitiveRepos(s.env.Config, s.cfg.Org),
	}
	err := sc.run(ctx)
	return sc.out.snapshot(sc.system), err
}

// scan is the state of one Scan call.
type scan struct {
	s      *Scanner
	c      *client
	org    string
	out    *result
	system findings.System

	// twoFactorRequired is the organisation's 2FA requirement (nil when
	// it could not be read).
	twoFactorRequired *bool
	// basePermission is default_repository_permission ("" unknown).
	basePermission string
	planName       string

	mu sync.Mutex
	// users are member, outside-collaborator and other user principals
	// by GitHub user id; logins maps lower-case logins to ids.
	users  map[int64]*findings.Principal
	logins map[string]int64
	// noTwoFactor holds ids reported by the 2fa_disabled filters; the
	// filters' success is recorded in mfaMembersKnown/mfaOutsideKnown.
	noTwoFactor     map[int64]bool
	mfaMembersKnown bool
	mfaOutsideKnown bool

	// profilesRead is set when the members' GraphQL listing read their
	// profiles too.
	profilesRead bool

	repos []repoInfo
	// collabsRead is set when the repositories' GraphQL listing read
	// their direct collaborators (collabs, by full name; collabErrs the
	// repositories whose collaborators could not be read).
	collabsRead bool
	collabs     map[string][]collaboratorEdge
	collabErrs  map[string]error
	teams       []*teamInfo
	// customRoles are the custom repository roles by lower-case name
	// (nil when they could not be read).
	customRoles    map[string]customRepoRole
	customRolesErr error
	// sensitive maps "org/repo" (lower case) to the configured segments.
	sensitive map[string][]string
}

// steps are the collection steps, in order. Each records its own gaps;
// none stops the scan.
func (sc *scan) steps() []struct {
	name string
	run  func(ctx context.Context)
} {
	return []struct {
		name string
		run  func(ctx context.Context)
	}{
		{"members", sc.readMembers},
		{"outside collaborators", sc.readOutsideCollaborators},
		{"profiles", sc.readProfiles},
		{"invitations", sc.readInvitations},
		{"repositories", sc.readRepos},
		{"custom repository roles", sc.readCustomRepoRoles},
		{"teams", sc.readTeams},
		{"organization roles", sc.readOrgRoles},
		{"repository collaborators", sc.readCollaborators},
		{"personal access tokens", sc.readPATs},
		{"SSO credential authorizations", sc.readCredentialAuthorizations},
		{"deploy keys", sc.readDeployKeys},
		{"app installations", sc.readInstallations},
		{"webhooks", sc.readHooks},
		{"enterprise owners", sc.readEnterpriseOwners},
		{"audit log", sc.readAuditLog},
	}
}

func (sc *scan) run(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c, err := sc.s.connect()
	if err != nil {
		return sc.s.env.Redactor.Error(err)
	}
	sc.c = c
	if err := sc.readOrg(ctx); err != nil {
		return err
	}
	for _, st := range sc.steps() {
		if err := ctx.Err(); err != nil {
			return err
		}
		sc.s.env.Progress.Step(sc.s.name, st.name, 0, 0)
		st.run(ctx)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	sc.finish()
	return nil
}

// gap records a collection that could not be read. Context errors are not
// gaps: the scan is ending.
func (sc *scan) gap(ctx context.Context, collection string, err error, remedy string) {
	if err == nil || ctx.Err() != nil {
		return
	}
	if errors.Is(err, errAuth) {
		// A 401 in the middle of a scan (token revoked or expired).
		remedy = "the token was rejected; check that it is valid and not expired"
	}
	sc.out.gap(collection, err, remedy)
}

// forEach runs fn for every item with at most the configured concurrency,
// reporting progress. It returns when all have run or ctx ends.
func forEach[T any](ctx context.Context, sc *scan, step string, items []T, fn func(ctx context.Context, item T)) {
	n := sc.s.cfg.Concurrency
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for _, it := range items {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(it T) {
			defer wg.Done()
			defer func() { <-sem }()
			fn(ctx, it)
			mu.Lock()
			done++
			d := done
			mu.Unlock()
			if d%25 == 0 || d == len(items) {
				sc.s.env.Progress.Step(sc.s.name, step, d, len(items))
			}
		}(it)
	}
	wg.Wait()
}

// sensitiveRepos maps the configured sensitive github_repos of org to
// their segment names.
func sensitiveRepos(cfg *config.Config, org string) map[string][]string {
	out := map[string][]string{}
	if cfg == nil {
		return out
	}
	for _, seg := range cfg.Sensitive {
		for _, r := range seg.GitHubRepos {
			owner, _, ok := strings.Cut(r, "/")
			if !ok || !strings.EqualFold(owner, org) {
				continue
			}
			k := strings.ToLower(r)
			out[k] = append(out[k], seg.Name)
		}
	}
	return out
}

// sensitiveFor returns the segments a repository belongs to.
func (sc *scan) sensitiveFor(fullName string) []string {
	return sc.sensitive[strings.ToLower(fullName)]
}

// allSensitive returns every segment with a repository in this
// organisation (reached by org-wide access: owners, base permission).
func (sc *scan) allSensitive() []string {
	var out []string
	for _, segs := range sc.sensitive {
		out = append(out, segs...)
	}
	return out
}

var _ scanners.Scanner = (*Scanner)(nil)
