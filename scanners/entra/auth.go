package entra

import (
	"context"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/keyholder/keyholder/internal/msauth"
)

// errAuthentication marks a failure to obtain or use a token: the target
// as a whole cannot be scanned.
var errAuthentication = msauth.ErrAuthentication

// tokenAuth is the kiota AuthenticationProvider: it adds the bearer token
// to requests for the Graph host and refuses any other host, so a nextLink
// or batch answer pointing elsewhere can never receive the token. cred is
// an msauth credential: it registers the token with the redactor and
// turns a failure into errAuthentication.
type tokenAuth struct {
	cred   azcore.TokenCredential
	scopes []string
	host   string
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
		return err
	}
	req.Headers.Remove("Authorization")
	req.Headers.Add("Authorization", "Bearer "+tok.Token)
	return nil
}
