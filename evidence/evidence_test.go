package evidence

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tsasim "github.com/keyholder/keyholder/internal/sim/tsa"
)

var asOf = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func testMembers() []Member {
	return []Member{
		{Name: SnapshotName, Data: []byte(`{"schema_version":"1","content_sha256":"x"}` + "\n")},
		{Name: AssessmentName, Data: []byte(`{"verdict":"not_ready"}` + "\n")},
		{Name: ReportsDir + "report.md", Data: []byte("# Report\n\nverdict: not_ready\n")},
		{Name: ConfigName, Data: []byte("organization:\n  name: Contoso\n")},
		{Name: VersionName, Data: []byte(`{"version":"test"}` + "\n")},
	}
}

func testPredicate() Predicate {
	return Predicate{Verdict: "not_ready", Profile: "readiness", Organization: "Contoso", AsOf: asOf, ToolVersion: "test", ConfigSHA256: Member{Data: []byte("organization:\n  name: Contoso\n")}.SHA256()}
}

func keyFile(t *testing.T) (Signer, []byte) {
	t.Helper()
	priv, pub, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(p, priv, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := LoadKeyFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return s, pub
}

func startTSA(t *testing.T) *tsasim.TSA {
	t.Helper()
	tsa, err := tsasim.Start(func() time.Time { return asOf.Add(time.Hour) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tsa.Close)
	return tsa
}

func makeBundle(t *testing.T, s Signer, tsa *TSAClient) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := Create(context.Background(), &buf, CreateOptions{Members: testMembers(), Predicate: testPredicate(), Signer: s, TSA: tsa, ModTime: asOf}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func verifyBytes(t *testing.T, data []byte, o VerifyOptions) *Result {
	t.Helper()
	b, err := Read(bytes.NewReader(data))
	if err != nil {
		return &Result{Problems: []Problem{{Kind: ProblemBundle, Msg: err.Error()}}}
	}
	res, err := Verify(context.Background(), b, o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestRoundTripEd25519WithTimestamp(t *testing.T) {
	s, pubPEM := keyFile(t)
	tsa := startTSA(t)
	data := makeBundle(t, s, &TSAClient{URL: tsa.URL, Chain: tsa.ChainPEM})
	pub, err := ParsePublicKeyPEM(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	res := verifyBytes(t, data, VerifyOptions{PublicKey: pub, KeySource: "--key", TSAChain: tsa.RootPEM})
	if !res.OK() {
		t.Fatalf("problems: %v", res.Problems)
	}
	if !res.TimestampedAt.Equal(asOf.Add(time.Hour)) {
		t.Errorf("timestamped at %v, want %v", res.TimestampedAt, asOf.Add(time.Hour))
	}
	if res.Predicate.Verdict != "not_ready" || res.Predicate.Signer.Kind != KindEd25519 || res.Predicate.TSA != tsa.URL {
		t.Errorf("predicate %+v", res.Predicate)
	}
	if len(res.Subjects) != len(testMembers()) {
		t.Errorf("subjects %v", res.Subjects)
	}
	if tsa.Requests() != 1 {
		t.Errorf("TSA requests %d, want 1", tsa.Requests())
	}
	// The same inputs give the same bytes except the timestamp (its
	// nonce): Ed25519 is deterministic.
	again := makeBundle(t, s, nil)
	if b2 := makeBundle(t, s, nil); !bytes.Equal(again, b2) {
		t.Error("two bundles of the same input differ")
	}
}

// TestIssue22_WrongKeyIsNamed: a bundle signed by one key does not verify
// with another trusted key, and says so.
func TestIssue22_WrongKeyIsNamed(t *testing.T) {
	s, _ := keyFile(t)
	_, otherPEM := keyFile(t)
	other, _ := ParsePublicKeyPEM(otherPEM)
	res := verifyBytes(t, makeBundle(t, s, nil), VerifyOptions{PublicKey: other, KeySource: "--key other.pub"})
	if res.OK() {
		t.Fatal("verified with the wrong key")
	}
	kinds := map[string]bool{}
	for _, p := range res.Problems {
		kinds[p.Kind] = true
	}
	if !kinds[ProblemSignature] || !kinds[ProblemKey] {
		t.Errorf("problems %v, want a signature and a key problem", res.Problems)
	}
}

// TestIssue22_AnyByteOfAnyMemberIsCaught changes one byte at a time in
// every member of a timestamped bundle — every byte of the attestation
// members and of the small files, and the first, middle and last bytes of
// every file — and checks that verification fails naming that member.
func TestIssue22_AnyByteOfAnyMemberIsCaught(t *testing.T) {
	s, pubPEM := keyFile(t)
	tsa := startTSA(t)
	data := makeBundle(t, s, &TSAClient{URL: tsa.URL, Chain: tsa.ChainPEM})
	orig, err := Read(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := ParsePublicKeyPEM(pubPEM)
	for _, trusted := range []bool{true, false} {
		for _, name := range orig.Names() {
			content := orig.Members[name]
			for i := range content {
				flips := []byte{0x01, 0x80}
				if !trusted && name != EnvelopeName && name != PublicKeyName {
					// Without a trusted key only the key and envelope
					// checks differ: one flip per byte of the others.
					flips = flips[:1]
				}
				for _, flip := range flips {
					b := &Bundle{Members: map[string][]byte{}}
					for k, v := range orig.Members {
						b.Members[k] = v
					}
					mod := bytes.Clone(content)
					mod[i] ^= flip
					b.Members[name] = mod
					o := VerifyOptions{}
					if trusted {
						o = VerifyOptions{PublicKey: pub, KeySource: "--key", TSAChain: tsa.RootPEM}
					}
					res, err := Verify(context.Background(), b, o)
					if err != nil {
						t.Fatal(err)
					}
					if res.OK() {
						t.Fatalf("trusted=%v: byte %d of %s ^%#x: verified", trusted, i, name, flip)
					}
					if !named(res, name) {
						t.Fatalf("trusted=%v: byte %d of %s ^%#x: problems do not name it: %v", trusted, i, name, flip, res.Problems)
					}
				}
			}
		}
	}
}

// named reports whether a problem names member (or, for the envelope and
// the bundled public key, is a signature failure).
func named(res *Result, member string) bool {
	for _, p := range res.Problems {
		if p.Member == member {
			return true
		}
	}
	return false
}

func TestIssue22_MissingAndExtraMembersAreNamed(t *testing.T) {
	s, _ := keyFile(t)
	tsa := startTSA(t)
	orig, err := Read(bytes.NewReader(makeBundle(t, s, &TSAClient{URL: tsa.URL, Chain: tsa.ChainPEM})))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range orig.Names() {
		if name == EnvelopeName {
			continue
		}
		b := &Bundle{Members: map[string][]byte{}}
		for k, v := range orig.Members {
			if k != name {
				b.Members[k] = v
			}
		}
		res, _ := Verify(context.Background(), b, VerifyOptions{})
		if res.OK() || !named(res, name) {
			t.Errorf("without %s: %v", name, res.Problems)
		}
	}
	orig.Members["reports/extra.csv"] = []byte("a,b\n")
	res, _ := Verify(context.Background(), orig, VerifyOptions{})
	if res.OK() || !named(res, "reports/extra.csv") {
		t.Errorf("extra member: %v", res.Problems)
	}
}

func TestReadRejectsUnsafeNames(t *testing.T) {
	var buf bytes.Buffer
	if err := writeTar(&buf, []Member{{Name: "../evil", Data: []byte("x")}}, asOf); err == nil {
		t.Fatal("wrote ../evil")
	}
	if _, err := Read(strings.NewReader("not a tar")); err == nil {
		t.Fatal("read a non-tar")
	}
}
