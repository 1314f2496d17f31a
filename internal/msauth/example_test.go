package msauth_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/msauth"
)

// A pre-issued token (method token) read from the environment: the
// credential registers it with the redactor, so a log line that carries
// it prints [REDACTED].
func ExampleCredential() {
	os.Setenv("KH_EXAMPLE_TOKEN", "eyJ0eXAiOiJKV1QifQ.example.token\n")
	red := &config.Redactor{}
	id := msauth.Identity{
		TenantID:  "00000000-0000-0000-0000-000000000001",
		Auth:      msauth.Auth{Method: msauth.MethodToken, TokenEnv: "KH_EXAMPLE_TOKEN"},
		Authority: "https://login.microsoftonline.com/",
	}
	cred, err := msauth.Credential(id, msauth.Options{Where: "example", Redactor: red, Now: time.Now})
	if err != nil {
		fmt.Println(err)
		return
	}
	tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://graph.microsoft.com/.default"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(red.String("Authorization: Bearer " + tok.Token))
	// Output: Authorization: Bearer [REDACTED]
}
