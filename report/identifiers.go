package report

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/keyholder/keyholder/findings"
)

// identRef is an object to act on, named as its admin console names it:
// the identifier an administrator types or searches for (Exact), what kind
// of identifier that is, the display name when it differs, and keyholder's
// own id second.
type identRef struct {
	Exact string // "alice@contoso.com", "acme-sam", "AKIA…", "arn:aws:iam::…:role/AcmeAdmin"
	Kind  string // "UPN", "sAMAccountName", "GitHub login", "IAM user", "access key id", "role ARN", …
	Name  string // display name, when it adds to Exact
	ID    string // keyholder's id
}

// identifier resolves a runbook identifier: a principal id, a credential
// ("principal#credential"), a trust, backup, licence, asset or system id.
// Anything else (an e-mail address, an ARN, a free-text name) is already
// what the admin types and is returned as it is.
func (ix *index) identifier(id string) identRef {
	r := identRef{ID: clean(id)}
	if pid, cred, ok := strings.Cut(id, "#"); ok {
		if p, ok := ix.principals[pid]; ok {
			return ix.credentialIdent(p, cred, r)
		}
	}
	if p, ok := ix.principals[id]; ok {
		r.Exact, r.Kind = ix.principalIdent(p)
		r.Name = clean(principalName(p))
		if strings.Contains(r.Exact, r.Name) {
			r.Name = ""
		}
		return r
	}
	if t, ok := ix.trusts[id]; ok {
		return ix.trustIdent(t, r)
	}
	for i := range ix.snap.Backups {
		if b := &ix.snap.Backups[i]; b.ID == id {
			r.Exact, r.Name = clean(b.Location), clean(b.Name)
			switch {
			case strings.HasPrefix(b.Location, "arn:aws:backup:"):
				r.Kind = "vault ARN"
			case strings.HasPrefix(b.Location, "arn:aws:s3:"):
				r.Kind = "bucket ARN"
			default:
				r.Kind = "backup"
				r.Exact, r.Name = clean(b.Name), clean(b.Location)
			}
			return r
		}
	}
	for i := range ix.snap.Licences {
		if l := &ix.snap.Licences[i]; l.ID == id {
			r.Exact, r.Kind = clean(l.Product), "licence"
			if l.SKU != "" && l.SKU != l.Product {
				r.Name = "SKU " + clean(l.SKU)
			}
			if sub, ok := strings.CutPrefix(l.ID, "licence:"+l.System+":subscription:"); ok {
				r.Kind, r.Name = "subscription", clean(l.Product)
				r.Exact = clean(sub)
			}
			return r
		}
	}
	for i := range ix.snap.Assets {
		if a := &ix.snap.Assets[i]; a.ID == id {
			r.Exact, r.Kind = clean(a.Name), clean(cmp.Or(a.Kind, "asset"))
			return r
		}
	}
	if s, ok := ix.systems[id]; ok {
		r.Exact, r.Kind = clean(systemNative(s)), systemNativeKind(s)
		r.Name = ix.systemName(id)
		return r
	}
	for i := range ix.snap.Attestations {
		if a := &ix.snap.Attestations[i]; a.ID == id {
			r.Exact, r.Kind = clean(a.Name), "attestation"
			// The signed copy's digest is what makes the attestation
			// evidence: show it in full.
			if a.SHA256 != "" {
				r.Name = clean(fmt.Sprintf("%s, signed copy SHA-256 %s", a.Date.UTC().Format("2006-01-02"), a.SHA256))
			} else {
				r.Name = clean(a.Date.UTC().Format("2006-01-02") + ", no signed copy digest recorded")
			}
			return r
		}
	}
	r.Exact, r.ID = clean(id), ""
	switch {
	case strings.HasPrefix(id, "arn:aws:backup:"):
		r.Kind = "vault ARN"
	case strings.HasPrefix(id, "arn:aws:iam:") && strings.Contains(id, ":role/"):
		r.Kind = "role ARN"
	case strings.HasPrefix(id, "arn:"):
		r.Kind = "ARN"
	case strings.Contains(id, "#EXT#@"):
		r.Kind = "UPN"
	case strings.Contains(id, "@"):
		r.Kind = "e-mail"
	}
	return r
}

