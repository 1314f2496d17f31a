package entra

import (
	"context"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/applications"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/serviceprincipals"

	"github.com/keyholder/keyholder/findings"
)

// microsoftTenants own Microsoft's first-party applications (Microsoft
// Services and Microsoft's corporate tenant).
var microsoftTenants = map[string]bool{
	"f8cdef31-a31e-4b4a-93e4-5f571e91255a": true,
	"72f988bf-86f1-41af-91ab-2d7cd011db47": true,
}

type servicePrincipal struct {
	id, appID, name, owner, spType, verifiedPublisher, audience string
	enabled                                                     bool
	tags                                                        []string
	keys                                                        []cred
	// owners can add credentials to the service principal and act as it.
	owners []*dirRef
}

// cred is a key or secret of an app or service principal (never its
// value).
type cred struct {
	id, kind   string
	start, end *time.Time
}

type application struct {
	id, appID, name, audience string
	created                   *time.Time
	keys                      []cred
	owners                    []*dirRef
}

func (r *run) servicePrincipals(ctx context.Context) {
	q := &serviceprincipals.ServicePrincipalsRequestBuilderGetQueryParameters{
		Select: []string{"id", "appId", "displayName", "appOwnerOrganizationId", "servicePrincipalType", "accountEnabled",
			"verifiedPublisher", "signInAudience", "keyCredentials", "passwordCredentials", "tags"},
		Expand: []string{ownerSelect},
		Top:    &r.c.top,
	}
	out := map[string]*servicePrincipal{}
	err := list(ctx, r.c, "service principals",
		func(ctx context.Context) (models.ServicePrincipalCollectionResponseable, error) {
			return r.c.graph.ServicePrincipals().Get(ctx, &serviceprincipals.ServicePrincipalsRequestBuilderGetRequestConfiguration{QueryParameters: q})
		},
		func(ctx context.Context, u string) (models.ServicePrincipalCollectionResponseable, error) {
			return r.c.graph.ServicePrincipals().WithUrl(u).Get(ctx, nil)
		},
		func(m models.ServicePrincipalable) {
			sp := &servicePrincipal{
				id: str(m.GetId()), appID: str(m.GetAppId()), name: str(m.GetDisplayName()),
				spType:   str(m.GetServicePrincipalType()),
				audience: str(m.GetSignInAudience()), tags: m.GetTags(),
				keys: credsOf(m.GetKeyCredentials(), m.GetPasswordCredentials()),
			}
			if o := m.GetAppOwnerOrganizationId(); o != nil {
				sp.owner = strings.ToLower(o.String())
			}
			if b := m.GetAccountEnabled(); b != nil {
				sp.enabled = *b
			}
			if vp := m.GetVerifiedPublisher(); vp != nil {
				sp.verifiedPublisher = str(vp.GetDisplayName())
			}
			for _, o := range m.GetOwners() {
				if ref := refOf(o); ref != nil {
					sp.owners = append(sp.owners, ref)
				}
			}
			out[sp.id] = sp
		})
	if err != nil {
		r.dir.spsErr = err
		r.gap("principals/service_principals", err, "Application.Read.All (or Directory.Read.All)")
	}
	r.dir.sps = out
}

func credsOf(keys []models.KeyCredentialable, passwords []models.PasswordCredentialable) []cred {
	var out []cred
	for _, k := range keys {
		c := cred{kind: "certificate", start: k.GetStartDateTime(), end: k.GetEndDateTime()}
		if id := k.GetKeyId(); id != nil {
			c.id = id.String()
		}
		if t := str(k.GetTypeEscaped()); t != "" && !strings.Contains(strings.ToLower(t), "x509") {
			c.kind = "key"
		}
		out = append(out, c)
	}
	for _, p := range passwords {
		c := cred{kind: "client_secret", start: p.GetStartDateTime(), end: p.GetEndDateTime()}
		if id := p.GetKeyId(); id != nil {
			c.id = id.String()
		}
		out = append(out, c)
	}
	return out
}

func (r *run) applications(ctx context.Context) {
	q := &applications.ApplicationsRequestBuilderGetQueryParameters{
		Select: []string{"id", "appId", "displayName", "signInAudience", "createdDateTime", "keyCredentials", "passwordCredentials"},
		Expand: []string{ownerSelect},
		Top:    &r.c.top,
	}
	var out []*application
	err := list(ctx, r.c, "applications",
		func(ctx context.Context) (models.ApplicationCollectionResponseable, error) {
			return r.c.graph.Applications().Get(ctx, &applications.ApplicationsRequestBuilderGetRequestConfiguration{QueryParameters: q})
		},
		func(ctx context.Context, u string) (models.ApplicationCollectionResponseable, error) {
			return r.c.graph.Applications().WithUrl(u).Get(ctx, nil)
		},
		func(m models.Applicationable) {
			a := &application{
				id: str(m.GetId()), appID: str(m.GetAppId()), name: str(m.GetDisplayName()),
				audience: str(m.GetSignInAudience()), created: m.GetCreatedDateTime(),
				keys: credsOf(m.GetKeyCredentials(), m.GetPasswordCredentials()),
			}
			for _, o := range m.GetOwners() {
				if ref := refOf(o); ref != nil {
					a.owners = append(a.owners, ref)
				}
			}
			out = append(out, a)
		})
	if err != nil {
		r.dir.appsErr = err
		r.gap("credentials", err, "Application.Read.All (or Directory.Read.All)")
	}
	r.dir.apps = out
}

// thirdParty reports whether a service principal is a multi-tenant app
// registered in another organisation than this tenant and Microsoft.
func (r *run) thirdParty(sp *servicePrincipal) bool {
	return sp.owner != "" && !strings.EqualFold(sp.owner, r.tenant) && !microsoftTenants[sp.owner] &&
		!strings.EqualFold(sp.spType, "ManagedIdentity")
}

func (r *run) spPrincipal(sp *servicePrincipal, app *application) findings.Principal {
	p := findings.Principal{
		ID: findings.PrincipalID(findings.PrincipalServicePrincipal, r.sys, sp.id), System: r.sys,
		Kind: findings.PrincipalServicePrincipal, NativeID: sp.id, DisplayName: sp.name, Login: sp.appID,
		Enabled: sp.enabled, MFA: findings.MFAUnknown, Attributes: map[string]string{},
	}
	if sp.owner != "" {
		p.HomeOrg, p.HomeOrgKind = sp.owner, "entra_tenant"
	}
	set := func(k, v string) {
		if v != "" {
			p.Attributes[k] = v
		}
	}
	set("app_id", sp.appID)
	set("service_principal_type", sp.spType)
	set("verified_publisher", sp.verifiedPublisher)
	set("sign_in_audience", sp.audience)
	if r.thirdParty(sp) {
		p.Attributes["third_party"] = "true"
	}
	keys := sp.keys
	if app != nil {
		set("app_object_id", app.id)
		keys = append(append([]cred(nil), keys...), app.keys...)
		if app.created != nil {
			p.Created = utc(app.created)
		}
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if k.id == "" || seen[k.id] {
			continue
		}
		seen[k.id] = true
		p.Credentials = append(p.Credentials, findings.Credential{
			ID: k.id, Kind: k.kind, Created: utc(k.start), Expires: utc(k.end),
			Active: (k.start == nil || !k.start.After(r.now)) && (k.end == nil || k.end.After(r.now)),
		})
	}
	return p
}
