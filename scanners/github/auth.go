package github

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/scanners"
)

// errAuth marks a failure to authenticate: the target as a whole cannot
// be scanned.
var errAuth = scanners.ErrAuth

// tokenSource returns the bearer token for the next request.
type tokenSource interface {
	Token(ctx context.Context) (string, error)
}

// staticToken is a personal access token (classic or fine-grained).
type staticToken string

func (t staticToken) Token(context.Context) (string, error) { return string(t), nil }

// appTokens mints GitHub App installation tokens: it signs a short JWT
// with the app's private key (RS256) and exchanges it with
// POST /app/installations/{id}/access_tokens. That POST is an
// authentication step: it creates a one-hour token for this scan and
// changes nothing in the organisation. Tokens are refreshed five minutes
// before they expire.
type appTokens struct {
	appID          string
	installationID int64
	key            *rsa.PrivateKey
	exchangeURL    string
	client         *http.Client // the rate-limited, retrying stack, without auth
	now            func() time.Time
	red            *config.Redactor
	userAgent      string

	mu      sync.Mutex
	token   string
	expires time.Time
}

func (a *appTokens) Token(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token != "" && a.now().Add(5*time.Minute).Before(a.expires) {
		return a.token, nil
	}
	tok, exp, err := a.exchange(ctx)
	if err != nil {
		return "", err
	}
	a.token, a.expires = tok, exp
	return tok, nil
}

func (a *appTokens) exchange(ctx context.Context) (string, time.Time, error) {
	jwt, err := signAppJWT(a.key, a.appID, a.now())
	if err != nil {
		return "", time.Time{}, err
	}
	a.red.Add(jwt)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.exchangeURL, http.NoBody)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("github app: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+jwt)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	req.Header.Set("User-Agent", a.userAgent)
	resp, err := a.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", time.Time{}, ctx.Err()
		}
		return "", time.Time{}, fmt.Errorf("github app: installation token: %w", a.red.Error(err))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		var e struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(body, &e)
		hint := ""
		switch resp.StatusCode {
		case http.StatusUnauthorized:
			hint = " (check app.app_id and the private key, and that the clock is right)"
		case http.StatusNotFound:
			hint = " (check app.installation_id: the app must be installed on the organisation)"
		}
		return "", time.Time{}, fmt.Errorf("github app: installation token: %s %s%s: %w", resp.Status, a.red.String(e.Message), hint, errAuth)
	}
	var out struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Token == "" {
		return "", time.Time{}, fmt.Errorf("github app: installation token: unreadable answer: %w", scanners.ErrMalformed)
	}
	a.red.Add(out.Token)
	if out.ExpiresAt.IsZero() {
		out.ExpiresAt = a.now().Add(time.Hour)
	}
	return out.Token, out.ExpiresAt, nil
}

// signAppJWT returns the RS256 JWT GitHub expects from an app: issued a
// minute in the past (clock drift), valid nine minutes (GitHub allows ten).
func signAppJWT(key *rsa.PrivateKey, iss string, now time.Time) (string, error) {
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	// A numeric app id goes as a number (as GitHub's examples send it), a
	// client id ("Iv23…") as a string.
	var issuer any = iss
	if n, err := strconv.ParseInt(iss, 10, 64); err == nil {
		issuer = n
	}
	claims, err := json.Marshal(struct {
		Iat int64 `json:"iat"`
		Exp int64 `json:"exp"`
		Iss any   `json:"iss"`
	}{Iat: now.Add(-60 * time.Second).Unix(), Exp: now.Add(9 * time.Minute).Unix(), Iss: issuer})
	if err != nil {
		return "", err
	}
	signing := header + "." + base64.RawURLEncoding.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("github app: signing the JWT: %w", err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// parsePrivateKey reads a PEM RSA private key (PKCS#1, as GitHub issues
// them, or PKCS#8). Errors never include key material.
func parsePrivateKey(data []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("github app: private key: no PEM block found")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("github app: private key: not a PKCS#1 or PKCS#8 RSA key (%s block)", block.Type)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("github app: private key: not an RSA key (GitHub App keys are RSA)")
	}
	return rk, nil
}

// authTransport adds the bearer token to every request.
type authTransport struct {
	next http.RoundTripper
	src  tokenSource
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.src.Token(req.Context())
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+tok)
	return t.next.RoundTrip(r)
}

// installationURL is the token-exchange endpoint for an installation.
func installationURL(rest string, id int64) string {
	return rest + "app/installations/" + strconv.FormatInt(id, 10) + "/access_tokens"
}
