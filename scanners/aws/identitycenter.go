package aws

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsaccount "github.com/aws/aws-sdk-go-v2/service/account"
	accounttypes "github.com/aws/aws-sdk-go-v2/service/account/types"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	idtypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/keyholder/keyholder/findings"
)

// icConcurrency bounds Identity Center calls per permission set and
// account.
const icConcurrency = 8

// permissionSet is an Identity Center permission set and its level.
type permissionSet struct {
	arn, name, session string
	level              findings.Level
	basis              string
	policies           []string
}

// collectIdentityCenter reads the IAM Identity Center instance visible
// from main (the management or delegated administrator account): its
// users, groups and memberships become principals of main's system, and
// every permission-set assignment to a scanned account becomes a grant on
// that account's system.
func (s *Scanner) collectIdentityCenter(ctx context.Context, main *account, accounts []*account) {
	inst, region, tried := s.findInstance(ctx, main, main.regions, true)
	member := main.org != nil && main.org.err == nil && !main.isManagement()
	if inst == nil && !member {
		// IAM Identity Center lives in one region per organisation (or
		// standalone account), not necessarily a configured one: look in
		// every region enabled for the account before saying there is
		// none.
		enabled, listErr := s.enabledRegions(ctx, main)
		if listErr != nil && partitionOf(main.cfg) == "aws" {
			// Without account:ListRegions, ask the regions every
			// commercial account has enabled: the instance is most
			// often there. Opt-in regions stay unknown.
			enabled = slices.Clone(defaultEnabledRegions)
		}
		var rest []string
		for _, r := range enabled {
			if !slices.Contains(tried, r) {
				rest = append(rest, r)
			}
		}
		var more []string
		inst, region, more = s.findInstance(ctx, main, rest, false)
		tried = append(tried, more...)
		if inst != nil {
			main.attr("identity_center_discovered", "true")
		}
		if inst == nil && listErr != nil {
			sort.Strings(tried)
			main.col.gap(main.sys, "grants/identity_center", listErr,
				"account:ListRegions, or add the Identity Center region to the target's regions")
			main.col.note(main.sys, "principals/identity_center", findings.GapFailed,
				"aws: IAM Identity Center instance not found in the regions tried ("+strings.Join(tried, ", ")+") and the account's other regions could not be listed: "+s.env.Redactor.Error(listErr).Error(),
				"account:ListRegions, or add the Identity Center region to the target's regions")
			return
		}
	}
	if inst == nil {
		if member {
			main.col.note(main.sys, "grants/identity_center", findings.GapUnsupported,
				"aws: no IAM Identity Center instance is visible from member account "+main.id+"; the organisation's instance and its permission-set assignments are read from the management account "+main.org.MasterID+" (or a delegated administrator)",
				"scan the management account with organization mode")
			return
		}
		sort.Strings(tried)
		main.attr("identity_center", "none")
		main.attr("identity_center_regions_tried", strings.Join(tried, ","))
		return
	}
	instARN, storeID := aws.ToString(inst.InstanceArn), aws.ToString(inst.IdentityStoreId)
	main.attr("identity_center_instance", instARN)
	main.attr("identity_center_region", region)
	main.attr("identity_center_owner_account", aws.ToString(inst.OwnerAccountId))
	main.attr("identity_store_id", storeID)

	known := s.identityStore(ctx, main, region, storeID)
	client := ssoadmin.NewFromConfig(main.cfg, func(o *ssoadmin.Options) { o.Region = region })
	sets := s.permissionSets(ctx, main, client, instARN)

	var fail failures
	var kmu sync.Mutex
	eachBounded(ctx, icConcurrency, accounts, func(_ int, acct *account) {
		s.assignments(ctx, main, acct, client, instARN, storeID, sets, known, &kmu, &fail)
	})
	fail.report(main, "grants/identity_center_assignments")
}

// defaultEnabledRegions are the regions AWS enables in every commercial
// account (the others are opt-in): where the instance is looked for when
// the account's regions cannot be listed.
var defaultEnabledRegions = []string{
	"ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1", "ap-southeast-2",
	"ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3", "sa-east-1",
	"us-east-1", "us-east-2", "us-west-1", "us-west-2",
}

