package evidence

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// Problem kinds, one per way a bundle can fail to verify.
const (
	ProblemBundle       = "bundle"       // structure: a required member missing
	ProblemEnvelope     = "envelope"     // the DSSE envelope is not well-formed
	ProblemKey          = "key"          // the bundled public key disagrees with the trusted one
	ProblemSignature    = "signature"    // the signature does not verify
	ProblemStatement    = "statement"    // the signed statement is not keyholder's
	ProblemDigest       = "digest"       // a file's SHA-256 differs from the signed one
	ProblemMissing      = "missing"      // a signed file is not in the bundle
	ProblemExtra        = "extra"        // a file in the bundle is not signed
	ProblemTimestamp    = "timestamp"    // the timestamp does not verify
	ProblemSeal         = "seal"         // a file's own recorded digest does not match
	ProblemReevaluation = "reevaluation" // re-evaluation gives other findings or verdict
)

// Problem is one named verification failure.
type Problem struct {
	Kind string `json:"kind"`
	// Member is the bundle file concerned, when there is one.
	Member string `json:"member,omitempty"`
	Msg    string `json:"message"`
}

func (p Problem) String() string {
	if p.Member != "" {
		return fmt.Sprintf("%s: %s: %s", p.Kind, p.Member, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.Kind, p.Msg)
}

// VerifyOptions is what Verify trusts and how it re-evaluates.
type VerifyOptions struct {
	// PublicKey is the key the verifier trusts (from --key, the KMS key or
	// the Key Vault key). Nil: the bundle's own public key is used, which
	// proves the files are unchanged since signing, but not who signed.
	PublicKey crypto.PublicKey
	// KeySource describes PublicKey for messages ("--key signer.pub").
	KeySource string
	// TSAChain is the TSA certificate chain the verifier trusts (PEM);
	// nil: the bundle's own attestation.tsa.pem.
	TSAChain []byte
	// Reevaluate, when set, is called once the signature and digests hold
	// and returns the problems of re-evaluating the bundled snapshot with
	// the bundled config (ProblemSeal, ProblemReevaluation).
	Reevaluate func(ctx context.Context, b *Bundle, p Predicate) ([]Problem, error)
}

// Result is what Verify found.
type Result struct {
	// Problems lists every failure; empty means the bundle verified.
	Problems []Problem `json:"problems"`
	// Notes are facts a reader should weigh (the key came from the bundle
	// itself, the TSA chain came from the bundle, ...).
	Notes     []string   `json:"notes,omitempty"`
	Predicate *Predicate `json:"predicate,omitempty"`
	// Subjects are the signed files with their SHA-256.
	Subjects map[string]string `json:"subjects,omitempty"`
	// TimestampedAt is the TSA's time, when a timestamp verified.
	TimestampedAt time.Time `json:"timestamped_at,omitzero"`
	// Reevaluated is true when the re-evaluation ran.
	Reevaluated bool `json:"reevaluated"`
}

// OK reports whether the bundle verified.
func (r *Result) OK() bool { return len(r.Problems) == 0 }

func (r *Result) add(kind, member, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{Kind: kind, Member: member, Msg: fmt.Sprintf(format, args...)})
}

