package msauth

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
	"github.com/keyholder/keyholder/scanners"
)

// ErrAuthentication marks a failure to obtain or use a token: the target
// as a whole cannot be scanned.
var ErrAuthentication = errors.New("authentication failed")

// Identity is a validated sign-in: the tenant, the auth settings and the
// authority (see CheckAuthority).
type Identity struct {
	TenantID  string
	Auth      Auth
	Authority string
	// AuthorityOverridden disables instance discovery (authority_host).
	AuthorityOverridden bool
}

// Options are what Credential needs besides the Identity.
type Options struct {
	// Where prefixes every error ("entra", "azure").
	Where string
	// Redactor receives every secret and token.
	Redactor *config.Redactor
	// Transport carries token requests (internal/httpx).
	Transport *http.Client
	// Now is the real clock, for the expiry of a static token; a token's
	// lifetime is real time, never the evaluation clock (--now).
	Now func() time.Time
	// SDKDefault makes method default azidentity's DefaultAzureCredential
	// (environment, workload identity, managed identity, Azure CLI, Azure
	// Developer CLI, Azure PowerShell; the azure target's). Otherwise
	// default tries workload identity (when its environment is present),
	// managed identity (with client_id), then the Azure CLI (the entra
	// target's).
	SDKDefault bool
}

// Credential builds the azidentity credential of id's method, wrapped so
// that its tokens are registered with o.Redactor and its failures wrap
// ErrAuthentication. Secrets are resolved here (never when the config is
// validated) and registered with o.Redactor.
func Credential(id Identity, o Options) (azcore.TokenCredential, error) {
	cred, err := credential(id, o)
	if err != nil {
		return nil, err
	}
	return redacting{cred: cred, red: o.Redactor, where: o.Where}, nil
}

func credential(id Identity, o Options) (azcore.TokenCredential, error) {
	co := azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: id.Authority},
		Transport: o.Transport,
		// httpx retries; azcore's own retry policy would stack a second
		// layer, so it is switched off (negative means no retries).
		Retry: policy.RetryOptions{MaxRetries: -1},
	}
	a, red := id.Auth, o.Redactor
	switch a.Method {
	case MethodClientSecret:
		secret, err := config.SecretRef{Env: a.SecretEnv, File: a.SecretFile}.Resolve(red)
		if err != nil {
			return nil, fmt.Errorf("%s: client secret: %w", o.Where, err)
		}
		return azidentity.NewClientSecretCredential(id.TenantID, a.ClientID, secret, &azidentity.ClientSecretCredentialOptions{
			ClientOptions: co, DisableInstanceDiscovery: id.AuthorityOverridden,
		})
	case MethodCertificate:
		return certificate(id, co, o)
	case MethodWorkloadIdentity:
		return workloadIdentity(id, co)
	case MethodManagedIdentity:
		return managedIdentity(co, a.ClientID)
	case MethodAzureCLI:
		return azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: id.TenantID})
	case MethodDefault:
		if o.SDKDefault {
			return azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{ClientOptions: co, TenantID: id.TenantID})
		}
		return defaultChain(id, co)
	case MethodToken:
		tok, err := config.SecretRef{Env: a.TokenEnv, File: a.TokenFile}.Resolve(red)
		if err != nil {
			return nil, fmt.Errorf("%s: token: %w", o.Where, err)
		}
		return staticToken{token: strings.TrimSpace(tok), now: o.Now}, nil
	}
	return nil, fmt.Errorf("%s: unknown auth method %q", o.Where, a.Method)
}

