package aws

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keyholder/keyholder/findings"
)

// iamData is what GetAccountAuthorizationDetails returned, decoded, plus
// what other collections need from it.
type iamData struct {
	users    []iamtypes.UserDetail
	groups   []iamtypes.GroupDetail
	roles    []iamtypes.RoleDetail
	policies map[string]*managedPolicy // by ARN
	// docs holds every identity policy document in effect for each
	// principal id (a user's include its groups'), for deleter analysis.
	docs map[string][]*policyDoc
	// boundaries are the permissions boundary documents by principal id.
	boundaries map[string]*policyDoc
	// roleLevel is the highest level each role's policies give, by name.
	roleLevel map[string]findings.Level
	// rolePolicies are the policy names of each role, by name.
	rolePolicies map[string][]string
	complete     bool
}

type managedPolicy struct {
	name, arn string
	doc       *policyDoc
	err       error
}

// gaadMaxItems is the largest page GetAccountAuthorizationDetails allows.
const gaadMaxItems = 1000

// collectIAM reads IAM in as few calls as possible: GAAD pages, the
// account summary, the credential report and the alias, in parallel.
func (a *account) collectIAM(ctx context.Context) {
	client := iam.NewFromConfig(a.cfg)
	var (
		wg      sync.WaitGroup
		data    *iamData
		gaadErr error
		summary map[string]int32
		sumErr  error
		report  credReport
		repErr  error
		idps    map[string]*identityProvider
	)
	wg.Add(5)
	go func() { defer wg.Done(); idps = a.federation(ctx, client) }()
	go func() { defer wg.Done(); data, gaadErr = a.gaad(ctx, client) }()
	go func() {
		defer wg.Done()
		out, err := client.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
		if err != nil {
			sumErr = classify("iam:GetAccountSummary", "", err)
			return
		}
		summary = out.SummaryMap
	}()
	go func() { defer wg.Done(); report, repErr = a.credentialReport(ctx, client) }()
	go func() {
		defer wg.Done()
		out, err := client.ListAccountAliases(ctx, &iam.ListAccountAliasesInput{})
		if err != nil {
			// The alias only names the account in reports; no check
			// rests on it, so an unread alias is said on the system, not
			// recorded as a gap that would change nothing.
			a.attr("account_alias_unread", a.col.red.Error(classify("iam:ListAccountAliases", "", err)).Error())
			a.s.env.Logger.Warn("aws: account alias not read", "account", a.id, "error", a.col.red.Error(err))
			return
		}
		if len(out.AccountAliases) > 0 {
			a.mu.Lock()
			a.alias = out.AccountAliases[0]
			a.mu.Unlock()
		}
	}()
	wg.Wait()

	if gaadErr != nil {
		remedy := "iam:GetAccountAuthorizationDetails"
		a.col.gap(a.sys, "principals/iam", gaadErr, remedy)
		a.col.gap(a.sys, "grants/iam", gaadErr, remedy)
		a.col.gap(a.sys, "trusts/iam_roles", gaadErr, remedy)
	}
	if sumErr != nil {
		a.col.gap(a.sys, "mfa/root", sumErr, "iam:GetAccountSummary")
	}
	if repErr != nil {
		remedy := "iam:GenerateCredentialReport and iam:GetCredentialReport"
		a.col.gap(a.sys, "mfa/credential_report", repErr, remedy)
		a.col.gap(a.sys, "credentials/credential_report", repErr, remedy)
		a.col.gap(a.sys, "activity/credential_report", repErr, remedy)
		// Without the report nothing says whether a user can sign in at
		// all (password, active key or certificate): a user with no
		// credentials must not pass as an enabled holder of its grants.
		a.col.gap(a.sys, "principals/credential_report", repErr, remedy)
	}
	a.rootPrincipal(summary, report)
	if data != nil {
		a.keyIDs = a.accessKeyIDs(ctx, client, report)
		a.iamPrincipals(data, report)
		a.mu.Lock()
		a.iam = data
		a.mu.Unlock()
		a.roleTrusts(data, idps)
	}
	a.rolesAnywhere(ctx)
	a.orgTrust()
}

