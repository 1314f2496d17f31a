package azure

import (
	"context"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/managementgroups/armmanagementgroups"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

// CSP quota ids: the subscription is billed through a Cloud Solution
// Provider (Azure plan via CSP, and the older CSP offer).
var cspQuotas = map[string]bool{"csp_2015-05-01": true, "csp_mg_2017-12-01": true}

func isCSP(quota string) bool { return cspQuotas[strings.ToLower(quota)] }

// subscriptions lists the subscriptions the identity can read
// (GET /subscriptions, armsubscriptions).
func (r *run) subscriptions(ctx context.Context) error {
	pager := r.c.subs.NewListPager(nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return r.c.classify(ctx, "GET /subscriptions", err)
		}
		for _, s := range page.Value {
			if s == nil || s.SubscriptionID == nil {
				continue
			}
			id := strings.ToLower(*s.SubscriptionID)
			if r.cfg.only != nil && !r.cfg.only[id] {
				continue
			}
			sub := &subscription{id: id, name: deref(s.DisplayName)}
			if s.State != nil {
				sub.state = string(*s.State)
			}
			if s.SubscriptionPolicies != nil {
				sub.quota = deref(s.SubscriptionPolicies.QuotaID)
			}
			for _, m := range s.ManagedByTenants {
				if m != nil && m.TenantID != nil {
					sub.managedBy = append(sub.managedBy, strings.ToLower(*m.TenantID))
				}
			}
			r.subs = append(r.subs, sub)
		}
	}
	return nil
}

// hierarchy reads the management groups and subscriptions below the root
// group (descendants, armmanagementgroups). A subscription listed there but
// not readable is added as unreadable: a scan that could not read it
// must not look like a scan of a smaller estate.
func (r *run) hierarchy(ctx context.Context) {
	pager := r.c.mgs.NewGetDescendantsPager(r.cfg.RootManagementGroup, nil)
	known := map[string]*subscription{}
	for _, s := range r.subs {
		known[s.id] = s
	}
	var hidden []*subscription
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			err = r.c.classify(ctx, "GET /providers/Microsoft.Management/managementGroups/"+r.cfg.RootManagementGroup+"/descendants", err)
			r.addGap(scanners.GapFromError(r.sys, gapHierarchy, err, "Reader (Microsoft.Management/managementGroups/descendants/read) on the root management group", r.env.Redactor))
			if len(r.subs) == 0 {
				// Nothing readable and no hierarchy to say whether
				// anything exists: that is not an empty estate.
				r.addGap(findings.Gap{ID: findings.GapID(r.sys, gapSystem), System: r.sys, Collection: gapSystem, Reason: findings.GapDenied,
					Error:  "GET /subscriptions lists no subscription and the management-group hierarchy cannot be read: the identity may lack Reader everywhere",
					Remedy: "Reader on the tenant root management group (or on each subscription)"})
			}
			return
		}
		for _, d := range page.Value {
			if d == nil || d.Name == nil || d.Properties == nil {
				continue
			}
			name := strings.ToLower(*d.Name)
			parent := ""
			if d.Properties.Parent != nil && d.Properties.Parent.ID != nil {
				parent = lastSegment(*d.Properties.Parent.ID)
			}
			if d.Type != nil && strings.EqualFold(*d.Type, "/subscriptions") {
				if r.cfg.only != nil && !r.cfg.only[name] {
					continue
				}
				r.mgParent[name] = parent
				if s := known[name]; s != nil {
					s.parent = parent
					continue
				}
				hidden = append(hidden, &subscription{id: name, name: deref(d.Properties.DisplayName), parent: parent, unreadable: true})
				continue
			}
			r.mgParent[name] = parent
			r.mgName[name] = deref(d.Properties.DisplayName)
		}
	}
	r.subs = append(r.subs, hidden...)
}

var _ = armmanagementgroups.DescendantInfo{}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func lastSegment(id string) string {
	id = strings.TrimSuffix(id, "/")
	return strings.ToLower(id[strings.LastIndexByte(id, '/')+1:])
}

// mgPath is the chain of management groups above a subscription, nearest
// first ("mg-prod/<tenant>").
func (r *run) mgPath(sub *subscription) []string {
	var out []string
	cur := sub.parent
	for i := 0; cur != "" && i < 10; i++ {
		out = append(out, cur)
		cur = r.mgParent[cur]
	}
	return out
}

// configuredButUnseen adds every subscription the config names that
// neither /subscriptions nor the hierarchy showed: asked for and not read
// is a gap, never silence.
func (r *run) configuredButUnseen() {
	if r.cfg.only == nil {
		return
	}
	seen := map[string]bool{}
	for _, s := range r.subs {
		seen[s.id] = true
	}
	for _, id := range sortedKeys(r.cfg.only) {
		if !seen[id] {
			r.subs = append(r.subs, &subscription{id: id, unreadable: true,
				unreadableErr: fmt.Errorf("subscription %s is named in the config but the identity cannot see it (not in GET /subscriptions nor in the management-group hierarchy): %w", id, scanners.ErrDenied)})
		}
	}
}