// certificate reads the certificate and its key from certificate_file,
// with the password from certificate_password_env.
func certificate(id Identity, co azcore.ClientOptions, o Options) (azcore.TokenCredential, error) {
	a := id.Auth
	data, err := os.ReadFile(a.CertificateFile)
	if err != nil {
		return nil, fmt.Errorf("%s: certificate_file: %w", o.Where, err)
	}
	var password []byte
	if a.CertificatePasswordEnv != "" {
		pw, err := config.SecretRef{Env: a.CertificatePasswordEnv}.Resolve(o.Redactor)
		if err != nil {
			return nil, fmt.Errorf("%s: certificate password: %w", o.Where, err)
		}
		password = []byte(pw)
	}
	certs, key, err := azidentity.ParseCertificates(data, password)
	if err != nil {
		return nil, fmt.Errorf("%s: certificate_file %s: %w", o.Where, a.CertificateFile, o.Redactor.Error(err))
	}
	return azidentity.NewClientCertificateCredential(id.TenantID, a.ClientID, certs, key, &azidentity.ClientCertificateCredentialOptions{
		ClientOptions: co, DisableInstanceDiscovery: id.AuthorityOverridden,
	})
}

// workloadIdentity is federation: the assertion comes from the file
// AZURE_FEDERATED_TOKEN_FILE names (GitHub Actions OIDC, Kubernetes).
func workloadIdentity(id Identity, co azcore.ClientOptions) (azcore.TokenCredential, error) {
	return azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
		ClientOptions: co, ClientID: id.Auth.ClientID, TenantID: id.TenantID, DisableInstanceDiscovery: id.AuthorityOverridden,
	})
}

// managedIdentity is the system-assigned identity, or the user-assigned
// one whose client id is clientID.
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
func defaultChain(id Identity, co azcore.ClientOptions) (azcore.TokenCredential, error) {
	var chain []azcore.TokenCredential
	if wi, err := workloadIdentity(id, co); err == nil {
		chain = append(chain, wi)
	}
	if mi, err := managedIdentity(co, id.Auth.ClientID); err == nil {
		chain = append(chain, mi)
	}
	if cli, err := azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: id.TenantID}); err == nil {
		chain = append(chain, cli)
	}
	return azidentity.NewChainedTokenCredential(chain, nil)
}

// staticToken is a TokenCredential for a pre-issued access token
// (air-gapped or break-glass use). It never refreshes: an expired token
// fails with 401.
type staticToken struct {
	token string
	now   func() time.Time
}

func (t staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: t.token, ExpiresOn: t.now().Add(time.Hour)}, nil
}

// redacting registers every token it hands out with the redactor, so no
// log line or error can carry it, and turns a failure into
// ErrAuthentication with a redacted message.
type redacting struct {
	cred  azcore.TokenCredential
	red   *config.Redactor
	where string
}

func (c redacting) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := c.cred.GetToken(ctx, o)
	if err != nil {
		if ctx.Err() != nil {
			return tok, ctx.Err()
		}
		// A sign-in endpoint that did not answer (or whose certificate
		// failed) has not refused the credentials: say it is unreachable,
		// as the scan's own calls would. Only an answer from the
		// authority (an AuthenticationFailedError carrying the HTTP
		// response) or a local credential problem is an authentication
		// failure; azidentity wraps a transport error in the same type
		// without a response.
		var afe *azidentity.AuthenticationFailedError
		if !errors.As(err, &afe) || afe.RawResponse == nil {
			switch class, _ := scanners.Classify(err); class {
			case scanners.ClassUnreachable:
				return tok, fmt.Errorf("%s: cannot reach the sign-in endpoint: %s: %w", c.where, oneLine(c.red.Error(err)), scanners.ErrUnreachable)
			case scanners.ClassTLS:
				return tok, fmt.Errorf("%s: cannot reach the sign-in endpoint: %s", c.where, oneLine(c.red.Error(err)))
			}
		}
		return tok, fmt.Errorf("%s: getting a token: %s: %w", c.where, oneLine(c.red.Error(err)), ErrAuthentication)
	}
	c.red.Add(tok.Token)
	return tok, nil
}

// Interface guards.
var (
	_ azcore.TokenCredential = staticToken{}
	_ azcore.TokenCredential = redacting{}
)

// oneLine folds azidentity's multi-line messages (the response, a rule of
// dashes, a troubleshooting link) onto one line for logs, gaps and the
// summary.
func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }
