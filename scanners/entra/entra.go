package entra

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/scanners"
)

// Type is the target type of this scanner.
const Type = "entra"

// Factory returns the Entra ID scanner factory.
func Factory() scanners.Factory {
	return scanners.Factory{
		Gaps:        append(slices.Clone(gapCollections), hiddenPathGaps...),
		Type:        Type,
		Summary:     "Microsoft Entra ID / Microsoft 365 tenant through Microsoft Graph: roles, PIM, guests, apps, partners, subscriptions, backups",
		New:         newScanner,
		Permissions: permissions,
	}
}

// Scanner scans one tenant.
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

// run is the state of one scan. Each collector writes its own fields;
// they are read only after every collector has finished.
type run struct {
	c      *client
	env    scanners.Env
	sys    string
	tenant string
	now    time.Time

	mu   sync.Mutex
	gaps []findings.Gap

	org        *orgInfo
	roles      roleData
	pim        pimData
	pimGroup   pimGroupData
	tenants    tenantData
	intune     intuneData
	dir        directoryData
	apps       appData
	mfa        mfaData
	trusts     trustData
	licences   licenceData
	backup     backupData
	expansions map[string]*groupExpansion
}

// Scan reads the tenant. See the scanners.Scanner contract.
func (s *Scanner) Scan(ctx context.Context) (*findings.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, err := newClient(s.cfg, s.env, s.deps)
	if err != nil {
		return nil, s.env.Redactor.Error(err)
	}
	r := &run{c: c, env: s.env, sys: s.target.Name, tenant: s.cfg.TenantID, now: s.env.Now()}
	progress := func(step string) { s.env.Progress.Step(s.target.Name, step, 0, 0) }

	// The organization comes first, alone: it proves that the token works
	// and that it belongs to the configured tenant.
	progress("organization")
	if err := r.organization(ctx); err != nil {
		if errors.Is(err, errAuthentication) || errors.Is(err, errWrongTenant) || ctx.Err() != nil || !isHTTPAnswer(err) {
			return r.snapshot(s.cfg), s.env.Redactor.Error(err)
		}
		// The organization gives the tenant's name, verified domains and
		// technical notification contacts; only the contacts are judged
		// (KH-KEY-005), so one gap says what was lost.
		r.gap("contacts", fmt.Errorf("organization (GET /organization: tenant name, verified domains, technical notification contacts): %w", err), "Organization.Read.All (or Directory.Read.All)")
	}

	progress("collecting")
	r.parallel(ctx,
		r.roleDefinitions, r.administrativeUnits, r.roleAssignments,
		r.eligibilitySchedules, r.assignmentSchedules,
		r.users, r.roleAssignableGroups, r.servicePrincipals, r.applications,
		r.registrationDetails, r.resourcePermissions, r.delegatedGrants,
		r.crossTenantPartners, r.delegatedAdmin, r.subscriptions, r.subscribedSkus, r.backups,
		r.detectedApps,
	)
	if r.roles.needFilter != nil {
		progress("role assignments")
		r.roleAssignmentsByRole(ctx)
	}
	progress("groups")
	r.parallel(ctx, r.expandGroups, r.pimGroups, r.foreignTenants)

	snap := r.snapshot(s.cfg)
	if err := ctx.Err(); err != nil {
		return snap, fmt.Errorf("entra: scan of %s interrupted: %w", s.target.Name, err)
	}
	return snap, nil
}

// parallel runs collectors concurrently; the client bounds the number of
// requests in flight.
func (r *run) parallel(ctx context.Context, fs ...func(context.Context)) {
	var wg sync.WaitGroup
	for _, f := range fs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(ctx)
		}()
	}
	wg.Wait()
}

// gap records that collection could not be read.
func (r *run) gap(collection string, err error, remedy string) {
	g := scanners.GapFromError(r.sys, collection, err, remedy, r.env.Redactor)
	r.env.Logger.Warn("entra: collection not read", "target", r.sys, "collection", collection, "reason", g.Reason, "error", g.Error)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gaps = append(r.gaps, g)
}

// gapAs records a gap with a reason fixed by the scanner (structural
// limits the error classes cannot express).
func (r *run) gapAs(collection string, reason findings.GapReason, msg, remedy string) {
	r.env.Logger.Warn("entra: collection not read", "target", r.sys, "collection", collection, "reason", reason, "error", msg)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gaps = append(r.gaps, findings.Gap{ID: findings.GapID(r.sys, collection), System: r.sys,
		Collection: collection, Reason: reason, Error: r.env.Redactor.String(msg), Remedy: remedy})
}

// isHTTPAnswer reports whether err carries an answer from Graph (an
// error status or a malformed body) rather than a transport failure or a
// service that stayed throttled through every attempt.
func isHTTPAnswer(err error) bool {
	var ge *graphError
	return errors.As(err, &ge) || errors.Is(err, scanners.ErrMalformed)
}

// errWrongTenant means the token belongs to another tenant than the
// configured one.
var errWrongTenant = errors.New("token is for another tenant")

var _ scanners.Scanner = (*Scanner)(nil)
