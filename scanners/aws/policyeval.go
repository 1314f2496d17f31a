package aws

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

// This file is keyholder's deliberately small IAM policy evaluator. It
// answers one question, "how strong is this set of identity policies?",
// with a findings.Level:
//
//   - super_admin: an unconditional Allow of Action "*" on Resource "*"
//     that no unconditional Deny narrows for IAM (AdministratorAccess or
//     an inline/custom equivalent);
//   - admin: an Allow that lets the holder raise its own privileges or
//     take over the account: IAM writes that grant policies, keys,
//     passwords or trust (iam:*, iam:Put*Policy, iam:Attach*Policy,
//     iam:CreatePolicyVersion, iam:CreateAccessKey, iam:UpdateAssumeRolePolicy
//     ...), iam:PassRole together with a compute launch (ec2:RunInstances,
//     lambda:CreateFunction, ecs:RunTask, cloudformation:CreateStack ...),
//     Organizations or Identity Center writes, or "everything except IAM"
//     (Allow NotAction on "*", like PowerUserAccess);
//   - privileged: a whole service ("s3:*", "kms:*") on Resource "*";
//   - limited: any other write action;
//   - read: only Get/List/Describe-style actions.
//
// Limits, on purpose: conditions are not evaluated (a conditional Allow
// still counts, and is flagged); a Deny only counts when it is
// unconditional; resource scoping only matters for the super_admin test
// and for IAM resources; permission boundaries cap the level (the lower of
// the two wins) rather than being intersected action by action; service
// control policies, session policies and resource policies are not
// evaluated (SCP presence is recorded on the system instead).

// policyDoc is a parsed IAM policy document.
type policyDoc struct {
	Statements []statement
}

type statement struct {
	Sid          string
	Effect       string
	Action       []string
	NotAction    []string
	Resource     []string
	NotResource  []string
	Principal    map[string][]string // "AWS", "Federated", "Service", "CanonicalUser", or "*" -> ["*"]
	NotPrincipal bool
	Condition    map[string]map[string][]string
}

// rawStatement mirrors the JSON, where most fields are a string or a list.
type rawStatement struct {
	Sid          string                           `json:"Sid"`
	Effect       string                           `json:"Effect"`
	Action       stringList                       `json:"Action"`
	NotAction    stringList                       `json:"NotAction"`
	Resource     stringList                       `json:"Resource"`
	NotResource  stringList                       `json:"NotResource"`
	Principal    json.RawMessage                  `json:"Principal"`
	NotPrincipal json.RawMessage                  `json:"NotPrincipal"`
	Condition    map[string]map[string]stringList `json:"Condition"`
}

type stringList []string

func (s *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = []string{one}
		return nil
	}
	var many []any
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	for _, v := range many {
		*s = append(*s, fmt.Sprint(v))
	}
	return nil
}

// decodePolicy URL-decodes (as IAM returns documents) and parses a policy.
func decodePolicy(encoded string) (*policyDoc, error) {
	raw := encoded
	if strings.Contains(encoded, "%") {
		dec, err := url.QueryUnescape(encoded)
		if err != nil {
			return nil, fmt.Errorf("%w: policy document is not URL-encoded: %v", scanners.ErrMalformed, err)
		}
		raw = dec
	}
	return parsePolicy(raw)
}

