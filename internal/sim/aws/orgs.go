package awssim

import (
	"slices"
	"strings"
)

var orgHandlers = map[string]handler{
	"organizations:DescribeOrganization": describeOrganization,
	"organizations:ListAccounts":         listAccounts,
	"organizations:ListPolicies":         listPolicies,
	"organizations:ListTagsForResource":  listTagsForResource,
}

var accountHandlers = map[string]handler{
	"account:GetAlternateContact":   getAlternateContact,
	"account:GetContactInformation": getContactInformation,
	"account:ListRegions":           listRegions,
}

// org returns the organisation the caller belongs to, or nil.
func (c *call) org() *Organization {
	o := c.f.sc.Organization
	if o == nil || !slices.Contains(o.Members, c.cred.Account) {
		return nil
	}
	return o
}

func notInOrg() *apiError {
	return errorf(400, "AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
}

func describeOrganization(c *call) (response, *apiError) {
	o := c.org()
	if o == nil {
		return response{}, notInOrg()
	}
	return jsonOK(c, map[string]any{"Organization": map[string]any{
		"Id":                 o.ID,
		"Arn":                "arn:aws:organizations::" + o.ManagementAccount + ":organization/" + o.ID,
		"FeatureSet":         o.FeatureSet,
		"MasterAccountArn":   "arn:aws:organizations::" + o.ManagementAccount + ":account/" + o.ID + "/" + o.ManagementAccount,
		"MasterAccountId":    o.ManagementAccount,
		"MasterAccountEmail": o.ManagementEmail,
		"AvailablePolicyTypes": []map[string]string{
			{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"},
		},
	}})
}

func (c *call) orgAdmin() (*Organization, *apiError) {
	o := c.org()
	if o == nil {
		return nil, notInOrg()
	}
	if c.cred.Account != o.ManagementAccount && !slices.Contains(o.DelegatedAdmins, c.cred.Account) {
		return nil, errorf(400, "AccessDeniedException", "You don't have permissions to access this resource.")
	}
	return o, nil
}

func listAccounts(c *call) (response, *apiError) {
	o, err := c.orgAdmin()
	if err != nil {
		return response{}, err
	}
	start, end, next, perr := c.paginate(len(o.Members), c.str("NextToken"), c.num("MaxResults"), 20)
	if perr != nil {
		return response{}, perr
	}
	var accts []map[string]any
	for _, mid := range o.Members[start:end] {
		a := c.f.account(mid)
		name, email, status, joined, method := "account-"+mid, "aws+"+mid+"@example.invalid", "ACTIVE", defaultCreated, "CREATED"
		if a != nil {
			name, email, status, joined, method = a.Name, a.Email, a.Status, a.Joined, a.JoinedMethod
		}
		accts = append(accts, map[string]any{
			"Id":              mid,
			"Arn":             "arn:aws:organizations::" + o.ManagementAccount + ":account/" + o.ID + "/" + mid,
			"Email":           email,
			"Name":            name,
			"Status":          status,
			"State":           status,
			"JoinedMethod":    method,
			"JoinedTimestamp": epoch(joined),
		})
	}
	out := map[string]any{"Accounts": accts}
	if next != "" {
		out["NextToken"] = next
	}
	return jsonOK(c, out)
}

func listPolicies(c *call) (response, *apiError) {
	o, err := c.orgAdmin()
	if err != nil {
		return response{}, err
	}
	if c.str("Filter") != "SERVICE_CONTROL_POLICY" {
		return jsonOK(c, map[string]any{"Policies": []any{}})
	}
	pols := []map[string]any{{
		"Id": "p-FullAWSAccess", "Arn": "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
		"Name": "FullAWSAccess", "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": true,
		"Description": "Allows access to every operation",
	}}
	for _, n := range o.SCPs {
		pid := "p-" + id(8, n)
		pols = append(pols, map[string]any{
			"Id": pid, "Arn": "arn:aws:organizations::" + o.ManagementAccount + ":policy/" + o.ID + "/service_control_policy/" + pid,
			"Name": n, "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": false,
		})
	}
	start, end, next, perr := c.paginate(len(pols), c.str("NextToken"), c.num("MaxResults"), 20)
	if perr != nil {
		return response{}, perr
	}
	return jsonOK(c, withNext(map[string]any{"Policies": pols[start:end]}, next))
}

// targetAccount resolves the AccountId input of the Account API: the
// caller's own account, or a member when the caller is the management
// account.
func (c *call) targetAccount() (*Account, *apiError) {
	acctID := c.str("AccountId")
	if acctID == "" || acctID == c.cred.Account {
		if c.acct == nil {
			return nil, errorf(403, "AccessDeniedException", "account %s is not in the scenario", c.cred.Account)
		}
		return c.acct, nil
	}
	o := c.org()
	if o == nil || o.ManagementAccount != c.cred.Account || !slices.Contains(o.Members, acctID) {
		return nil, errorf(403, "AccessDeniedException", "You don't have permissions to access account %s.", acctID)
	}
	a := c.f.account(acctID)
	if a == nil {
		return nil, errorf(404, "ResourceNotFoundException", "account %s not found", acctID)
	}
	return a, nil
}

func getAlternateContact(c *call) (response, *apiError) {
	a, err := c.targetAccount()
	if err != nil {
		return response{}, err
	}
	typ := c.str("AlternateContactType")
	for _, ac := range a.AlternateContacts {
		if strings.EqualFold(ac.Type, typ) {
			return jsonOK(c, map[string]any{"AlternateContact": map[string]any{
				"AlternateContactType": typ,
				"EmailAddress":         ac.Email,
				"Name":                 ac.Name,
				"PhoneNumber":          ac.Phone,
				"Title":                ac.Title,
			}})
		}
	}
	return response{}, errorf(404, "ResourceNotFoundException", "No contact of the inputted alternate contact type found.")
}

func getContactInformation(c *call) (response, *apiError) {
	a, err := c.targetAccount()
	if err != nil {
		return response{}, err
	}
	ci := a.ContactInformation
	if ci == nil {
		return response{}, errorf(404, "ResourceNotFoundException", "No contact information found.")
	}
	return jsonOK(c, map[string]any{"ContactInformation": map[string]any{
		"FullName":     ci.FullName,
		"CompanyName":  ci.CompanyName,
		"PhoneNumber":  ci.PhoneNumber,
		"AddressLine1": "1 Example Street",
		"City":         ci.City,
		"CountryCode":  ci.CountryCode,
		"PostalCode":   "00000",
		"WebsiteUrl":   ci.WebsiteURL,
	}})
}

// defaultEnabledRegions are the regions an account has enabled when the
// scenario does not say (Account.Regions), plus its Identity Center
// instance's region.
var defaultEnabledRegions = []string{"eu-central-1", "eu-west-1", "us-east-1", "us-east-2", "us-west-2"}

// listRegions answers account:ListRegions with the calling account's
// enabled regions (RegionOptStatusContains ENABLED, ENABLED_BY_DEFAULT),
// paged by MaxResults/NextToken.
func listRegions(c *call) (response, *apiError) {
	a := c.acct
	if a == nil {
		return response{}, errorf(403, "AccessDeniedException", "no account")
	}
	regions := a.Regions
	if len(regions) == 0 {
		regions = append([]string(nil), defaultEnabledRegions...)
		if a.IdentityCenter != nil && !slices.Contains(regions, a.IdentityCenter.Region) {
			regions = append(regions, a.IdentityCenter.Region)
		}
	}
	regions = slices.Clone(regions)
	slices.Sort(regions)
	start, end, next, perr := c.paginate(len(regions), c.str("NextToken"), c.num("MaxResults"), 50)
	if perr != nil {
		return response{}, perr
	}
	out := []map[string]any{}
	for _, r := range regions[start:end] {
		out = append(out, map[string]any{"RegionName": r, "RegionOptStatus": "ENABLED_BY_DEFAULT"})
	}
	return jsonOK(c, withNext(map[string]any{"Regions": out}, next))
}

// listTagsForResource answers organizations:ListTagsForResource for a
// member account, from the management account (or a delegated
// administrator), paged by NextToken.
func listTagsForResource(c *call) (response, *apiError) {
	o := c.org()
	if o == nil {
		return response{}, notInOrg()
	}
	if c.cred.Account != o.ManagementAccount && !slices.Contains(o.DelegatedAdmins, c.cred.Account) {
		return response{}, errorf(400, "AccessDeniedException", "You don't have permissions to access this resource.")
	}
	id := c.str("ResourceId")
	if !slices.Contains(o.Members, id) {
		return response{}, errorf(400, "TargetNotFoundException", "You specified a target that doesn't exist.")
	}
	var tags map[string]string
	for i := range c.f.sc.Accounts {
		if c.f.sc.Accounts[i].ID == id {
			tags = c.f.sc.Accounts[i].Tags
		}
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	start, end, next, perr := c.paginate(len(keys), c.str("NextToken"), 0, 2)
	if perr != nil {
		return response{}, perr
	}
	out := []map[string]any{}
	for _, k := range keys[start:end] {
		out = append(out, map[string]any{"Key": k, "Value": tags[k]})
	}
	return jsonOK(c, withNext(map[string]any{"Tags": out}, next))
}