// principalIdent is the identifier a principal is found by in its admin
// console.
func (ix *index) principalIdent(p *findings.Principal) (exact, kind string) {
	sys := ix.systems[p.System]
	skind := findings.SystemKind("")
	if sys != nil {
		skind = sys.Kind
	}
	switch skind {
	case findings.SystemEntra:
		switch p.Kind {
		case findings.PrincipalUser:
			return clean(cmp.Or(p.Login, firstOf(p.Emails), p.NativeID)), "UPN"
		case findings.PrincipalGuest:
			if len(p.Emails) > 0 {
				return clean(p.Emails[0]), "e-mail"
			}
			return clean(cmp.Or(p.Login, p.NativeID)), "UPN"
		case findings.PrincipalServicePrincipal:
			return ix.appName(p), "app"
		case findings.PrincipalGroup:
			return clean(cmp.Or(p.DisplayName, p.NativeID)), "group"
		}
	case findings.SystemLDAP:
		switch p.Kind {
		case findings.PrincipalUser, findings.PrincipalGroup, findings.PrincipalComputer:
			if sys != nil && sys.Flavour == "active_directory" {
				return clean(cmp.Or(p.Login, p.DisplayName, p.DN)), "sAMAccountName"
			}
			return clean(cmp.Or(p.DN, p.Login)), "DN"
		}
	case findings.SystemGitHub:
		switch p.Kind {
		case findings.PrincipalUser, findings.PrincipalGuest:
			return clean(cmp.Or(p.Login, p.NativeID)), "GitHub login"
		case findings.PrincipalTeam:
			return clean(cmp.Or(p.Login, p.DisplayName)), "team slug"
		case findings.PrincipalAppInstallation:
			return clean(cmp.Or(p.Login, p.DisplayName)) + " (installation " + clean(p.NativeID) + ")", "GitHub App"
		}
	case findings.SystemWorkspace:
		switch p.Kind {
		case findings.PrincipalUser, findings.PrincipalGroup:
			return clean(cmp.Or(p.Login, firstOf(p.Emails), p.NativeID)), "e-mail"
		}
	case findings.SystemAWS:
		switch p.Kind {
		case findings.PrincipalUser:
			return clean(cmp.Or(p.Login, p.DisplayName)), "IAM user"
		case findings.PrincipalGroup:
			return clean(cmp.Or(p.Login, p.DisplayName)), "IAM group"
		case findings.PrincipalRole:
			return clean(p.NativeID), "role ARN"
		case findings.PrincipalRoot:
			return "root user of " + clean(p.NativeID), "root user"
		case findings.PrincipalExternal:
			return clean(p.NativeID), "AWS account id"
		}
	}
	return clean(cmp.Or(p.Login, firstOf(p.Emails), p.DisplayName, p.NativeID)), clean(string(p.Kind))
}

// appName is an application's display name with its app id, as the
// Entra admin centre lists it.
func (ix *index) appName(p *findings.Principal) string {
	name := p.DisplayName
	appID := cmp.Or(p.Attributes["app_id"], p.Login)
	if name == "" || name == appID {
		for _, t := range ix.snap.Trusts {
			if t.PrincipalID == p.ID && t.Name != "" {
				name = t.Name
				break
			}
		}
	}
	switch {
	case name == "" || name == appID:
		return "app id " + clean(cmp.Or(appID, p.NativeID))
	case appID == "":
		return clean(name)
	}
	return clean(name) + " (app id " + clean(appID) + ")"
}