// findInstance calls sso:ListInstances in each region — one after the
// other, stopping at the first instance, when sequential; else all at
// once (bounded) — and returns the instance of the first region in the
// order given that has one, and the regions asked. A region whose call
// fails is a gap naming it.
func (s *Scanner) findInstance(ctx context.Context, main *account, regions []string, sequential bool) (*ssotypes.InstanceMetadata, string, []string) {
	found := make([]*ssotypes.InstanceMetadata, len(regions))
	ask := func(i int, r string) {
		client := ssoadmin.NewFromConfig(main.cfg, func(o *ssoadmin.Options) { o.Region = r })
		out, err := client.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
		if err != nil {
			err = classify("sso:ListInstances", r, err)
			main.col.gap(main.sys, "principals/identity_center/"+r, err, "sso:ListInstances")
			main.col.gap(main.sys, "grants/identity_center/"+r, err, "sso:ListInstances")
			return
		}
		if len(out.Instances) > 0 {
			found[i] = &out.Instances[0]
		}
	}
	if sequential {
		// The configured regions, in order: stop at the first instance.
		for i, r := range regions {
			if ask(i, r); found[i] != nil {
				return found[i], r, slices.Clone(regions[:i+1])
			}
		}
		return nil, "", slices.Clone(regions)
	}
	eachBounded(ctx, icConcurrency, regions, ask)
	for i, inst := range found {
		if inst != nil {
			return inst, regions[i], slices.Clone(regions)
		}
	}
	return nil, "", slices.Clone(regions)
}

// enabledRegions lists the regions enabled for main's account
// (account:ListRegions), sorted.
func (s *Scanner) enabledRegions(ctx context.Context, main *account) ([]string, error) {
	client := awsaccount.NewFromConfig(main.cfg)
	in := &awsaccount.ListRegionsInput{RegionOptStatusContains: []accounttypes.RegionOptStatus{
		accounttypes.RegionOptStatusEnabled, accounttypes.RegionOptStatusEnabledByDefault}}
	var out []string
	err := s.paginate(func(token *string) (*string, error) {
		in.NextToken = token
		page, err := client.ListRegions(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Regions {
			out = append(out, aws.ToString(r.RegionName))
		}
		return page.NextToken, nil
	})
	if err != nil {
		return nil, classify("account:ListRegions", "", err)
	}
	sort.Strings(out)
	return slices.Compact(out), nil
}

// identityStore records users, groups and memberships; it returns the
// principal ids recorded.
func (s *Scanner) identityStore(ctx context.Context, main *account, region, storeID string) map[string]bool {
	known := map[string]bool{}
	client := identitystore.NewFromConfig(main.cfg, func(o *identitystore.Options) { o.Region = region })
	uin := &identitystore.ListUsersInput{IdentityStoreId: aws.String(storeID), MaxResults: aws.Int32(100)}
	err := s.paginate(func(token *string) (*string, error) {
		uin.NextToken = token
		out, err := client.ListUsers(ctx, uin)
		if err != nil {
			return nil, err
		}
		for _, u := range out.Users {
			p := icUser(main.sys, storeID, u)
			known[p.ID] = true
			main.col.principal(p)
		}
		return out.NextToken, nil
	})
	if err != nil {
		main.col.gap(main.sys, "principals/identity_center_users", classify("identitystore:ListUsers", region, err), "identitystore:ListUsers")
	}
	var groups []idtypes.Group
	gin := &identitystore.ListGroupsInput{IdentityStoreId: aws.String(storeID), MaxResults: aws.Int32(100)}
	err = s.paginate(func(token *string) (*string, error) {
		gin.NextToken = token
		out, err := client.ListGroups(ctx, gin)
		if err != nil {
			return nil, err
		}
		groups = append(groups, out.Groups...)
		return out.NextToken, nil
	})
	if err != nil {
		main.col.gap(main.sys, "principals/identity_center_groups", classify("identitystore:ListGroups", region, err), "identitystore:ListGroups")
	}
	var fail failures
	for _, g := range groups {
		gid := aws.ToString(g.GroupId)
		pid := findings.PrincipalID(findings.PrincipalGroup, main.sys, gid)
		known[pid] = true
		main.col.principal(findings.Principal{
			ID: pid, System: main.sys, Kind: findings.PrincipalGroup, NativeID: gid,
			DisplayName: aws.ToString(g.DisplayName), Login: aws.ToString(g.DisplayName), Enabled: true, MFA: findings.MFAUnknown,
			Attributes: map[string]string{"source": "identity_center", "identity_store_id": storeID},
		})
		min := &identitystore.ListGroupMembershipsInput{IdentityStoreId: aws.String(storeID), GroupId: aws.String(gid), MaxResults: aws.Int32(100)}
		err := s.paginate(func(token *string) (*string, error) {
			min.NextToken = token
			out, err := client.ListGroupMemberships(ctx, min)
			if err != nil {
				return nil, err
			}
			for _, m := range out.GroupMemberships {
				uid, ok := m.MemberId.(*idtypes.MemberIdMemberUserId)
				if !ok {
					continue
				}
				upid := findings.PrincipalID(findings.PrincipalUser, main.sys, uid.Value)
				if !known[upid] {
					main.col.principal(unresolved(main.sys, findings.PrincipalUser, uid.Value, storeID))
					known[upid] = true
				}
				main.col.membership(findings.Membership{ID: findings.ObjectID("membership", main.sys, "ic", uid.Value, gid), System: main.sys, MemberID: upid, GroupID: pid})
			}
			return out.NextToken, nil
		})
		if err != nil {
			fail.add(classify("identitystore:ListGroupMemberships", "group "+aws.ToString(g.DisplayName), err))
		}
	}
	fail.report(main, "principals/identity_center_memberships")
	return known
}

func icUser(sys, storeID string, u idtypes.User) findings.Principal {
	id := aws.ToString(u.UserId)
	p := findings.Principal{
		ID: findings.PrincipalID(findings.PrincipalUser, sys, id), System: sys, Kind: findings.PrincipalUser, NativeID: id,
		DisplayName: aws.ToString(u.DisplayName), Login: aws.ToString(u.UserName), Enabled: true, MFA: findings.MFAUnknown,
		Attributes: map[string]string{"source": "identity_center", "identity_store_id": storeID},
	}
	for _, e := range u.Emails {
		v := aws.ToString(e.Value)
		if v == "" {
			continue
		}
		p.Emails = append(p.Emails, v)
		if p.Domain == "" || e.Primary {
			p.Domain = strings.ToLower(v[strings.LastIndex(v, "@")+1:])
		}
	}
	if p.Domain == "" && strings.Contains(p.Login, "@") {
		p.Domain = strings.ToLower(p.Login[strings.LastIndex(p.Login, "@")+1:])
	}
	for _, x := range u.ExternalIds {
		p.Attributes["external_id_issuer"] = aws.ToString(x.Issuer)
	}
	return p
}

func unresolved(sys string, kind findings.PrincipalKind, id, storeID string) findings.Principal {
	return findings.Principal{
		ID: findings.PrincipalID(kind, sys, id), System: sys, Kind: kind, NativeID: id, Enabled: true, MFA: findings.MFAUnknown,
		Attributes: map[string]string{"source": "identity_center", "identity_store_id": storeID, "unresolved": "true"},
	}
}

// permissionSets reads every permission set with its policies and level.
func (s *Scanner) permissionSets(ctx context.Context, main *account, client *ssoadmin.Client, instARN string) map[string]*permissionSet {
	var arns []string
	in := &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(instARN), MaxResults: aws.Int32(100)}
	err := s.paginate(func(token *string) (*string, error) {
		in.NextToken = token
		out, err := client.ListPermissionSets(ctx, in)
		if err != nil {
			return nil, err
		}
		arns = append(arns, out.PermissionSets...)
		return out.NextToken, nil
	})
	if err != nil {
		main.col.gap(main.sys, "grants/identity_center_permission_sets", classify("sso:ListPermissionSets", "", err), "sso:ListPermissionSets")
	}
	main.mu.Lock()
	d := main.iam
	main.mu.Unlock()
	sets := map[string]*permissionSet{}
	var mu sync.Mutex
	var fail failures
	eachBounded(ctx, icConcurrency, arns, func(_ int, arn string) {
		ps := s.permissionSet(ctx, client, instARN, arn, d, &fail)
		mu.Lock()
		sets[arn] = ps
		mu.Unlock()
	})
	fail.report(main, "grants/identity_center_permission_set_details")
	return sets
}

