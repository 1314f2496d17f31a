package entra

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/msauth/msauthtest"
	"github.com/keyholder/keyholder/internal/sim/graph"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

const clientID = "c1e40000-0000-4000-8000-000000000abc"

// TestClientSecretEndToEnd runs the client-secret path against the fake
// authority over TLS: azidentity fetches the OpenID configuration and a
// token (instance discovery disabled, custom authority host, CA file),
// and Graph accepts only that token.
func TestClientSecretEndToEnd(t *testing.T) {
	const secret = "s3cr3t~value-9d8c7b6a5f4e"
	srv := graph.NewTest(t, loadScenario(t), graph.Options{TLS: true, ClientID: clientID, ClientSecret: secret, RequireAuth: true})
	dir := t.TempDir()
	ca, err := srv.CAFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprintf(`type: entra
name: m365
tenant_id: %s
graph_endpoint: %s
authority_host: %s
ca_file: %s
auth: {method: client_secret, client_id: %s, secret_file: %s}
`, tenantID, srv.URL, srv.URL, ca, clientID, secretFile)
	var logs bytes.Buffer
	env := scannertest.Env(&logs)
	s, err := newScanner(target(t, text), env)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := s.Scan(context.Background())
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	st := srv.Stats()
	if st.TokenRequests < 1 {
		t.Fatal("no token requested from the authority")
	}
	if st.TokenRequests > 2 {
		t.Errorf("%d token requests: the credential does not cache its token", st.TokenRequests)
	}
	if principal(snap, idAlice) == nil || len(snap.Gaps) != 1 {
		t.Fatalf("scan incomplete: %d principals, gaps %+v", len(snap.Principals), snap.Gaps)
	}
	var out bytes.Buffer
	snap.Encode(&out)
	if strings.Contains(out.String(), secret) || strings.Contains(logs.String(), secret) {
		t.Error("client secret leaked into the snapshot or logs")
	}
	if strings.Contains(logs.String(), "Bearer fake.") {
		t.Error("access token leaked into the logs")
	}

	// A wrong secret fails the target with an authentication error that
	// does not repeat the secret.
	if err := os.WriteFile(secretFile, []byte("wrong-secret-value"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, _ = newScanner(target(t, text), scannertest.Env(&logs))
	_, err = s.Scan(context.Background())
	if !errors.Is(err, errAuthentication) {
		t.Fatalf("wrong secret: err = %v, want authentication failure", err)
	}
	if strings.Contains(err.Error(), "wrong-secret-value") {
		t.Error("secret in the error")
	}
}

// TestCertificateEndToEnd: the certificate method signs a client
// assertion with the key in a PEM file; the fake authority verifies it
// against the certificate.
func TestCertificateEndToEnd(t *testing.T) {
	cert, key := msauthtest.Certificate(t)
	dir := t.TempDir()
	certFile := filepath.Join(dir, "app.pem")
	pemData := msauthtest.PEM(t, cert, key)
	if err := os.WriteFile(certFile, pemData, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := graph.NewTest(t, loadScenario(t), graph.Options{TLS: true, ClientID: clientID, ClientCertificate: cert, RequireAuth: true})
	ca, err := srv.CAFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprintf(`type: entra
name: m365
tenant_id: %s
graph_endpoint: %s
authority_host: %s
ca_file: %s
auth: {method: certificate, client_id: %s, certificate_file: %s}
`, tenantID, srv.URL, srv.URL, ca, clientID, certFile)
	s, err := newScanner(target(t, text), scannertest.Env(&bytes.Buffer{}))
	if err != nil {
		t.Fatal(err)
	}
	snap, err := s.Scan(context.Background())
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if srv.Stats().TokenRequests < 1 || principal(snap, idAlice) == nil {
		t.Fatalf("certificate path did not authenticate: %+v", srv.Stats())
	}
	// Another key is refused.
	pemData = msauthtest.PEM(t, cert, msauthtest.Key(t))
	if err := os.WriteFile(certFile, pemData, 0o600); err != nil {
		t.Fatal(err)
	}
	s, _ = newScanner(target(t, text), scannertest.Env(&bytes.Buffer{}))
	if _, err := s.Scan(context.Background()); err == nil {
		t.Fatal("a certificate file whose key does not match was accepted")
	}
}

func TestConfigValidation(t *testing.T) {
	base := "type: entra\nname: m365\n"
	ok := "tenant_id: " + tenantID + "\n"
	for _, tc := range []struct{ name, yaml, want string }{
		{"missing tenant", base + "auth: {method: azure_cli}\n", "tenant_id is required"},
		{"bad tenant", base + "tenant_id: contoso\nauth: {method: azure_cli}\n", "not a GUID"},
		{"bad cloud", base + ok + "cloud: mars\nauth: {method: azure_cli}\n", "unknown cloud"},
		{"http endpoint", base + ok + "graph_endpoint: http://graph.example\nauth: {method: azure_cli}\n", "must use https"},
		{"endpoint path", base + ok + "graph_endpoint: https://graph.example/beta\nauth: {method: azure_cli}\n", "must be a URL like"},
		{"no method", base + ok, "auth.method is required"},
		{"unknown method", base + ok + "auth: {method: password}\n", "unknown auth method"},
		{"secret without id", base + ok + "auth: {method: client_secret, secret_env: X}\n", "needs auth.client_id"},
		{"secret without source", base + ok + "auth: {method: client_secret, client_id: " + clientID + "}\n", "secret_env or auth.secret_file"},
		{"literal secret", base + ok + "auth: {method: client_secret, client_id: x, client_secret: abc}\n", "literal secrets are not allowed"},
		{"unknown key", base + ok + "auth: {method: azure_cli}\nfoo: 1\n", "unknown key"},
		{"cert without file", base + ok + "auth: {method: certificate, client_id: x}\n", "certificate_file"},
		{"token without source", base + ok + "auth: {method: token}\n", "token_env or auth.token_file"},
		{"mixed", base + ok + "auth: {method: azure_cli, secret_env: X}\n", "only apply to method client_secret"},
		{"page size", base + ok + "page_size: 5000\nauth: {method: azure_cli}\n", "page_size"},
		{"timeout", base + ok + "timeout: soon\nauth: {method: azure_cli}\n", "timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newScanner(target(t, tc.yaml), scannertest.Env(&bytes.Buffer{}))
			var probs config.Problems
			if !errors.As(err, &probs) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want problems containing %q", err, tc.want)
			}
		})
	}
	s, err := newScanner(target(t, base+ok+"cloud: usgov\nauth: {method: managed_identity}\n"), scannertest.Env(&bytes.Buffer{}))
	if err != nil {
		t.Fatal(err)
	}
	c := s.(*Scanner).cfg
	if c.graph.String() != "https://graph.microsoft.us" || c.authority != "https://login.microsoftonline.us/" || c.scope() != "https://graph.microsoft.us/.default" || c.PageSize != 999 {
		t.Errorf("usgov settings = %+v", c)
	}
}

// TestPermissionsDocumented: every permission the factory lists is in the
// README's Permissions section.
func TestPermissionsDocumented(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "## Permissions")
	if !ok {
		t.Fatal("README.md has no ## Permissions section")
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	p := Factory().Permissions()
	if len(p.Items) == 0 {
		t.Fatal("no permissions listed")
	}
	for _, it := range p.Items {
		if !strings.Contains(sec, it.Name) {
			t.Errorf("README Permissions section does not mention %s", it.Name)
		}
		if it.Optional && !strings.Contains(sec, it.Name+"** (optional") {
			t.Errorf("README does not mark %s optional", it.Name)
		}
		if strings.Contains(it.Name, "Write") {
			t.Errorf("write permission %s listed", it.Name)
		}
	}
}