// parsePolicy parses a policy document in JSON.
func parsePolicy(raw string) (*policyDoc, error) {
	var top struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(raw), &top); err != nil {
		return nil, fmt.Errorf("%w: policy document: %v", scanners.ErrMalformed, err)
	}
	var raws []rawStatement
	if len(top.Statement) > 0 && top.Statement[0] == '{' {
		var one rawStatement
		if err := json.Unmarshal(top.Statement, &one); err != nil {
			return nil, fmt.Errorf("%w: policy statement: %v", scanners.ErrMalformed, err)
		}
		raws = []rawStatement{one}
	} else if len(top.Statement) > 0 {
		if err := json.Unmarshal(top.Statement, &raws); err != nil {
			return nil, fmt.Errorf("%w: policy statements: %v", scanners.ErrMalformed, err)
		}
	}
	doc := &policyDoc{}
	for _, r := range raws {
		st := statement{Sid: r.Sid, Effect: r.Effect, Action: r.Action, NotAction: r.NotAction,
			Resource: r.Resource, NotResource: r.NotResource}
		pr := r.Principal
		if len(r.NotPrincipal) > 0 {
			pr, st.NotPrincipal = r.NotPrincipal, true
		}
		if len(pr) > 0 {
			p, err := parsePrincipal(pr)
			if err != nil {
				return nil, err
			}
			st.Principal = p
		}
		if len(r.Condition) > 0 {
			st.Condition = map[string]map[string][]string{}
			for op, kv := range r.Condition {
				st.Condition[op] = map[string][]string{}
				for k, v := range kv {
					st.Condition[op][k] = v
				}
			}
		}
		doc.Statements = append(doc.Statements, st)
	}
	return doc, nil
}

func parsePrincipal(b json.RawMessage) (map[string][]string, error) {
	var star string
	if err := json.Unmarshal(b, &star); err == nil {
		return map[string][]string{"*": {star}}, nil
	}
	var m map[string]stringList
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: policy principal: %v", scanners.ErrMalformed, err)
	}
	out := map[string][]string{}
	for k, v := range m {
		out[k] = v
	}
	return out, nil
}

func (s statement) allow() bool { return strings.EqualFold(s.Effect, "Allow") }

// wildcardMatch matches an IAM pattern (* and ?) case-insensitively.
func wildcardMatch(pattern, s string) bool {
	p, v := strings.ToLower(pattern), strings.ToLower(s)
	// Iterative glob with backtracking.
	pi, vi, star, mark := 0, 0, -1, 0
	for vi < len(v) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == v[vi]):
			pi++
			vi++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, vi
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			vi = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

func anyMatch(patterns []string, action string) bool {
	for _, p := range patterns {
		if wildcardMatch(p, action) {
			return true
		}
	}
	return false
}

// covers reports whether statement s names action (taking NotAction
// into account).
func (s statement) covers(action string) bool {
	if len(s.NotAction) > 0 {
		return !anyMatch(s.NotAction, action)
	}
	return anyMatch(s.Action, action)
}

func (s statement) allResources() bool {
	if len(s.NotResource) > 0 {
		return false
	}
	for _, r := range s.Resource {
		if r == "*" {
			return true
		}
	}
	return false
}

// touches reports whether the statement's resources can include
// resources of the service of action.
func (s statement) touches(action string) bool {
	if len(s.NotResource) > 0 {
		return true
	}
	service, _, _ := strings.Cut(strings.ToLower(action), ":")
	for _, r := range s.Resource {
		lr := strings.ToLower(r)
		if lr == "*" || strings.HasPrefix(lr, "arn:*") {
			return true
		}
		if p := strings.SplitN(lr, ":", 4); len(p) >= 3 && (p[2] == service || p[2] == "*") {
			return true
		}
	}
	return false
}

// escalation actions: holding any of them lets a principal raise its own
// privileges or take over identities.
var escalationActions = []string{
	"iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion",
	"iam:AttachUserPolicy", "iam:AttachGroupPolicy", "iam:AttachRolePolicy",
	"iam:PutUserPolicy", "iam:PutGroupPolicy", "iam:PutRolePolicy",
	"iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile",
	"iam:UpdateAssumeRolePolicy", "iam:AddUserToGroup",
	"iam:DeleteUserPermissionsBoundary", "iam:DeleteRolePermissionsBoundary",
	"organizations:InviteAccountToOrganization", "organizations:AttachPolicy", "organizations:DetachPolicy",
	"sso:CreateAccountAssignment", "sso:AttachManagedPolicyToPermissionSet", "sso:PutInlinePolicyToPermissionSet",
	"identitystore:CreateGroupMembership", "identitystore:CreateUser",
}

