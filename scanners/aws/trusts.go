package aws

import (
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/keyholder/keyholder/findings"
)

// roleTrusts records one trust per principal of every role's trust
// policy: another (or this) account, "*", a federated SAML/OIDC provider
// or an AWS service, with the conditions it requires and the role's level.
// An outside account also becomes an external principal holding the
// role's grants via the trust, so the policy layer sees, for example, the
// MSP account 999999999999 holding AdministratorAccess.
//
// A federated principal that is an IAM identity provider of the account
// is resolved to the organisation behind it (an Entra tenant from a SAML
// entity id or OIDC issuer, else the IdP's host): a SAML provider whose
// IdP is the MSP's Entra tenant gives the MSP's staff the role.
func (a *account) roleTrusts(d *iamData, idps map[string]*identityProvider) {
	for _, r := range d.roles {
		name, arn := aws.ToString(r.RoleName), aws.ToString(r.Arn)
		rolePID := findings.PrincipalID(findings.PrincipalRole, a.sys, arn)
		doc, err := decodePolicy(aws.ToString(r.AssumeRolePolicyDocument))
		if err != nil {
			a.col.gap(a.sys, "trusts/role_trust_policy", &callError{Action: "iam:GetAccountAuthorizationDetails", Where: "trust policy of role " + name, Msg: err.Error(), err: err}, "")
			continue
		}
		level := d.roleLevel[name]
		for _, st := range doc.Statements {
			if !st.allow() || st.NotPrincipal || !coversAssume(st) {
				continue
			}
			conds := trustConditions(st)
			for _, typ := range []string{"*", "AWS", "Federated", "Service", "CanonicalUser"} {
				for _, v := range principalValues(st, typ) {
					cp, kind := counterparty(typ, v)
					t := findings.Trust{
						ID:     findings.ObjectID("trust", a.sys, "role", name, v),
						System: a.sys, Kind: findings.TrustAWSRole, Name: "role " + name + " trusts " + v,
						Counterparty: cp, CounterpartyKind: kind, PrincipalID: rolePID,
						Conditions: conds, Permissions: d.rolePolicies[name], Level: level,
						Attributes: map[string]string{"service": "aws_iam", "role_name": name, "principal": v, "actions": strings.Join(assumeActions(st), ",")},
					}
					if kind == "aws_account" && cp == a.id {
						t.Attributes["same_account"] = "true"
					}
					if typ == "Federated" && strings.HasPrefix(v, "arn:") {
						federatedTrust(&t, idps[v])
						cp, kind = t.Counterparty, t.CounterpartyKind
					}
					if name == "OrganizationAccountAccessRole" {
						t.Attributes["organization_access_role"] = "true"
					}
					if _, ok := conds["sts:ExternalId"]; ok {
						t.Attributes["external_id_required"] = "true"
					} else {
						t.Attributes["external_id_required"] = "false"
					}
					a.col.trust(t)
					if (kind == "aws_account" && cp != a.id) || kind == "any" || kind == "entra_tenant" || kind == "domain" || kind == "github_account" {
						a.externalGrants(cp, kind, t, rolePID, name)
					}
				}
			}
		}
	}
}

// externalGrants records the outside account (or "anyone") as a principal
// and copies the role's grants to it, via the trust and the role.
func (a *account) externalGrants(cp, kind string, t findings.Trust, rolePID, roleName string) {
	native := cp
	p := findings.Principal{
		ID: findings.PrincipalID(findings.PrincipalExternal, a.sys, native), System: a.sys, Kind: findings.PrincipalExternal,
		NativeID: native, Enabled: true, MFA: findings.MFAUnknown, Attributes: map[string]string{"source": "role_trust"},
	}
	switch kind {
	case "aws_account":
		p.DisplayName, p.HomeOrg, p.HomeOrgKind = "AWS account "+cp, cp, "aws_account"
	case "entra_tenant":
		p.DisplayName, p.HomeOrg, p.HomeOrgKind = "users of Entra tenant "+cp+" (SAML/OIDC federation)", cp, "entra_tenant"
		p.Attributes["source"] = "federation"
	case "domain":
		p.DisplayName, p.HomeOrg, p.HomeOrgKind, p.Domain = "users of identity provider "+cp+" (federation)", cp, "domain", cp
		p.Attributes["source"] = "federation"
	case "github_account":
		p.DisplayName, p.HomeOrg, p.HomeOrgKind = "GitHub Actions of "+cp+" (OIDC federation)", cp, "github_account"
		p.Attributes["source"] = "federation"
	default:
		p.DisplayName = "any AWS principal"
		p.Attributes["any_principal"] = "true"
	}
	a.col.principal(p)
	for _, g := range a.roleGrants(rolePID) {
		via := []string{t.ID, rolePID}
		attrs := map[string]string{"via_role": roleName, "external_id_required": t.Attributes["external_id_required"]}
		for k, v := range g.Attributes {
			if k == "policy_type" || k == "level_basis" {
				attrs[k] = v
			}
		}
		a.col.grant(findings.Grant{
			ID:     findings.GrantID(a.sys, p.ID, g.PrivilegeID, g.Scope, g.Assignment, via),
			System: a.sys, PrincipalID: p.ID, Privilege: g.Privilege, PrivilegeID: g.PrivilegeID, Level: g.Level,
			Scope: g.Scope, Assignment: g.Assignment, Via: via, Direct: false, Attributes: attrs,
		})
	}
}