func (s *Scanner) permissionSet(ctx context.Context, client *ssoadmin.Client, instARN, arn string, d *iamData, fail *failures) *permissionSet {
	ps := &permissionSet{arn: arn, name: arnTail(arn), basis: "policy_document"}
	desc, err := client.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: aws.String(instARN), PermissionSetArn: aws.String(arn)})
	if err != nil {
		fail.add(classify("sso:DescribePermissionSet", arn, err))
	} else if desc.PermissionSet != nil {
		ps.name = aws.ToString(desc.PermissionSet.Name)
		ps.session = aws.ToString(desc.PermissionSet.SessionDuration)
	}
	var docs []*policyDoc
	level := findings.Level("")
	managed, err := client.ListManagedPoliciesInPermissionSet(ctx, &ssoadmin.ListManagedPoliciesInPermissionSetInput{InstanceArn: aws.String(instARN), PermissionSetArn: aws.String(arn), MaxResults: aws.Int32(100)})
	if err != nil {
		fail.add(classify("sso:ListManagedPoliciesInPermissionSet", arn, err))
		ps.basis = "incomplete"
	} else {
		for _, m := range managed.AttachedManagedPolicies {
			parn, name := aws.ToString(m.Arn), aws.ToString(m.Name)
			ps.policies = append(ps.policies, name)
			if d != nil && d.policies[parn] != nil && d.policies[parn].doc != nil {
				docs = append(docs, d.policies[parn].doc)
				continue
			}
			l, basis := levelByName(name)
			level = maxLevel(level, l)
			ps.basis = basis
		}
	}
	cm, err := client.ListCustomerManagedPolicyReferencesInPermissionSet(ctx, &ssoadmin.ListCustomerManagedPolicyReferencesInPermissionSetInput{InstanceArn: aws.String(instARN), PermissionSetArn: aws.String(arn), MaxResults: aws.Int32(100)})
	if err != nil {
		fail.add(classify("sso:ListCustomerManagedPolicyReferencesInPermissionSet", arn, err))
		ps.basis = "incomplete"
	} else {
		for _, r := range cm.CustomerManagedPolicyReferences {
			name := aws.ToString(r.Name)
			ps.policies = append(ps.policies, name)
			found := false
			if d != nil {
				for _, mp := range d.policies {
					if mp.name == name && mp.doc != nil && !strings.HasPrefix(mp.arn, "arn:aws:iam::aws:") {
						docs, found = append(docs, mp.doc), true
						break
					}
				}
			}
			if !found {
				l, _ := levelByName(name)
				level = maxLevel(level, l)
				ps.basis = "customer_managed_reference"
			}
		}
	}
	inl, err := client.GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{InstanceArn: aws.String(instARN), PermissionSetArn: aws.String(arn)})
	if err != nil {
		fail.add(classify("sso:GetInlinePolicyForPermissionSet", arn, err))
		ps.basis = "incomplete"
	} else if p := aws.ToString(inl.InlinePolicy); p != "" {
		if doc, perr := parsePolicy(p); perr != nil {
			fail.add(&callError{Action: "sso:GetInlinePolicyForPermissionSet", Where: arn, Msg: perr.Error(), err: perr})
		} else {
			docs = append(docs, doc)
			ps.policies = append(ps.policies, "inline")
		}
	}
	ps.level = maxLevel(level, evaluate(docs...).Level)
	if ps.level == "" {
		ps.level = findings.LevelRead
	}
	sort.Strings(ps.policies)
	return ps
}

