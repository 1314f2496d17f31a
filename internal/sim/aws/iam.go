package awssim

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

var iamHandlers = map[string]handler{
	"iam:GetAccountAuthorizationDetails": getAccountAuthorizationDetails,
	"iam:GetAccountSummary":              getAccountSummary,
	"iam:ListAccountAliases":             listAccountAliases,
	"iam:ListAccessKeys":                 listAccessKeys,
	"iam:GenerateCredentialReport":       generateCredentialReport,
	"iam:GetCredentialReport":            getCredentialReport,
	"iam:ListSAMLProviders":              listSAMLProviders,
	"iam:GetSAMLProvider":                getSAMLProvider,
	"iam:ListOpenIDConnectProviders":     listOIDCProviders,
	"iam:GetOpenIDConnectProvider":       getOIDCProvider,
}

var stsHandlers = map[string]handler{
	"sts:GetCallerIdentity": getCallerIdentity,
	"sts:AssumeRole":        assumeRole,
}

func (c *call) iamAccount() (*Account, *apiError) {
	if c.acct == nil {
		return nil, errorf(403, "AccessDenied", "account %s is not in the scenario", c.cred.Account)
	}
	return c.acct, nil
}

// encodeDoc URL-encodes a policy document the way IAM returns it
// (RFC 3986, spaces as %20).
func encodeDoc(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

type gaadItem struct {
	kind string // User, Group, Role, Policy
	xml  string
}

func getAccountAuthorizationDetails(c *call) (response, *apiError) {
	a, err := c.iamAccount()
	if err != nil {
		return response{}, err
	}
	filter := map[string]bool{}
	for i := 1; ; i++ {
		v := c.form.Get("Filter.member." + strconv.Itoa(i))
		if v == "" {
			break
		}
		filter[v] = true
	}
	want := func(k string) bool { return len(filter) == 0 || filter[k] }
	items := gaadItems(a, want)
	max, _ := strconv.Atoi(c.form.Get("MaxItems"))
	if max > 1000 {
		return response{}, errorf(400, "ValidationError", "1 validation error detected: Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000", max)
	}
	start, end, next, perr := c.paginate(len(items), c.form.Get("Marker"), max, 100)
	if perr != nil {
		return response{}, perr
	}
	var users, groups, roles, pols xb
	for _, it := range items[start:end] {
		switch it.kind {
		case "User":
			users.raw(it.xml)
		case "Group":
			groups.raw(it.xml)
		case "Role":
			roles.raw(it.xml)
		default:
			pols.raw(it.xml)
		}
	}
	var b xb
	b.raw("<UserDetailList>" + users.String() + "</UserDetailList>")
	b.raw("<GroupDetailList>" + groups.String() + "</GroupDetailList>")
	b.raw("<RoleDetailList>" + roles.String() + "</RoleDetailList>")
	b.raw("<Policies>" + pols.String() + "</Policies>")
	b.bool("IsTruncated", next != "")
	b.opt("Marker", next)
	return queryOK(c, b.String())
}

func gaadItems(a *Account, want func(string) bool) []gaadItem {
	var items []gaadItem
	attached := map[string]int{}
	count := func(refs []string) {
		for _, r := range refs {
			attached[policyARN(a, r)]++
		}
	}
	if want("User") {
		for _, u := range a.Users {
			var b xb
			entityXML(&b, a, "User", "AIDA", u.Path, u.Name, u.Created)
			inlineXML(&b, "UserPolicyList", u.Inline)
			b.open("GroupList")
			for _, g := range u.Groups {
				b.el("member", g)
			}
			b.close("GroupList")
			attachedXML(&b, a, u.Policies)
			boundaryXML(&b, a, u.Boundary)
			tagsXML(&b, u.Tags)
			b.close("member")
			items = append(items, gaadItem{"User", b.String()})
		}
	}
	if want("Group") {
		for _, g := range a.Groups {
			var b xb
			entityXML(&b, a, "Group", "AGPA", g.Path, g.Name, g.Created)
			inlineXML(&b, "GroupPolicyList", g.Inline)
			attachedXML(&b, a, g.Policies)
			b.close("member")
			items = append(items, gaadItem{"Group", b.String()})
		}
	}
	if want("Role") {
		for _, r := range a.Roles {
			var b xb
			entityXML(&b, a, "Role", "AROA", r.Path, r.Name, r.Created)
			b.el("AssumeRolePolicyDocument", encodeDoc(r.Trust))
			b.raw("<InstanceProfileList/>")
			inlineXML(&b, "RolePolicyList", r.Inline)
			attachedXML(&b, a, r.Policies)
			boundaryXML(&b, a, r.Boundary)
			tagsXML(&b, r.Tags)
			b.open("RoleLastUsed")
			if r.LastUsed != nil {
				b.time("LastUsedDate", *r.LastUsed)
				b.el("Region", "us-east-1")
			}
			b.close("RoleLastUsed")
			b.close("member")
			items = append(items, gaadItem{"Role", b.String()})
		}
	}
	for _, u := range a.Users {
		count(u.Policies)
	}
	for _, g := range a.Groups {
		count(g.Policies)
	}
	for _, r := range a.Roles {
		count(r.Policies)
	}
	if want("LocalManagedPolicy") {
		for _, p := range a.Policies {
			if strings.HasPrefix(p.ARN, "arn:aws:iam::aws:") {
				continue
			}
			arn := localPolicyARN(a, p)
			items = append(items, gaadItem{"Policy", policyXML(a, p.Name, arn, p.Path, p.Document, attached[arn])})
		}
	}
	if want("AWSManagedPolicy") {
		// Like IAM, list the AWS managed policies that are attached here.
		var names []string
		for arn := range attached {
			if strings.HasPrefix(arn, "arn:aws:iam::aws:policy/") {
				names = append(names, arn)
			}
		}
		sort.Strings(names)
		for _, arn := range names {
			name := arnName(arn)
			doc, ok := awsManaged[name]
			for _, p := range a.Policies {
				if p.ARN == arn {
					doc, ok = p.Document, true
				}
			}
			if !ok {
				doc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + strings.ToLower(name) + `:Get*","Resource":"*"}]}`
			}
			items = append(items, gaadItem{"Policy", policyXML(a, name, arn, "/", doc, attached[arn])})
		}
	}
	return items
}

// entityXML opens the GAAD member of a user, group or role (kind "User",
// "Group" or "Role") and writes the fields the three share.
func entityXML(b *xb, a *Account, kind, idPrefix, path, name string, created time.Time) {
	lower := strings.ToLower(kind)
	b.open("member")
	b.el("Path", path)
	b.el(kind+"Name", name)
	b.el(kind+"Id", upperID(idPrefix, a.ID, lower, name))
	b.el("Arn", "arn:aws:iam::"+a.ID+":"+lower+path+name)
	b.time("CreateDate", created)
}

func policyXML(a *Account, name, arn, path, doc string, attachments int) string {
	if path == "" {
		path = "/"
	}
	var b xb
	b.open("member")
	b.el("PolicyName", name)
	b.el("PolicyId", upperID("ANPA", arn))
	b.el("Arn", arn)
	b.el("Path", path)
	b.el("DefaultVersionId", "v2")
	b.el("AttachmentCount", strconv.Itoa(attachments))
	b.el("PermissionsBoundaryUsageCount", "0")
	b.bool("IsAttachable", true)
	b.time("CreateDate", defaultCreated)
	b.time("UpdateDate", defaultCreated)
	version := func(doc, id string, isDefault bool) {
		b.open("member")
		b.el("Document", encodeDoc(doc))
		b.el("VersionId", id)
		b.bool("IsDefaultVersion", isDefault)
		b.time("CreateDate", defaultCreated)
		b.close("member")
	}
	b.open("PolicyVersionList")
	// An old version first, to check that only the default one is used.
	version(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, "v1", false)
	version(doc, "v2", true)
	b.close("PolicyVersionList")
	b.close("member")
	return b.String()
}

func inlineXML(b *xb, list string, pols []InlinePolicy) {
	b.open(list)
	for _, p := range pols {
		b.open("member")
		b.el("PolicyName", p.Name)
		b.el("PolicyDocument", encodeDoc(p.Document))
		b.close("member")
	}
	b.close(list)
}

func attachedXML(b *xb, a *Account, refs []string) {
	b.open("AttachedManagedPolicies")
	for _, r := range refs {
		arn := policyARN(a, r)
		b.open("member")
		b.el("PolicyName", arnName(arn))
		b.el("PolicyArn", arn)
		b.close("member")
	}
	b.close("AttachedManagedPolicies")
}

func boundaryXML(b *xb, a *Account, ref string) {
	if ref == "" {
		return
	}
	b.open("PermissionsBoundary")
	b.el("PermissionsBoundaryType", "Policy")
	b.el("PermissionsBoundaryArn", policyARN(a, ref))
	b.close("PermissionsBoundary")
}

func tagsXML(b *xb, tags map[string]string) {
	if len(tags) == 0 {
		return
	}
	b.open("Tags")
	for _, k := range sortedKeys(tags) {
		b.open("member")
		b.el("Key", k)
		b.el("Value", tags[k])
		b.close("member")
	}
	b.close("Tags")
}

func getAccountSummary(c *call) (response, *apiError) {
	a, err := c.iamAccount()
	if err != nil {
		return response{}, err
	}
	mfa := 0
	if a.Root.MFA {
		mfa = 1
	}
	keys := 0
	if a.Root.AccessKeys > 0 {
		keys = 1
	}
	m := map[string]int{
		"AccountMFAEnabled":                 mfa,
		"AccountAccessKeysPresent":          keys,
		"AccountSigningCertificatesPresent": 0,
		"Users":                             len(a.Users),
		"Groups":                            len(a.Groups),
		"Roles":                             len(a.Roles),
		"Policies":                          len(a.Policies),
		"UsersQuota":                        5000,
		"GroupsQuota":                       300,
		"RolesQuota":                        1000,
		"MFADevices":                        0,
		"MFADevicesInUse":                   0,
	}
	var b xb
	b.open("SummaryMap")
	for _, k := range sortedKeys(m) {
		b.open("entry")
		b.el("key", k)
		b.el("value", strconv.Itoa(m[k]))
		b.close("entry")
	}
	b.close("SummaryMap")
	return queryOK(c, b.String())
}

func listAccountAliases(c *call) (response, *apiError) {
	a, err := c.iamAccount()
	if err != nil {
		return response{}, err
	}
	var b xb
	b.open("AccountAliases")
	if a.Alias != "" {
		b.el("member", a.Alias)
	}
	b.close("AccountAliases")
	b.bool("IsTruncated", false)
	return queryOK(c, b.String())
}

// accessKeyID is a user's n-th (from 0) access key id.
func accessKeyID(u *User, n int) string {
	if id := u.AccessKeys[n].ID; id != "" {
		return id
	}
	return "AKIA-EXAMPLE-" + strings.ToUpper(u.Name) + "-" + strconv.Itoa(n+1)
}

// listAccessKeys answers iam:ListAccessKeys for one user (UserName); a
// user has at most two keys, so there is one page.
func listAccessKeys(c *call) (response, *apiError) {
	a, err := c.iamAccount()
	if err != nil {
		return response{}, err
	}
	name := c.form.Get("UserName")
	var u *User
	for i := range a.Users {
		if a.Users[i].Name == name {
			u = &a.Users[i]
		}
	}
	if u == nil {
		return response{}, errorf(404, "NoSuchEntity", "The user with name %s cannot be found.", name)
	}
	var b xb
	b.open("AccessKeyMetadata")
	for i, k := range u.AccessKeys {
		b.open("member")
		b.el("UserName", u.Name)
		b.el("AccessKeyId", accessKeyID(u, i))
		b.el("Status", map[bool]string{true: "Active", false: "Inactive"}[k.Active])
		b.time("CreateDate", k.Created)
		b.close("member")
	}
	b.close("AccessKeyMetadata")
	b.bool("IsTruncated", false)
	return queryOK(c, b.String())
}

func generateCredentialReport(c *call) (response, *apiError) {
	a, err := c.iamAccount()
	if err != nil {
		return response{}, err
	}
	c.f.reports[a.ID]++
	state := "STARTED"
	desc := "No report exists. Starting a new report generation task"
	if c.f.reports[a.ID] > 1 {
		state, desc = "COMPLETE", ""
	}
	var b xb
	b.el("State", state)
	b.opt("Description", desc)
	return queryOK(c, b.String())
}

func getCredentialReport(c *call) (response, *apiError) {
	a, err := c.iamAccount()
	if err != nil {
		return response{}, err
	}
	switch c.f.reports[a.ID] {
	case 0:
		return response{}, errorf(410, "ReportNotPresent", "Credential report not present.")
	case 1:
		return response{}, errorf(404, "ReportInProgress", "Credential report is being generated.")
	}
	at := c.f.now()
	if a.CredentialReportAt != nil {
		at = *a.CredentialReportAt
	}
	var b xb
	b.el("Content", base64.StdEncoding.EncodeToString(credentialReportCSV(a, at)))
	b.el("ReportFormat", "text/csv")
	b.time("GeneratedTime", at)
	return queryOK(c, b.String())
}

// CredentialReportColumns are the columns of IAM's credential report.
var CredentialReportColumns = []string{
	"user", "arn", "user_creation_time", "password_enabled", "password_last_used",
	"password_last_changed", "password_next_rotation", "mfa_active",
	"access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
	"access_key_1_last_used_region", "access_key_1_last_used_service",
	"access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
	"access_key_2_last_used_region", "access_key_2_last_used_service",
	"cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated",
}

func reportTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }

