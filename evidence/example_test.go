package evidence_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/keyholder/keyholder/evidence"
)

// Example signs two files into a bundle with an Ed25519 key file and
// verifies it with the public key.
func Example() {
	priv, pub, err := evidence.GenerateKey()
	if err != nil {
		panic(err)
	}
	dir, _ := os.MkdirTemp("", "evidence-example-")
	defer os.RemoveAll(dir)
	keyPath := filepath.Join(dir, "key.pem")
	os.WriteFile(keyPath, priv, 0o600)
	signer, err := evidence.LoadKeyFile(keyPath)
	if err != nil {
		panic(err)
	}
	asOf := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	var tarball bytes.Buffer
	_, err = evidence.Create(context.Background(), &tarball, evidence.CreateOptions{
		Members: []evidence.Member{
			{Name: evidence.SnapshotName, Data: []byte(`{"schema_version":"1"}`)},
			{Name: evidence.AssessmentName, Data: []byte(`{"verdict":"not_ready"}`)},
		},
		Predicate: evidence.Predicate{Verdict: "not_ready", Profile: "readiness", Organization: "Contoso Ltd", AsOf: asOf, ToolVersion: "dev"},
		Signer:    signer,
		ModTime:   asOf,
	})
	if err != nil {
		panic(err)
	}
	b, err := evidence.Read(&tarball)
	if err != nil {
		panic(err)
	}
	trusted, _ := evidence.ParsePublicKeyPEM(pub)
	res, err := evidence.Verify(context.Background(), b, evidence.VerifyOptions{PublicKey: trusted, KeySource: "key.pub"})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.OK(), res.Predicate.Verdict, len(res.Subjects), b.Names())
	// Output: true not_ready 2 [assessment.json attestation.dsse.json signer.pub.pem snapshot.json]
}
