package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/evidence"
	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/policies"
)

// exitNotVerified is verify's exit code for a bundle that does not verify:
// the same code as history --verify's, one meaning (the evidence does not
// hold).
const exitNotVerified = exitTampered

type verifyFlags struct {
	key          string
	kms          string
	keyvault     string
	tsaCA        string
	noReevaluate bool
	format       string
}

func newVerifyCmd(a *app) *cobra.Command {
	var f verifyFlags
	cmd := &cobra.Command{
		Use:   "verify evidence.tar [--key PUB | --kms ARN | --keyvault URL] [--tsa-ca FILE]",
		Short: "Check an evidence bundle: signature, timestamp, every digest, and re-evaluate it to the same verdict",
		Long: `verify checks an evidence bundle written by keyholder bundle (or scan/review
--bundle), without the run store:

  1. the DSSE envelope and its signature: with --key (the PEM public key),
     --kms (the AWS KMS key's public key, kms:GetPublicKey) or --keyvault
     (the Key Vault key's public key, keys/get); without one, with the
     bundle's own signer.pub.pem, which proves the files are unchanged since
     signing but not who signed (verify says so);
  2. the RFC 3161 timestamp, when the bundle has one, against --tsa-ca or
     else the chain in the bundle (verify says which);
  3. every file's SHA-256 against the signed statement; no file missing,
     none unsigned;
  4. the seals the files carry (content_sha256, assessment_sha256);
  5. re-evaluates the bundled snapshot with the bundled config (and bundled
     --policy-dir checks), as of the bundled as_of, with this keyholder's
     checks, and compares verdict, system verdicts and every finding with
     the bundled assessment.

Every failure is printed with the file it concerns.

Exit codes:
  0  the bundle verified
  1  runtime error (KMS or Key Vault unreachable, re-evaluation could not run)
  2  usage error (no such file, bad flag or key file)
  7  the bundle does not verify (each failure is named)`,
		Example: `  keyholder verify evidence.tar --key evidence-key.pub
  keyholder verify evidence.tar --kms arn:aws:kms:eu-west-1:111111111111:key/0a1b...
  keyholder verify evidence.tar --key evidence-key.pub --tsa-ca tsa-chain.pem --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerifyCmd(cmd.Context(), a, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.key, "key", "", "the signer's public key (PEM)")
	fl.StringVar(&f.kms, "kms", "", "the AWS KMS key that signed (ARN, id or alias)")
	fl.StringVar(&f.keyvault, "keyvault", "", "the Azure Key Vault key that signed (https://VAULT.vault.azure.net/keys/NAME[/VERSION])")
	fl.StringVar(&f.tsaCA, "tsa-ca", "", "the timestamp authority's certificate chain you trust (PEM)")
	fl.BoolVar(&f.noReevaluate, "no-reevaluate", false, "check signature, timestamp and digests only (the output says the verdict was not re-evaluated)")
	fl.StringVar(&f.format, "format", "text", "output: text or json")
	return cmd
}

func runVerifyCmd(ctx context.Context, a *app, path string, f verifyFlags) error {
	n := 0
	for _, s := range []string{f.key, f.kms, f.keyvault} {
		if s != "" {
			n++
		}
	}
	if n > 1 {
		return withCode(exitUsage, errors.New("give at most one of --key, --kms and --keyvault"))
	}
	if f.format != "text" && f.format != "json" {
		return withCode(exitUsage, fmt.Errorf("--format %q: want text or json", f.format))
	}
	var tsaChain []byte
	if f.tsaCA != "" {
		b, err := os.ReadFile(f.tsaCA)
		if err != nil {
			return withCode(exitUsage, fmt.Errorf("--tsa-ca: %w", err))
		}
		tsaChain = b
	}
	fh, err := os.Open(path)
	if err != nil {
		return withCode(exitUsage, err)
	}
	defer fh.Close()
	pub, source, err := trustedKey(ctx, a, f.key, f.kms, f.keyvault)
	if err != nil {
		return err
	}
	res := &evidence.Result{}
	b, err := evidence.Read(fh)
	if err != nil {
		res.Problems = append(res.Problems, evidence.Problem{Kind: evidence.ProblemBundle, Member: filepath.Base(path), Msg: err.Error()})
	} else {
		opts := evidence.VerifyOptions{PublicKey: pub, KeySource: source, TSAChain: tsaChain}
		if !f.noReevaluate {
			opts.Reevaluate = func(ctx context.Context, b *evidence.Bundle, p evidence.Predicate) ([]evidence.Problem, error) {
				return reevaluate(ctx, a, b, p)
			}
		}
		if res, err = evidence.Verify(ctx, b, opts); err != nil {
			return err
		}
		if res.OK() && f.noReevaluate {
			res.Notes = append(res.Notes, "not re-evaluated (--no-reevaluate): the verdict is signed, but was not reproduced")
		}
	}
	if f.format == "json" {
		out := struct {
			SchemaVersion string `json:"schema_version"`
			Bundle        string `json:"bundle"`
			Verified      bool   `json:"verified"`
			*evidence.Result
		}{"1", path, res.OK(), res}
		if out.Problems == nil {
			out.Problems = []evidence.Problem{}
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		printVerify(a, path, res)
	}
	if !res.OK() {
		return withCode(exitNotVerified, fmt.Errorf("%s does not verify: %d problem(s)", path, len(res.Problems)))
	}
	return nil
}

func printVerify(a *app, path string, res *evidence.Result) {
	w := a.stdout
	if res.OK() {
		fmt.Fprintf(w, "VERIFIED %s\n", path)
	} else {
		fmt.Fprintf(w, "NOT VERIFIED %s\n", path)
	}
	if s := res.Summary(); s != "" {
		fmt.Fprintf(w, "  %s\n", s)
	}
	if res.OK() {
		fmt.Fprintf(w, "  %d signed files, every SHA-256 matches", len(res.Subjects))
		if res.Reevaluated {
			fmt.Fprint(w, "; re-evaluated to the same verdict and findings")
		}
		fmt.Fprintln(w)
	}
	if p := res.Predicate; p != nil && p.StoreRun != nil {
		fmt.Fprintf(w, "  from stored run %d (estate %s), chain digest %s: compare with history --format json to catch a rewritten store\n", p.StoreRun.ID, orDash(p.StoreRun.Estate), p.StoreRun.ChainDigest)
	}
	for _, p := range res.Problems {
		fmt.Fprintf(w, "  FAIL %s\n", p)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}

// reevaluate checks the bundled files' own seals and evaluates the
// bundled snapshot with the bundled config, as evaluate does, then
// compares the result with the bundled assessment.
func reevaluate(ctx context.Context, a *app, b *evidence.Bundle, p evidence.Predicate) ([]evidence.Problem, error) {
	var ps []evidence.Problem
	add := func(kind, member, format string, args ...any) {
		ps = append(ps, evidence.Problem{Kind: kind, Member: member, Msg: fmt.Sprintf(format, args...)})
	}
	snap, err := findings.DecodeSnapshot(bytes.NewReader(b.Members[evidence.SnapshotName]), evidence.SnapshotName)
	if err != nil {
		add(evidence.ProblemReevaluation, evidence.SnapshotName, "%v", err)
		return ps, nil
	}
	if _, err := snap.Verify(); err != nil {
		add(evidence.ProblemSeal, evidence.SnapshotName, "%v", err)
	}
	bundled, err := findings.DecodeAssessment(bytes.NewReader(b.Members[evidence.AssessmentName]), evidence.AssessmentName)
	if err != nil {
		add(evidence.ProblemReevaluation, evidence.AssessmentName, "%v", err)
		return ps, nil
	}
	if _, err := bundled.Verify(); err != nil {
		add(evidence.ProblemSeal, evidence.AssessmentName, "%v", err)
	}
	if d, err := snap.Digest(); err == nil && bundled.SnapshotSHA256 != "" && bundled.SnapshotSHA256 != d {
		add(evidence.ProblemSeal, evidence.AssessmentName, "refers to snapshot %.12s…, but the bundled snapshot.json is %.12s…", bundled.SnapshotSHA256, d)
	}
	// The predicate states what the assessment says.
	if string(bundled.Verdict) != p.Verdict || bundled.Profile != p.Profile || bundled.Organization != p.Organization || !bundled.AsOf.Equal(p.AsOf) || bundled.ExitProvider != p.ExitProvider {
		add(evidence.ProblemStatement, evidence.AssessmentName, "the signed predicate (verdict %s, profile %s, %s, as of %s) does not match the assessment (verdict %s, profile %s, %s, as of %s)",
			p.Verdict, p.Profile, p.Organization, p.AsOf.Format("2006-01-02T15:04:05Z07:00"), bundled.Verdict, bundled.Profile, bundled.Organization, bundled.AsOf.Format("2006-01-02T15:04:05Z07:00"))
	}
	cfg, err := config.Parse(b.Members[evidence.ConfigName], evidence.ConfigName)
	if err != nil {
		add(evidence.ProblemReevaluation, evidence.ConfigName, "the bundled config does not load: %v", err)
		return ps, nil
	}
	policyDir := ""
	for _, name := range b.Names() {
		if !strings.HasPrefix(name, policiesDir) {
			continue
		}
		if policyDir == "" {
			if policyDir, err = os.MkdirTemp("", "keyholder-verify-policies-"); err != nil {
				return ps, err
			}
			defer os.RemoveAll(policyDir)
		}
		if err := os.WriteFile(filepath.Join(policyDir, filepath.Base(name)), b.Members[name], 0o600); err != nil {
			return ps, err
		}
	}
	engine, err := newEngine(a, policyDir)
	if err != nil {
		add(evidence.ProblemReevaluation, policiesDir, "the bundled checks do not load: %v", err)
		return ps, nil
	}
	fresh, err := engine.Evaluate(ctx, snap, cfg, policies.EvalOptions{
		Profile: p.Profile, ExitProvider: p.ExitProvider, AsOf: p.AsOf, Version: version,
	})
	if err != nil {
		add(evidence.ProblemReevaluation, "", "re-evaluation failed: %v", err)
		return ps, nil
	}
	diffs := evidence.Compare(bundled, fresh)
	if len(diffs) > 0 && p.ToolVersion != version {
		for i := range diffs {
			diffs[i].Msg += fmt.Sprintf(" (the run was judged by keyholder %s, re-evaluated by %s)", p.ToolVersion, version)
		}
	}
	return append(ps, diffs...), nil
}
