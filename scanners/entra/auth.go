package entra

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/keyholder/keyholder/internal/config"
)

// errAuthentication marks a failure to obtain or use a token: the target
// as a whole cannot be scanned.
var errAuthentication = errors.New("authentication failed")

// credential builds the azidentity credential of the configured method.
// Secrets are resolved here (never in New) and registered with red.
// transport carries token requests (internal/httpx, so the CA file and the
// single retry layer apply to the authority too).
func credential(s *settings, red *config.Redactor, transport *http.Client, now func() time.Time) (azcore.TokenCredential, error) {
	co := azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: s.authority},
		Transport: transport,
		// httpx retries; azcore's own retry policy would stack a second
		// layer, so it is switched off (negative means no retries).
		Retry: policy.RetryOptions{MaxRetries: -1},
	}
	a := s.Auth
	switch a.Method {
	case MethodClientSecret:
		secret, err := config.SecretRef{Env: a.SecretEnv, File: a.SecretFile}.Resolve(red)
		if err != nil {
			return nil, fmt.Errorf("entra: client secret: %w", err)
		}
		return azidentity.NewClientSecretCredential(s.TenantID, a.ClientID, secret, &azidentity.ClientSecretCredentialOptions{
			ClientOptions: co, DisableInstanceDiscovery: s.authorityOverridden,
		})
	case MethodCertificate:
		data, err := os.ReadFile(a.CertificateFile)
		if err != nil {
			return nil, fmt.Errorf("entra: certificate_file: %w", err)
		}
		var password []byte
		if a.CertificatePasswordEnv != "" {
			pw, err := config.SecretRef{Env: a.CertificatePasswordEnv}.Resolve(red)
			if err != nil {
				return nil, fmt.Errorf("entra: certificate password: %w", err)
			}
			password = []byte(pw)
		}
		certs, key, err := azidentity.ParseCertificates(data, password)
		if err != nil {
			return nil, fmt.Errorf("entra: certificate_file %s: %w", a.CertificateFile, red.Error(err))
		}
		return azidentity.NewClientCertificateCredential(s.TenantID, a.ClientID, certs, key, &azidentity.ClientCertificateCredentialOptions{
			ClientOptions: co, DisableInstanceDiscovery: s.authorityOverridden,
		})
	case MethodWorkloadIdentity:
		return azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions: co, ClientID: a.ClientID, TenantID: s.TenantID, DisableInstanceDiscovery: s.authorityOverridden,
		})
	case MethodManagedIdentity:
		return managedIdentity(co, a.ClientID)
	case MethodAzureCLI:
		return azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: s.TenantID})
	case MethodDefault:
		return defaultChain(s, co)
	case MethodToken:
		tok, err := config.SecretRef{Env: a.TokenEnv, File: a.TokenFile}.Resolve(red)
		if err != nil {
			return nil, fmt.Errorf("entra: token: %w", err)
		}
		return staticToken{token: strings.TrimSpace(tok), now: now}, nil
	}
	return nil, fmt.Errorf("entra: unknown auth method %q", a.Method)
}

func managedIdentity(co azcore.ClientOptions, clientID string) (azcore.TokenCredential, error) {
	o := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: co}
	if clientID != "" {
		o.ID = azidentity.ClientID(clientID)
	}
	return azidentity.NewManagedIdentityCredential(o)
}

// defaultChain tries workload identity (when its environment is present),
// managed identity, then the Azure CLI, in that order: the credentials an
// unattended audit can use without a secret in the config.
func defaultChain(s *settings, co azcore.ClientOptions) (azcore.TokenCredential, error) {
	var chain []azcore.TokenCredential
	if wi, err := azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
		ClientOptions: co, ClientID: s.Auth.ClientID, TenantID: s.TenantID, DisableInstanceDiscovery: s.authorityOverridden,
	}); err == nil {
		chain = append(chain, wi)
	}
	if mi, err := managedIdentity(co, s.Auth.ClientID); err == nil {
		chain = append(chain, mi)
	}
	if cli, err := azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: s.TenantID}); err == nil {
		chain = append(chain, cli)
	}
	return azidentity.NewChainedTokenCredential(chain, nil)
}

// staticToken is a TokenCredential for a pre-issued access token (air-gapped
// or break-glass use). It never refreshes: an expired token fails with 401.
type staticToken struct {
	token string
	now   func() time.Time
}

func (t staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: t.token, ExpiresOn: t.now().Add(time.Hour)}, nil
}

// tokenAuth is the kiota AuthenticationProvider: it adds the bearer token
// to requests for the Graph host and refuses any other host, so a nextLink
// or batch answer pointing elsewhere can never receive the token.
type tokenAuth struct {
	cred   azcore.TokenCredential
	scopes []string
	host   string
	red    *config.Redactor
}

func (a *tokenAuth) AuthenticateRequest(ctx context.Context, req *abs.RequestInformation, _ map[string]any) error {
	u, err := req.GetUri()
	if err != nil {
		return fmt.Errorf("entra: request url: %w", err)
	}
	if !strings.EqualFold(u.Host, a.host) {
		return fmt.Errorf("entra: refusing to send the Graph token to %q (the Graph endpoint is %q)", u.Host, a.host)
	}
	tok, err := a.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: a.scopes})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("entra: getting a token: %v: %w", a.red.Error(err), errAuthentication)
	}
	a.red.Add(tok.Token)
	req.Headers.Remove("Authorization")
	req.Headers.Add("Authorization", "Bearer "+tok.Token)
	return nil
}
