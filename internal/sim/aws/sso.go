package awssim

import (
	"slices"
	"strings"
)

var ssoHandlers = map[string]handler{
	"sso:ListInstances":                                      listInstances,
	"sso:ListPermissionSets":                                 listPermissionSets,
	"sso:DescribePermissionSet":                              describePermissionSet,
	"sso:ListManagedPoliciesInPermissionSet":                 listManagedPoliciesInPermissionSet,
	"sso:ListCustomerManagedPolicyReferencesInPermissionSet": listCustomerManagedPolicyReferences,
	"sso:GetInlinePolicyForPermissionSet":                    getInlinePolicyForPermissionSet,
	"sso:ListPermissionSetsProvisionedToAccount":             listPermissionSetsProvisionedToAccount,
	"sso:ListAccountAssignments":                             listAccountAssignments,
}

var identityStoreHandlers = map[string]handler{
	"identitystore:ListUsers":            listSSOUsers,
	"identitystore:ListGroups":           listSSOGroups,
	"identitystore:ListGroupMemberships": listGroupMemberships,
}

// instance returns the Identity Center instance the caller owns in the
// request's region.
func (c *call) instance() *IdentityCenter {
	if c.acct == nil || c.acct.IdentityCenter == nil || c.acct.IdentityCenter.Region != c.region {
		return nil
	}
	return c.acct.IdentityCenter
}

func (c *call) instanceFor(arn string) (*IdentityCenter, *apiError) {
	ic := c.instance()
	if ic == nil || ic.InstanceARN != arn {
		return nil, errorf(400, "ResourceNotFoundException", "Instance %s not found", arn)
	}
	return ic, nil
}

// requestedPermissionSet returns the permission set named by the
// request's InstanceArn and PermissionSetArn.
func (c *call) requestedPermissionSet() (*PermissionSet, *apiError) {
	ic, err := c.instanceFor(c.str("InstanceArn"))
	if err != nil {
		return nil, err
	}
	arn := c.str("PermissionSetArn")
	for i := range ic.PermissionSets {
		if ic.PermissionSets[i].ARN == arn {
			return &ic.PermissionSets[i], nil
		}
	}
	return nil, errorf(400, "ResourceNotFoundException", "PermissionSet %s not found", arn)
}

func listInstances(c *call) (response, *apiError) {
	out := []map[string]any{}
	if ic := c.instance(); ic != nil {
		out = append(out, map[string]any{
			"InstanceArn":     ic.InstanceARN,
			"IdentityStoreId": ic.IdentityStoreID,
			"OwnerAccountId":  c.acct.ID,
			"Name":            "default",
			"Status":          "ACTIVE",
			"CreatedDate":     epoch(defaultCreated),
		})
	}
	return jsonOK(c, map[string]any{"Instances": out})
}

func listPermissionSets(c *call) (response, *apiError) {
	ic, err := c.instanceFor(c.str("InstanceArn"))
	if err != nil {
		return response{}, err
	}
	start, end, next, perr := c.paginate(len(ic.PermissionSets), c.str("NextToken"), c.num("MaxResults"), 100)
	if perr != nil {
		return response{}, perr
	}
	arns := []string{}
	for _, ps := range ic.PermissionSets[start:end] {
		arns = append(arns, ps.ARN)
	}
	return jsonOK(c, withNext(map[string]any{"PermissionSets": arns}, next))
}

func withNext(m map[string]any, next string) map[string]any {
	if next != "" {
		m["NextToken"] = next
	}
	return m
}

func describePermissionSet(c *call) (response, *apiError) {
	ps, err := c.requestedPermissionSet()
	if err != nil {
		return response{}, err
	}
	return jsonOK(c, map[string]any{"PermissionSet": map[string]any{
		"Name":             ps.Name,
		"PermissionSetArn": ps.ARN,
		"SessionDuration":  ps.SessionDuration,
		"CreatedDate":      epoch(defaultCreated),
	}})
}

func listManagedPoliciesInPermissionSet(c *call) (response, *apiError) {
	ps, err := c.requestedPermissionSet()
	if err != nil {
		return response{}, err
	}
	out := []map[string]string{}
	for _, ref := range ps.ManagedPolicies {
		arn := ref
		if !strings.HasPrefix(ref, "arn:") {
			arn = AWSManagedPolicyARN(ref)
		}
		out = append(out, map[string]string{"Name": arnName(arn), "Arn": arn})
	}
	return jsonOK(c, map[string]any{"AttachedManagedPolicies": out})
}

func listCustomerManagedPolicyReferences(c *call) (response, *apiError) {
	ps, err := c.requestedPermissionSet()
	if err != nil {
		return response{}, err
	}
	out := []map[string]string{}
	for _, n := range ps.CustomerManaged {
		out = append(out, map[string]string{"Name": n, "Path": "/"})
	}
	return jsonOK(c, map[string]any{"CustomerManagedPolicyReferences": out})
}

func getInlinePolicyForPermissionSet(c *call) (response, *apiError) {
	ps, err := c.requestedPermissionSet()
	if err != nil {
		return response{}, err
	}
	return jsonOK(c, map[string]any{"InlinePolicy": ps.InlinePolicy})
}

// psARN resolves a permission set reference (name or ARN).
func psARN(ic *IdentityCenter, ref string) string {
	for _, ps := range ic.PermissionSets {
		if ps.Name == ref || ps.ARN == ref {
			return ps.ARN
		}
	}
	return ref
}

