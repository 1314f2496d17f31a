package msauthtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/keyholder/keyholder/internal/config"
)

// Target builds a config target from YAML text (one mapping, as under
// targets:), in file keyholder.yaml, with its type and name.
func Target(t testing.TB, text string) config.Target {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatal(err)
	}
	n := doc.Content[0]
	tg := config.Target{Node: n, File: "keyholder.yaml", Line: n.Line}
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case "type":
			tg.Type = n.Content[i+1].Value
		case "name":
			tg.Name = n.Content[i+1].Value
		}
	}
	return tg
}

// Certificate returns a self-signed RSA certificate valid for an hour
// around now, and its key.
func Certificate(t testing.TB) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
	key := Key(t)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "keyholder-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// Key returns a new 2048-bit RSA key.
func Key(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// PEM is cert followed by key (PKCS#8), the certificate_file format.
func PEM(t testing.TB, cert *x509.Certificate, key *rsa.PrivateKey) []byte {
	t.Helper()
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})...)
}