// assignments records the permission-set grants on one account.
func (s *Scanner) assignments(ctx context.Context, main, acct *account, client *ssoadmin.Client, instARN, storeID string, sets map[string]*permissionSet, known map[string]bool, kmu *sync.Mutex, fail *failures) {
	var provisioned []string
	in := &ssoadmin.ListPermissionSetsProvisionedToAccountInput{InstanceArn: aws.String(instARN), AccountId: aws.String(acct.id), MaxResults: aws.Int32(100)}
	err := s.paginate(func(token *string) (*string, error) {
		in.NextToken = token
		out, err := client.ListPermissionSetsProvisionedToAccount(ctx, in)
		if err != nil {
			return nil, err
		}
		provisioned = append(provisioned, out.PermissionSets...)
		return out.NextToken, nil
	})
	if err != nil {
		fail.add(classify("sso:ListPermissionSetsProvisionedToAccount", "account "+acct.id, err))
	}
	for _, psARN := range provisioned {
		ps := sets[psARN]
		if ps == nil {
			ps = &permissionSet{arn: psARN, name: arnTail(psARN), level: findings.LevelRead, basis: "unknown"}
		}
		ain := &ssoadmin.ListAccountAssignmentsInput{InstanceArn: aws.String(instARN), AccountId: aws.String(acct.id), PermissionSetArn: aws.String(psARN), MaxResults: aws.Int32(100)}
		err := s.paginate(func(token *string) (*string, error) {
			ain.NextToken = token
			out, err := client.ListAccountAssignments(ctx, ain)
			if err != nil {
				return nil, err
			}
			for _, as := range out.AccountAssignments {
				kind := findings.PrincipalUser
				if as.PrincipalType == ssotypes.PrincipalTypeGroup {
					kind = findings.PrincipalGroup
				}
				native := aws.ToString(as.PrincipalId)
				pid := findings.PrincipalID(kind, main.sys, native)
				kmu.Lock()
				if !known[pid] {
					known[pid] = true
					main.col.principal(unresolved(main.sys, kind, native, storeID))
				}
				kmu.Unlock()
				attrs := map[string]string{"source": "identity_center", "instance_arn": instARN, "level_basis": ps.basis}
				if ps.session != "" {
					attrs["session_duration"] = ps.session
				}
				if len(ps.policies) > 0 {
					attrs["policies"] = strings.Join(ps.policies, ",")
				}
				acct.col.grant(findings.Grant{
					ID:     findings.GrantID(acct.sys, pid, psARN, acct.id, findings.AssignmentPermanent, nil),
					System: acct.sys, PrincipalID: pid, Privilege: ps.name, PrivilegeID: psARN, Level: ps.level,
					Scope: acct.id, Assignment: findings.AssignmentPermanent, Direct: true, Attributes: attrs,
				})
			}
			return out.NextToken, nil
		})
		if err != nil {
			fail.add(classify("sso:ListAccountAssignments", "account "+acct.id+" "+ps.name, err))
		}
	}
}
