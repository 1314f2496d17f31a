package github

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type appKey struct {
	app *App
	key *rsa.PublicKey
	err error
}

func parsePublicKey(p string) (*rsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(p))
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if k, err := x509.ParsePKCS1PublicKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("not an RSA key")
	}
	return rk, nil
}

// PublicKeyPEM encodes an RSA public key for App.PublicKeyPEM.
func PublicKeyPEM(k *rsa.PublicKey) string {
	der, _ := x509.MarshalPKIXPublicKey(k)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// verifyJWT checks an app JWT (RS256, iss = app id, iat/exp around now,
// at most ten minutes long) and returns the app.
func (f *Fake) verifyJWT(tok string) (*App, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, errors.New("not a JWT")
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, errors.New("bad header encoding")
	}
	var hdr struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
	}
	if err := json.Unmarshal(hb, &hdr); err != nil || hdr.Alg != "RS256" {
		return nil, fmt.Errorf("unsupported alg %q", hdr.Alg)
	}
	pb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, errors.New("bad payload encoding")
	}
	var claims struct {
		Iss json.RawMessage `json:"iss"`
		Iat int64           `json:"iat"`
		Exp int64           `json:"exp"`
	}
	if err := json.Unmarshal(pb, &claims); err != nil {
		return nil, errors.New("bad claims")
	}
	iss := strings.Trim(string(claims.Iss), `"`)
	id, err := strconv.ParseInt(iss, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("iss %q is not an app id", iss)
	}
	ak := f.apps[id]
	if ak == nil || ak.key == nil {
		return nil, fmt.Errorf("unknown app %d", id)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, errors.New("bad signature encoding")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(ak.key, crypto.SHA256, sum[:], sig); err != nil {
		return nil, errors.New("signature does not verify")
	}
	now := f.o.Now().Unix()
	switch {
	case claims.Exp-claims.Iat > 600+60:
		return nil, errors.New("'exp' is too far in the future")
	case now < claims.Iat-60:
		return nil, errors.New("'iat' is in the future")
	case now >= claims.Exp:
		return nil, errors.New("'exp' is in the past")
	}
	return ak.app, nil
}

func (f *Fake) serveAccessToken(w http.ResponseWriter, rq *request) {
	app, err := f.verifyJWT(bearer(rq.r))
	if err != nil {
		writeError(w, http.StatusUnauthorized, "A JSON web token could not be decoded: "+err.Error(), "https://docs.github.com/rest")
		return
	}
	p, _ := rq.params("/app/installations/{installation_id}/access_tokens")
	inst, _ := strconv.ParseInt(p["installation_id"], 10, 64)
	if inst != app.InstallationID {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app")
		return
	}
	now := f.o.Now()
	f.mu.Lock()
	f.nToken++
	tok := "ghs_simulated" + strconv.Itoa(f.nToken) + strings.Repeat("x", 24)
	exp := now.Add(f.o.TokenTTL)
	f.issued[tok] = issuedToken{installation: inst, owner: app.Owner, expires: exp}
	f.mu.Unlock()
	perms := obj{"members": "read", "metadata": "read"}
	if app.Owner {
		perms["organization_administration"] = "read"
		perms["administration"] = "read"
		perms["organization_hooks"] = "read"
		perms["organization_plan"] = "read"
	}
	writeJSON(w, http.StatusCreated, obj{
		"token":                tok,
		"expires_at":           exp.UTC().Format(time.RFC3339),
		"permissions":          perms,
		"repository_selection": "all",
	})
}
