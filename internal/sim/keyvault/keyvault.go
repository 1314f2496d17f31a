package keyvaultsim

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Token is the bearer token the vault accepts (Credential returns it).
const Token = "keyvaultsim-token"

// Vault is a running simulated vault.
type Vault struct {
	// URL is the vault URL (https://127.0.0.1:PORT).
	URL string
	// Client trusts the vault's TLS certificate.
	Client *http.Client

	srv *httptest.Server
	mu  sync.Mutex
	// keys by name; each has one version.
	keys   map[string]*key
	counts map[string]int
}

type key struct {
	version string
	signer  crypto.Signer
}

// Start runs a vault on 127.0.0.1 over TLS with the keys named: "ec"
// names get a P-256 key, "rsa" names an RSA 2048 key (by prefix).
func Start(names ...string) (*Vault, error) {
	v := &Vault{keys: map[string]*key{}, counts: map[string]int{}}
	for i, n := range names {
		var s crypto.Signer
		var err error
		switch {
		case strings.HasPrefix(n, "ec"):
			s, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		case strings.HasPrefix(n, "rsa"):
			s, err = rsa.GenerateKey(rand.Reader, 2048)
		default:
			return nil, fmt.Errorf("keyvaultsim: key name %q: start it with ec or rsa", n)
		}
		if err != nil {
			return nil, err
		}
		v.keys[n] = &key{version: fmt.Sprintf("%032x", i+1), signer: s}
	}
	v.srv = httptest.NewTLSServer(http.HandlerFunc(v.serve))
	v.URL = v.srv.URL
	v.Client = v.srv.Client()
	return v, nil
}

// Close stops the vault.
func (v *Vault) Close() { v.srv.Close() }

// Counts returns the requests served by operation (challenge, get, sign).
func (v *Vault) Counts() map[string]int {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := map[string]int{}
	for k, n := range v.counts {
		out[k] = n
	}
	return out
}

// KeyURL returns the versioned key id of name.
func (v *Vault) KeyURL(name string) string {
	return v.URL + "/keys/" + name + "/" + v.keys[name].version
}

func (v *Vault) count(op string) {
	v.mu.Lock()
	v.counts[op]++
	v.mu.Unlock()
}

type kvError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	var e kvError
	e.Error.Code, e.Error.Message = code, msg
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(e)
}

var b64 = base64.RawURLEncoding

func (v *Vault) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("api-version") == "" {
		writeErr(w, http.StatusBadRequest, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+Token {
		v.count("challenge")
		w.Header().Set("WWW-Authenticate", `Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001", resource="https://vault.azure.net"`)
		writeErr(w, http.StatusUnauthorized, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.")
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 2 || parts[0] != "keys" {
		writeErr(w, http.StatusNotFound, "NotFound", "no such path")
		return
	}
	k, ok := v.keys[parts[1]]
	ver := ""
	if len(parts) >= 3 {
		ver = parts[2]
	}
	if !ok || (ver != "" && ver != k.version) {
		writeErr(w, http.StatusNotFound, "KeyNotFound", fmt.Sprintf("A key with (name/id) %s was not found in this key vault.", strings.Join(parts[1:], "/")))
		return
	}
	kid := v.URL + "/keys/" + parts[1] + "/" + k.version
	switch {
	case r.Method == http.MethodGet && len(parts) <= 3:
		v.count("get")
		jwk := map[string]any{"kid": kid, "key_ops": []string{"sign", "verify"}}
		switch p := k.signer.Public().(type) {
		case *ecdsa.PublicKey:
			jwk["kty"], jwk["crv"] = "EC", "P-256"
			jwk["x"], jwk["y"] = b64.EncodeToString(p.X.FillBytes(make([]byte, 32))), b64.EncodeToString(p.Y.FillBytes(make([]byte, 32)))
		case *rsa.PublicKey:
			jwk["kty"] = "RSA"
			jwk["n"], jwk["e"] = b64.EncodeToString(p.N.Bytes()), b64.EncodeToString(big.NewInt(int64(p.E)).Bytes())
		}
		writeJSON(w, map[string]any{"key": jwk, "attributes": map[string]any{"enabled": true, "created": time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), "recoveryLevel": "Recoverable+Purgeable"}})
	case r.Method == http.MethodPost && len(parts) == 4 && parts[3] == "sign":
		v.count("sign")
		var in struct {
			Alg   string `json:"alg"`
			Value string `json:"value"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeErr(w, http.StatusBadRequest, "BadParameter", err.Error())
			return
		}
		digest, err := b64.DecodeString(strings.TrimRight(in.Value, "="))
		if err != nil || len(digest) != 32 {
			writeErr(w, http.StatusBadRequest, "BadParameter", "value: want a base64url SHA-256 digest")
			return
		}
		var sig []byte
		switch s := k.signer.(type) {
		case *ecdsa.PrivateKey:
			if in.Alg != "ES256" {
				writeErr(w, http.StatusBadRequest, "BadParameter", "Invalid algorithm "+in.Alg+" for an EC P-256 key")
				return
			}
			rr, ss, err := ecdsa.Sign(rand.Reader, s, digest)
			if err != nil {
				writeErr(w, http.StatusInternalServerError, "InternalError", err.Error())
				return
			}
			// JWS form: r || s, 32 bytes each.
			sig = append(rr.FillBytes(make([]byte, 32)), ss.FillBytes(make([]byte, 32))...)
		case *rsa.PrivateKey:
			if in.Alg != "PS256" && in.Alg != "RS256" {
				writeErr(w, http.StatusBadRequest, "BadParameter", "Invalid algorithm "+in.Alg+" for an RSA key")
				return
			}
			if in.Alg == "PS256" {
				sig, err = rsa.SignPSS(rand.Reader, s, crypto.SHA256, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
			} else {
				sig, err = rsa.SignPKCS1v15(rand.Reader, s, crypto.SHA256, digest)
			}
			if err != nil {
				writeErr(w, http.StatusInternalServerError, "InternalError", err.Error())
				return
			}
		}
		writeJSON(w, map[string]any{"kid": kid, "value": b64.EncodeToString(sig)})
	default:
		writeErr(w, http.StatusMethodNotAllowed, "BadRequest", r.Method+" "+r.URL.Path)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(v)
}

// Credential is an azcore.TokenCredential that returns Token, for the
// azkeys client talking to the simulated vault.
type Credential struct{}

// GetToken returns the vault's token.
func (Credential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: Token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}
