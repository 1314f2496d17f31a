package evidence

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// CreateOptions is what Create needs.
type CreateOptions struct {
	// Members are the evidence files (snapshot, assessment, reports,
	// redacted config, version). Their names must not be one of the
	// attestation names (EnvelopeName, ...).
	Members []Member
	// Predicate is the statement's predicate; Create fills Signer and TSA.
	Predicate Predicate
	Signer    Signer
	// TSA, when set, timestamps the signature (RFC 3161).
	TSA *TSAClient
	// ModTime is every member's modification time in the tar (keep it
	// fixed, e.g. the as-of time, for reproducible bundles).
	ModTime time.Time
}

// reserved are the member names Create writes itself.
var reserved = map[string]bool{EnvelopeName: true, TimestampName: true, TSAChainName: true, PublicKeyName: true}

// Create signs the members and writes the bundle to w. It returns the
// bundle's statement (JSON) for callers that print or log it.
func Create(ctx context.Context, w io.Writer, o CreateOptions) ([]byte, error) {
	if o.Signer == nil {
		return nil, errors.New("evidence: no signer")
	}
	for _, m := range o.Members {
		if reserved[m.Name] {
			return nil, fmt.Errorf("evidence: member name %s is reserved", m.Name)
		}
		if err := validName(m.Name); err != nil {
			return nil, err
		}
	}
	p := o.Predicate
	p.Signer = o.Signer.Info()
	if o.TSA != nil {
		p.TSA = o.TSA.URL
	}
	payload, err := statementJSON(o.Members, p)
	if err != nil {
		return nil, err
	}
	es, err := dsse.NewEnvelopeSigner(dsseSigner{s: o.Signer})
	if err != nil {
		return nil, err
	}
	env, err := es.SignPayload(ctx, PayloadType, payload)
	if err != nil {
		return nil, fmt.Errorf("evidence: sign with %s %s: %w", p.Signer.Kind, p.Signer.KeyID, err)
	}
	envJSON, err := encodeEnvelope(env)
	if err != nil {
		return nil, err
	}
	pubPEM, err := PublicKeyPEM(o.Signer.Public())
	if err != nil {
		return nil, fmt.Errorf("evidence: public key: %w", err)
	}
	// The signer must verify its own signature: a KMS key of another
	// algorithm than announced, or a wrong public key, fails here and not
	// in the customer's hands.
	if _, err := verifyEnvelope(ctx, env, o.Signer.Public(), p.Signer.KeyID); err != nil {
		return nil, fmt.Errorf("evidence: the signature does not verify with the signer's own public key: %w", err)
	}
	members := append([]Member(nil), o.Members...)
	members = append(members, Member{Name: EnvelopeName, Data: envJSON}, Member{Name: PublicKeyName, Data: pubPEM})
	if o.TSA != nil {
		sig, err := envelopeSignature(env)
		if err != nil {
			return nil, err
		}
		tsr, err := o.TSA.Timestamp(ctx, sig)
		if err != nil {
			return nil, err
		}
		chain, err := CanonicalChain(o.TSA.Chain)
		if err != nil {
			return nil, fmt.Errorf("tsa chain: %w", err)
		}
		members = append(members, Member{Name: TimestampName, Data: tsr}, Member{Name: TSAChainName, Data: chain})
	}
	var buf bytes.Buffer
	if err := writeTar(&buf, members, o.ModTime); err != nil {
		return nil, err
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return nil, fmt.Errorf("evidence: write bundle: %w", err)
	}
	return payload, nil
}

// encodeEnvelope is the one encoding of an envelope in a bundle
// (indented JSON and a newline); verify rejects any other bytes, so an
// edit that a lenient decoder would ignore is still caught.
func encodeEnvelope(env *dsse.Envelope) ([]byte, error) {
	b, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// envelopeSignature returns the raw bytes of the envelope's one signature:
// what the timestamp covers.
func envelopeSignature(env *dsse.Envelope) ([]byte, error) {
	if len(env.Signatures) != 1 {
		return nil, fmt.Errorf("the envelope has %d signatures, want 1", len(env.Signatures))
	}
	return b64Std(env.Signatures[0].Sig)
}