// roleGrants returns the grants already recorded for a principal.
func (a *account) roleGrants(pid string) []findings.Grant {
	a.col.mu.Lock()
	defer a.col.mu.Unlock()
	var out []findings.Grant
	for _, g := range a.col.snap.Grants {
		if g.PrincipalID == pid && g.System == a.sys {
			out = append(out, g)
		}
	}
	return out
}

// orgTrust records the Organizations management account as a trust of a
// member account, carrying OrganizationAccountAccessRole's level when that
// role exists.
func (a *account) orgTrust() {
	a.mu.Lock()
	need, d := a.needOrgTrust, a.iam
	a.mu.Unlock()
	if !need {
		return
	}
	o := a.org
	t := findings.Trust{
		ID:     findings.ObjectID("trust", a.sys, "organization", o.MasterID),
		System: a.sys, Kind: findings.TrustAWSOrgManagement, Name: "AWS Organizations management account " + o.MasterID,
		Counterparty: o.MasterID, CounterpartyKind: "aws_account",
		Permissions: []string{"billing"},
		Attributes:  map[string]string{"service": "aws_organizations", "organization_id": o.ID, "management_email": o.MasterEmail, "feature_set": o.FeatureSet},
	}
	if o.FeatureSet == "ALL" {
		t.Permissions = append(t.Permissions, "service_control_policies")
	}
	t.Attributes["organization_access_role"] = "unknown"
	if d != nil {
		t.Attributes["organization_access_role"] = "absent"
		for _, r := range d.roles {
			if aws.ToString(r.RoleName) == "OrganizationAccountAccessRole" {
				t.Attributes["organization_access_role"] = "present"
				t.PrincipalID = findings.PrincipalID(findings.PrincipalRole, a.sys, aws.ToString(r.Arn))
				t.Level = d.roleLevel["OrganizationAccountAccessRole"]
				t.Permissions = append(t.Permissions, "OrganizationAccountAccessRole")
			}
		}
	}
	sort.Strings(t.Permissions)
	a.col.trust(t)
}

func coversAssume(st statement) bool {
	for _, act := range []string{"sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity"} {
		if st.covers(act) {
			return true
		}
	}
	return false
}

func assumeActions(st statement) []string {
	var out []string
	for _, act := range []string{"sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity"} {
		if st.covers(act) {
			out = append(out, act)
		}
	}
	return out
}

// counterparty names the other side of a trust principal.
func counterparty(typ, v string) (string, string) {
	switch typ {
	case "*":
		return "*", "any"
	case "AWS":
		if v == "*" {
			return "*", "any"
		}
		if accountRE.MatchString(v) {
			return v, "aws_account"
		}
		if p := strings.Split(v, ":"); len(p) >= 6 && p[2] == "iam" || len(p) >= 6 && p[2] == "sts" {
			return p[4], "aws_account"
		}
		return v, "aws_principal"
	case "Federated":
		return v, "federated"
	case "Service":
		return v, "service"
	}
	return v, "provider"
}

// trustConditions flattens a trust statement's conditions:
// "sts:ExternalId": "present" (never the value) when a condition pins a
// concrete ExternalId (see pinsExternalID), "sts:ExternalId (not pinned)":
// the operators when the key appears only in forms that let a caller in
// without knowing a value; MFA as its value, and every other key as
// "Operator:value1,value2".
func trustConditions(st statement) map[string]string {
	if len(st.Condition) == 0 {
		return nil
	}
	out := map[string]string{}
	for _, op := range sortedKeys(st.Condition) {
		kv := st.Condition[op]
		for _, k := range sortedKeys(kv) {
			vals := kv[k]
			v := append([]string(nil), vals...)
			sort.Strings(v)
			lk := strings.ToLower(k)
			switch {
			case lk == "sts:externalid" && pinsExternalID(op, vals):
				out["sts:ExternalId"] = "present"
				delete(out, externalIDNotPinned)
			case lk == "sts:externalid":
				if _, pinned := out["sts:ExternalId"]; !pinned {
					if prev, ok := out[externalIDNotPinned]; ok {
						out[externalIDNotPinned] = prev + "," + op
					} else {
						out[externalIDNotPinned] = op
					}
				}
			case lk == "aws:multifactorauthpresent":
				out["aws:MultiFactorAuthPresent"] = strings.Join(v, ",")
			default:
				key := k
				if prev, ok := out[key]; ok {
					out[key] = prev + ";" + op + ":" + strings.Join(v, ",")
				} else {
					out[key] = op + ":" + strings.Join(v, ",")
				}
			}
		}
	}
	return out
}

// externalIDNotPinned is the condition key recorded when a trust names
// sts:ExternalId only in forms that do not pin a value; its value lists
// the operators (never the values, which may be part of the secret).
const externalIDNotPinned = "sts:ExternalId (not pinned)"

// pinsExternalID reports whether a condition operator with these values
// makes the caller present one concrete ExternalId: StringEquals (or its
// IgnoreCase form) with non-empty values, or StringLike with values that
// hold no wildcard. The ...IfExists forms (pass when the key is absent),
// Null (tests presence only, or demands absence), the ForAnyValue and
// ForAllValues set forms (ForAllValues passes on an absent key), negated
// operators and wildcard patterns pin nothing.
func pinsExternalID(op string, vals []string) bool {
	if len(vals) == 0 {
		return false
	}
	var wildOK bool
	switch strings.ToLower(op) {
	case "stringequals", "stringequalsignorecase":
		wildOK = true
	case "stringlike":
	default:
		return false
	}
	for _, v := range vals {
		if strings.TrimSpace(v) == "" || v == "*" {
			return false
		}
		if !wildOK && strings.ContainsAny(v, "*?") {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
