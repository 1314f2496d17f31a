// Package keyvaultsim is a simulated Azure Key Vault (keys) for tests: an
// HTTPS server on 127.0.0.1 that speaks the Key Vault REST protocol the
// Azure SDK's azkeys client uses — the bearer challenge on an
// unauthenticated request (401 with WWW-Authenticate), keys/get (a JSON
// web key) and keys/sign (ES256 over a P-256 key, PS256 over an RSA key,
// base64url values) — holding its private keys in memory.
//
// It must not be used by production code paths.
package keyvaultsim
