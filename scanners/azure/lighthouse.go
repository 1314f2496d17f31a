package azure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// offer is one Lighthouse registration assignment with its definition.
type offer struct {
	assignmentID, definitionID, name string
	scope                            string
	tenant, tenantName               string
	auths                            []lhAuth
}

// lhAuth is an authorization (permanent) or eligible authorization (JIT).
type lhAuth struct {
	principal, displayName, roleGUID string
	delegated                        []string
	eligible                         bool
	maxDuration, mfa                 string
	approvers                        []string
}

type lhAuthJSON struct {
	PrincipalID                string   `json:"principalId"`
	PrincipalIDDisplayName     string   `json:"principalIdDisplayName"`
	RoleDefinitionID           string   `json:"roleDefinitionId"`
	DelegatedRoleDefinitionIDs []string `json:"delegatedRoleDefinitionIds"`
	JustInTimeAccessPolicy     *struct {
		MultiFactorAuthProvider   string `json:"multiFactorAuthProvider"`
		MaximumActivationDuration string `json:"maximumActivationDuration"`
		ManagedByTenantApprovers  []struct {
			PrincipalID string `json:"principalId"`
		} `json:"managedByTenantApprovers"`
	} `json:"justInTimeAccessPolicy"`
}

type lhDefinitionJSON struct {
	ID         string `json:"id"`
	Properties struct {
		RegistrationDefinitionName string       `json:"registrationDefinitionName"`
		ManagedByTenantID          string       `json:"managedByTenantId"`
		ManagedByTenantName        string       `json:"managedByTenantName"`
		Authorizations             []lhAuthJSON `json:"authorizations"`
		EligibleAuthorizations     []lhAuthJSON `json:"eligibleAuthorizations"`
	} `json:"properties"`
}

type lhAssignmentJSON struct {
	ID         string `json:"id"`
	Properties struct {
		RegistrationDefinitionID string            `json:"registrationDefinitionId"`
		RegistrationDefinition   *lhDefinitionJSON `json:"registrationDefinition"`
	} `json:"properties"`
}

// lighthouse lists the subscription's Lighthouse registration assignments
// with their definitions expanded (one call; api-version 2022-10-01). An
// assignment whose definition did not come expanded is looked up in the
// registration definitions (a second call, only then).
func (r *run) lighthouse(ctx context.Context, sub *subscription) {
	path := "/subscriptions/" + sub.id + "/providers/Microsoft.ManagedServices/registrationAssignments"
	q := url.Values{"api-version": {apiManagedServices}, "$expandRegistrationDefinition": {"true"}}
	var missing []int
	err := r.c.list(ctx, path, q, func(raw json.RawMessage) error {
		var a lhAssignmentJSON
		if err := json.Unmarshal(raw, &a); err != nil {
			return fmt.Errorf("registration assignment does not parse: %v", err)
		}
		o := offer{assignmentID: a.ID, definitionID: a.Properties.RegistrationDefinitionID, scope: scopeOfAssignment(a.ID)}
		if d := a.Properties.RegistrationDefinition; d != nil {
			fillOffer(&o, d)
		}
		sub.offers = append(sub.offers, o)
		if a.Properties.RegistrationDefinition == nil {
			missing = append(missing, len(sub.offers)-1)
		}
		return nil
	})
	if err != nil {
		err = r.c.classify(ctx, "GET "+path+"?$expandRegistrationDefinition=true", err)
		if errors.Is(err, errUnregistered) {
			// Microsoft.ManagedServices is not registered: no delegation
			// can exist in the subscription.
			sub.offers = nil
			r.unregisteredGap(sub, "Microsoft.ManagedServices", gapLighthouse, err)
			return
		}
		sub.offers = nil
		r.subGap(sub, gapLighthouse, err, "Reader (Microsoft.ManagedServices/registrationAssignments/read) on the subscription")
		return
	}
	defer func() {
		for _, o := range sub.offers {
			for _, a := range o.auths {
				r.role("/providers/Microsoft.Authorization/roleDefinitions/" + a.roleGUID)
				for _, d := range a.delegated {
					r.role("/providers/Microsoft.Authorization/roleDefinitions/" + d)
				}
			}
		}
	}()
	if len(missing) == 0 {
		return
	}
	defs := map[string]*lhDefinitionJSON{}
	dpath := "/subscriptions/" + sub.id + "/providers/Microsoft.ManagedServices/registrationDefinitions"
	err = r.c.list(ctx, dpath, url.Values{"api-version": {apiManagedServices}}, func(raw json.RawMessage) error {
		var d lhDefinitionJSON
		if err := json.Unmarshal(raw, &d); err != nil {
			return fmt.Errorf("registration definition does not parse: %v", err)
		}
		defs[strings.ToLower(d.ID)] = &d
		return nil
	})
	if err != nil {
		r.subGap(sub, gapLighthouse, r.c.classify(ctx, "GET "+dpath, err), "Reader (Microsoft.ManagedServices/registrationDefinitions/read) on the subscription")
		return
	}
	for _, i := range missing {
		o := &sub.offers[i]
		if d := defs[strings.ToLower(o.definitionID)]; d != nil {
			fillOffer(o, d)
		}
	}
}

func fillOffer(o *offer, d *lhDefinitionJSON) {
	p := d.Properties
	o.name = p.RegistrationDefinitionName
	o.tenant = strings.ToLower(p.ManagedByTenantID)
	o.tenantName = p.ManagedByTenantName
	for _, a := range p.Authorizations {
		o.auths = append(o.auths, toAuth(a, false))
	}
	for _, a := range p.EligibleAuthorizations {
		o.auths = append(o.auths, toAuth(a, true))
	}
}

func toAuth(a lhAuthJSON, eligible bool) lhAuth {
	out := lhAuth{principal: strings.ToLower(a.PrincipalID), displayName: a.PrincipalIDDisplayName,
		roleGUID: lastSegment(a.RoleDefinitionID), eligible: eligible}
	for _, d := range a.DelegatedRoleDefinitionIDs {
		out.delegated = append(out.delegated, lastSegment(d))
	}
	if p := a.JustInTimeAccessPolicy; p != nil {
		out.maxDuration, out.mfa = p.MaximumActivationDuration, p.MultiFactorAuthProvider
		for _, ap := range p.ManagedByTenantApprovers {
			out.approvers = append(out.approvers, strings.ToLower(ap.PrincipalID))
		}
	}
	return out
}

// scopeOfAssignment strips "/providers/Microsoft.ManagedServices/..." from
// an assignment id, leaving the delegated scope.
func scopeOfAssignment(id string) string {
	i := strings.Index(strings.ToLower(id), "/providers/microsoft.managedservices/")
	if i < 0 {
		return id
	}
	return id[:i]
}
