package aws

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/keyholder/keyholder/findings"
)

// orgInfo is what DescribeOrganization says.
type orgInfo struct {
	ID          string
	ARN         string
	FeatureSet  string
	MasterID    string
	MasterEmail string
	// err is set when the organisation could not be read; then the other
	// fields are empty and nothing may be concluded about ownership.
	err error
}

// orgAccount is one account of ListAccounts.
type orgAccount struct {
	ID, Name, Email, Status, JoinedMethod string
}

// describeOrganization reads the organisation main belongs to. Outside an
// organisation it returns nil; when denied it records a gap and returns an
// orgInfo holding the error.
func (s *Scanner) describeOrganization(ctx context.Context, main *account) *orgInfo {
	out, err := organizations.NewFromConfig(main.cfg).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		if isCode(err, "AWSOrganizationsNotInUseException") {
			return nil
		}
		err = classify("organizations:DescribeOrganization", "", err)
		main.col.gap(main.sys, "organization/describe", err, "organizations:DescribeOrganization")
		return &orgInfo{err: err}
	}
	o := out.Organization
	return &orgInfo{
		ID: aws.ToString(o.Id), ARN: aws.ToString(o.Arn), FeatureSet: string(o.FeatureSet),
		MasterID: aws.ToString(o.MasterAccountId), MasterEmail: aws.ToString(o.MasterAccountEmail),
	}
}