// Verify checks a bundle and names every failure in the result. The error
// is for failures to run the checks at all (a re-evaluation that cannot
// start), not for a bundle that fails them.
func Verify(ctx context.Context, b *Bundle, o VerifyOptions) (*Result, error) {
	res := &Result{}
	envJSON, ok := b.Members[EnvelopeName]
	if !ok {
		res.add(ProblemBundle, EnvelopeName, "missing: the bundle is not signed")
		return res, nil
	}
	env, err := decodeEnvelope(envJSON)
	if err != nil {
		res.add(ProblemEnvelope, EnvelopeName, "%v", err)
		return res, nil
	}
	// The key: the trusted one, else the bundle's own.
	bundledPub, pubErr := ParsePublicKeyPEM(b.Members[PublicKeyName])
	if _, present := b.Members[PublicKeyName]; !present {
		pubErr = errors.New("missing")
	} else if pubErr == nil {
		if again, err := PublicKeyPEM(bundledPub); err != nil || !bytes.Equal(again, b.Members[PublicKeyName]) {
			pubErr = errors.New("not in the form keyholder writes it (the file was edited)")
		}
	}
	pub := o.PublicKey
	switch {
	case pub != nil && pubErr == nil && !samePublicKey(pub, bundledPub):
		res.add(ProblemKey, PublicKeyName, "the bundled public key is not the trusted key (%s)", o.KeySource)
	case pub != nil && pubErr != nil:
		res.add(ProblemKey, PublicKeyName, "unreadable (%v); the trusted key (%s) is used", pubErr, o.KeySource)
	case pub == nil && pubErr != nil:
		res.add(ProblemKey, PublicKeyName, "unreadable (%v), and no trusted key was given (--key, --kms or --keyvault)", pubErr)
		return res, nil
	case pub == nil:
		pub = bundledPub
		res.Notes = append(res.Notes, "signature checked with the bundle's own public key: this proves the files are unchanged since signing, not who signed; pass --key, --kms or --keyvault to check the signer")
	}
	payload, err := verifyEnvelope(ctx, env, pub, env.Signatures[0].KeyID)
	if err != nil {
		res.add(ProblemSignature, EnvelopeName, "%v", err)
		if o.PublicKey == nil {
			// Without a trusted key the two cannot be told apart.
			res.add(ProblemSignature, PublicKeyName, "the envelope's signature does not verify with this key: the envelope or this key was changed")
		}
		return res, nil
	}
	st, err := parseStatement(payload)
	if err != nil {
		res.add(ProblemStatement, EnvelopeName, "%v", err)
		return res, nil
	}
	res.Predicate = &st.Predicate
	res.Subjects = st.Subjects
	if st.Predicate.Signer.KeyID != env.Signatures[0].KeyID {
		res.add(ProblemStatement, EnvelopeName, "the predicate names key %s, the signature key %s", st.Predicate.Signer.KeyID, env.Signatures[0].KeyID)
	}
	verifyTimestampMember(b, env, st, o, res)
	// Every signed file present with its digest; nothing unsigned besides
	// the attestation members.
	for _, name := range sortedKeys(st.Subjects) {
		data, ok := b.Members[name]
		if !ok {
			res.add(ProblemMissing, name, "signed (SHA-256 %s) but not in the bundle", short(st.Subjects[name]))
			continue
		}
		if got := (Member{Data: data}).SHA256(); got != st.Subjects[name] {
			res.add(ProblemDigest, name, "SHA-256 %s, but the signed statement says %s: the file was changed after signing", short(got), short(st.Subjects[name]))
		}
	}
	for _, name := range b.Names() {
		if _, signed := st.Subjects[name]; !signed && !reserved[name] {
			res.add(ProblemExtra, name, "in the bundle but not signed")
		}
	}
	if len(res.Problems) > 0 || o.Reevaluate == nil {
		return res, nil
	}
	ps, err := o.Reevaluate(ctx, b, st.Predicate)
	if err != nil {
		return res, err
	}
	res.Reevaluated = true
	res.Problems = append(res.Problems, ps...)
	return res, nil
}

// verifyTimestampMember checks the timestamp when the bundle has one or
// the predicate says it should.
func verifyTimestampMember(b *Bundle, env *dsse.Envelope, st *parsedStatement, o VerifyOptions, res *Result) {
	tsr, has := b.Members[TimestampName]
	switch {
	case !has && st.Predicate.TSA != "":
		res.add(ProblemTimestamp, TimestampName, "missing: the statement says %s timestamped it", st.Predicate.TSA)
		return
	case !has:
		if _, chain := b.Members[TSAChainName]; chain {
			res.add(ProblemTimestamp, TSAChainName, "a TSA chain without a timestamp")
		}
		return
	case st.Predicate.TSA == "":
		res.add(ProblemTimestamp, TimestampName, "present, but the signed statement names no TSA")
	}
	bundled, ok := b.Members[TSAChainName]
	if !ok {
		res.add(ProblemTimestamp, TSAChainName, "missing: the TSA certificate chain that goes with attestation.tsr")
		return
	}
	if err := canonicalChain(bundled); err != nil {
		res.add(ProblemTimestamp, TSAChainName, "%v", err)
		return
	}
	type chainSrc struct {
		member string
		pem    []byte
	}
	chains := []chainSrc{{TSAChainName, bundled}}
	if o.TSAChain != nil {
		chains = append(chains, chainSrc{"", o.TSAChain})
	} else {
		res.Notes = append(res.Notes, "timestamp checked against the TSA chain in the bundle (attestation.tsa.pem); pass --tsa-ca to check it against a chain you trust")
	}
	sig, err := envelopeSignature(env)
	if err != nil {
		res.add(ProblemTimestamp, TimestampName, "%v", err)
		return
	}
	for _, c := range chains {
		roots, inter, err := ParseChain(c.pem)
		if err != nil {
			if c.member == "" {
				res.add(ProblemTimestamp, "", "--tsa-ca: %v", err)
			} else {
				res.add(ProblemTimestamp, c.member, "%v", err)
			}
			return
		}
		at, err := verifyTimestamp(tsr, sig, roots, inter)
		if err == nil {
			res.TimestampedAt = at
			continue
		}
		// When the trusted chain verifies the timestamp, the bundled
		// chain is what was edited.
		if c.member != "" && o.TSAChain != nil {
			if r2, i2, e2 := ParseChain(o.TSAChain); e2 == nil {
				if _, e3 := verifyTimestamp(tsr, sig, r2, i2); e3 == nil {
					res.add(ProblemTimestamp, TSAChainName, "does not verify the timestamp, which the trusted chain (--tsa-ca) does: %v", err)
					return
				}
			}
		}
		src := "the bundled chain"
		if c.member == "" {
			src = "the trusted chain (--tsa-ca)"
		}
		res.add(ProblemTimestamp, TimestampName, "with %s: %v", src, err)
		return
	}
}