func (ix *index) credentialIdent(p *findings.Principal, credID string, r identRef) identRef {
	holder, holderKind := ix.principalIdent(p)
	var c *findings.Credential
	for i := range p.Credentials {
		if p.Credentials[i].ID == credID {
			c = &p.Credentials[i]
		}
	}
	kind := ""
	if c != nil {
		kind = c.Kind
	}
	switch {
	case kind == "access_key" && !strings.HasPrefix(credID, "access_key"):
		r.Exact, r.Kind, r.Name = clean(credID), "access key id", "of IAM user "+holder
	case kind == "access_key":
		n := strings.TrimPrefix(strings.TrimPrefix(credID, "access_key"), "_")
		r.Exact, r.Kind, r.Name = holder+" access key "+clean(n), "access key (id not read)", "find it under the IAM user's security credentials"
	case kind == "password":
		r.Exact, r.Kind, r.Name = holder, "password of "+holderKind, ""
	case kind == "client_secret" || kind == "certificate" || kind == "secret":
		r.Exact, r.Kind, r.Name = clean(credID), clean(strings.ReplaceAll(kind, "_", " "))+" key id", "of "+holder
	default:
		r.Exact, r.Kind, r.Name = clean(credID), clean(cmp.Or(strings.ReplaceAll(kind, "_", " "), "credential")), "of "+holder
	}
	return r
}

func (ix *index) trustIdent(t *findings.Trust, r identRef) identRef {
	r.Name = clean(t.Name)
	switch t.Kind {
	case findings.TrustAWSRole:
		if p, ok := ix.principals[t.PrincipalID]; ok {
			r.Exact, r.Kind = clean(p.NativeID), "role ARN"
			r.Name = "trust policy: " + clean(t.Name)
			return r
		}
	case findings.TrustAWSOrgManagement:
		r.Exact, r.Kind = clean(t.Counterparty), "management account id"
		if org := t.Attributes["organization_id"]; org != "" {
			r.Name = "organisation " + clean(org)
		}
		return r
	case findings.TrustThirdPartyApp:
		if p, ok := ix.principals[t.PrincipalID]; ok {
			r.Exact, r.Kind = ix.appName(p), "app"
			r.Name = ""
			return r
		}
		if app := t.Attributes["app_id"]; app != "" {
			r.Exact, r.Kind, r.Name = clean(t.Name)+" (app id "+clean(app)+")", "app", ""
			return r
		}
	case findings.TrustEntraPartner, findings.TrustEntraGDAP:
		r.Exact, r.Kind = clean(t.Counterparty), "partner tenant id"
		return r
	case findings.TrustGitHubApp:
		r.Exact, r.Kind, r.Name = clean(cmp.Or(t.Attributes["app_slug"], t.Name)), "GitHub App", "owned by "+clean(t.Counterparty)
		return r
	case findings.TrustOutsideCollaborator:
		r.Exact, r.Kind, r.Name = clean(t.Counterparty), "GitHub login", "outside collaborator"
		return r
	case findings.TrustDeployKey:
		r.Exact, r.Kind = clean(t.Name), "deploy key"
		r.Name = ""
		return r
	case findings.TrustDirectory:
		r.Exact, r.Kind, r.Name = clean(t.Counterparty), "trusted domain", ""
		return r
	}
	r.Exact, r.Kind = clean(t.Name), trustKindLabel(t.Kind)
	r.Name = ""
	return r
}

// systemNative is a system's own identifier: tenant id, account id,
// DNS domain, organisation login.
func systemNative(s *findings.System) string {
	if s.Kind == findings.SystemLDAP && len(s.Domains) > 0 {
		return s.Domains[0]
	}
	return cmp.Or(s.NativeID, s.ID)
}

func systemNativeKind(s *findings.System) string {
	switch s.Kind {
	case findings.SystemEntra:
		return "tenant id"
	case findings.SystemAWS:
		return "account id"
	case findings.SystemLDAP:
		if len(s.Domains) > 0 {
			return "DNS domain"
		}
		return "base DN"
	case findings.SystemGitHub:
		return "organisation"
	case findings.SystemAzure:
		if s.Flavour == "tenant" {
			return "tenant id"
		}
		return "subscription id"
	case findings.SystemWorkspace:
		return "customer id"
	}
	return "system"
}

func firstOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
