package msauth

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/keyholder/keyholder/internal/config"
)

// failing is a credential whose error repeats a secret, as an SDK error
// quoting a request body might.
type failing struct{ msg string }

func (f failing) GetToken(ctx context.Context, _ policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{}, errors.New(f.msg)
}

// TestRedactingFailure: a failure is ErrAuthentication, prefixed by where,
// with every registered secret scrubbed; a cancelled context is the
// context's error, not an authentication failure.
func TestRedactingFailure(t *testing.T) {
	red := &config.Redactor{}
	red.Add("client-secret-abcdef")
	c := redacting{cred: failing{"AADSTS7000215: invalid secret client-secret-abcdef"}, red: red, where: "azure"}
	_, err := c.GetToken(context.Background(), policy.TokenRequestOptions{})
	if !errors.Is(err, ErrAuthentication) {
		t.Fatalf("err = %v, want ErrAuthentication", err)
	}
	if want := "azure: getting a token: AADSTS7000215: invalid secret [REDACTED]: authentication failed"; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.GetToken(ctx, policy.TokenRequestOptions{})
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrAuthentication) {
		t.Errorf("cancelled: err = %v, want context.Canceled only", err)
	}
	if strings.Contains(err.Error(), "client-secret-abcdef") {
		t.Error("secret in the error")
	}
}
