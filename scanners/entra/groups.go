package entra

import (
	"context"
	"fmt"
	"sort"

	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/keyholder/keyholder/findings"
)

type group struct {
	id, name, mail         string
	roleAssignable, synced bool
	// owners can add themselves (or anyone) as members: on a
	// role-assignable group they hold what the group holds.
	owners []*dirRef
}

// ownerSelect is what $expand=owners reads of each owner.
const ownerSelect = "owners($select=id,displayName,userPrincipalName,mail,userType,accountEnabled,appId,appOwnerOrganizationId)"

// groupExpansion is the transitive membership of a group holding a role.
type groupExpansion struct {
	members []*dirRef
	err     error
}

const membersRemedy = "GroupMember.Read.All (or Directory.Read.All); without it grants held through groups are not expanded to their members"

func (r *run) roleAssignableGroups(ctx context.Context) {
	filter := "isAssignableToRole eq true"
	q := &groups.GroupsRequestBuilderGetQueryParameters{
		Select: []string{"id", "displayName", "mail", "isAssignableToRole", "onPremisesSyncEnabled"},
		Filter: &filter, Top: &r.c.top, Expand: []string{ownerSelect},
	}
	out := map[string]*group{}
	err := list(ctx, r.c, "role-assignable groups",
		func(ctx context.Context) (models.GroupCollectionResponseable, error) {
			return r.c.graph.Groups().Get(ctx, &groups.GroupsRequestBuilderGetRequestConfiguration{QueryParameters: q})
		},
		func(ctx context.Context, u string) (models.GroupCollectionResponseable, error) {
			return r.c.graph.Groups().WithUrl(u).Get(ctx, nil)
		},
		func(g models.Groupable) {
			gr := &group{id: str(g.GetId()), name: str(g.GetDisplayName()), mail: str(g.GetMail())}
			if b := g.GetIsAssignableToRole(); b != nil {
				gr.roleAssignable = *b
			}
			if b := g.GetOnPremisesSyncEnabled(); b != nil {
				gr.synced = *b
			}
			for _, o := range g.GetOwners() {
				if ref := refOf(o); ref != nil {
					gr.owners = append(gr.owners, ref)
				}
			}
			out[gr.id] = gr
		})
	if err != nil {
		r.dir.groupsErr = err
		r.gap("principals/groups", err, "GroupMember.Read.All (or Directory.Read.All)")
	}
	r.dir.groups = out
}

// roleGroups returns the ids of groups that hold an active or eligible
// role, sorted.
func (r *run) roleGroups() []string {
	seen := map[string]bool{}
	for _, gs := range [][]roleGrant{r.roles.active, r.pim.eligible} {
		for _, g := range gs {
			if r.kindOf(g.principalID, g.principal) == kindGroup {
				seen[g.principalID] = true
			}
		}
	}
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// expandGroups reads the transitive members of every group holding a
// role, 20 groups per $batch call.
func (r *run) expandGroups(ctx context.Context) {
	ids := r.roleGroups()
	r.expansions = map[string]*groupExpansion{}
	if len(ids) == 0 {
		return
	}
	sel := &groups.ItemTransitiveMembersRequestBuilderGetQueryParameters{
		Select: []string{"id", "displayName", "userPrincipalName", "accountEnabled"},
		Top:    &r.c.top,
	}
	var urls, batched []string
	for _, id := range ids {
		ri, err := r.c.graph.Groups().ByGroupId(id).TransitiveMembers().ToGetRequestInformation(ctx,
			&groups.ItemTransitiveMembersRequestBuilderGetRequestConfiguration{QueryParameters: sel})
		var u string
		if err == nil {
			u, err = r.c.relative(ri)
		}
		if err != nil {
			r.expansions[id] = &groupExpansion{err: fmt.Errorf("entra: group members: %w", err)}
			continue
		}
		urls = append(urls, u)
		batched = append(batched, id)
	}
	results := map[string]batchResult{}
	for i, res := range r.c.batchGet(ctx, "group members", urls) {
		results[batched[i]] = res
	}
	var failed []string
	var firstErr error
	for _, id := range ids {
		exp := r.expansions[id]
		if exp != nil {
			failed = append(failed, id)
			if firstErr == nil {
				firstErr = exp.err
			}
			continue
		}
		exp = &groupExpansion{}
		r.expansions[id] = exp
		res := results[id]
		if res.err == nil {
			var first models.DirectoryObjectCollectionResponseable
			first, res.err = parse[models.DirectoryObjectCollectionResponseable](r.c, res.body, models.CreateDirectoryObjectCollectionResponseFromDiscriminatorValue)
			if res.err == nil {
				b := r.c.graph.Groups().ByGroupId(id).TransitiveMembers()
				res.err = list(ctx, r.c, "group members",
					func(context.Context) (models.DirectoryObjectCollectionResponseable, error) { return first, nil },
					func(ctx context.Context, u string) (models.DirectoryObjectCollectionResponseable, error) {
						return b.WithUrl(u).Get(ctx, nil)
					},
					func(o models.DirectoryObjectable) {
						if ref := refOf(o); ref != nil {
							exp.members = append(exp.members, ref)
						}
					})
			}
		}
		if res.err != nil {
			exp.err = res.err
			exp.members = nil
			failed = append(failed, id)
			if firstErr == nil {
				firstErr = res.err
			}
		}
	}
	if firstErr != nil {
		r.gap("grants/group_members", fmt.Errorf("%d of %d groups holding roles not expanded (%v): %w", len(failed), len(ids), failed, firstErr), membersRemedy)
	}
}

func (r *run) groupPrincipal(g *group) findings.Principal {
	p := findings.Principal{
		ID: findings.PrincipalID(findings.PrincipalGroup, r.sys, g.id), System: r.sys, Kind: findings.PrincipalGroup,
		NativeID: g.id, DisplayName: g.name, Enabled: true, Synced: g.synced, MFA: findings.MFAUnknown,
		Attributes: map[string]string{"role_assignable": fmt.Sprint(g.roleAssignable)},
	}
	if g.mail != "" {
		p.Emails = []string{g.mail}
	}
	return p
}