// listAccounts pages through the organisation's accounts. On an error it
// returns the accounts the earlier pages held together with the error.
func (s *Scanner) listAccounts(ctx context.Context, main *account) ([]orgAccount, error) {
	client := organizations.NewFromConfig(main.cfg)
	var out []orgAccount
	in := &organizations.ListAccountsInput{}
	pages := 0 // pages asked for
	err := s.paginate(func(token *string) (*string, error) {
		in.NextToken = token
		pages++
		page, err := client.ListAccounts(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, a := range page.Accounts {
			out = append(out, orgAccount{ID: aws.ToString(a.Id), Name: aws.ToString(a.Name), Email: aws.ToString(a.Email),
				Status: string(a.State), JoinedMethod: string(a.JoinedMethod)})
			if out[len(out)-1].Status == "" {
				out[len(out)-1].Status = string(a.Status) //nolint:staticcheck // older field, still sent
			}
		}
		return page.NextToken, nil
	})
	if err != nil {
		err = classify("organizations:ListAccounts", pageWhere(pages-1), err)
	}
	seen := map[string]bool{}
	var uniq []orgAccount
	for _, a := range out {
		if !seen[a.ID] {
			seen[a.ID] = true
			uniq = append(uniq, a)
		}
	}
	sort.Slice(uniq, func(i, j int) bool { return uniq[i].ID < uniq[j].ID })
	return uniq, err
}

func pageWhere(pagesBefore int) string { return "page " + strconv.Itoa(pagesBefore+1) }

// orgFacts records what the organisation says about account a: the
// management account (owner of record for billing), its e-mail, the
// account's own root e-mail where readable, and SCPs from the management
// account.
func (a *account) orgFacts() {
	o := a.org
	switch {
	case o == nil:
		a.attr("organization", "none")
		a.rootEmailGap("the account is not in an organisation; AWS exposes the root e-mail of a standalone account to no read API")
		a.col.licence(billingLicence(a, a.id, ""))
	case o.err != nil:
		a.col.gap(a.sys, "licences/billing", o.err, "organizations:DescribeOrganization")
		a.rootEmailGap("the organisation could not be read")
	default:
		a.attr("organization_id", o.ID)
		a.attr("organization_feature_set", o.FeatureSet)
		a.attr("management_account", o.MasterID)
		a.contact(findings.Contact{Kind: "management_account", Email: o.MasterEmail})
		a.col.licence(billingLicence(a, o.MasterID, o.MasterEmail))
		switch {
		case a.isManagement():
			a.attr("organization_role", "management")
			a.setRootEmail(o.MasterEmail)
		case a.member != nil && a.member.Email != "":
			a.attr("organization_role", "member")
			a.setRootEmail(a.member.Email)
			a.attr("joined_method", strings.ToLower(a.member.JoinedMethod))
		default:
			a.attr("organization_role", "member")
			a.rootEmailGap("the root e-mail of a member account is readable only from the management account (organizations:ListAccounts); scan this account with organization mode from the management account " + o.MasterID)
		}
		a.orgManagementTrust()
	}
}

func (a *account) setRootEmail(email string) {
	a.mu.Lock()
	a.rootEmail = email
	a.mu.Unlock()
	if email != "" {
		a.contact(findings.Contact{Kind: "root", Email: email})
	}
}

func (a *account) rootEmailGap(why string) {
	a.col.note(a.sys, "contacts/root_email", findings.GapUnsupported, "aws: root e-mail of account "+a.id+" unknown: "+why,
		"organizations:ListAccounts from the management account (organization mode)")
}

// billingLicence records the account's billing owner of record: the
// organisation's management (payer) account, or the account itself.
func billingLicence(a *account, owner, ownerEmail string) findings.Licence {
	attrs := map[string]string{"role": "billing_owner_of_record"}
	if ownerEmail != "" {
		attrs["owner_email"] = ownerEmail
	}
	if owner != a.id {
		attrs["payer"] = "organization_management_account"
	} else {
		attrs["payer"] = "self"
	}
	status := "ACTIVE"
	if a.member != nil && a.member.Status != "" {
		status = a.member.Status
	}
	return findings.Licence{
		ID: findings.ObjectID("licence", a.sys, "billing"), System: a.sys,
		Product: "AWS account " + a.id, SKU: "aws-account", Quantity: 1, Status: status,
		OwnerOfRecord: owner, OwnerKind: "aws_account", Channel: "direct", Attributes: attrs,
	}
}

// orgManagementTrust records the organisation's management account as a
// trust of a member account. Its level is filled in from
// OrganizationAccountAccessRole once IAM is read (see trusts.go).
func (a *account) orgManagementTrust() {
	if a.org == nil || a.org.err != nil || a.isManagement() {
		return
	}
	a.mu.Lock()
	a.needOrgTrust = true
	a.mu.Unlock()
}

// collectSCPs records the service control policies of the organisation,
// readable from the management account.
func (a *account) collectSCPs(ctx context.Context) {
	if !a.isManagement() || a.org.FeatureSet != string(orgtypes.OrganizationFeatureSetAll) {
		return
	}
	client := organizations.NewFromConfig(a.cfg)
	in := &organizations.ListPoliciesInput{Filter: orgtypes.PolicyTypeServiceControlPolicy}
	var names []string
	err := a.s.paginate(func(token *string) (*string, error) {
		in.NextToken = token
		page, err := client.ListPolicies(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, p := range page.Policies {
			names = append(names, aws.ToString(p.Name))
		}
		return page.NextToken, nil
	})
	if err != nil {
		// The names read before the error are recorded, marked partial;
		// the gap says the list is incomplete.
		a.col.gap(a.sys, "organization/scp", classify("organizations:ListPolicies", "", err), "organizations:ListPolicies")
		if len(names) == 0 {
			return
		}
		a.attr("service_control_policies_partial", "true")
	}
	sort.Strings(names)
	a.attr("service_control_policies", strings.Join(names, ","))
}

// tagAttr prefixes the AWS tags recorded as attributes (aws_tag:<Key>) on
// role and user principals, backup vaults and buckets, and account
// systems.
const tagAttr = "aws_tag:"

// wantTags reports whether the config names AWS tags in a sensitive
// segment: only then are vault, bucket and account tags read.
func (s *Scanner) wantTags() bool {
	if s.env.Config == nil {
		return false
	}
	for _, seg := range s.env.Config.Sensitive {
		if len(seg.AWSTags) > 0 {
			return true
		}
	}
	return false
}

// accountTags records the tags of account a from the organisation
// (organizations:ListTagsForResource, readable from the management account
// or a delegated administrator) as aws_tag:<Key> system attributes. A
// failure is a gap on a's system.
func (s *Scanner) accountTags(ctx context.Context, main, a *account) {
	client := organizations.NewFromConfig(main.cfg)
	in := &organizations.ListTagsForResourceInput{ResourceId: aws.String(a.id)}
	tags := map[string]string{}
	err := s.paginate(func(token *string) (*string, error) {
		in.NextToken = token
		out, err := client.ListTagsForResource(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, t := range out.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		return out.NextToken, nil
	})
	if err != nil {
		a.attr("aws_tags_read", "false")
		a.col.gap(a.sys, "grants/aws_tags/account", classify("organizations:ListTagsForResource", "account "+a.id, err),
			"organizations:ListTagsForResource from the management or a delegated administrator account")
		return
	}
	a.attr("aws_tags_read", "true")
	for k, v := range tags {
		a.attr(tagAttr+k, v)
	}
}