// computeActions launch code that runs with a passed role.
var computeActions = []string{
	"ec2:RunInstances", "lambda:CreateFunction", "lambda:UpdateFunctionConfiguration",
	"ecs:RunTask", "ecs:RegisterTaskDefinition", "cloudformation:CreateStack", "cloudformation:UpdateStack",
	"glue:CreateDevEndpoint", "glue:CreateJob", "sagemaker:CreateNotebookInstance", "codebuild:CreateProject",
	"datapipeline:CreatePipeline", "ssm:SendCommand",
}

// readVerbs are action name prefixes that only read.
var readVerbs = []string{"Get", "List", "Describe", "BatchGet", "View", "Lookup", "Search", "Query", "Select", "Scan", "Check", "Generate", "Simulate", "Download", "Estimate", "Preview", "Test", "Validate"}

func isReadAction(a string) bool {
	_, name, ok := strings.Cut(a, ":")
	if !ok {
		return false
	}
	for _, v := range readVerbs {
		if strings.HasPrefix(name, v) {
			return true
		}
	}
	return false
}

// evaluation is the result of evaluating a set of policies.
type evaluation struct {
	Level       findings.Level
	Conditional bool     // the deciding statement has a condition
	Reasons     []string // short explanations
}

// evaluate returns the level the given identity policies add up to.
func evaluate(docs ...*policyDoc) evaluation {
	var allows, conds []statement
	var denied []string // unconditional Deny action patterns on "*"
	for _, d := range docs {
		if d == nil {
			continue
		}
		for _, s := range d.Statements {
			switch {
			case s.allow():
				allows = append(allows, s)
				if len(s.Condition) > 0 {
					conds = append(conds, s)
				}
			case len(s.Condition) == 0 && s.allResources() && len(s.NotAction) == 0:
				denied = append(denied, s.Action...)
			}
		}
	}
	if len(allows) == 0 {
		return evaluation{}
	}
	isDenied := func(a string) bool { return anyMatch(denied, a) }
	allowed := func(a string) (bool, bool) {
		if isDenied(a) {
			return false, false
		}
		found, cond := false, true
		for _, s := range allows {
			if !s.covers(a) {
				continue
			}
			if !s.touches(a) {
				continue
			}
			found = true
			if len(s.Condition) == 0 {
				cond = false
			}
		}
		return found, found && cond
	}
	// super_admin
	for _, s := range allows {
		if len(s.Condition) == 0 && s.allResources() && len(s.NotAction) == 0 && containsStarAll(s.Action) {
			if !isDenied("iam:PutUserPolicy") && !isDenied("iam:AttachRolePolicy") {
				return evaluation{Level: findings.LevelSuperAdmin, Reasons: []string{"allows * on *"}}
			}
		}
	}
	// admin
	for _, a := range escalationActions {
		if ok, cond := allowed(a); ok {
			return evaluation{Level: findings.LevelAdmin, Conditional: cond, Reasons: []string{"allows " + a}}
		}
	}
	if ok, cond := allowed("iam:PassRole"); ok {
		for _, a := range computeActions {
			if ok2, cond2 := allowed(a); ok2 {
				return evaluation{Level: findings.LevelAdmin, Conditional: cond || cond2, Reasons: []string{"allows iam:PassRole with " + a}}
			}
		}
	}
	for _, s := range allows {
		if len(s.NotAction) > 0 && s.allResources() {
			return evaluation{Level: findings.LevelAdmin, Conditional: len(s.Condition) > 0, Reasons: []string{"allows every action except " + strings.Join(s.NotAction, ", ")}}
		}
	}
	// privileged: a whole service (or everything on scoped resources)
	for _, s := range allows {
		if !s.allResources() && !containsStarAll(s.Action) {
			continue
		}
		for _, a := range s.Action {
			if a == "*" || strings.HasSuffix(a, ":*") {
				if isDenied(a) {
					continue
				}
				return evaluation{Level: findings.LevelPrivileged, Conditional: len(s.Condition) > 0, Reasons: []string{"allows " + a}}
			}
		}
	}
	// limited vs read
	for _, s := range allows {
		for _, a := range s.Action {
			if !isReadAction(a) && !isDenied(a) {
				return evaluation{Level: findings.LevelLimited, Conditional: len(s.Condition) > 0, Reasons: []string{"allows " + a}}
			}
		}
	}
	return evaluation{Level: findings.LevelRead, Conditional: len(conds) == len(allows), Reasons: []string{"allows only read actions"}}
}

