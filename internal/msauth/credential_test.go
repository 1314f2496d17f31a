package msauth_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/httpx"
	"github.com/keyholder/keyholder/internal/msauth"
	"github.com/keyholder/keyholder/internal/msauth/msauthtest"
	"github.com/keyholder/keyholder/internal/silenttest"
	"github.com/keyholder/keyholder/internal/sim/graph"
	"github.com/keyholder/keyholder/scanners"
)

const clientID = "c1e40000-0000-4000-8000-000000000abc"

// authority is the fake Graph's identity platform over TLS: the token
// server of these tests.
type authority struct {
	srv  *graph.Server
	http *http.Client
	dir  string
}

func newAuthority(t *testing.T, opts graph.Options) *authority {
	t.Helper()
	opts.TLS, opts.ClientID = true, clientID
	srv := graph.NewTest(t, &graph.Scenario{Tenant: graph.Tenant{ID: tenant, DisplayName: "Contoso"}}, opts)
	dir := t.TempDir()
	ca, err := srv.CAFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	// The production transport: httpx with the CA file.
	rt, err := httpx.NewTransport(httpx.Options{CAFile: ca, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return &authority{srv: srv, http: &http.Client{Transport: rt}, dir: dir}
}

func (a *authority) identity(auth msauth.Auth) msauth.Identity {
	return msauth.Identity{TenantID: tenant, Auth: auth, Authority: a.srv.URL + "/", AuthorityOverridden: true}
}

func (a *authority) options(red *config.Redactor) msauth.Options {
	return msauth.Options{Where: "kh", Redactor: red, Transport: a.http, Now: time.Now}
}

func (a *authority) file(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(a.dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func getToken(cred azcore.TokenCredential) (azcore.AccessToken, error) {
	return cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://graph.example/.default"}})
}

// wantToken asserts a token from the authority that the redactor knows.
func wantToken(t *testing.T, cred azcore.TokenCredential, red *config.Redactor) {
	t.Helper()
	tok, err := getToken(cred)
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	if !strings.HasPrefix(tok.Token, "fake.") {
		t.Fatalf("token %q was not issued by the authority", tok.Token)
	}
	if got := red.String("Bearer " + tok.Token); got != "Bearer "+config.Redacted {
		t.Errorf("token not registered with the redactor: %q", got)
	}
}

// wantAuthFailure asserts ErrAuthentication, prefixed by where, with none
// of secrets in the message.
func wantAuthFailure(t *testing.T, cred azcore.TokenCredential, secrets ...string) {
	t.Helper()
	_, err := getToken(cred)
	if !errors.Is(err, msauth.ErrAuthentication) || !strings.HasPrefix(err.Error(), "kh: getting a token: ") {
		t.Fatalf("err = %v, want kh: getting a token: …: authentication failed", err)
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Errorf("secret %q in the error: %v", s, err)
		}
	}
}

// TestClientSecret: the secret comes from a file through the redactor,
// azidentity signs in at the overridden authority (no instance discovery)
// through the given transport, and a wrong secret is an authentication
// failure that does not repeat it.
func TestClientSecret(t *testing.T) {
	const secret = "s3cr3t~value-9d8c7b6a5f4e"
	a := newAuthority(t, graph.Options{ClientSecret: secret})
	f := a.file(t, "secret", []byte(secret+"\n"))
	red := &config.Redactor{}
	cred, err := msauth.Credential(a.identity(msauth.Auth{Method: msauth.MethodClientSecret, ClientID: clientID, SecretFile: f}), a.options(red))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(red.String(secret), config.Redacted) {
		t.Error("client secret not registered with the redactor")
	}
	wantToken(t, cred, red)
	if _, err := getToken(cred); err != nil {
		t.Fatal(err)
	}
	if n := a.srv.Stats().TokenRequests; n != 1 {
		t.Errorf("%d token requests for two GetToken calls, want 1 (cached)", n)
	}

	a.file(t, "secret", []byte("wrong-secret-value"))
	cred, err = msauth.Credential(a.identity(msauth.Auth{Method: msauth.MethodClientSecret, ClientID: clientID, SecretFile: f}), a.options(&config.Redactor{}))
	if err != nil {
		t.Fatal(err)
	}
	wantAuthFailure(t, cred, "wrong-secret-value")
}

// TestCertificate: the key in certificate_file signs the client
// assertion; another key is refused.
func TestCertificate(t *testing.T) {
	cert, key := msauthtest.Certificate(t)
	a := newAuthority(t, graph.Options{ClientCertificate: cert})
	f := a.file(t, "app.pem", msauthtest.PEM(t, cert, key))
	auth := msauth.Auth{Method: msauth.MethodCertificate, ClientID: clientID, CertificateFile: f}
	red := &config.Redactor{}
	cred, err := msauth.Credential(a.identity(auth), a.options(red))
	if err != nil {
		t.Fatal(err)
	}
	wantToken(t, cred, red)

	// A key that does not match the certificate is refused before any
	// request; a certificate the authority does not trust fails to sign in.
	a.file(t, "app.pem", msauthtest.PEM(t, cert, msauthtest.Key(t)))
	if _, err := msauth.Credential(a.identity(auth), a.options(&config.Redactor{})); err == nil {
		t.Error("a certificate file whose key does not match was accepted")
	}
	untrusted, untrustedKey := msauthtest.Certificate(t)
	a.file(t, "app.pem", msauthtest.PEM(t, untrusted, untrustedKey))
	cred, err = msauth.Credential(a.identity(auth), a.options(&config.Redactor{}))
	if err != nil {
		t.Fatal(err)
	}
	wantAuthFailure(t, cred)
}

// TestCertificateFileProblems: what is wrong with the file is said with
// the key and the path, never with the password.
func TestCertificateFileProblems(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	const password = "pfx-password-5e4d3c"
	t.Setenv("KH_TEST_CERT_PW", password)
	for _, tc := range []struct {
		name string
		auth msauth.Auth
		want string
	}{
		{"missing file", msauth.Auth{CertificateFile: filepath.Join(dir, "none.pem")}, "kh: certificate_file: open "},
		{"not a certificate", msauth.Auth{CertificateFile: garbage, CertificatePasswordEnv: "KH_TEST_CERT_PW"}, "kh: certificate_file " + garbage + ": "},
		{"password unset", msauth.Auth{CertificateFile: garbage, CertificatePasswordEnv: "KH_TEST_UNSET_PW"}, "kh: certificate password: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.auth.Method, tc.auth.ClientID = msauth.MethodCertificate, clientID
			_, err := msauth.Credential(msauth.Identity{TenantID: tenant, Auth: tc.auth, Authority: "https://login.example/"},
				msauth.Options{Where: "kh", Redactor: &config.Redactor{}, Now: time.Now})
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("err = %v, want prefix %q", err, tc.want)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("password in the error: %v", err)
			}
		})
	}
}

// federatedToken is what a workload identity platform (GitHub Actions
// OIDC, Kubernetes) writes to AZURE_FEDERATED_TOKEN_FILE: a JWT the
// authority trusts. The fake trusts one signed with the certificate's key.
func federatedToken(t *testing.T, key *rsa.PrivateKey) string {
	t.Helper()
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signed := enc(map[string]string{"alg": "RS256", "typ": "JWT"}) + "." +
		enc(map[string]any{"iss": clientID, "sub": clientID, "aud": "api://AzureADTokenExchange", "exp": time.Now().Add(time.Hour).Unix()})
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// TestWorkloadIdentity: federation presents the token file's assertion
// at the configured authority for the configured client and tenant; the
// default chain (not SDKDefault) tries it first.
func TestWorkloadIdentity(t *testing.T) {
	cert, key := msauthtest.Certificate(t)
	a := newAuthority(t, graph.Options{ClientCertificate: cert})
	t.Setenv("AZURE_FEDERATED_TOKEN_FILE", a.file(t, "federated", []byte(federatedToken(t, key))))
	for _, method := range []string{msauth.MethodWorkloadIdentity, msauth.MethodDefault} {
		t.Run(method, func(t *testing.T) {
			red := &config.Redactor{}
			cred, err := msauth.Credential(a.identity(msauth.Auth{Method: method, ClientID: clientID}), a.options(red))
			if err != nil {
				t.Fatal(err)
			}
			wantToken(t, cred, red)
		})
	}
	// An assertion the authority does not trust fails.
	other := msauthtest.Key(t)
	t.Setenv("AZURE_FEDERATED_TOKEN_FILE", a.file(t, "federated", []byte(federatedToken(t, other))))
	cred, err := msauth.Credential(a.identity(msauth.Auth{Method: msauth.MethodWorkloadIdentity, ClientID: clientID}), a.options(&config.Redactor{}))
	if err != nil {
		t.Fatal(err)
	}
	wantAuthFailure(t, cred)
}

// TestManagedIdentityClientID: managed identity asks the platform's
// endpoint (here App Service's IDENTITY_ENDPOINT) for the user-assigned
// identity auth.client_id names, through the given transport.
func TestManagedIdentityClientID(t *testing.T) {
	var gotClientID, gotHeader string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotClientID, gotHeader = r.URL.Query().Get("client_id"), r.Header.Get("X-IDENTITY-HEADER")
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"access_token": "mi.token-0a1b2c3d", "token_type": "Bearer",
			"expires_on": strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10), "resource": "https://graph.example"})
	}))
	t.Cleanup(srv.Close)
	t.Setenv("IDENTITY_ENDPOINT", srv.URL)
	t.Setenv("IDENTITY_HEADER", "header-value")
	red := &config.Redactor{}
	cred, err := msauth.Credential(msauth.Identity{TenantID: tenant, Auth: msauth.Auth{Method: msauth.MethodManagedIdentity, ClientID: clientID}},
		msauth.Options{Where: "kh", Redactor: red, Transport: srv.Client(), Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	// A scope of this run only: azidentity's managed-identity client keeps
	// tokens in a process-wide cache, so a second run (go test -count=2)
	// would be answered from it without asking the endpoint.
	scope := fmt.Sprintf("https://mi-%d.graph.example/.default", time.Now().UnixNano())
	tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{scope}})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Token != "mi.token-0a1b2c3d" || gotClientID != clientID || gotHeader != "header-value" {
		t.Errorf("token %q, client_id %q, header %q", tok.Token, gotClientID, gotHeader)
	}
	if red.String(tok.Token) != config.Redacted {
		t.Error("token not registered with the redactor")
	}
}

