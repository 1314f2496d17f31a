package azure

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/scanners"
)

// Type is the target type of this scanner.
const Type = "azure"

// Gap collections this scanner can emit.
const (
	gapSystem          = "system"
	gapHierarchy       = "organization/management_groups"
	gapRoleAssignments = "grants/role_assignments"
	gapRoleDefinitions = "grants/role_definitions"
	gapPIM             = "grants/pim"
	gapLighthouse      = "trusts/lighthouse"
	gapRecovery        = "backups/recovery_services"
	gapDataProtection  = "backups/data_protection"
	gapGuards          = "backups/resource_guards"
	gapRecoveryPoints  = "backups/recovery_points"
)

// Factory returns the Azure scanner factory.
func Factory() scanners.Factory {
	return scanners.Factory{
		Type:        Type,
		Summary:     "Azure Resource Manager: subscriptions, management groups, RBAC and PIM, Lighthouse delegations, CSP partners, backup vaults",
		New:         newScanner,
		Permissions: permissions,
		Gaps: []string{gapSystem, gapHierarchy, gapRoleAssignments, gapRoleDefinitions, gapPIM, gapLighthouse,
			gapRecovery, gapDataProtection, gapGuards, gapRecoveryPoints},
	}
}

// Scanner scans the subscriptions of one tenant.
type Scanner struct {
	target config.Target
	cfg    *settings
	env    scanners.Env
	deps   clientDeps
}

func newScanner(t config.Target, env scanners.Env) (scanners.Scanner, error) {
	var c Config
	if err := config.DecodeTarget(t, &c); err != nil {
		return nil, err
	}
	s, err := validateConfig(t, c)
	if err != nil {
		return nil, err
	}
	return &Scanner{target: t, cfg: s, env: env.WithDefaults()}, nil
}

// run is the state of one scan.
type run struct {
	c      *client
	env    scanners.Env
	cfg    *settings
	sys    string // the tenant system, = target name
	tenant string // lower-case
	now    time.Time

	mu    sync.Mutex
	gaps  []findings.Gap
	roles map[string]*roleInfo // by lower-case GUID

	subs     []*subscription
	mgParent map[string]string // management group or subscription id -> parent group id
	mgName   map[string]string
	// guardTenant maps a foreign Resource Guard's subscription to its
	// tenant ("" when ARM did not say).
	guardTenant map[string]string
}

// subscription is one subscription and what was read in it. Each is
// written by one goroutine only.
type subscription struct {
	id, name, state, quota string
	managedBy              []string
	parent                 string
	unreadable             bool
	unreadableErr          error

	assignments []assignment
	eligible    []schedule
	active      []schedule
	pimRead     bool
	offers      []offer
	vaults      []vault
	gaps        []findings.Gap
	// unregistered maps a resource provider namespace found unregistered
	// (409 MissingSubscriptionRegistration) to the gap collections it
	// left unread.
	unregistered map[string][]string
}

// Scan reads the tenant's subscriptions. See the scanners.Scanner contract.
func (s *Scanner) Scan(ctx context.Context) (*findings.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, err := newClient(s.cfg, s.env, s.deps)
	if err != nil {
		return nil, s.env.Redactor.Error(err)
	}
	r := &run{c: c, env: s.env, cfg: s.cfg, sys: s.target.Name, tenant: strings.ToLower(s.cfg.TenantID), now: s.env.Now(),
		roles: map[string]*roleInfo{}, mgParent: map[string]string{}, mgName: map[string]string{}}
	progress := func(step string, done, total int) { s.env.Progress.Step(s.target.Name, step, done, total) }

	progress("subscriptions", 0, 0)
	if err := r.subscriptions(ctx); err != nil {
		if ctx.Err() != nil {
			return r.snapshot(), fmt.Errorf("azure: scan of %s interrupted: %w", s.target.Name, ctx.Err())
		}
		// Nothing can be read without the subscription list.
		r.addGap(scanners.GapFromError(r.sys, gapSystem, err, "Reader on the subscriptions (or the root management group)", s.env.Redactor))
		return r.snapshot(), s.env.Redactor.Error(err)
	}
	progress("management groups", 0, 0)
	r.hierarchy(ctx)
	r.configuredButUnseen()

	sem := make(chan struct{}, s.cfg.Concurrency)
	var wg sync.WaitGroup
	var done int
	var dmu sync.Mutex
	for _, sub := range r.subs {
		if sub.unreadable {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			r.scanSubscription(ctx, sub)
			dmu.Lock()
			done++
			progress("subscriptions", done, len(r.subs))
			dmu.Unlock()
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return r.snapshot(), fmt.Errorf("azure: scan of %s interrupted: %w", s.target.Name, err)
	}
	progress("role definitions", 0, 0)
	r.resolveRoles(ctx)
	progress("resource guards", 0, 0)
	r.guardTenants(ctx)
	snap := r.snapshot()
	if err := ctx.Err(); err != nil {
		return snap, fmt.Errorf("azure: scan of %s interrupted: %w", s.target.Name, err)
	}
	return snap, nil
}

// scanSubscription reads everything of one subscription, one collection
// after another; failures become gaps on the subscription's system.
func (r *run) scanSubscription(ctx context.Context, sub *subscription) {
	r.roleAssignments(ctx, sub)
	r.pim(ctx, sub)
	r.lighthouse(ctx, sub)
	r.vaults(ctx, sub)
}

func (r *run) subSystem(sub *subscription) string { return r.sys + "/" + sub.id }

// subGap records a gap of a subscription's collection.
func (r *run) subGap(sub *subscription, collection string, err error, remedy string) {
	g := scanners.GapFromError(r.subSystem(sub), collection, err, remedy, r.env.Redactor)
	r.env.Logger.Warn("azure: collection not read", "target", r.sys, "subscription", sub.id, "collection", collection, "reason", g.Reason, "error", g.Error)
	sub.gaps = append(sub.gaps, g)
}

// unregisteredGap records a 409 MissingSubscriptionRegistration: an
// "unsupported" gap naming the exact call and the provider namespace, and
// the namespace on the subscription system (providers_unregistered,
// unregistered_provider_collections) so the policy layer can tell that no
// resource of the provider can exist there (see README, "Unregistered
// resource providers").
func (r *run) unregisteredGap(sub *subscription, ns, collection string, err error) {
	msg := strings.TrimSuffix(err.Error(), ": "+errUnregistered.Error())
	err = unsupportedError(fmt.Sprintf("%s: resource provider %s is not registered for subscription %s", msg, ns, sub.id))
	r.subGap(sub, collection, err, "the resource provider "+ns+" is not registered: no vault / delegation of this kind can exist in it; "+
		"registering it (a write) is not keyholder's to do — confirm and declare")
	if sub.unregistered == nil {
		sub.unregistered = map[string][]string{}
	}
	sub.unregistered[ns] = append(sub.unregistered[ns], collection)
}

// unsupportedError is an error text that unwraps to scanners.ErrUnsupported
// without adding that sentinel's words to it.
type unsupportedError string

func (e unsupportedError) Error() string { return string(e) }
func (e unsupportedError) Unwrap() error { return scanners.ErrUnsupported }

func (r *run) addGap(g findings.Gap) {
	r.env.Logger.Warn("azure: collection not read", "target", r.sys, "collection", g.Collection, "reason", g.Reason, "error", g.Error)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gaps = append(r.gaps, g)
}

// isAuth reports an authentication failure (the whole target fails).
func isAuth(err error) bool { return errors.Is(err, errAuthentication) }

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
