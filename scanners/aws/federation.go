package aws

import (
	"context"
	"encoding/xml"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

// identityProvider is an IAM SAML or OIDC identity provider and whom it
// stands for: the organisation whose IdP signs the assertions (or tokens)
// that let someone assume the roles trusting it.
type identityProvider struct {
	arn, kind string // kind "saml" or "oidc"
	// entityID is the SAML metadata's entityID; issuer the OIDC URL.
	entityID, issuer, host string
	// tenant is the Entra tenant id when the IdP is Microsoft Entra ID
	// (https://sts.windows.net/{tenant}/, login.microsoftonline.com/{tenant}).
	tenant    string
	clientIDs []string
}

// counterparty is who a role trusting the provider really trusts: the
// Entra tenant, else the IdP's host (a domain).
func (p *identityProvider) counterparty() (string, string) {
	switch {
	case p.tenant != "":
		return p.tenant, "entra_tenant"
	case p.host != "":
		return p.host, "domain"
	}
	return p.arn, "federated"
}

var entraTenantRE = regexp.MustCompile(`(?i)^(?:sts\.windows\.net|login\.microsoftonline\.(?:com|us)|login\.partner\.microsoftonline\.cn|login\.chinacloudapi\.cn)/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:/|$)`)

// describeIssuer fills host and tenant from an entity id or issuer URL.
func (p *identityProvider) describeIssuer(raw string) {
	s := raw
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return
	}
	p.host = strings.ToLower(u.Hostname())
	if m := entraTenantRE.FindStringSubmatch(p.host + u.Path); m != nil {
		p.tenant = strings.ToLower(m[1])
	}
}

// samlMetadata is the part of a SAML 2.0 metadata document that names the
// IdP.
type samlMetadata struct {
	EntityID string `xml:"entityID,attr"`
	IDP      struct {
		SSO []struct {
			Location string `xml:"Location,attr"`
		} `xml:"SingleSignOnService"`
	} `xml:"IDPSSODescriptor"`
}

// federation reads the account's SAML and OIDC identity providers
// (ListSAMLProviders, ListOpenIDConnectProviders, one Get per provider).
// A failure is the gap trusts/federation: roles trusting an unread
// provider then name only its ARN.
func (a *account) federation(ctx context.Context, client *iam.Client) map[string]*identityProvider {
	out := map[string]*identityProvider{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	fail := func(err error) {
		a.col.gap(a.sys, "trusts/federation", err, "iam:ListSAMLProviders, iam:GetSAMLProvider, iam:ListOpenIDConnectProviders, iam:GetOpenIDConnectProvider")
	}

	saml, err := client.ListSAMLProviders(ctx, &iam.ListSAMLProvidersInput{})
	if err != nil {
		fail(classify("iam:ListSAMLProviders", "", err))
	} else {
		for _, e := range saml.SAMLProviderList {
			arn := aws.ToString(e.Arn)
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := client.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: aws.String(arn)})
				p := &identityProvider{arn: arn, kind: "saml"}
				if err != nil {
					fail(classify("iam:GetSAMLProvider", arn, err))
				} else {
					var md samlMetadata
					if xerr := xml.Unmarshal([]byte(aws.ToString(got.SAMLMetadataDocument)), &md); xerr != nil || md.EntityID == "" {
						fail(&callError{Action: "iam:GetSAMLProvider", Where: arn, Msg: "metadata document has no entityID", err: scanners.ErrMalformed})
					} else {
						p.entityID = md.EntityID
						p.describeIssuer(md.EntityID)
						// Outside Entra the entity id's host is often the
						// vendor's, shared by all its customers
						// (http://www.okta.com/exk…); the sign-in URL names
						// the organisation's own IdP (contoso.okta.com).
						if p.tenant == "" && len(md.IDP.SSO) > 0 && md.IDP.SSO[0].Location != "" {
							p.describeIssuer(md.IDP.SSO[0].Location)
						}
					}
				}
				mu.Lock()
				out[arn] = p
				mu.Unlock()
			}()
		}
	}
	oidc, err := client.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
	if err != nil {
		fail(classify("iam:ListOpenIDConnectProviders", "", err))
	} else {
		for _, e := range oidc.OpenIDConnectProviderList {
			arn := aws.ToString(e.Arn)
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := client.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn)})
				p := &identityProvider{arn: arn, kind: "oidc"}
				if err != nil {
					fail(classify("iam:GetOpenIDConnectProvider", arn, err))
				} else {
					p.issuer = aws.ToString(got.Url)
					p.clientIDs = got.ClientIDList
					p.describeIssuer(p.issuer)
				}
				mu.Lock()
				out[arn] = p
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	return out
}

// githubOIDC is the issuer of GitHub Actions' OIDC tokens; the trusted
// party is the organisation in the token's sub condition
// ("repo:ORG/REPO:…").
const githubOIDC = "token.actions.githubusercontent.com"

// federatedTrust rewrites a role trust of a federated principal (an IdP
// ARN) to the organisation the IdP stands for, and says what it read:
// an Entra tenant; the GitHub organisation a GitHub Actions sub condition
// names ("*" when none does: any repository on GitHub); AWS itself for
// an EKS cluster's issuer; else the IdP's host.
func federatedTrust(t *findings.Trust, p *identityProvider) {
	if p == nil {
		t.Attributes["idp_read"] = "false"
		return
	}
	t.Attributes["idp_arn"] = p.arn
	t.Attributes["idp_type"] = p.kind
	t.Attributes["idp_read"] = boolString(p.entityID != "" || p.issuer != "")
	if p.entityID != "" {
		t.Attributes["idp_entity_id"] = p.entityID
	}
	if p.issuer != "" {
		t.Attributes["idp_issuer"] = p.issuer
	}
	if p.host != "" {
		t.Attributes["idp_host"] = p.host
	}
	if len(p.clientIDs) > 0 {
		t.Attributes["idp_client_ids"] = strings.Join(p.clientIDs, ",")
	}
	t.Counterparty, t.CounterpartyKind = p.counterparty()
	switch {
	case p.host == githubOIDC:
		orgs := map[string]bool{}
		for k, v := range t.Conditions {
			if strings.EqualFold(k, githubOIDC+":sub") {
				_, vals, _ := strings.Cut(v, ":")
				for _, s := range strings.Split(vals, ",") {
					if rest, ok := strings.CutPrefix(s, "repo:"); ok {
						org, _, _ := strings.Cut(rest, "/")
						orgs[strings.ToLower(org)] = true
					}
				}
			}
		}
		switch {
		case len(orgs) == 1 && !orgs["*"]:
			for o := range orgs {
				t.Counterparty, t.CounterpartyKind = o, "github_account"
			}
		case len(orgs) > 1:
			t.Counterparty, t.CounterpartyKind = strings.Join(sortedKeys(orgs), ","), "github_account"
			t.Attributes["github_orgs"] = t.Counterparty
		default:
			t.Counterparty, t.CounterpartyKind = "*", "any"
			t.Attributes["github_sub_unrestricted"] = "true"
		}
	case strings.HasSuffix(p.host, ".amazonaws.com") || strings.HasSuffix(p.host, ".amazonaws.com.cn"):
		t.Counterparty, t.CounterpartyKind = p.host, "service"
	}
}
