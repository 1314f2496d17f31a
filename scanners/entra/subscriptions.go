package entra

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/directory"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/subscribedskus"

	"github.com/keyholder/keyholder/findings"
)

// licenceData holds subscriptions (owner of record) and SKUs (usage).
type licenceData struct {
	subs    []subscription
	subsErr error
	skus    map[string]sku // by skuId
	skusErr error
}

type subscription struct {
	id, commerceID, skuID, skuPart, status, ownerTenant, ownerID, ownerType string
	total                                                                   int
	trial                                                                   bool
	created, next                                                           *time.Time
}

type sku struct {
	id, part, capability string
	consumed, enabled    int
	subscriptionIDs      []string
}

const licenceRemedy = "Organization.Read.All (or LicenseAssignment.Read.All / Directory.Read.All)"

func (r *run) subscriptions(ctx context.Context) {
	b := r.c.graph.Directory().Subscriptions()
	q := &directory.SubscriptionsRequestBuilderGetQueryParameters{Select: []string{
		"id", "commerceSubscriptionId", "skuId", "skuPartNumber", "status", "totalLicenses", "isTrial",
		"createdDateTime", "nextLifecycleDateTime", "ownerTenantId", "ownerId", "ownerType",
	}}
	var out []subscription
	err := list(ctx, r.c, "subscriptions",
		func(ctx context.Context) (models.CompanySubscriptionCollectionResponseable, error) {
			return b.Get(ctx, &directory.SubscriptionsRequestBuilderGetRequestConfiguration{QueryParameters: q})
		},
		func(ctx context.Context, u string) (models.CompanySubscriptionCollectionResponseable, error) {
			return b.WithUrl(u).Get(ctx, nil)
		},
		func(s models.CompanySubscriptionable) {
			sub := subscription{
				id: str(s.GetId()), commerceID: str(s.GetCommerceSubscriptionId()), skuID: strings.ToLower(str(s.GetSkuId())),
				skuPart: str(s.GetSkuPartNumber()), status: str(s.GetStatus()), ownerTenant: strings.ToLower(str(s.GetOwnerTenantId())),
				ownerID: str(s.GetOwnerId()), ownerType: str(s.GetOwnerType()), trial: deref(s.GetIsTrial()),
				created: s.GetCreatedDateTime(), next: s.GetNextLifecycleDateTime(),
			}
			if n := s.GetTotalLicenses(); n != nil {
				sub.total = int(*n)
			}
			out = append(out, sub)
		})
	if err != nil {
		r.licences.subsErr = err
		r.gap("licences", err, licenceRemedy)
	}
	r.licences.subs = out
}

func (r *run) subscribedSkus(ctx context.Context) {
	out := map[string]sku{}
	err := list(ctx, r.c, "subscribed SKUs",
		func(ctx context.Context) (models.SubscribedSkuCollectionResponseable, error) {
			return r.c.graph.SubscribedSkus().Get(ctx, &subscribedskus.SubscribedSkusRequestBuilderGetRequestConfiguration{
				QueryParameters: &subscribedskus.SubscribedSkusRequestBuilderGetQueryParameters{
					Select: []string{"skuId", "skuPartNumber", "capabilityStatus", "consumedUnits", "prepaidUnits", "subscriptionIds"},
				},
			})
		},
		func(ctx context.Context, u string) (models.SubscribedSkuCollectionResponseable, error) {
			return r.c.graph.SubscribedSkus().WithUrl(u).Get(ctx, nil)
		},
		func(s models.SubscribedSkuable) {
			k := sku{part: str(s.GetSkuPartNumber()), capability: str(s.GetCapabilityStatus()), subscriptionIDs: s.GetSubscriptionIds()}
			if s.GetSkuId() != nil {
				k.id = strings.ToLower(s.GetSkuId().String())
			}
			if n := s.GetConsumedUnits(); n != nil {
				k.consumed = int(*n)
			}
			if p := s.GetPrepaidUnits(); p != nil && p.GetEnabled() != nil {
				k.enabled = int(*p.GetEnabled())
			}
			out[k.id] = k
		})
	if err != nil {
		r.licences.skusErr = err
		r.gap("licences/subscribed_skus", err, licenceRemedy)
	}
	r.licences.skus = out
}

// licences turns subscriptions into licences. The owner of record is the
// subscription's ownerTenantId ("the Microsoft partner tenant that created
// the subscription"); a subscription owned by another tenant came through
// a partner.
func (r *run) licenceFacts() []findings.Licence {
	var out []findings.Licence
	for _, s := range r.licences.subs {
		l := findings.Licence{
			ID: findings.ObjectID("licence", r.sys, "subscription", s.id), System: r.sys,
			Product: s.skuPart, SKU: s.skuID, Quantity: s.total, Status: s.status, Trial: s.trial,
			Renews: utc(s.next), Attributes: map[string]string{},
		}
		if s.ownerTenant != "" && !strings.EqualFold(s.ownerTenant, r.tenant) {
			l.OwnerOfRecord, l.OwnerKind, l.Channel = s.ownerTenant, "entra_tenant", "partner"
		} else {
			l.OwnerOfRecord, l.OwnerKind, l.Channel = r.tenant, "entra_tenant", "direct"
			if s.ownerTenant == "" {
				l.Attributes["owner_tenant_id"] = "absent"
			}
		}
		set := func(k, v string) {
			if v != "" {
				l.Attributes[k] = v
			}
		}
		set("owner_type", s.ownerType)
		set("owner_id", s.ownerID)
		set("commerce_subscription_id", s.commerceID)
		if s.created != nil {
			set("created", s.created.UTC().Format(time.RFC3339))
		}
		if k, ok := r.licences.skus[s.skuID]; ok {
			set("sku_consumed_units", fmt.Sprint(k.consumed))
			set("sku_enabled_units", fmt.Sprint(k.enabled))
			set("sku_capability_status", k.capability)
			if len(k.subscriptionIDs) == 1 {
				l.Consumed = k.consumed
			}
		}
		out = append(out, l)
	}
	return out
}