// gaad pages through GetAccountAuthorizationDetails. On an error it
// returns what the earlier pages held together with the error.
func (a *account) gaad(ctx context.Context, client *iam.Client) (*iamData, error) {
	d := &iamData{policies: map[string]*managedPolicy{}}
	seen := map[string]bool{}
	in := &iam.GetAccountAuthorizationDetailsInput{
		MaxItems: aws.Int32(gaadMaxItems),
		Filter: []iamtypes.EntityType{iamtypes.EntityTypeUser, iamtypes.EntityTypeRole, iamtypes.EntityTypeGroup,
			iamtypes.EntityTypeLocalManagedPolicy, iamtypes.EntityTypeAWSManagedPolicy},
	}
	pages := 0 // pages asked for
	err := a.s.paginate(func(marker *string) (*string, error) {
		in.Marker = marker
		pages++
		page, err := client.GetAccountAuthorizationDetails(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, u := range page.UserDetailList {
			if k := "u" + aws.ToString(u.Arn); !seen[k] {
				seen[k] = true
				d.users = append(d.users, u)
			}
		}
		for _, g := range page.GroupDetailList {
			if k := "g" + aws.ToString(g.Arn); !seen[k] {
				seen[k] = true
				d.groups = append(d.groups, g)
			}
		}
		for _, r := range page.RoleDetailList {
			if k := "r" + aws.ToString(r.Arn); !seen[k] {
				seen[k] = true
				d.roles = append(d.roles, r)
			}
		}
		for _, p := range page.Policies {
			arn := aws.ToString(p.Arn)
			mp := &managedPolicy{name: aws.ToString(p.PolicyName), arn: arn}
			for _, v := range p.PolicyVersionList {
				if v.IsDefaultVersion {
					mp.doc, mp.err = decodePolicy(aws.ToString(v.Document))
				}
			}
			d.policies[arn] = mp
		}
		if !page.IsTruncated {
			return nil, nil
		}
		return page.Marker, nil
	})
	if err != nil {
		// A failed call is reported on the page asked for; a pagination
		// loop or the page cap on the page that brought the repeated or
		// the last allowed marker, which is the last page asked for too.
		err = classify("iam:GetAccountAuthorizationDetails", pageWhere(pages-1), err)
	}
	d.complete = err == nil
	return d, err
}

// policyRef is one policy in effect for a principal.
type policyRef struct {
	name, id, kind string // kind: aws_managed, customer_managed, inline
	doc            *policyDoc
	eval           evaluation
	basis          string
}

// refs resolves a principal's attached and inline policies.
func (a *account) refs(d *iamData, attached []iamtypes.AttachedPolicy, inline []iamtypes.PolicyDetail) []policyRef {
	var out []policyRef
	for _, p := range attached {
		arn := aws.ToString(p.PolicyArn)
		kind := "customer_managed"
		if strings.HasPrefix(arn, "arn:aws:iam::aws:policy/") {
			kind = "aws_managed"
		}
		r := policyRef{name: aws.ToString(p.PolicyName), id: arn, kind: kind}
		if mp := d.policies[arn]; mp != nil && mp.doc != nil {
			r.doc, r.eval, r.basis = mp.doc, evaluate(mp.doc), "policy_document"
		} else {
			r.eval.Level, r.basis = levelByName(r.name)
			if mp != nil && mp.err != nil {
				a.col.gap(a.sys, "grants/iam_policy_document", &callError{Action: "iam:GetAccountAuthorizationDetails", Where: arn, Msg: mp.err.Error(), err: mp.err}, "")
			}
		}
		out = append(out, r)
	}
	for _, p := range inline {
		name := aws.ToString(p.PolicyName)
		doc, err := decodePolicy(aws.ToString(p.PolicyDocument))
		if err != nil {
			a.col.gap(a.sys, "grants/iam_policy_document", &callError{Action: "iam:GetAccountAuthorizationDetails", Where: "inline policy " + name, Msg: err.Error(), err: err}, "")
			continue
		}
		out = append(out, policyRef{name: name, id: "inline:" + name, kind: "inline", doc: doc, eval: evaluate(doc), basis: "policy_document"})
	}
	return out
}

// boundaryLevel returns the level of a permissions boundary, or "".
func (a *account) boundaryLevel(d *iamData, b *iamtypes.AttachedPermissionsBoundary) (string, findings.Level) {
	if b == nil || aws.ToString(b.PermissionsBoundaryArn) == "" {
		return "", ""
	}
	arn := aws.ToString(b.PermissionsBoundaryArn)
	if mp := d.policies[arn]; mp != nil && mp.doc != nil {
		return arn, evaluate(mp.doc).Level
	}
	l, _ := levelByName(arnTail(arn))
	return arn, l
}

// emitGrants records one grant per policy of principal pid, plus an
// "effective" grant when the policies together reach a higher level
// than any one of them. It returns the highest level.
func (a *account) emitGrants(pid string, refs []policyRef, extra []*policyDoc, inherited findings.Level, boundaryARN string, boundary findings.Level) findings.Level {
	top := findings.Level("")
	var docs []*policyDoc
	for _, r := range refs {
		if r.doc != nil {
			docs = append(docs, r.doc)
		}
		level := r.eval.Level
		if level == "" {
			continue
		}
		attrs := map[string]string{"policy_type": r.kind, "level_basis": r.basis}
		if len(r.eval.Reasons) > 0 {
			attrs["reason"] = r.eval.Reasons[0]
		}
		if r.eval.Conditional {
			attrs["conditional"] = "true"
		}
		if boundaryARN != "" {
			attrs["permissions_boundary"] = boundaryARN
			if capped := minLevel(level, boundary); capped != level {
				attrs["uncapped_level"] = string(level)
				level = capped
			}
		}
		top = maxLevel(top, level)
		a.col.grant(findings.Grant{
			ID:     findings.GrantID(a.sys, pid, r.id, a.id, findings.AssignmentPermanent, nil),
			System: a.sys, PrincipalID: pid, Privilege: r.name, PrivilegeID: r.id, Level: level,
			Scope: a.id, Assignment: findings.AssignmentPermanent, Direct: true, Attributes: attrs,
		})
	}
	all := append(append([]*policyDoc(nil), docs...), extra...)
	if len(refs) > 1 || len(extra) > 0 {
		if ev := evaluate(all...); ev.Level.Rank() > maxLevel(top, inherited).Rank() && (len(docs) > 1 || len(extra) > 0) {
			level := minLevel(ev.Level, boundary)
			if level.Rank() > maxLevel(top, inherited).Rank() {
				attrs := map[string]string{"policy_type": "combined", "level_basis": "policy_document", "reason": strings.Join(ev.Reasons, "; ")}
				if boundaryARN != "" {
					attrs["permissions_boundary"] = boundaryARN
				}
				a.col.grant(findings.Grant{
					ID:     findings.GrantID(a.sys, pid, "effective", a.id, findings.AssignmentPermanent, nil),
					System: a.sys, PrincipalID: pid, Privilege: "combined identity policies", PrivilegeID: "effective",
					Level: level, Scope: a.id, Assignment: findings.AssignmentPermanent, Direct: true, Attributes: attrs,
				})
				top = level
			}
		}
	}
	return top
}

var emailTag = regexp.MustCompile(`(?i)^e-?mail(-?address)?$`)

// iamPrincipals records IAM users, groups and roles with their grants and
// group memberships.
func (a *account) iamPrincipals(d *iamData, rep credReport) {
	d.docs = map[string][]*policyDoc{}
	d.roleLevel = map[string]findings.Level{}
	d.rolePolicies = map[string][]string{}
	groupByName := map[string]iamtypes.GroupDetail{}
	groupDocs := map[string][]*policyDoc{}
	groupLevel := map[string]findings.Level{}
	d.boundaries = map[string]*policyDoc{}
	for _, g := range d.groups {
		name := aws.ToString(g.GroupName)
		groupByName[name] = g
		pid := findings.PrincipalID(findings.PrincipalGroup, a.sys, aws.ToString(g.Arn))
		a.col.principal(findings.Principal{
			ID: pid, System: a.sys, Kind: findings.PrincipalGroup, NativeID: aws.ToString(g.Arn),
			DisplayName: name, Login: name, Enabled: true, MFA: findings.MFAUnknown, Created: g.CreateDate,
			Attributes: map[string]string{"path": aws.ToString(g.Path), "group_id": aws.ToString(g.GroupId), "source": "iam"},
		})
		refs := a.refs(d, g.AttachedManagedPolicies, g.GroupPolicyList)
		groupLevel[name] = a.emitGrants(pid, refs, nil, "", "", "")
		for _, r := range refs {
			if r.doc != nil {
				groupDocs[name] = append(groupDocs[name], r.doc)
			}
		}
		d.docs[pid] = groupDocs[name]
	}
	var notInReport []string // users a report that was read does not list
	for _, u := range d.users {
		name, arn := aws.ToString(u.UserName), aws.ToString(u.Arn)
		pid := findings.PrincipalID(findings.PrincipalUser, a.sys, arn)
		p := findings.Principal{
			ID: pid, System: a.sys, Kind: findings.PrincipalUser, NativeID: arn, DisplayName: name, Login: name,
			Enabled: true, MFA: findings.MFAUnknown, Created: u.CreateDate,
			Attributes: map[string]string{"path": aws.ToString(u.Path), "user_id": aws.ToString(u.UserId), "source": "iam"},
		}
		for _, t := range u.Tags {
			k, v := aws.ToString(t.Key), aws.ToString(t.Value)
			p.Attributes[tagAttr+k] = v
			if emailTag.MatchString(k) && strings.Contains(v, "@") {
				p.Emails = append(p.Emails, v)
				p.Domain = strings.ToLower(v[strings.LastIndex(v, "@")+1:])
			}
		}
		if row, ok := rep[name]; ok {
			creds, mfa, enabled, last := reportCredentials(row)
			creds = withKeyIDs(creds, a.keyIDs[name])
			p.Credentials, p.MFA, p.Enabled, p.LastActivity, p.LastActivityKnown = creds, mfa, enabled, last, true
			p.Attributes["console_access"] = row["password_enabled"]
		} else {
			// Enabled stays true for want of evidence; enabled_known and
			// the principals/credential_report gap say it is not known.
			p.Attributes["enabled_known"] = "false"
			if rep != nil {
				notInReport = append(notInReport, name)
			}
		}
		var extra []*policyDoc
		inherited := findings.Level("")
		for _, gname := range u.GroupList {
			g, ok := groupByName[gname]
			gid := findings.PrincipalID(findings.PrincipalGroup, a.sys, aws.ToString(g.Arn))
			if !ok {
				continue
			}
			a.col.membership(findings.Membership{ID: findings.ObjectID("membership", a.sys, name, gname), System: a.sys, MemberID: pid, GroupID: gid})
			extra = append(extra, groupDocs[gname]...)
			inherited = maxLevel(inherited, groupLevel[gname])
		}
		bARN, bLevel := a.boundaryLevel(d, u.PermissionsBoundary)
		if bARN != "" {
			p.Attributes["permissions_boundary"] = bARN
		}
		a.col.principal(p)
		refs := a.refs(d, u.AttachedManagedPolicies, u.UserPolicyList)
		a.emitGrants(pid, refs, extra, inherited, bARN, bLevel)
		a.keepBoundary(d, pid, u.PermissionsBoundary)
		var docs []*policyDoc
		for _, r := range refs {
			if r.doc != nil {
				docs = append(docs, r.doc)
			}
		}
		d.docs[pid] = append(docs, extra...)
	}
	a.usersNotInReport(notInReport)
	for _, r := range d.roles {
		name, arn := aws.ToString(r.RoleName), aws.ToString(r.Arn)
		pid := findings.PrincipalID(findings.PrincipalRole, a.sys, arn)
		path := aws.ToString(r.Path)
		p := findings.Principal{
			ID: pid, System: a.sys, Kind: findings.PrincipalRole, NativeID: arn, DisplayName: name, Login: name,
			Enabled: true, MFA: findings.MFAUnknown, Created: r.CreateDate, LastActivityKnown: true,
			Attributes: map[string]string{"path": path, "role_id": aws.ToString(r.RoleId), "source": "iam"},
		}
		if r.RoleLastUsed != nil && r.RoleLastUsed.LastUsedDate != nil {
			t := r.RoleLastUsed.LastUsedDate.UTC()
			p.LastActivity = &t
		}
		if strings.HasPrefix(path, "/aws-service-role/") {
			p.Attributes["service_linked"] = "true"
		}
		if strings.HasPrefix(name, "AWSReservedSSO_") {
			p.Attributes["identity_center_role"] = "true"
		}
		if name == "OrganizationAccountAccessRole" {
			p.Attributes["organization_access_role"] = "true"
		}
		for _, t := range r.Tags {
			p.Attributes[tagAttr+aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		bARN, bLevel := a.boundaryLevel(d, r.PermissionsBoundary)
		if bARN != "" {
			p.Attributes["permissions_boundary"] = bARN
		}
		a.col.principal(p)
		refs := a.refs(d, r.AttachedManagedPolicies, r.RolePolicyList)
		d.roleLevel[name] = a.emitGrants(pid, refs, nil, "", bARN, bLevel)
		a.keepBoundary(d, pid, r.PermissionsBoundary)
		var docs []*policyDoc
		var names []string
		for _, ref := range refs {
			names = append(names, ref.name)
			if ref.doc != nil {
				docs = append(docs, ref.doc)
			}
		}
		sort.Strings(names)
		d.rolePolicies[name] = names
		d.docs[pid] = docs
	}
}

// usersNotInReport records a gap for IAM users a credential report that
// was read does not list: IAM serves a cached report up to four hours old,
// so users created since are missing and whether they can sign in is not
// known.
func (a *account) usersNotInReport(names []string) {
	if len(names) == 0 {
		return
	}
	sort.Strings(names)
	shown := names
	if len(shown) > 5 {
		shown = shown[:5]
	}
	msg := "aws: iam:GetCredentialReport: " + countf(len(names), "IAM user is", "IAM users are") + " not in the credential report (" +
		strings.Join(shown, ", ")
	if len(shown) < len(names) {
		msg += ", …"
	}
	msg += "), probably created after IAM generated it; whether they can sign in, their MFA and last activity are unknown"
	a.col.note(a.sys, "principals/credential_report", findings.GapFailed, msg,
		"scan again once IAM regenerates the credential report (it serves a cached report up to 4 hours old)")
}

// rootPrincipal records the account's root user and its super-admin grant.
func (a *account) rootPrincipal(summary map[string]int32, rep credReport) {
	pid := findings.PrincipalID(findings.PrincipalRoot, a.sys, a.id)
	a.mu.Lock()
	email := a.rootEmail
	a.mu.Unlock()
	p := findings.Principal{
		ID: pid, System: a.sys, Kind: findings.PrincipalRoot, NativeID: a.id, DisplayName: "root user of " + a.id,
		Login: "root", Enabled: true, MFA: findings.MFAUnknown, Attributes: map[string]string{},
	}
	if email != "" {
		p.Emails = []string{email}
		p.Domain = strings.ToLower(email[strings.LastIndex(email, "@")+1:])
	}
	if summary != nil {
		p.MFA = findings.MFANone
		if summary["AccountMFAEnabled"] == 1 {
			p.MFA = findings.MFARegistered
		}
		keys := summary["AccountAccessKeysPresent"] == 1
		p.Attributes["access_keys_present"] = boolString(keys)
		if keys && rep == nil {
			p.Credentials = append(p.Credentials, findings.Credential{ID: "access_key", Kind: "access_key", Active: true})
		}
	}
	if row, ok := rep[rootRow]; ok {
		creds, mfa, _, last := reportCredentials(row)
		p.Credentials, p.LastActivity, p.LastActivityKnown = creds, last, true
		if summary == nil {
			p.MFA = mfa
			keys := false
			for _, c := range creds {
				keys = keys || c.Kind == "access_key" && c.Active
			}
			p.Attributes["access_keys_present"] = boolString(keys)
		}
	}
	// KH-KEY-007 reads the root user's MFA (p.MFA), access keys
	// (access_keys_present, the access_key credentials) and e-mail
	// (p.Emails; root_email_known says whether it could be read).
	p.Attributes["root_email_known"] = boolString(email != "")
	a.col.principal(p)
	a.col.grant(findings.Grant{
		ID:     findings.GrantID(a.sys, pid, "root", a.id, findings.AssignmentPermanent, nil),
		System: a.sys, PrincipalID: pid, Privilege: "root", PrivilegeID: "root", Level: findings.LevelSuperAdmin,
		Scope: a.id, Assignment: findings.AssignmentPermanent, Direct: true,
	})
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func arnTail(arn string) string { return arn[strings.LastIndexAny(arn, "/:")+1:] }

// keepBoundary remembers a principal's boundary document for deleter
// analysis.
func (a *account) keepBoundary(d *iamData, pid string, b *iamtypes.AttachedPermissionsBoundary) {
	if b == nil {
		return
	}
	if mp := d.policies[aws.ToString(b.PermissionsBoundaryArn)]; mp != nil && mp.doc != nil {
		d.boundaries[pid] = mp.doc
	}
}