// credentialReportCSV is the report as generated at time at.
func credentialReportCSV(a *Account, at time.Time) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(CredentialReportColumns)
	opt := func(t *time.Time, none string) string {
		if t == nil {
			return none
		}
		return reportTime(*t)
	}
	rootKey := func(n int) []string {
		if a.Root.AccessKeys >= n {
			return []string{"true", reportTime(a.Joined), opt(a.Root.KeyLastUsed, "N/A"), "us-east-1", "s3"}
		}
		return []string{"false", "N/A", "N/A", "N/A", "N/A"}
	}
	root := []string{"<root_account>", "arn:aws:iam::" + a.ID + ":root", reportTime(a.Joined), "not_supported",
		opt(a.Root.PasswordLastUsed, "no_information"), "not_supported", "not_supported", strconv.FormatBool(a.Root.MFA)}
	root = append(root, rootKey(1)...)
	root = append(root, rootKey(2)...)
	root = append(root, "false", "N/A", "false", "N/A")
	_ = w.Write(root)
	for _, u := range a.Users {
		if u.Created.After(at) {
			continue // created after the report was generated
		}
		pwUsed, pwChanged := "N/A", "N/A"
		if u.Password {
			pwUsed = opt(u.PasswordLastUsed, "no_information")
			pwChanged = reportTime(u.Created)
		}
		row := []string{u.Name, "arn:aws:iam::" + a.ID + ":user" + u.Path + u.Name, reportTime(u.Created),
			strconv.FormatBool(u.Password), pwUsed, pwChanged, "N/A", strconv.FormatBool(u.MFA)}
		for i := 0; i < 2; i++ {
			if i < len(u.AccessKeys) {
				k := u.AccessKeys[i]
				created := k.Created
				if created.IsZero() {
					created = u.Created
				}
				region, svc := "N/A", "N/A"
				if k.LastUsed != nil {
					region, svc = k.LastRegion, k.LastService
					if region == "" {
						region = "us-east-1"
					}
					if svc == "" {
						svc = "sts"
					}
				}
				row = append(row, strconv.FormatBool(k.Active), reportTime(created), opt(k.LastUsed, "N/A"), region, svc)
			} else {
				row = append(row, "false", "N/A", "N/A", "N/A", "N/A")
			}
		}
		row = append(row, "false", "N/A", "false", "N/A")
		_ = w.Write(row)
	}
	w.Flush()
	return buf.Bytes()
}