// decodeEnvelope reads an envelope strictly and only in the form Create
// writes it.
func decodeEnvelope(data []byte) (*dsse.Envelope, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var env dsse.Envelope
	if err := dec.Decode(&env); err != nil {
		return nil, fmt.Errorf("not a DSSE envelope: %v", err)
	}
	if env.PayloadType != PayloadType {
		return nil, fmt.Errorf("payload type %q, want %q", env.PayloadType, PayloadType)
	}
	if len(env.Signatures) != 1 {
		return nil, fmt.Errorf("%d signatures, want 1", len(env.Signatures))
	}
	again, err := encodeEnvelope(&env)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(again, data) {
		return nil, errors.New("not in the form keyholder writes it (the file was edited)")
	}
	if _, err := b64Std(env.Payload); err != nil {
		return nil, fmt.Errorf("payload: %v", err)
	}
	if _, err := b64Std(env.Signatures[0].Sig); err != nil {
		return nil, fmt.Errorf("signature: %v", err)
	}
	return &env, nil
}

// b64Std decodes standard base64 strictly: re-encoding must give the
// same text, so that no edit of unused bits passes.
func b64Std(s string) ([]byte, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, err
	}
	if base64.StdEncoding.EncodeToString(b) != s {
		return nil, errors.New("not canonical base64")
	}
	return b, nil
}

// verifyEnvelope checks the envelope's signature with pub and returns the
// payload.
func verifyEnvelope(ctx context.Context, env *dsse.Envelope, pub crypto.PublicKey, keyID string) ([]byte, error) {
	payload, err := b64Std(env.Payload)
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %v", ErrSignature, err)
	}
	sig, err := b64Std(env.Signatures[0].Sig)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	if err := VerifySignature(pub, dsse.PAE(env.PayloadType, payload), sig); err != nil {
		return nil, fmt.Errorf("%w: the envelope's signature does not verify with the key (key id %s)", ErrSignature, keyID)
	}
	// And through the DSSE library, as any other verifier would.
	ev, err := dsse.NewEnvelopeVerifier(dsseVerifier{pub: pub, id: keyID})
	if err != nil {
		return nil, err
	}
	if _, err := ev.Verify(ctx, env); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	return payload, nil
}

func samePublicKey(a, b crypto.PublicKey) bool {
	da, err1 := x509.MarshalPKIXPublicKey(a)
	db, err2 := x509.MarshalPKIXPublicKey(b)
	return err1 == nil && err2 == nil && bytes.Equal(da, db)
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// short abbreviates a hex digest for messages.
func short(d string) string {
	if len(d) > 12 {
		return d[:12] + "…"
	}
	return d
}

// Summary is a one-paragraph description of a verified result.
func (r *Result) Summary() string {
	var b strings.Builder
	if p := r.Predicate; p != nil {
		fmt.Fprintf(&b, "%s: verdict %s (%s profile, as of %s), keyholder %s, signed by %s key %s",
			p.Organization, p.Verdict, p.Profile, p.AsOf.Format(time.RFC3339), p.ToolVersion, p.Signer.Kind, p.Signer.KeyID)
	}
	if !r.TimestampedAt.IsZero() {
		fmt.Fprintf(&b, ", timestamped %s", r.TimestampedAt.UTC().Format(time.RFC3339))
	}
	return b.String()
}
