package github

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyholder/keyholder/internal/config"
	ghsim "github.com/keyholder/keyholder/internal/sim/github"
)

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

// appKey returns an RSA key shared by the tests (2048-bit keys take a
// moment to generate).
func appKey(t testing.TB) *rsa.PrivateKey {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		testKey = k
	})
	return testKey
}

func writeKey(t testing.TB, dir string, k *rsa.PrivateKey, pkcs8 bool) string {
	t.Helper()
	block := &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}
	if pkcs8 {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		block = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	}
	p := filepath.Join(dir, "app.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func appScenario(t testing.TB, owner bool) *ghsim.Scenario {
	sc := contoso(t)
	sc.Apps = []ghsim.App{{AppID: 777, InstallationID: 888, PublicKeyPEM: ghsim.PublicKeyPEM(&appKey(t).PublicKey), Owner: owner}}
	return sc
}

// TestGitHubApp: the scanner signs a JWT, exchanges it for an installation
// token (the only POST besides GraphQL queries), and scans with it.
func TestGitHubApp(t *testing.T) {
	for _, pkcs8 := range []bool{false, true} {
		name := map[bool]string{false: "pkcs1", true: "pkcs8"}[pkcs8]
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, appScenario(t, true), ghsim.Options{})
			keyPath := writeKey(t, h.dir, appKey(t), pkcs8)
			target := "    org: contoso\n    api_url: " + h.srv.URL + "\n    app: {app_id: 777, installation_id: 888, private_key_file: " + keyPath + "}\n"
			var logs bytes.Buffer
			env := h.env(&logs)
			s := h.scanner(env, target)
			snap, err := s.Scan(context.Background())
			if err != nil {
				t.Fatalf("scan: %v\n%s", err, logs.String())
			}
			if len(snap.Gaps) != 0 {
				t.Errorf("gaps: %+v", snap.Gaps)
			}
			findGrant(t, snap, uid("201"), "owner", "org:contoso")
			if n := h.fake.Count("POST /app/installations/{installation_id}/access_tokens"); n != 1 {
				t.Errorf("%d token exchanges, want 1", n)
			}
			for _, l := range h.fake.Log() {
				if !strings.HasPrefix(l, "GET ") && l != "POST /graphql" && l != "POST /app/installations/888/access_tokens" {
					t.Errorf("unexpected request %s", l)
				}
			}
			// The installation token and the JWT never leave the scanner.
			secrets := env.Redactor.Secrets()
			if len(secrets) < 3 {
				t.Fatalf("the redactor knows %d secrets, want the key, the JWT and the token", len(secrets))
			}
			var out bytes.Buffer
			snap.Encode(&out)
			for _, sec := range secrets {
				if strings.Contains(out.String(), sec) || strings.Contains(logs.String(), sec) {
					t.Errorf("secret %.8s… leaked", sec)
				}
			}
		})
	}
}

// TestGitHubAppErrors: a key the app does not know and a wrong
// installation fail the target with a hint.
func TestGitHubAppErrors(t *testing.T) {
	other, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, appScenario(t, true), ghsim.Options{})
	for _, c := range []struct {
		name, target, want string
	}{
		{"wrong key", "    app: {app_id: 777, installation_id: 888, private_key_file: " + writeKey(t, t.TempDir(), other, false) + "}\n", "check app.app_id and the private key"},
		{"wrong installation", "    app: {app_id: 777, installation_id: 999, private_key_file: " + writeKey(t, t.TempDir(), appKey(t), false) + "}\n", "check app.installation_id"},
		{"not a key", "    app: {app_id: 777, installation_id: 888, private_key_file: " + filepath.Join("testdata", "contoso.yaml") + "}\n", "no PEM block"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var logs bytes.Buffer
			s := h.scanner(h.env(&logs), "    org: contoso\n    api_url: "+h.srv.URL+"\n"+c.target)
			_, err := s.Scan(context.Background())
			if !errors.Is(err, errAuth) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
}

// TestAppTokenRefresh: the installation token is reused until five
// minutes before it expires, then exchanged again.
func TestAppTokenRefresh(t *testing.T) {
	h := newHarness(t, appScenario(t, true), ghsim.Options{})
	a := &appTokens{
		appID: "777", installationID: 888, key: appKey(t),
		exchangeURL: installationURL(h.srv.URL+"/", 888),
		client:      http.DefaultClient, now: h.clock.Now, red: &config.Redactor{}, userAgent: "test",
	}
	ctx := context.Background()
	t1, err := a.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t2, _ := a.Token(ctx)
	h.clock.Advance(50 * time.Minute)
	t3, _ := a.Token(ctx)
	h.clock.Advance(6 * time.Minute)
	t4, err := a.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if t1 != t2 || t2 != t3 || t4 == t3 {
		t.Errorf("tokens %q %q %q %q: want reuse for 55 minutes, then a new one", t1, t2, t3, t4)
	}
	if n := h.fake.Count("POST /app/installations/{installation_id}/access_tokens"); n != 2 {
		t.Errorf("%d exchanges, want 2", n)
	}
}

// TestSignAppJWT: the JWT verifies with the public key and carries the
// claims GitHub requires.
func TestSignAppJWT(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	jwt, err := signAppJWT(appKey(t), "777", now)
	if err != nil {
		t.Fatal(err)
	}
	// The fake's verifier is the reference: it accepts the token.
	sc := appScenario(t, true)
	f := ghsim.New(sc, ghsim.Options{Now: func() time.Time { return now }})
	req, _ := http.NewRequest(http.MethodPost, "/app/installations/888/access_tokens", nil)
	req.Header.Set("Authorization", "Bearer "+jwt)
	rec := &recorder{header: http.Header{}}
	f.ServeHTTP(rec, req)
	if rec.status != http.StatusCreated {
		t.Fatalf("fake refused the JWT: %d %s", rec.status, rec.body.String())
	}
	// Ten minutes later it has expired.
	f2 := ghsim.New(sc, ghsim.Options{Now: func() time.Time { return now.Add(10 * time.Minute) }})
	rec = &recorder{header: http.Header{}}
	f2.ServeHTTP(rec, req)
	if rec.status != http.StatusUnauthorized {
		t.Errorf("expired JWT accepted: %d", rec.status)
	}
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(s int)           { r.status = s }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