func getCallerIdentity(c *call) (response, *apiError) {
	var b xb
	b.el("Arn", c.cred.ARN)
	b.el("UserId", upperID("AIDA", c.cred.AccessKeyID))
	b.el("Account", c.cred.Account)
	return queryOK(c, b.String())
}

func assumeRole(c *call) (response, *apiError) {
	roleARN := c.form.Get("RoleArn")
	session := c.form.Get("RoleSessionName")
	p := strings.Split(roleARN, ":")
	if len(p) != 6 || !strings.HasPrefix(p[5], "role/") {
		return response{}, errorf(400, "ValidationError", "%s is invalid", roleARN)
	}
	acctID, roleName := p[4], arnName(p[5])
	for _, f := range c.f.sc.Faults.FailAssumeRole {
		if f == acctID {
			return response{}, errorf(403, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.cred.ARN, roleARN)
		}
	}
	a := c.f.account(acctID)
	found := false
	if a != nil {
		for _, r := range a.Roles {
			if r.Name == roleName {
				found = true
			}
		}
	}
	if !found {
		return response{}, errorf(403, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.cred.ARN, roleARN)
	}
	c.f.issued++
	key := "ASIA" + strings.ToUpper(id(12, acctID, roleName)) + strconv.Itoa(1000+c.f.issued)
	assumed := "arn:aws:sts::" + acctID + ":assumed-role/" + roleName + "/" + session
	c.f.creds[key] = Credential{AccessKeyID: key, Account: acctID, ARN: assumed}
	dur, _ := strconv.Atoi(c.form.Get("DurationSeconds"))
	if dur == 0 {
		dur = 3600
	}
	var b xb
	b.open("Credentials")
	b.el("AccessKeyId", key)
	b.el("SecretAccessKey", "awssim-secret-"+id(16, key))
	b.el("SessionToken", "awssim-token-"+id(32, key))
	// Expiration relative to the wall clock: the SDK's credential cache
	// compares it with time.Now.
	b.time("Expiration", time.Now().Add(time.Duration(dur)*time.Second))
	b.close("Credentials")
	b.open("AssumedRoleUser")
	b.el("AssumedRoleId", upperID("AROA", acctID, roleName)+":"+session)
	b.el("Arn", assumed)
	b.close("AssumedRoleUser")
	return queryOK(c, b.String())
}