func principalID(ic *IdentityCenter, typ, ref string) string {
	if strings.EqualFold(typ, "GROUP") {
		for _, g := range ic.Groups {
			if g.Name == ref || g.ID == ref {
				return g.ID
			}
		}
		return ref
	}
	for _, u := range ic.Users {
		if u.UserName == ref || u.ID == ref {
			return u.ID
		}
	}
	return ref
}

func listPermissionSetsProvisionedToAccount(c *call) (response, *apiError) {
	ic, err := c.instanceFor(c.str("InstanceArn"))
	if err != nil {
		return response{}, err
	}
	acct := c.str("AccountId")
	var arns []string
	for _, as := range ic.Assignments {
		if as.Account == acct {
			a := psARN(ic, as.PermissionSet)
			if !slices.Contains(arns, a) {
				arns = append(arns, a)
			}
		}
	}
	slices.Sort(arns)
	start, end, next, perr := c.paginate(len(arns), c.str("NextToken"), c.num("MaxResults"), 100)
	if perr != nil {
		return response{}, perr
	}
	return jsonOK(c, withNext(map[string]any{"PermissionSets": append([]string{}, arns[start:end]...)}, next))
}

func listAccountAssignments(c *call) (response, *apiError) {
	ic, err := c.instanceFor(c.str("InstanceArn"))
	if err != nil {
		return response{}, err
	}
	acct, ps := c.str("AccountId"), c.str("PermissionSetArn")
	var out []map[string]any
	for _, as := range ic.Assignments {
		if as.Account != acct || psARN(ic, as.PermissionSet) != ps {
			continue
		}
		typ := strings.ToUpper(as.PrincipalType)
		out = append(out, map[string]any{
			"AccountId":        acct,
			"PermissionSetArn": ps,
			"PrincipalType":    typ,
			"PrincipalId":      principalID(ic, typ, as.Principal),
		})
	}
	start, end, next, perr := c.paginate(len(out), c.str("NextToken"), c.num("MaxResults"), 100)
	if perr != nil {
		return response{}, perr
	}
	return jsonOK(c, withNext(map[string]any{"AccountAssignments": append([]map[string]any{}, out[start:end]...)}, next))
}

// store returns the identity store with the requested id owned by the
// caller.
func (c *call) store() (*IdentityCenter, *apiError) {
	sid := c.str("IdentityStoreId")
	if c.acct != nil && c.acct.IdentityCenter != nil && c.acct.IdentityCenter.IdentityStoreID == sid {
		return c.acct.IdentityCenter, nil
	}
	return nil, errorf(400, "ResourceNotFoundException", "IdentityStore %s not found", sid)
}

func listSSOUsers(c *call) (response, *apiError) {
	ic, err := c.store()
	if err != nil {
		return response{}, err
	}
	start, end, next, perr := c.paginate(len(ic.Users), c.str("NextToken"), c.num("MaxResults"), 50)
	if perr != nil {
		return response{}, perr
	}
	users := []map[string]any{}
	for _, u := range ic.Users[start:end] {
		var emails []map[string]any
		for i, e := range u.Emails {
			emails = append(emails, map[string]any{"Value": e, "Type": "work", "Primary": i == 0})
		}
		users = append(users, map[string]any{
			"UserId": u.ID, "UserName": u.UserName, "DisplayName": u.DisplayName,
			"Emails": emails, "IdentityStoreId": ic.IdentityStoreID,
		})
	}
	return jsonOK(c, withNext(map[string]any{"Users": users}, next))
}

func listSSOGroups(c *call) (response, *apiError) {
	ic, err := c.store()
	if err != nil {
		return response{}, err
	}
	start, end, next, perr := c.paginate(len(ic.Groups), c.str("NextToken"), c.num("MaxResults"), 50)
	if perr != nil {
		return response{}, perr
	}
	groups := []map[string]any{}
	for _, g := range ic.Groups[start:end] {
		groups = append(groups, map[string]any{"GroupId": g.ID, "DisplayName": g.Name, "IdentityStoreId": ic.IdentityStoreID})
	}
	return jsonOK(c, withNext(map[string]any{"Groups": groups}, next))
}

func listGroupMemberships(c *call) (response, *apiError) {
	ic, err := c.store()
	if err != nil {
		return response{}, err
	}
	gid := c.str("GroupId")
	var g *SSOGroup
	for i := range ic.Groups {
		if ic.Groups[i].ID == gid {
			g = &ic.Groups[i]
		}
	}
	if g == nil {
		return response{}, errorf(400, "ResourceNotFoundException", "Group %s not found", gid)
	}
	start, end, next, perr := c.paginate(len(g.Members), c.str("NextToken"), c.num("MaxResults"), 100)
	if perr != nil {
		return response{}, perr
	}
	ms := []map[string]any{}
	for _, m := range g.Members[start:end] {
		uid := principalID(ic, "USER", m)
		ms = append(ms, map[string]any{
			"IdentityStoreId": ic.IdentityStoreID,
			"MembershipId":    id(8, gid, uid) + "-" + id(4, "m", gid, uid) + "-" + id(4, "n", uid) + "-" + id(4, "o", gid) + "-" + id(12, uid, gid),
			"GroupId":         gid,
			"MemberId":        map[string]string{"UserId": uid},
		})
	}
	return jsonOK(c, withNext(map[string]any{"GroupMemberships": ms}, next))
}
