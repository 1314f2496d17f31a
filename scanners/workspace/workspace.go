package workspace

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/scanners"
)

// Type is the target type of Google Workspace customers.
const Type = "workspace"

// Gap collections the scanner can emit.
const (
	gapCustomer     = "contacts/customer"
	gapRoles        = "grants/roles"
	gapAssignments  = "grants/role_assignments"
	gapUsers        = "principals/users"
	gapMFA          = "mfa/2sv"
	gapActivity     = "activity/last_login"
	gapGroupMembers = "grants/group_members"
	gapReseller     = "trusts/reseller"
	gapBilling      = "licences/billing"
	gapDelegation   = "trusts/domain_wide_delegation"
	gapOAuthApps    = "trusts/oauth_apps"
)

// Factory returns the Google Workspace scanner factory.
func Factory() scanners.Factory {
	return scanners.Factory{
		Type:        Type,
		Summary:     "Google Workspace: customer and domains, admin roles and assignments (users, groups, org units), super and delegated admins with 2-step verification, members of role-holding groups",
		New:         newScanner,
		Permissions: permissions,
		Gaps: []string{"system", gapActivity, gapAssignments, gapBilling, gapCustomer, gapDelegation,
			gapGroupMembers, gapMFA, gapOAuthApps, gapReseller, gapRoles, gapUsers},
	}
}

// Scanner scans one Google Workspace customer.
type Scanner struct {
	name string
	cfg  *targetConfig
	env  scanners.Env

	// Test hooks: the transport under the retry layer and the sleep used
	// between retries. Nil means the defaults.
	base  http.RoundTripper
	sleep func(ctx context.Context, d time.Duration) error
}

func newScanner(t config.Target, env scanners.Env) (scanners.Scanner, error) {
	cfg, err := decodeConfig(t)
	if err != nil {
		return nil, err
	}
	return &Scanner{name: t.Name, cfg: cfg, env: env.WithDefaults()}, nil
}

// scan is the state of one Scan call.
type scan struct {
	s      *Scanner
	c      *client
	out    *result
	system findings.System

	roles map[int64]roleInfo
	// users by id, and ids by lower-case e-mail (primary and aliases).
	users   map[string]*findings.Principal
	byEmail map[string]string
	// holders are the assignees of roles: user or group ids by type.
	groupHolders []string
	usersRead    bool
	// superFromAssignments holds user ids with a super-admin assignment.
	superFromAssignments map[string]bool
	// groups are the role-holding groups read (and nested ones).
	groups []findings.Principal
	mu     sync.Mutex
}

// Scan reads the customer. Collections the credentials may not read become
// gaps; an error is returned only when the customer cannot be read at all
// (rejected credentials, unreachable API) or ctx ends, and then what was
// collected is returned too.
func (s *Scanner) Scan(ctx context.Context) (*findings.Snapshot, error) {
	sc := &scan{
		s:   s,
		out: newResult(s.name, s.env.Redactor),
		system: findings.System{
			ID: s.name, Kind: findings.SystemWorkspace, Target: s.name, Name: s.cfg.Customer,
			NativeID: s.cfg.Customer, Endpoint: s.cfg.Endpoint, Attributes: map[string]string{},
		},
		roles: map[int64]roleInfo{}, users: map[string]*findings.Principal{}, byEmail: map[string]string{},
		superFromAssignments: map[string]bool{},
	}
	err := sc.run(ctx)
	for _, p := range sc.users {
		sc.out.principal(*p)
	}
	for _, g := range sc.groups {
		sc.out.replace(g)
	}
	return sc.out.snapshot(sc.system), err
}

func (sc *scan) run(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sc.s.env.Progress.Step(sc.s.name, "credentials", 0, 0)
	c, err := sc.s.connect(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return sc.s.env.Redactor.Error(err)
	}
	sc.c = c
	steps := []struct {
		name string
		run  func(ctx context.Context) error
	}{
		{"customer", sc.readCustomer},
		{"domains", sc.readDomains},
		{"roles", sc.readRoles},
		{"users", sc.readUsers},
		{"role assignments", sc.readAssignments},
		{"group members", sc.readGroups},
	}
	for _, st := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		sc.s.env.Progress.Step(sc.s.name, st.name, 0, 0)
		if err := st.run(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// Rejected credentials mid-scan fail the target.
			return sc.s.env.Redactor.Error(err)
		}
	}
	sc.unsupported()
	return ctx.Err()
}

// fail records err as a gap of collection, unless it means the target
// cannot be scanned at all (returned instead) or ctx ended.
func (sc *scan) fail(ctx context.Context, err error, remedy string, collections ...string) error {
	if err == nil || ctx.Err() != nil {
		return nil
	}
	if errors.Is(err, errAuth) {
		return fmt.Errorf("workspace: %w", err)
	}
	if errors.Is(err, errUnreachable) || isNetErr(err) && !errors.Is(err, scanners.ErrThrottled) {
		return fmt.Errorf("workspace: %w: %w", errUnreachable, err)
	}
	for _, c := range collections {
		sc.out.gap(c, err, remedy)
	}
	return nil
}

// unsupported records what the Directory API cannot show; a declaration
// covers each.
func (sc *scan) unsupported() {
	sc.out.gapAs(gapReseller, findings.GapUnsupported,
		"Google Workspace reseller access (Admin console > Account > Account settings > Reseller) is not exposed by any API",
		"declare the reseller: declared.relationships [{target: "+sc.s.name+", provider: NAME, kind: reseller, verified: DATE}]")
	sc.out.gapAs(gapBilling, findings.GapUnsupported,
		"the billing owner of Google Workspace subscriptions is not exposed to a read-only admin (Reseller API is partner-side)",
		"declare the subscription: declared.licences [{target: "+sc.s.name+", product: Google Workspace, owner_of_record: ...}]")
	sc.out.gapAs(gapDelegation, findings.GapUnsupported,
		"domain-wide delegation clients (Admin console > Security > API controls) have no public read API",
		"review the list in the Admin console and declare each provider's client: declared.relationships [{target: "+sc.s.name+", provider: NAME, kind: domain_wide_delegation, verified: DATE}] (provider: customer when every client is the customer's)")
	sc.out.gapAs(gapOAuthApps, findings.GapUnsupported,
		"third-party OAuth grants are listed only with the write-capable scope admin.directory.user.security, which keyholder does not request",
		"review Admin console > Security > API controls > App access control and declare the result: declared.relationships [{target: "+sc.s.name+", provider: NAME, kind: oauth_app, verified: DATE}]")
}

// emailKey normalises an e-mail address for lookups.
func emailKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// domainOf returns the domain of an e-mail address.
func domainOf(email string) string {
	_, d, ok := strings.Cut(email, "@")
	if !ok {
		return ""
	}
	return strings.ToLower(d)
}

var _ scanners.Scanner = (*Scanner)(nil)
