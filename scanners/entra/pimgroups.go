package entra

import (
	"context"
	"fmt"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/identitygovernance"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// groupAccess is one PIM for Groups schedule: a principal eligible for,
// or actively holding, membership or ownership of a group.
type groupAccess struct {
	id, groupID, principalID string
	principal                *dirRef
	// owner is true for ownership (accessId "owner"), false for membership.
	owner    bool
	eligible bool
	end      *time.Time
}

// pimGroupData is what PIM for Groups says about the groups holding roles.
type pimGroupData struct {
	access []groupAccess
	// read are the groups whose schedules were read completely.
	read map[string]bool
	err  error
}

const pimGroupsRemedy = "PrivilegedEligibilitySchedule.Read.AzureADGroup and PrivilegedAssignmentSchedule.Read.AzureADGroup (Microsoft Entra ID P2 or ID Governance); without them eligible membership and ownership of groups holding roles is not seen"

// pimGroups reads, for every group holding a directory role, its PIM for
// Groups eligibility and assignment schedules (membership and ownership),
// two requests per group in $batch calls of 20. Graph requires a groupId
// filter on these lists.
func (r *run) pimGroups(ctx context.Context) {
	ids := r.roleGroups()
	r.pimGroup.read = map[string]bool{}
	if len(ids) == 0 {
		return
	}
	sel := []string{"id", "groupId", "principalId", "accessId", "memberType", "scheduleInfo", "status"}
	exp := []string{"principal($select=id,displayName,userPrincipalName,mail,userType,accountEnabled,appId,appOwnerOrganizationId)"}
	pa := r.c.graph.IdentityGovernance().PrivilegedAccess().Group()
	type req struct {
		group    string
		eligible bool
	}
	var urls []string
	var reqs []req
	for _, id := range ids {
		filter := fmt.Sprintf("groupId eq '%s'", id)
		ri, err := pa.EligibilitySchedules().ToGetRequestInformation(ctx, &identitygovernance.PrivilegedAccessGroupEligibilitySchedulesRequestBuilderGetRequestConfiguration{
			QueryParameters: &identitygovernance.PrivilegedAccessGroupEligibilitySchedulesRequestBuilderGetQueryParameters{Filter: &filter, Select: sel, Expand: exp}})
		var u string
		if err == nil {
			u, err = r.c.relative(ri)
		}
		if err != nil {
			r.failPIMGroups(fmt.Errorf("entra: PIM for Groups: %w", err))
			return
		}
		urls, reqs = append(urls, u), append(reqs, req{id, true})
		ri, err = pa.AssignmentSchedules().ToGetRequestInformation(ctx, &identitygovernance.PrivilegedAccessGroupAssignmentSchedulesRequestBuilderGetRequestConfiguration{
			QueryParameters: &identitygovernance.PrivilegedAccessGroupAssignmentSchedulesRequestBuilderGetQueryParameters{Filter: &filter, Select: sel, Expand: exp}})
		if err == nil {
			u, err = r.c.relative(ri)
		}
		if err != nil {
			r.failPIMGroups(fmt.Errorf("entra: PIM for Groups: %w", err))
			return
		}
		urls, reqs = append(urls, u), append(reqs, req{id, false})
	}
	done := map[string]int{}
	var failed []string
	var firstErr error
	for i, res := range r.c.batchGet(ctx, "PIM for Groups schedules", urls) {
		q := reqs[i]
		if res.err == nil {
			if q.eligible {
				res.err = r.groupEligibilities(ctx, res.body)
			} else {
				res.err = r.groupAssignments(ctx, res.body)
			}
		}
		if res.err != nil {
			failed = append(failed, q.group)
			if firstErr == nil {
				firstErr = res.err
			}
			continue
		}
		done[q.group]++
	}
	for g, n := range done {
		if n == 2 {
			r.pimGroup.read[g] = true
		}
	}
	if firstErr != nil {
		r.pimGroup.err = firstErr
		r.gap("grants/pim_groups", fmt.Errorf("PIM for Groups schedules of %d of %d groups holding roles not read (%v): %w", len(ids)-len(r.pimGroup.read), len(ids), failed, firstErr), pimGroupsRemedy)
	}
}

func (r *run) failPIMGroups(err error) {
	r.pimGroup.err = err
	r.gap("grants/pim_groups", err, pimGroupsRemedy)
}

func (r *run) groupEligibilities(ctx context.Context, body []byte) error {
	first, err := parse[models.PrivilegedAccessGroupEligibilityScheduleCollectionResponseable](r.c, body,
		models.CreatePrivilegedAccessGroupEligibilityScheduleCollectionResponseFromDiscriminatorValue)
	if err != nil {
		return err
	}
	b := r.c.graph.IdentityGovernance().PrivilegedAccess().Group().EligibilitySchedules()
	var out []groupAccess
	err = list(ctx, r.c, "PIM for Groups eligibility schedules",
		func(context.Context) (models.PrivilegedAccessGroupEligibilityScheduleCollectionResponseable, error) {
			return first, nil
		},
		func(ctx context.Context, u string) (models.PrivilegedAccessGroupEligibilityScheduleCollectionResponseable, error) {
			return b.WithUrl(u).Get(ctx, nil)
		},
		func(e models.PrivilegedAccessGroupEligibilityScheduleable) {
			_, end := expiry(e.GetScheduleInfo())
			out = append(out, groupAccess{id: str(e.GetId()), groupID: str(e.GetGroupId()), principalID: str(e.GetPrincipalId()),
				principal: refOf(e.GetPrincipal()), owner: isOwnerAccess(e.GetAccessId()), eligible: true, end: end})
		})
	if err != nil {
		return err
	}
	r.addGroupAccess(out)
	return nil
}

func (r *run) groupAssignments(ctx context.Context, body []byte) error {
	first, err := parse[models.PrivilegedAccessGroupAssignmentScheduleCollectionResponseable](r.c, body,
		models.CreatePrivilegedAccessGroupAssignmentScheduleCollectionResponseFromDiscriminatorValue)
	if err != nil {
		return err
	}
	b := r.c.graph.IdentityGovernance().PrivilegedAccess().Group().AssignmentSchedules()
	var out []groupAccess
	err = list(ctx, r.c, "PIM for Groups assignment schedules",
		func(context.Context) (models.PrivilegedAccessGroupAssignmentScheduleCollectionResponseable, error) {
			return first, nil
		},
		func(ctx context.Context, u string) (models.PrivilegedAccessGroupAssignmentScheduleCollectionResponseable, error) {
			return b.WithUrl(u).Get(ctx, nil)
		},
		func(e models.PrivilegedAccessGroupAssignmentScheduleable) {
			_, end := expiry(e.GetScheduleInfo())
			out = append(out, groupAccess{id: str(e.GetId()), groupID: str(e.GetGroupId()), principalID: str(e.GetPrincipalId()),
				principal: refOf(e.GetPrincipal()), owner: isOwnerAccess(e.GetAccessId()), end: end})
		})
	if err != nil {
		return err
	}
	r.addGroupAccess(out)
	return nil
}

func (r *run) addGroupAccess(a []groupAccess) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pimGroup.access = append(r.pimGroup.access, a...)
}

func isOwnerAccess(a *models.PrivilegedAccessGroupRelationships) bool {
	return a != nil && *a == models.OWNER_PRIVILEGEDACCESSGROUPRELATIONSHIPS
}
