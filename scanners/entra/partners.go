package entra

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/contracts"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/policies"
	"github.com/microsoftgraph/msgraph-sdk-go/tenantrelationships"

	"github.com/keyholder/keyholder/findings"
)

// trustData holds cross-tenant partners and what the partner-side
// relationship APIs answered.
type trustData struct {
	partners []partner
	gdap     []gdapRelationship
	dap      []dapContract
	// gdapReadable is true when either relationship API answered with
	// something; an empty answer is not evidence of "no partner".
	gdapReadable bool
}

type partner struct {
	tenantID                                  string
	serviceProvider, multiTenantOrg           bool
	mfaAccepted, compliantAccepted, hybridAcc bool
	b2bInbound                                string
}

type gdapRelationship struct {
	id, name, customerTenant, customerName, status string
	roles                                          []string
	end                                            *time.Time
}

type dapContract struct {
	id, contractType, customerID, domain, name string
}

func (r *run) crossTenantPartners(ctx context.Context) {
	b := r.c.graph.Policies().CrossTenantAccessPolicy().Partners()
	q := &policies.CrossTenantAccessPolicyPartnersRequestBuilderGetQueryParameters{
		Select: []string{"tenantId", "isServiceProvider", "isInMultiTenantOrganization", "inboundTrust", "b2bCollaborationInbound"},
	}
	var out []partner
	err := list(ctx, r.c, "cross-tenant access partners",
		func(ctx context.Context) (models.CrossTenantAccessPolicyConfigurationPartnerCollectionResponseable, error) {
			return b.Get(ctx, &policies.CrossTenantAccessPolicyPartnersRequestBuilderGetRequestConfiguration{QueryParameters: q})
		},
		func(ctx context.Context, u string) (models.CrossTenantAccessPolicyConfigurationPartnerCollectionResponseable, error) {
			return b.WithUrl(u).Get(ctx, nil)
		},
		func(p models.CrossTenantAccessPolicyConfigurationPartnerable) {
			pt := partner{tenantID: strings.ToLower(str(p.GetTenantId())),
				serviceProvider: deref(p.GetIsServiceProvider()), multiTenantOrg: deref(p.GetIsInMultiTenantOrganization())}
			if it := p.GetInboundTrust(); it != nil {
				pt.mfaAccepted = deref(it.GetIsMfaAccepted())
				pt.compliantAccepted = deref(it.GetIsCompliantDeviceAccepted())
				pt.hybridAcc = deref(it.GetIsHybridAzureADJoinedDeviceAccepted())
			}
			if in := p.GetB2bCollaborationInbound(); in != nil && in.GetUsersAndGroups() != nil && in.GetUsersAndGroups().GetAccessType() != nil {
				pt.b2bInbound = in.GetUsersAndGroups().GetAccessType().String()
			}
			out = append(out, pt)
		})
	if err != nil {
		r.gap("trusts/cross_tenant", err, "Policy.Read.All")
	}
	r.trusts.partners = out
}

const gdapRemedy = "GDAP and DAP relationships are not readable from the customer tenant through Graph (the partner-side APIs answer empty by design); declare each partner relationship under declared.relationships (kind gdap or dap, with this target) and keep it verified"

// delegatedAdmin attempts the partner-side GDAP and DAP APIs. From a
// customer tenant they answer empty (or deny); that is recorded as a gap,
// never as "no partner".
func (r *run) delegatedAdmin(ctx context.Context) {
	var gdapErr, dapErr error
	b := r.c.graph.TenantRelationships().DelegatedAdminRelationships()
	gq := &tenantrelationships.DelegatedAdminRelationshipsRequestBuilderGetQueryParameters{
		Select: []string{"id", "displayName", "customer", "status", "accessDetails", "endDateTime"},
	}
	gdapErr = list(ctx, r.c, "GDAP relationships",
		func(ctx context.Context) (models.DelegatedAdminRelationshipCollectionResponseable, error) {
			return b.Get(ctx, &tenantrelationships.DelegatedAdminRelationshipsRequestBuilderGetRequestConfiguration{QueryParameters: gq})
		},
		func(ctx context.Context, u string) (models.DelegatedAdminRelationshipCollectionResponseable, error) {
			return b.WithUrl(u).Get(ctx, nil)
		},
		func(d models.DelegatedAdminRelationshipable) {
			g := gdapRelationship{id: str(d.GetId()), name: str(d.GetDisplayName()), end: d.GetEndDateTime()}
			if d.GetStatus() != nil {
				g.status = d.GetStatus().String()
			}
			if c := d.GetCustomer(); c != nil {
				g.customerTenant, g.customerName = strings.ToLower(str(c.GetTenantId())), str(c.GetDisplayName())
			}
			if ad := d.GetAccessDetails(); ad != nil {
				for _, ur := range ad.GetUnifiedRoles() {
					g.roles = append(g.roles, str(ur.GetRoleDefinitionId()))
				}
			}
			r.trusts.gdap = append(r.trusts.gdap, g)
		})
	dapErr = list(ctx, r.c, "DAP contracts",
		func(ctx context.Context) (models.ContractCollectionResponseable, error) {
			return r.c.graph.Contracts().Get(ctx, &contracts.ContractsRequestBuilderGetRequestConfiguration{
				QueryParameters: &contracts.ContractsRequestBuilderGetQueryParameters{Select: []string{"id", "contractType", "customerId", "defaultDomainName", "displayName"}},
			})
		},
		func(ctx context.Context, u string) (models.ContractCollectionResponseable, error) {
			return r.c.graph.Contracts().WithUrl(u).Get(ctx, nil)
		},
		func(c models.Contractable) {
			d := dapContract{id: str(c.GetId()), contractType: str(c.GetContractType()), domain: str(c.GetDefaultDomainName()), name: str(c.GetDisplayName())}
			if c.GetCustomerId() != nil {
				d.customerID = c.GetCustomerId().String()
			}
			r.trusts.dap = append(r.trusts.dap, d)
		})
	if ctx.Err() != nil {
		r.gap("trusts/gdap", fmt.Errorf("entra: GDAP/DAP: %w", ctx.Err()), gdapRemedy)
		return
	}
	if len(r.trusts.gdap) > 0 || len(r.trusts.dap) > 0 {
		r.trusts.gdapReadable = true
		return
	}
	answer := func(what string, err error) string {
		if err != nil {
			return what + ": " + err.Error()
		}
		return what + ": empty answer"
	}
	r.gapAs("trusts/gdap", findings.GapUnsupported,
		"customer-side view of partner relationships is unknown ("+answer("delegatedAdminRelationships", gdapErr)+"; "+answer("contracts", dapErr)+")",
		gdapRemedy)
}

func deref(b *bool) bool { return b != nil && *b }
