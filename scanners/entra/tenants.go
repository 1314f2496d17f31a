package entra

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/keyholder/keyholder/findings"
)

// tenantData names the foreign tenants the scan met.
type tenantData struct {
	// names are by lower-case tenant id; a tenant Graph does not know is
	// absent.
	names map[string]tenantName
}

type tenantName struct {
	name, domain string
}

const tenantNamesRemedy = "CrossTenantInformation.ReadBasic.All; without it foreign tenants (app owners, partners, subscription owners) are shown by id only"

// foreignTenantIDs returns the tenant ids other than this tenant and
// Microsoft's that the collectors met: app owner tenants, cross-tenant
// partners, partner tenants that created subscriptions, GDAP customers.
func (r *run) foreignTenantIDs() []string {
	ids := map[string]bool{}
	add := func(id string) {
		id = strings.ToLower(strings.TrimSpace(id))
		if id != "" && !strings.EqualFold(id, r.tenant) && !microsoftTenants[id] {
			ids[id] = true
		}
	}
	for _, sp := range r.dir.sps {
		if r.thirdParty(sp) {
			add(sp.owner)
		}
	}
	for _, p := range r.trusts.partners {
		add(p.tenantID)
	}
	for _, g := range r.trusts.gdap {
		add(g.customerTenant)
	}
	for _, s := range r.licences.subs {
		add(s.ownerTenant)
	}
	return slices.Sorted(maps.Keys(ids))
}

// foreignTenants names every foreign tenant once per run with
// findTenantInformationByTenantId, 20 per $batch call. A tenant Graph
// does not find (404) stays unnamed without a gap; a refused or failed
// lookup of a tenant the config does not attribute is a gap (its name
// could make it a provider's).
func (r *run) foreignTenants(ctx context.Context) {
	ids := r.foreignTenantIDs()
	r.tenants.names = map[string]tenantName{}
	if len(ids) == 0 {
		return
	}
	var urls []string
	for _, id := range ids {
		ri, err := r.c.graph.TenantRelationships().FindTenantInformationByTenantIdWithTenantId(&id).ToGetRequestInformation(ctx, nil)
		var u string
		if err == nil {
			u, err = r.c.relative(ri)
		}
		if err != nil {
			r.gap("trusts/tenant_names", fmt.Errorf("entra: tenant names: %w", err), tenantNamesRemedy)
			return
		}
		urls = append(urls, u)
	}
	// A tenant the config already attributes does not need its name to be
	// judged: failing to name it is logged, not a gap.
	known := map[string]bool{}
	if cfg := r.env.Config; cfg != nil {
		for _, t := range cfg.Organization.EntraTenants {
			known[strings.ToLower(t)] = true
		}
		for _, p := range cfg.Providers {
			for _, t := range p.EntraTenants {
				known[strings.ToLower(t)] = true
			}
		}
	}
	var failed []string
	var firstErr error
	for i, res := range r.c.batchGet(ctx, "tenant names", urls) {
		if res.err == nil {
			var ti models.TenantInformationable
			ti, res.err = parse[models.TenantInformationable](r.c, res.body, models.CreateTenantInformationFromDiscriminatorValue)
			if res.err == nil {
				r.tenants.names[ids[i]] = tenantName{name: str(ti.GetDisplayName()), domain: strings.ToLower(str(ti.GetDefaultDomainName()))}
				continue
			}
		}
		var ge *graphError
		if errors.As(res.err, &ge) && ge.status == 404 {
			r.env.Logger.Debug("entra: foreign tenant not found", "tenant", ids[i])
			continue
		}
		if known[ids[i]] {
			r.env.Logger.Debug("entra: configured tenant not named", "tenant", ids[i], "error", res.err)
			continue
		}
		failed = append(failed, ids[i])
		if firstErr == nil {
			firstErr = res.err
		}
	}
	if firstErr != nil {
		r.gap("trusts/tenant_names", fmt.Errorf("%d of %d foreign tenants not named (%v): %w", len(failed), len(ids), failed, firstErr), tenantNamesRemedy)
	}
}

// nameTenants writes the names and default domains of foreign tenants
// beside their ids: principals' home tenants, trusts' counterparties and
// licences' owners of record. The policy layer may attribute a tenant by
// its default domain, and reports show a name instead of a GUID.
func (r *run) nameTenants(snap *findings.Snapshot) {
	if len(r.tenants.names) == 0 {
		return
	}
	set := func(attrs *map[string]string, prefix, id string) {
		n, ok := r.tenants.names[strings.ToLower(id)]
		if !ok {
			return
		}
		if *attrs == nil {
			*attrs = map[string]string{}
		}
		if n.name != "" {
			(*attrs)[prefix+"_name"] = n.name
		}
		if n.domain != "" {
			(*attrs)[prefix+"_domain"] = n.domain
		}
	}
	for i := range snap.Principals {
		if p := &snap.Principals[i]; p.HomeOrgKind == "entra_tenant" {
			set(&p.Attributes, "home_tenant", p.HomeOrg)
		}
	}
	for i := range snap.Trusts {
		if t := &snap.Trusts[i]; t.CounterpartyKind == "entra_tenant" {
			set(&t.Attributes, "counterparty_tenant", t.Counterparty)
		}
	}
	for i := range snap.Licences {
		if l := &snap.Licences[i]; l.OwnerKind == "entra_tenant" {
			set(&l.Attributes, "owner_tenant", l.OwnerOfRecord)
		}
	}
}
