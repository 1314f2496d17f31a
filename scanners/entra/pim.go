package entra

import (
	"context"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"
)

// pimData is what Privileged Identity Management says: eligible roles and
// the schedules of active ones (permanent or until a date).
type pimData struct {
	eligible    []roleGrant
	eligibleErr error
	// schedules are keyed by principal, role and scope.
	schedules    map[string]schedule
	schedulesErr error
}

type schedule struct {
	permanent      bool
	end            *time.Time
	memberType     string
	assignmentType string
}

func scheduleKey(principal, role, scope string) string {
	return principal + "\x00" + role + "\x00" + scope
}

// expiry reads a PIM schedule's expiration: permanent (noExpiration) or an
// end date.
func expiry(info models.RequestScheduleable) (permanent bool, end *time.Time) {
	if info == nil || info.GetExpiration() == nil {
		return false, nil
	}
	e := info.GetExpiration()
	if t := e.GetTypeEscaped(); t != nil && *t == models.NOEXPIRATION_EXPIRATIONPATTERNTYPE {
		return true, nil
	}
	if e.GetEndDateTime() != nil {
		t := e.GetEndDateTime().UTC()
		return false, &t
	}
	return false, nil
}

const pimRemedy = "Microsoft Entra ID P2 (or ID Governance) licence and RoleEligibilitySchedule.Read.Directory / RoleAssignmentSchedule.Read.Directory"

func (r *run) eligibilitySchedules(ctx context.Context) {
	q := &rolemanagement.DirectoryRoleEligibilitySchedulesRequestBuilderGetQueryParameters{
		Select: []string{"id", "principalId", "roleDefinitionId", "directoryScopeId", "appScopeId", "memberType", "scheduleInfo", "status"},
		Expand: []string{"principal"},
	}
	b := r.c.graph.RoleManagement().Directory().RoleEligibilitySchedules()
	var out []roleGrant
	err := list(ctx, r.c, "PIM eligibility schedules",
		func(ctx context.Context) (models.UnifiedRoleEligibilityScheduleCollectionResponseable, error) {
			return b.Get(ctx, &rolemanagement.DirectoryRoleEligibilitySchedulesRequestBuilderGetRequestConfiguration{QueryParameters: q})
		},
		func(ctx context.Context, u string) (models.UnifiedRoleEligibilityScheduleCollectionResponseable, error) {
			return b.WithUrl(u).Get(ctx, nil)
		},
		func(e models.UnifiedRoleEligibilityScheduleable) {
			_, end := expiry(e.GetScheduleInfo())
			out = append(out, roleGrant{
				id: str(e.GetId()), principalID: str(e.GetPrincipalId()), roleID: str(e.GetRoleDefinitionId()),
				scope: scopeOf(e.GetDirectoryScopeId(), e.GetAppScopeId()), principal: refOf(e.GetPrincipal()),
				eligible: true, end: end, memberType: str(e.GetMemberType()),
			})
		})
	if err != nil {
		r.pim.eligibleErr = err
		r.gap("grants/pim_eligibility", err, pimRemedy)
	}
	r.pim.eligible = out
}

func (r *run) assignmentSchedules(ctx context.Context) {
	q := &rolemanagement.DirectoryRoleAssignmentSchedulesRequestBuilderGetQueryParameters{
		Select: []string{"id", "principalId", "roleDefinitionId", "directoryScopeId", "appScopeId", "memberType", "assignmentType", "scheduleInfo", "status"},
	}
	b := r.c.graph.RoleManagement().Directory().RoleAssignmentSchedules()
	out := map[string]schedule{}
	err := list(ctx, r.c, "PIM assignment schedules",
		func(ctx context.Context) (models.UnifiedRoleAssignmentScheduleCollectionResponseable, error) {
			return b.Get(ctx, &rolemanagement.DirectoryRoleAssignmentSchedulesRequestBuilderGetRequestConfiguration{QueryParameters: q})
		},
		func(ctx context.Context, u string) (models.UnifiedRoleAssignmentScheduleCollectionResponseable, error) {
			return b.WithUrl(u).Get(ctx, nil)
		},
		func(a models.UnifiedRoleAssignmentScheduleable) {
			perm, end := expiry(a.GetScheduleInfo())
			out[scheduleKey(str(a.GetPrincipalId()), str(a.GetRoleDefinitionId()), scopeOf(a.GetDirectoryScopeId(), a.GetAppScopeId()))] =
				schedule{permanent: perm, end: end, memberType: str(a.GetMemberType()), assignmentType: str(a.GetAssignmentType())}
		})
	if err != nil {
		r.pim.schedulesErr = err
		r.gap("grants/pim_assignment_schedules", err, pimRemedy+"; without it active assignments are 'active' with no statement about their end")
		return
	}
	r.pim.schedules = out
}
