// Package tsasim is a local RFC 3161 timestamp authority for tests: an
// httptest server on loopback answering application/timestamp-query
// requests with TimeStampResp tokens made by github.com/digitorus/timestamp
// (the library sigstore's timestamp-authority builds its responses with),
// signed by a throwaway ECDSA key whose certificate carries the critical
// time-stamping extended key usage under a throwaway root.
//
// It must not be used by production code paths.
package tsasim
