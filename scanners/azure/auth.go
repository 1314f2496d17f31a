package azure

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

	"github.com/keyholder/keyholder/internal/config"
)

// errAuthentication marks a failure to obtain or use a token: the target
// as a whole cannot be scanned.
var errAuthentication = errors.New("authentication failed")

// credential builds the azidentity credential of the configured method,
// as the entra scanner does (the same app registration can serve both).
// Secrets are resolved here, never in New.
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
			return nil, fmt.Errorf("azure: client secret: %w", err)
		}
		return azidentity.NewClientSecretCredential(s.TenantID, a.ClientID, secret, &azidentity.ClientSecretCredentialOptions{
			ClientOptions: co, DisableInstanceDiscovery: s.authorityOverridden,
		})
	case MethodCertificate:
		data, err := os.ReadFile(a.CertificateFile)
		if err != nil {
			return nil, fmt.Errorf("azure: certificate_file: %w", err)
		}
		var password []byte
		if a.CertificatePasswordEnv != "" {
			pw, err := config.SecretRef{Env: a.CertificatePasswordEnv}.Resolve(red)
			if err != nil {
				return nil, fmt.Errorf("azure: certificate password: %w", err)
			}
			password = []byte(pw)
		}
		certs, key, err := azidentity.ParseCertificates(data, password)
		if err != nil {
			return nil, fmt.Errorf("azure: certificate_file %s: %w", a.CertificateFile, red.Error(err))
		}
		return azidentity.NewClientCertificateCredential(s.TenantID, a.ClientID, certs, key, &azidentity.ClientCertificateCredentialOptions{
			ClientOptions: co, DisableInstanceDiscovery: s.authorityOverridden,
		})
	case MethodWorkloadIdentity:
		return azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions: co, ClientID: a.ClientID, TenantID: s.TenantID, DisableInstanceDiscovery: s.authorityOverridden,
		})
	case MethodManagedIdentity:
		o := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: co}
		if a.ClientID != "" {
			o.ID = azidentity.ClientID(a.ClientID)
		}
		return azidentity.NewManagedIdentityCredential(o)
	case MethodAzureCLI:
		return azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: s.TenantID})
	case MethodDefault:
		return azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{ClientOptions: co, TenantID: s.TenantID})
	case MethodToken:
		tok, err := config.SecretRef{Env: a.TokenEnv, File: a.TokenFile}.Resolve(red)
		if err != nil {
			return nil, fmt.Errorf("azure: token: %w", err)
		}
		return staticToken{token: strings.TrimSpace(tok), now: now}, nil
	}
	return nil, fmt.Errorf("azure: unknown auth method %q", a.Method)
}

// staticToken is a TokenCredential for a pre-issued ARM access token. It
// never refreshes: an expired token fails with 401.
type staticToken struct {
	token string
	now   func() time.Time
}

func (t staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: t.token, ExpiresOn: t.now().Add(time.Hour)}, nil
}

// redactingCredential registers every token it hands out with the
// redactor, so no log line or error can carry it.
type redactingCredential struct {
	cred azcore.TokenCredential
	red  *config.Redactor
}

func (c redactingCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := c.cred.GetToken(ctx, o)
	if err != nil {
		if ctx.Err() != nil {
			return tok, ctx.Err()
		}
		return tok, fmt.Errorf("azure: getting a token: %v: %w", c.red.Error(err), errAuthentication)
	}
	c.red.Add(tok.Token)
	return tok, nil
}