// TestStaticToken: a pre-issued token is read once, trimmed, registered
// and answered until an hour after the (real) clock says now.
func TestStaticToken(t *testing.T) {
	const token = "eyJ0eXAi.static-token.5f4e3d"
	f := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(f, []byte("  "+token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	red := &config.Redactor{}
	cred, err := msauth.Credential(msauth.Identity{TenantID: tenant, Auth: msauth.Auth{Method: msauth.MethodToken, TokenFile: f}},
		msauth.Options{Where: "kh", Redactor: red, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := getToken(cred)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Token != token || !tok.ExpiresOn.Equal(now.Add(time.Hour)) {
		t.Errorf("token = %q expiring %v", tok.Token, tok.ExpiresOn)
	}
	if red.String(token) != config.Redacted {
		t.Error("token not registered with the redactor")
	}
}

// TestSecretReferences: an unset variable or a missing file is an error
// naming the method's secret and config.ErrSecretMissing.
func TestSecretReferences(t *testing.T) {
	for _, tc := range []struct {
		name string
		auth msauth.Auth
		want string
	}{
		{"client secret env", msauth.Auth{Method: msauth.MethodClientSecret, ClientID: clientID, SecretEnv: "KH_TEST_UNSET_SECRET"}, "kh: client secret: "},
		{"client secret file", msauth.Auth{Method: msauth.MethodClientSecret, ClientID: clientID, SecretFile: "/nonexistent/secret"}, "kh: client secret: "},
		{"token env", msauth.Auth{Method: msauth.MethodToken, TokenEnv: "KH_TEST_UNSET_TOKEN"}, "kh: token: "},
		{"token file", msauth.Auth{Method: msauth.MethodToken, TokenFile: "/nonexistent/token"}, "kh: token: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := msauth.Credential(msauth.Identity{TenantID: tenant, Auth: tc.auth, Authority: "https://login.example/"},
				msauth.Options{Where: "kh", Redactor: &config.Redactor{}, Now: time.Now})
			if !errors.Is(err, config.ErrSecretMissing) || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q… wrapping ErrSecretMissing", err, tc.want)
			}
		})
	}
	_, err := msauth.Credential(msauth.Identity{TenantID: tenant, Auth: msauth.Auth{Method: "password"}}, msauth.Options{Where: "kh"})
	if err == nil || err.Error() != `kh: unknown auth method "password"` {
		t.Errorf("unknown method: err = %v", err)
	}
}

// TestSilentAuthorityIsUnreachable: a sign-in endpoint that accepts the
// connection and never answers has not refused the credentials. The error
// says the endpoint cannot be reached (scanners.ErrUnreachable, classed
// unreachable), never "authentication failed", and keeps the secret out.
func TestSilentAuthorityIsUnreachable(t *testing.T) {
	const secret = "s3cr3t~value-1a2b3c4d5e6f"
	silent := silenttest.TCP(t) // a TLS handshake that never ends
	rt, err := httpx.NewTransport(httpx.Options{Timeout: 200 * time.Millisecond, Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "secret")
	if err := os.WriteFile(f, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	id := msauth.Identity{TenantID: tenant, Auth: msauth.Auth{Method: msauth.MethodClientSecret, ClientID: clientID, SecretFile: f},
		Authority: "https://" + silent.Addr + "/", AuthorityOverridden: true}
	cred, err := msauth.Credential(id, msauth.Options{Where: "kh", Redactor: &config.Redactor{}, Transport: &http.Client{Transport: rt}, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	_, err = getToken(cred)
	if errors.Is(err, msauth.ErrAuthentication) || !errors.Is(err, scanners.ErrUnreachable) {
		t.Fatalf("err = %v; want unreachable, not an authentication failure", err)
	}
	silent.WantGaveUp(t, err)
	if strings.Contains(err.Error(), secret) {
		t.Fatalf("secret in the error: %v", err)
	}
}
