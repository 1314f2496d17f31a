package awssim

import (
	"encoding/xml"
	"strings"
)

func samlARN(acct, name string) string { return "arn:aws:iam::" + acct + ":saml-provider/" + name }
func oidcARN(acct, url string) string  { return "arn:aws:iam::" + acct + ":oidc-provider/" + url }

func listSAMLProviders(c *call) (response, *apiError) {
	a, err := c.iamAccount()
	if err != nil {
		return response{}, err
	}
	var b xb
	b.open("SAMLProviderList")
	for _, p := range a.SAMLProviders {
		b.open("member")
		b.el("Arn", samlARN(a.ID, p.Name))
		b.time("ValidUntil", p.Created.AddDate(10, 0, 0))
		b.time("CreateDate", p.Created)
		b.close("member")
	}
	b.close("SAMLProviderList")
	return queryOK(c, b.String())
}

// samlMetadata renders a SAML 2.0 IdP metadata document as IAM stores it.
func samlMetadata(p SAMLProvider) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><EntityDescriptor ID="_` + p.Name + `" entityID="`)
	_ = xml.EscapeText(&b, []byte(p.EntityID))
	b.WriteString(`" xmlns="urn:oasis:names:tc:SAML:2.0:metadata"><IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">`)
	b.WriteString(`<KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>MIIC8DCCAdigAwIBAgIQ</X509Certificate></X509Data></KeyInfo></KeyDescriptor>`)
	b.WriteString(`<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="`)
	_ = xml.EscapeText(&b, []byte(p.SSOURL))
	b.WriteString(`"/></IDPSSODescriptor></EntityDescriptor>`)
	return b.String()
}

func getSAMLProvider(c *call) (response, *apiError) {
	a, err := c.iamAccount()
	if err != nil {
		return response{}, err
	}
	arn := c.form.Get("SAMLProviderArn")
	for _, p := range a.SAMLProviders {
		if samlARN(a.ID, p.Name) == arn {
			var b xb
			b.el("SAMLMetadataDocument", samlMetadata(p))
			b.time("CreateDate", p.Created)
			b.time("ValidUntil", p.Created.AddDate(10, 0, 0))
			return queryOK(c, b.String())
		}
	}
	return response{}, errorf(404, "NoSuchEntity", "SAML provider %s does not exist.", arn)
}

func listOIDCProviders(c *call) (response, *apiError) {
	a, err := c.iamAccount()
	if err != nil {
		return response{}, err
	}
	var b xb
	b.open("OpenIDConnectProviderList")
	for _, p := range a.OIDCProviders {
		b.open("member")
		b.el("Arn", oidcARN(a.ID, p.URL))
		b.close("member")
	}
	b.close("OpenIDConnectProviderList")
	return queryOK(c, b.String())
}

func getOIDCProvider(c *call) (response, *apiError) {
	a, err := c.iamAccount()
	if err != nil {
		return response{}, err
	}
	arn := c.form.Get("OpenIDConnectProviderArn")
	for _, p := range a.OIDCProviders {
		if oidcARN(a.ID, p.URL) == arn {
			var b xb
			b.el("Url", p.URL)
			b.open("ClientIDList")
			for _, id := range p.ClientIDs {
				b.el("member", id)
			}
			b.close("ClientIDList")
			b.open("ThumbprintList")
			for _, t := range p.Thumbprints {
				b.el("member", t)
			}
			b.close("ThumbprintList")
			b.time("CreateDate", p.Created)
			return queryOK(c, b.String())
		}
	}
	return response{}, errorf(404, "NoSuchEntity", "OpenIDConnect provider %s does not exist.", arn)
}