func containsStarAll(actions []string) bool {
	for _, a := range actions {
		if a == "*" || a == "*:*" {
			return true
		}
	}
	return false
}

// allowsAction reports whether the policies allow action (on any
// resource), ignoring conditions, with unconditional Deny on "*" applied.
func allowsAction(action string, docs ...*policyDoc) bool {
	found := false
	for _, d := range docs {
		if d == nil {
			continue
		}
		for _, s := range d.Statements {
			if !s.covers(action) {
				continue
			}
			if s.allow() {
				found = true
			} else if len(s.Condition) == 0 && s.allResources() {
				return false
			}
		}
	}
	return found
}

// minLevel returns the weaker of two levels ("" counts as absent).
func minLevel(a, b findings.Level) findings.Level {
	if a == "" || b == "" {
		if a == "" {
			return b
		}
		return a
	}
	if a.Rank() < b.Rank() {
		return a
	}
	return b
}

func maxLevel(a, b findings.Level) findings.Level {
	if a.Rank() >= b.Rank() {
		return a
	}
	return b
}

// wellKnownLevels are the levels of AWS managed policies whose documents
// keyholder may not see (for example when they are used only by an
// Identity Center permission set).
var wellKnownLevels = map[string]findings.Level{
	"AdministratorAccess":              findings.LevelSuperAdmin,
	"PowerUserAccess":                  findings.LevelAdmin,
	"IAMFullAccess":                    findings.LevelAdmin,
	"SystemAdministrator":              findings.LevelAdmin,
	"AWSOrganizationsFullAccess":       findings.LevelAdmin,
	"AWSSSOMasterAccountAdministrator": findings.LevelAdmin,
	"AWSSSOMemberAccountAdministrator": findings.LevelAdmin,
	"NetworkAdministrator":             findings.LevelPrivileged,
	"DatabaseAdministrator":            findings.LevelPrivileged,
	"AWSBackupFullAccess":              findings.LevelPrivileged,
	"Billing":                          findings.LevelLimited,
	"ReadOnlyAccess":                   findings.LevelRead,
	"ViewOnlyAccess":                   findings.LevelRead,
	"SecurityAudit":                    findings.LevelRead,
	"AWSSupportAccess":                 findings.LevelLimited,
}

// levelByName guesses a managed policy's level from its name when its
// document is not available; the basis is recorded with the grant.
func levelByName(name string) (findings.Level, string) {
	if l, ok := wellKnownLevels[name]; ok {
		return l, "well_known_managed_policy"
	}
	switch {
	case strings.Contains(name, "FullAccess"):
		return findings.LevelPrivileged, "policy_name"
	case strings.Contains(name, "ReadOnly"), strings.Contains(name, "ViewOnly"):
		return findings.LevelRead, "policy_name"
	}
	return findings.LevelLimited, "policy_name"
}

// principalValues returns the sorted values of a statement principal type.
func principalValues(s statement, typ string) []string {
	v := append([]string(nil), s.Principal[typ]...)
	sort.Strings(v)
	return v
}
