package evidence

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// PayloadType is the DSSE payload type of an in-toto statement.
const PayloadType = "application/vnd.in-toto+json"

// PredicateType names keyholder's predicate (docs/evidence.md).
const PredicateType = "https://keyholder.dev/evidence/v1"

// Predicate is what keyholder states about a run, signed with the
// subjects' digests. Field names are the JSON keys of docs/evidence.md.
type Predicate struct {
	// Verdict, Profile, ExitProvider, Organization, AsOf and ScannedAt are
	// the assessment's public verdict fields.
	Verdict      string    `json:"verdict"`
	Profile      string    `json:"profile"`
	ExitProvider string    `json:"exit_provider,omitempty"`
	Organization string    `json:"organization"`
	AsOf         time.Time `json:"as_of"`
	ScannedAt    time.Time `json:"scanned_at,omitzero"`
	// ToolVersion is the keyholder version that made the bundle.
	ToolVersion string `json:"tool_version"`
	// ConfigSHA256 is the SHA-256 of the bundled (redacted) config file;
	// ConfigRedacted lists the keys whose values were replaced, empty when
	// the bundled file is the original byte for byte.
	ConfigSHA256   string   `json:"config_sha256"`
	ConfigRedacted []string `json:"config_redacted,omitempty"`
	// SourceConfigHash is the config hash the snapshot recorded at scan
	// time (the original file's SHA-256), when it recorded one.
	SourceConfigHash string `json:"source_config_hash,omitempty"`
	// SnapshotSHA256 and AssessmentSHA256 are the SHA-256 of the bundled
	// snapshot.json and assessment.json files (also among the subjects),
	// for readers of the predicate alone.
	SnapshotSHA256   string `json:"snapshot_sha256"`
	AssessmentSHA256 string `json:"assessment_sha256"`
	// ModifiedInputs repeats the assessment's modified_inputs: inputs
	// used with --allow-modified although their recorded digest did not
	// match. Empty for a run of untouched inputs.
	ModifiedInputs []string `json:"modified_inputs,omitempty"`
	// Signer describes the key that signed: its kind (ed25519, aws-kms,
	// azure-keyvault) and id. Never key material.
	Signer SignerInfo `json:"signer"`
	// StoreRun links the bundle to the run history it came from, when it
	// was made from a stored run (bundle RUN, review --bundle): the run's
	// id, estate and chain digest (internal/store's hash chain). A copy of
	// that digest signed here lets anyone holding the bundle catch a store
	// rewritten wholesale later (history --verify --format json prints
	// each run's chain_digest to compare).
	StoreRun *StoreRun `json:"store_run,omitempty"`
	// Timestamped says whether an RFC 3161 timestamp was requested from
	// TSA (its URL).
	TSA string `json:"tsa,omitempty"`
}

// StoreRun names a stored run and its link in the estate's hash chain.
type StoreRun struct {
	ID          int64  `json:"id"`
	Estate      string `json:"estate,omitempty"`
	ChainDigest string `json:"chain_digest"`
}

// SignerInfo names a signing key.
type SignerInfo struct {
	Kind      string `json:"kind"`
	KeyID     string `json:"key_id"`
	Algorithm string `json:"algorithm"`
}

// statementJSON builds the in-toto Statement v1 over members with p and
// returns its JSON (compact: protojson's whitespace is not stable).
func statementJSON(members []Member, p Predicate) ([]byte, error) {
	pj, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	var pm map[string]any
	if err := json.Unmarshal(pj, &pm); err != nil {
		return nil, err
	}
	ps, err := structpb.NewStruct(pm)
	if err != nil {
		return nil, fmt.Errorf("evidence: predicate: %w", err)
	}
	sorted := append([]Member(nil), members...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	st := &intoto.Statement{
		Type:          intoto.StatementTypeUri,
		PredicateType: PredicateType,
		Predicate:     ps,
	}
	for _, m := range sorted {
		st.Subject = append(st.Subject, &intoto.ResourceDescriptor{
			Name:   m.Name,
			Digest: map[string]string{"sha256": m.SHA256()},
		})
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("evidence: statement: %w", err)
	}
	raw, err := protojson.Marshal(st)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// parsedStatement is a verified statement's content.
type parsedStatement struct {
	Subjects  map[string]string // name -> sha256
	Predicate Predicate
}

// parseStatement decodes and validates a statement payload.
func parseStatement(payload []byte) (*parsedStatement, error) {
	var st intoto.Statement
	if err := protojson.Unmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("statement: %w", err)
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("statement: %w", err)
	}
	if st.GetPredicateType() != PredicateType {
		return nil, fmt.Errorf("statement: predicate type %q, want %q", st.GetPredicateType(), PredicateType)
	}
	out := &parsedStatement{Subjects: map[string]string{}}
	for _, s := range st.GetSubject() {
		d := s.GetDigest()["sha256"]
		if s.GetName() == "" || d == "" {
			return nil, fmt.Errorf("statement: a subject without a name or SHA-256")
		}
		if _, dup := out.Subjects[s.GetName()]; dup {
			return nil, fmt.Errorf("statement: subject %s listed twice", s.GetName())
		}
		out.Subjects[s.GetName()] = d
	}
	pj, err := st.GetPredicate().MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("statement: predicate: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(pj))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out.Predicate); err != nil {
		return nil, fmt.Errorf("statement: predicate: %w", err)
	}
	return out, nil
}
