package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/evidence"
	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/fsx"
	"github.com/keyholder/keyholder/internal/store"
	"github.com/keyholder/keyholder/report"
	"github.com/keyholder/keyholder/scanners/all"
)

type bundleFlags struct {
	out       string
	config    string
	store     string
	estate    string
	formats   string
	policyDir string
	sign      signFlags
}

func newBundleCmd(a *app) *cobra.Command {
	var f bundleFlags
	cmd := &cobra.Command{
		Use:   "bundle RUN|DIR -o evidence.tar -c keyholder.yaml (--key FILE | --kms ARN | --keyvault URL) [--tsa URL --tsa-ca FILE]",
		Short: "Write a signed (and optionally timestamped) evidence bundle of a run",
		Long: `bundle writes a run as evidence that others can check without keyholder's
store: a tar file with

  snapshot.json          what was read (sealed: content_sha256)
  assessment.json        the verdict and findings (sealed: assessment_sha256)
  reports/...            the reports (html, md, ... of the run)
  keyholder.yaml         the config, with secrets' references only: a literal
                         secret value (a password, token or private key
                         written into the file) is replaced by
                         REDACTED-BY-KEYHOLDER and the predicate lists where
  policies/*.rego        the --policy-dir checks, when the run used them
  version.json           the keyholder version that made the bundle
  attestation.dsse.json  a DSSE envelope over an in-toto Statement v1: every
                         file above with its SHA-256, and the predicate
                         ` + evidence.PredicateType + `
                         (verdict, profile, organization, as_of, tool version,
                         config digest; see docs/evidence.md)
  signer.pub.pem         the signer's public key (never private key material)
  attestation.tsr        with --tsa: an RFC 3161 timestamp over the signature
  attestation.tsa.pem    with --tsa: the authority's chain (--tsa-ca)

RUN is a run of the store (an id, latest, latest~N; --store, --estate); DIR
is an output directory of scan, evaluate or review -o (its snapshot.json or
the snapshot inside assessment.json, assessment.json and report files).

Signing keys: an Ed25519 key file (keyholder bundle keygen, or openssl
genpkey -algorithm ed25519), an AWS KMS asymmetric key (kms:GetPublicKey and
kms:Sign; ECC_NIST_P256 signs ECDSA_SHA_256, RSA keys RSASSA_PSS_SHA_256) or
an Azure Key Vault key (keys/get and keys/sign; ES256 or PS256). Check a
bundle with keyholder verify.

Exit codes: 0 written; 1 runtime error (KMS, Key Vault or TSA unreachable);
2 usage or config error.`,
		Example: `  keyholder bundle keygen -o evidence-key
  keyholder bundle latest -c keyholder.yaml --key evidence-key.pem -o evidence.tar
  keyholder bundle out -c keyholder.yaml --kms arn:aws:kms:eu-west-1:111111111111:key/0a1b... -o evidence.tar
  keyholder bundle 42 -c keyholder.yaml --keyvault https://contoso-kv.vault.azure.net/keys/evidence \
    --tsa https://tsa.example/tsr --tsa-ca tsa-chain.pem -o evidence.tar`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBundleCmd(cmd.Context(), a, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.out, "out", "o", "", "the bundle file to write (required; - for standard output)")
	fl.StringVarP(&f.config, "config", "c", "keyholder.yaml", "the config the run was made with (a redacted copy goes into the bundle)")
	addStoreFlag(cmd, &f.store)
	addEstateFlag(cmd, &f.estate, "resolve RUN (latest, latest~N) within this estate")
	fl.StringVar(&f.formats, "format", "html,md", "report formats to render into a bundle of a stored RUN (a DIR's own reports are taken as they are)")
	fl.StringVar(&f.policyDir, "policy-dir", "", "the directory of extra Rego checks the run used (bundled, so verify re-evaluates with them)")
	addSignFlags(cmd, &f.sign)
	cmd.AddCommand(newKeygenCmd(a))
	return cmd
}

func newKeygenCmd(a *app) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "keygen -o PREFIX",
		Short: "Make an Ed25519 key pair for signing bundles: PREFIX.pem (private, 0600) and PREFIX.pub",
		Long: `keygen writes a new Ed25519 key pair: PREFIX.pem, the private key (PEM
PKCS#8, mode 0600), for bundle --key, and PREFIX.pub, the public key (PEM),
for verify --key. openssl makes the same files:

  openssl genpkey -algorithm ed25519 -out PREFIX.pem
  openssl pkey -in PREFIX.pem -pubout -out PREFIX.pub

Keep the private key where the runs are made and publish the public key to
those who verify. Existing files are never overwritten.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return withCode(exitUsage, errors.New("-o PREFIX is required"))
			}
			priv, pub, err := evidence.GenerateKey()
			if err != nil {
				return err
			}
			for _, p := range []string{out + ".pem", out + ".pub"} {
				if _, err := os.Lstat(p); err == nil {
					return withCode(exitUsage, fmt.Errorf("%s exists; keygen never overwrites a key", p))
				}
			}
			if err := writeNew(out+".pem", priv, 0o600); err != nil {
				return err
			}
			if err := writeNew(out+".pub", pub, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "private key: %s (keep it secret)\npublic key:  %s\n", out+".pem", out+".pub")
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "file name prefix of the key pair")
	return cmd
}

// writeNew creates path with mode, failing if it exists.
func writeNew(path string, data []byte, mode os.FileMode) error {
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := fh.Write(data); err != nil {
		fh.Close()
		return err
	}
	if mode == 0o600 {
		if err := fsx.Restrict(path, false); err != nil {
			fh.Close()
			return err
		}
	}
	return fh.Close()
}

func runBundleCmd(ctx context.Context, a *app, ref string, f bundleFlags) error {
	if f.out == "" {
		return withCode(exitUsage, errors.New("-o FILE is required: where to write the bundle"))
	}
	if err := checkBundleOut(f.out); err != nil {
		return err
	}
	if err := f.sign.check(); err != nil {
		return withCode(exitUsage, err)
	}
	formats, err := report.ParseFormats(f.formats)
	if err != nil {
		return withCode(exitUsage, err)
	}
	in, err := bundleInputs(ctx, a, ref, f, formats)
	if err != nil {
		return err
	}
	return writeBundle(ctx, a, in, f.config, f.policyDir, f.sign, f.out)
}

// bundleInput is a run's files before they are signed.
type bundleInput struct {
	snapshot   []byte
	assessment []byte
	reports    []evidence.Member // names under reports/
	as         *findings.Assessment
	snap       *findings.Snapshot
	// run is the stored run the files came from (nil for a directory).
	run *store.Run
}

// bundleInputs collects a stored run (RUN) or an output directory (DIR).
func bundleInputs(ctx context.Context, a *app, ref string, f bundleFlags, formats []string) (*bundleInput, error) {
	if st, err := os.Stat(ref); err == nil && st.IsDir() {
		return dirInputs(ref)
	}
	s, err := openStore(ctx, a, f.store, true)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	id, err := resolveRunIn(ctx, s, f.estate, ref)
	if err != nil {
		return nil, err
	}
	run, as, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	in, err := assessmentInputs(as, as.Snapshot, formats, f.config)
	if err != nil {
		return nil, err
	}
	in.run = &run
	return in, nil
}

// addBundleFlags adds --bundle and the signing flags to scan and review.
func addBundleFlags(cmd *cobra.Command, path *string, sf *signFlags) {
	cmd.Flags().StringVar(path, "bundle", "", "also write a signed evidence bundle of the run to this file (see keyholder bundle; needs --key, --kms or --keyvault)")
	addSignFlags(cmd, sf)
}

// checkBundleOut refuses a bundle path that exists and is not a regular
// file: the bundle is written atomically (a temporary file renamed over
// it), which must never replace a device or a link such as /dev/stdout.
// "-" writes to standard output.
func checkBundleOut(path string) error {
	if path == "-" {
		return nil
	}
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return withCode(exitUsage, fmt.Errorf("%s exists and is not a regular file; give a file name, or - for standard output", path))
	}
	return nil
}

// checkBundleFlags validates --bundle with the signing flags, before
// anything slow.
func checkBundleFlags(path string, sf signFlags) error {
	if path == "" {
		if sf.any() || sf.tsa != "" {
			return withCode(exitUsage, errors.New("--key, --kms, --keyvault and --tsa sign a bundle: give --bundle FILE too"))
		}
		return nil
	}
	if path == "-" {
		return withCode(exitUsage, errors.New("--bundle -: scan and review print to standard output; give a file name"))
	}
	if err := checkBundleOut(path); err != nil {
		return err
	}
	if err := sf.check(); err != nil {
		return withCode(exitUsage, fmt.Errorf("--bundle: %w", err))
	}
	return nil
}

// bundleRun writes the bundle of a run scan or review just made.
// run is the stored run when the command stored one (review), else nil.
func bundleRun(ctx context.Context, a *app, as *findings.Assessment, snap *findings.Snapshot, run *store.Run, formats []string, configPath, policyDir string, sf signFlags, out string) error {
	var rf []string
	for _, f := range formats {
		if f != "json" {
			rf = append(rf, f)
		}
	}
	in, err := assessmentInputs(as, snap, rf, configPath)
	if err != nil {
		return err
	}
	in.run = run
	return writeBundle(ctx, a, in, configPath, policyDir, sf, out)
}

// assessmentInputs renders an assessment (and the snapshot it was made
// from) into bundle files: sealed snapshot.json and assessment.json, and
// the reports of formats.
func assessmentInputs(as *findings.Assessment, snap *findings.Snapshot, formats []string, configPath string) (*bundleInput, error) {
	if snap == nil {
		return nil, errors.New("the run's snapshot is not available: a bundle needs the snapshot to be re-evaluated")
	}
	snapJSON, err := sealedSnapshot(snap)
	if err != nil {
		return nil, err
	}
	in := &bundleInput{snapshot: snapJSON, as: as, snap: snap}
	opts := reportOptions(all.Registry(), as, configPath)
	jw, err := report.New("json", opts)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := jw.WriteFile("assessment.json", &buf, as); err != nil {
		return nil, err
	}
	in.assessment = buf.Bytes()
	for _, fm := range formats {
		if fm == "json" {
			continue // assessment.json itself
		}
		w, err := report.New(fm, opts)
		if err != nil {
			return nil, err
		}
		for _, name := range w.Files() {
			var b bytes.Buffer
			if err := w.WriteFile(name, &b, as); err != nil {
				return nil, err
			}
			in.reports = append(in.reports, evidence.Member{Name: evidence.ReportsDir + name, Data: b.Bytes()})
		}
	}
	return in, nil
}

// sealedSnapshot is snapshot.json as scan writes it.
func sealedSnapshot(snap *findings.Snapshot) ([]byte, error) {
	rec := snap.ContentSHA256
	defer func() { snap.ContentSHA256 = rec }()
	if err := snap.Seal(); err != nil {
		return nil, err
	}
	return snap.CanonicalJSON()
}

// dirInputs reads an output directory: assessment.json, snapshot.json (or
// the snapshot the assessment embeds) and every report file keyholder
// writes there, byte for byte.
func dirInputs(dir string) (*bundleInput, error) {
	asJSON, err := os.ReadFile(filepath.Join(dir, "assessment.json"))
	if err != nil {
		return nil, withCode(exitUsage, fmt.Errorf("%s: no assessment.json (bundle a directory that scan, evaluate or review -o wrote, with the json format): %w", dir, err))
	}
	as, err := findings.DecodeAssessment(bytes.NewReader(asJSON), filepath.Join(dir, "assessment.json"))
	if err != nil {
		return nil, withCode(exitUsage, err)
	}
	in := &bundleInput{assessment: asJSON, as: as}
	snapPath := filepath.Join(dir, "snapshot.json")
	if b, err := os.ReadFile(snapPath); err == nil {
		snap, err := findings.DecodeSnapshot(bytes.NewReader(b), snapPath)
		if err != nil {
			return nil, withCode(exitUsage, err)
		}
		in.snapshot, in.snap = b, snap
	} else if as.Snapshot != nil {
		if in.snapshot, err = sealedSnapshot(as.Snapshot); err != nil {
			return nil, err
		}
		in.snap = as.Snapshot
	} else {
		return nil, withCode(exitUsage, fmt.Errorf("%s: no snapshot.json, and assessment.json does not carry its snapshot", dir))
	}
	for _, name := range ownFiles() {
		if name == "snapshot.json" || name == "assessment.json" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		in.reports = append(in.reports, evidence.Member{Name: evidence.ReportsDir + name, Data: b})
	}
	return in, nil
}

// versionInfo is version.json.
type versionInfo struct {
	SchemaVersion string `json:"schema_version"`
	Version       string `json:"version"`
	Commit        string `json:"commit,omitempty"`
	Modified      bool   `json:"modified,omitempty"`
	Go            string `json:"go"`
	Platform      string `json:"platform"`
}

// writeBundle checks the inputs' seals, redacts the config, signs and
// writes the bundle to out (atomically, 0600).
func writeBundle(ctx context.Context, a *app, in *bundleInput, configPath, policyDir string, sf signFlags, out string) error {
	// The files keep their own seals: a bundle of edited files is refused.
	if _, err := in.snap.Verify(); err != nil {
		return withCode(exitUsage, fmt.Errorf("snapshot: %w; refusing to bundle it", err))
	}
	if _, err := in.as.Verify(); err != nil {
		return withCode(exitUsage, fmt.Errorf("assessment: %w; refusing to bundle it", err))
	}
	if len(in.as.ModifiedInputs) > 0 {
		a.sayf("warning: the assessment was made from modified inputs (%s); the bundle carries that statement", strings.Join(in.as.ModifiedInputs, "; "))
	}
	raw, err := os.ReadFile(configPath)
	if err != nil {
		return withCode(exitUsage, fmt.Errorf("config: %w", err))
	}
	cfgData, redacted, err := evidence.RedactConfig(raw, a.redactor.Secrets())
	if err != nil {
		return withCode(exitUsage, fmt.Errorf("%s: %w", configPath, err))
	}
	if len(redacted) > 0 {
		a.sayf("warning: %s holds literal secrets at %s; the bundle carries them as %s (keep secrets in *_env / *_file references)", configPath, strings.Join(redacted, ", "), evidence.Redacted)
	}
	// The bundled config must be one verify can evaluate with.
	if _, err := config.Parse(cfgData, evidence.ConfigName); err != nil {
		return withCode(exitUsage, fmt.Errorf("%s: the config cannot be evaluated: %w", configPath, err))
	}
	if h, now := in.snap.ConfigHash, (evidence.Member{Data: raw}).SHA256(); h != "" && h != now {
		a.sayf("warning: the run was scanned with another version of %s (config hash %.12s…, now %.12s…); verify re-evaluates with the bundled one", configPath, h, now)
	}
	members := []evidence.Member{
		{Name: evidence.SnapshotName, Data: in.snapshot},
		{Name: evidence.AssessmentName, Data: in.assessment},
		{Name: evidence.ConfigName, Data: cfgData},
	}
	members = append(members, in.reports...)
	rego, err := policyMembers(policyDir)
	if err != nil {
		return err
	}
	members = append(members, rego...)
	ver, commit, dirty := buildVersion()
	vj, err := json.MarshalIndent(versionInfo{SchemaVersion: "1", Version: ver, Commit: commit, Modified: dirty, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}, "", "  ")
	if err != nil {
		return err
	}
	members = append(members, evidence.Member{Name: evidence.VersionName, Data: append(vj, '\n')})
	signer, tsa, err := newSigner(ctx, a, sf)
	if err != nil {
		return err
	}
	toolVersion := in.as.Tool.Version
	if toolVersion == "" {
		toolVersion = version
	}
	pred := evidence.Predicate{
		Verdict:          string(in.as.Verdict),
		Profile:          in.as.Profile,
		ExitProvider:     in.as.ExitProvider,
		Organization:     in.as.Organization,
		AsOf:             in.as.AsOf.UTC(),
		ScannedAt:        in.as.ScannedAt.UTC(),
		ToolVersion:      toolVersion,
		ConfigSHA256:     evidence.Member{Data: cfgData}.SHA256(),
		ConfigRedacted:   redacted,
		SourceConfigHash: in.snap.ConfigHash,
		SnapshotSHA256:   evidence.Member{Data: in.snapshot}.SHA256(),
		AssessmentSHA256: evidence.Member{Data: in.assessment}.SHA256(),
		ModifiedInputs:   in.as.ModifiedInputs,
	}
	if in.run != nil && in.run.ChainDigest != "" {
		pred.StoreRun = &evidence.StoreRun{ID: in.run.ID, Estate: in.run.Estate, ChainDigest: in.run.ChainDigest}
	}
	var buf bytes.Buffer
	if _, err := evidence.Create(ctx, &buf, evidence.CreateOptions{Members: members, Predicate: pred, Signer: signer, TSA: tsa, ModTime: in.as.AsOf}); err != nil {
		return err
	}
	if out == "-" {
		if _, err := a.stdout.Write(buf.Bytes()); err != nil {
			return err
		}
	} else if err := writeStreamed(out, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err }); err != nil {
		return err
	}
	info := signer.Info()
	a.sayf("bundle: %s (%d files, signed by %s key %s%s)", out, len(members), info.Kind, info.KeyID, map[bool]string{true: ", timestamped by " + sf.tsa}[tsa != nil])
	digest := evidence.Member{Data: buf.Bytes()}.SHA256()
	if out == "-" {
		a.sayf("bundle sha256:%s", digest)
		return nil
	}
	fmt.Fprintf(a.stdout, "bundle: %s sha256:%s\n", out, digest)
	return nil
}

// policyMembers reads the .rego files of a --policy-dir for the bundle.
func policyMembers(dir string) ([]evidence.Member, error) {
	if dir == "" {
		return nil, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, withCode(exitUsage, fmt.Errorf("--policy-dir: %w", err))
	}
	var out []evidence.Member
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".rego") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, evidence.Member{Name: policiesDir + e.Name(), Data: b})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// policiesDir is where a bundle keeps --policy-dir checks.
const policiesDir = "policies/"
