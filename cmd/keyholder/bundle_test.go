package main

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/keyholder/keyholder/evidence"
	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/fsx/fsxtest"
	awssim "github.com/keyholder/keyholder/internal/sim/aws"
	keyvaultsim "github.com/keyholder/keyholder/internal/sim/keyvault"
	tsasim "github.com/keyholder/keyholder/internal/sim/tsa"
)

// demoForBundle runs the demo into a temporary directory and returns it
// with an Ed25519 key pair made by keygen.
func demoForBundle(t *testing.T) (dir, key, pub string) {
	t.Helper()
	root := t.TempDir()
	dir = filepath.Join(root, "demo")
	a := &app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, redactor: &config.Redactor{}}
	lg, err := newLogger(a.stderr, "error", "text", a.redactor)
	if err != nil {
		t.Fatal(err)
	}
	a.logger = lg
	ctx, cancel := context.WithTimeout(context.Background(), demoTimeBound)
	defer cancel()
	if _, err := runDemo(ctx, a, demoFlags{out: dir, formats: "html,md,json"}); err != nil {
		t.Fatal(err)
	}
	prefix := filepath.Join(root, "evidence-key")
	if code, out, stderr := runCmd(t, "bundle", "keygen", "-o", prefix); code != 0 {
		t.Fatalf("keygen: exit %d\n%s%s", code, out, stderr)
	}
	fsxtest.AssertPrivate(t, prefix+".pem") // 0600, or an owner-only ACL on Windows
	if code, _, stderr := runCmd(t, "bundle", "keygen", "-o", prefix); code != exitUsage || !strings.Contains(stderr, "never overwrites") {
		t.Fatalf("keygen over an existing key: exit %d %s", code, stderr)
	}
	return dir, prefix + ".pem", prefix + ".pub"
}

func readTar(t *testing.T, path string) map[string][]byte {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	b, err := evidence.Read(fh)
	if err != nil {
		t.Fatal(err)
	}
	return b.Members
}

func writeTarFile(t *testing.T, path string, members map[string][]byte) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range sortedNames(members) {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(members[name])), Typeflag: tar.TypeReg})
		tw.Write(members[name])
	}
	tw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func sortedNames(m map[string][]byte) []string {
	b := &evidence.Bundle{Members: m}
	return b.Names()
}

// TestIssue22_DemoBundlesVerifyWithoutTheStore: a stored demo run and the
// demo's output directory are bundled (signed, timestamped by a local
// TSA), the store and the demo are deleted, and both bundles verify with
// the public key and the TSA root, re-evaluated to the same findings.
func TestIssue22_DemoBundlesVerifyWithoutTheStore(t *testing.T) {
	dir, key, pub := demoForBundle(t)
	tsa, err := tsasim.Start(func() time.Time { return time.Date(2026, 11, 9, 9, 0, 0, 0, time.UTC) })
	if err != nil {
		t.Fatal(err)
	}
	defer tsa.Close()
	work := t.TempDir()
	chain := filepath.Join(work, "tsa-chain.pem")
	root := filepath.Join(work, "tsa-root.pem")
	os.WriteFile(chain, tsa.ChainPEM, 0o600)
	os.WriteFile(root, tsa.RootPEM, 0o600)
	cfg := filepath.Join(work, "keyholder.yaml")
	b, err := os.ReadFile(filepath.Join(dir, "estate", "keyholder.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(cfg, b, 0o600)

	runTar := filepath.Join(work, "run.tar")
	dirTar := filepath.Join(work, "dir.tar")
	store := filepath.Join(dir, "keyholder.db")
	for _, args := range [][]string{
		{"bundle", "latest", "--store", store, "-c", cfg, "--key", key, "--tsa", tsa.URL, "--tsa-ca", chain, "-o", runTar},
		{"bundle", dir, "-c", cfg, "--key", key, "-o", dirTar},
	} {
		if code, out, stderr := runCmd(t, args...); code != 0 || !strings.Contains(out, "bundle: ") {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, stderr)
		}
	}
	if tsa.Requests() != 1 {
		t.Errorf("TSA requests %d, want 1", tsa.Requests())
	}
	// No store, no demo: only the bundles and the public key remain.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	t.Setenv(storeEnv, filepath.Join(work, "no-such-store.db"))

	code, out, stderr := runCmd(t, "verify", runTar, "--key", pub, "--tsa-ca", root)
	if code != 0 || !strings.Contains(out, "VERIFIED") || !strings.Contains(out, "re-evaluated to the same verdict and findings") || !strings.Contains(out, "timestamped 2026-11-09T09:00:00Z") {
		t.Fatalf("verify run bundle: exit %d\n%s%s", code, out, stderr)
	}
	if strings.Contains(out, "note:") {
		t.Errorf("a verification with --key and --tsa-ca has notes:\n%s", out)
	}
	members := readTar(t, runTar)
	for _, want := range []string{"snapshot.json", "assessment.json", "keyholder.yaml", "version.json", "reports/report.html", "reports/report.md",
		evidence.EnvelopeName, evidence.PublicKeyName, evidence.TimestampName, evidence.TSAChainName} {
		if _, ok := members[want]; !ok {
			t.Errorf("run bundle lacks %s (has %v)", want, sortedNames(members))
		}
	}
	// The files keep their seals.
	for _, want := range []string{`"content_sha256"`} {
		if !bytes.Contains(members["snapshot.json"], []byte(want)) {
			t.Errorf("snapshot.json lacks %s", want)
		}
	}
	if !bytes.Contains(members["assessment.json"], []byte(`"assessment_sha256"`)) {
		t.Error("assessment.json lacks assessment_sha256")
	}
	// The envelope is standard DSSE over an in-toto statement with our
	// predicate.
	var env struct {
		PayloadType string `json:"payloadType"`
		Payload     []byte `json:"payload"`
	}
	if err := json.Unmarshal(members[evidence.EnvelopeName], &env); err != nil {
		t.Fatal(err)
	}
	var st struct {
		Type          string `json:"_type"`
		PredicateType string `json:"predicateType"`
		Subject       []struct {
			Name   string            `json:"name"`
			Digest map[string]string `json:"digest"`
		} `json:"subject"`
		Predicate map[string]any `json:"predicate"`
	}
	if err := json.Unmarshal(env.Payload, &st); err != nil {
		t.Fatal(err)
	}
	if env.PayloadType != "application/vnd.in-toto+json" || st.Type != "https://in-toto.io/Statement/v1" || st.PredicateType != evidence.PredicateType {
		t.Errorf("envelope %q, statement %q, predicate %q", env.PayloadType, st.Type, st.PredicateType)
	}
	if st.Predicate["verdict"] != "not_ready" || st.Predicate["organization"] != "Contoso Ltd" || st.Predicate["profile"] != "readiness" {
		t.Errorf("predicate %v", st.Predicate)
	}
	if len(st.Subject) != 6 {
		t.Errorf("%d subjects, want 6 (snapshot, assessment, config, version, 2 reports)", len(st.Subject))
	}

	code, out, stderr = runCmd(t, "verify", dirTar, "--key", pub)
	if code != 0 || !strings.Contains(out, "VERIFIED") {
		t.Fatalf("verify dir bundle: exit %d\n%s%s", code, out, stderr)
	}
	// Without a key: verified, and it says the signer is not checked.
	code, out, _ = runCmd(t, "verify", dirTar)
	if code != 0 || !strings.Contains(out, "not who signed") {
		t.Fatalf("verify without a key: exit %d\n%s", code, out)
	}
	// Machine-readable.
	code, out, _ = runCmd(t, "verify", dirTar, "--key", pub, "--format", "json")
	var res struct {
		Verified    bool `json:"verified"`
		Reevaluated bool `json:"reevaluated"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || !res.Verified || !res.Reevaluated {
		t.Fatalf("json: exit %d %v %s", code, err, out)
	}

	t.Run("every member changed is named", func(t *testing.T) {
		orig := readTar(t, runTar)
		for _, name := range sortedNames(orig) {
			for _, pos := range []string{"first", "middle", "last"} {
				mod := map[string][]byte{}
				for k, v := range orig {
					mod[k] = v
				}
				c := bytes.Clone(orig[name])
				i := map[string]int{"first": 0, "middle": len(c) / 2, "last": len(c) - 1}[pos]
				c[i] ^= 0x01
				mod[name] = c
				p := filepath.Join(t.TempDir(), "tampered.tar")
				writeTarFile(t, p, mod)
				code, out, _ := runCmd(t, "verify", p, "--key", pub, "--tsa-ca", root, "--no-reevaluate")
				if code != exitNotVerified || !strings.Contains(out, "NOT VERIFIED") || !strings.Contains(out, ": "+name+": ") {
					t.Errorf("%s byte %d changed: exit %d\n%s", name, i, code, out)
				}
			}
		}
	})
	t.Run("signature and timestamp are named", func(t *testing.T) {
		orig := readTar(t, runTar)
		var env dsse.Envelope
		json.Unmarshal(orig[evidence.EnvelopeName], &env)
		s := env.Signatures[0].Sig
		env.Signatures[0].Sig = s[:10] + map[bool]string{true: "B", false: "A"}[s[10:11] == "A"] + s[11:]
		eb, _ := json.MarshalIndent(&env, "", "  ")
		mod := map[string][]byte{}
		for k, v := range orig {
			mod[k] = v
		}
		mod[evidence.EnvelopeName] = append(eb, '\n')
		p := filepath.Join(t.TempDir(), "sig.tar")
		writeTarFile(t, p, mod)
		code, out, _ := runCmd(t, "verify", p, "--key", pub)
		if code != exitNotVerified || !strings.Contains(out, "FAIL signature: attestation.dsse.json") {
			t.Errorf("changed signature: exit %d\n%s", code, out)
		}
		// A changed timestamp.
		mod[evidence.EnvelopeName] = orig[evidence.EnvelopeName]
		mod[evidence.TimestampName] = bytes.Clone(orig[evidence.TimestampName])
		mod[evidence.TimestampName][len(mod[evidence.TimestampName])/3] ^= 0x20
		writeTarFile(t, p, mod)
		code, out, _ = runCmd(t, "verify", p, "--key", pub, "--tsa-ca", root, "--no-reevaluate")
		if code != exitNotVerified || !strings.Contains(out, "FAIL timestamp: attestation.tsr") {
			t.Errorf("changed timestamp: exit %d\n%s", code, out)
		}
		// A bundle whose timestamp was removed.
		delete(mod, evidence.TimestampName)
		writeTarFile(t, p, mod)
		code, out, _ = runCmd(t, "verify", p, "--key", pub, "--no-reevaluate")
		if code != exitNotVerified || !strings.Contains(out, "FAIL timestamp: attestation.tsr: missing") {
			t.Errorf("removed timestamp: exit %d\n%s", code, out)
		}
	})
}

// TestIssue22_ReevaluationNamesTheFinding: an assessment edited and
// re-sealed by whoever holds the key (a forged "pass") still verifies its
// signature and digests, but re-evaluation names the finding and the
// verdict that differ.
func TestIssue22_ReevaluationNamesTheFinding(t *testing.T) {
	dir, key, pub := demoForBundle(t)
	as := loadAssessmentFile(t, filepath.Join(dir, "assessment.json"))
	var forged string
	for i, f := range as.Findings {
		if f.Status == findings.StatusFail && f.Severity == findings.SeverityBlocker {
			as.Findings[i].Status = findings.StatusPass
			forged = f.Check
			break
		}
	}
	if forged == "" {
		t.Fatal("the demo has no failing blocker")
	}
	as.Verdict = findings.VerdictReady
	as.AssessmentSHA256 = ""
	snap := mustDecodeSnapshot(t, filepath.Join(dir, "snapshot.json")) // assessments name their snapshot (issue 21)
	in, err := assessmentInputs(as, snap, []string{"md"}, "keyholder.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a := &app{stdout: io.Discard, stderr: io.Discard, logw: &switchWriter{w: io.Discard}, redactor: &config.Redactor{}}
	lg, _ := newLogger(io.Discard, "error", "text", a.redactor)
	a.logger = lg
	out := filepath.Join(t.TempDir(), "forged.tar")
	if err := writeBundle(context.Background(), a, in, filepath.Join(dir, "estate", "keyholder.yaml"), "", signFlags{key: key}, out); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := runCmd(t, "verify", out, "--key", pub)
	if code != exitNotVerified {
		t.Fatalf("a forged verdict verified: exit %d\n%s", code, stdout)
	}
	for _, want := range []string{"FAIL reevaluation: assessment.json: verdict: bundled ready, re-evaluated not_ready", "finding " + forged, "bundled pass, re-evaluated fail"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	// Signature and digests held: the only failures are re-evaluation.
	if strings.Contains(stdout, "FAIL signature") || strings.Contains(stdout, "FAIL digest") {
		t.Errorf("unexpected failures:\n%s", stdout)
	}
}

// TestIssue22_LiteralSecretsNeverReachTheBundle: a config with a literal
// secret under a secret-named key, a token pasted in a comment, and a
// value the run resolved from the environment is bundled with each
// replaced; the bundle still verifies (re-evaluated with the redacted
// config), and no byte of any secret is in the tar.
func TestIssue22_LiteralSecretsNeverReachTheBundle(t *testing.T) {
	work := t.TempDir()
	orig, err := os.ReadFile(filepath.Join("..", "..", "examples", "declared-only.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// A token in GitHub's format, spelled as clearly fake.
	token := "ghp_" + strings.Repeat("FAKETOKEN", 4)
	const tagSecret = "Tag-S3cret-Value-77"
	const resolved = "resolved-from-env-5150"
	cfgText := "# old GitHub token, rotated: " + token + "\n" + string(orig) +
		"sensitive:\n  - {name: HR, aws_tags: {db_password: \"" + tagSecret + "\"}}\n" +
		"accounts:\n  - {match: \"svc-x@contoso.com\", party: customer, reason: \"shares " + resolved + " with nobody\"}\n"
	cfg := filepath.Join(work, "keyholder.yaml")
	os.WriteFile(cfg, []byte(cfgText), 0o600)
	out := filepath.Join(work, "out")
	if code, o, e := runCmd(t, "scan", "-c", cfg, "-o", out, "--now", "2026-11-01T00:00:00Z", "--fail-on", "none"); code != 0 {
		t.Fatalf("scan: exit %d %s %s", code, o, e)
	}
	key := filepath.Join(work, "k")
	runCmd(t, "bundle", "keygen", "-o", key)
	in, err := dirInputs(out)
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	a := &app{stdout: io.Discard, stderr: &errb, logw: &switchWriter{w: &errb}, redactor: &config.Redactor{}}
	a.redactor.Add(resolved)
	lg, _ := newLogger(&errb, "error", "text", a.redactor)
	a.logger = lg
	tarPath := filepath.Join(work, "e.tar")
	if err := writeBundle(context.Background(), a, in, cfg, "", signFlags{key: key + ".pem"}, tarPath); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(tarPath)
	for _, s := range []string{token, tagSecret, resolved} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("the bundle holds the secret %q", s)
		}
		if strings.Contains(errb.String(), s) {
			t.Errorf("the warning shows the secret %q", s)
		}
	}
	if !strings.Contains(errb.String(), "sensitive[0].aws_tags.db_password") {
		t.Errorf("the warning does not name the key: %s", errb.String())
	}
	m := readTar(t, tarPath)
	if !bytes.Contains(m["keyholder.yaml"], []byte(evidence.Redacted)) {
		t.Errorf("bundled config:\n%s", m["keyholder.yaml"])
	}
	code, stdout, _ := runCmd(t, "verify", tarPath, "--key", key+".pub")
	if code != 0 {
		t.Fatalf("verify: exit %d\n%s", code, stdout)
	}
	// A config with only references is bundled byte for byte.
	plain := filepath.Join(work, "plain.yaml")
	os.WriteFile(plain, orig, 0o600)
	out2 := filepath.Join(work, "out2")
	runCmd(t, "scan", "-c", plain, "-o", out2, "--now", "2026-11-01T00:00:00Z", "--fail-on", "none")
	p2 := filepath.Join(work, "p.tar")
	if code, o, e := runCmd(t, "bundle", out2, "-c", plain, "--key", key+".pem", "-o", p2); code != 0 {
		t.Fatalf("bundle: %d %s %s", code, o, e)
	}
	if got := readTar(t, p2)["keyholder.yaml"]; !bytes.Equal(got, orig) {
		t.Error("a config without literal secrets was changed")
	}
}

func TestBundleUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"bundle", "latest", "-o", "x.tar"},                                    // no key
		{"bundle", "latest", "--key", "a", "--kms", "b", "-o", "x.tar"},        // two keys
		{"bundle", "latest", "--key", "a"},                                     // no -o
		{"bundle", "latest", "--key", "a", "--tsa", "http://x", "-o", "x.tar"}, // --tsa without --tsa-ca
		{"bundle", "latest", "--keyvault", "http://vault/keys/k", "-o", "x.tar"},
		{"bundle", "latest", "--key", "a", "-o", os.DevNull}, // not a regular file
		{"scan", "-c", "x.yaml", "--bundle", "-", "--key", "a"},
		{"verify", "no-such.tar"},
		{"verify", "x.tar", "--key", "a", "--kms", "b"},
	} {
		if code, _, stderr := runCmd(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2: %s", args, code, stderr)
		}
	}
}

// TestIssue22_ScanAndReviewBundle: scan --bundle and review --bundle write
// bundles that verify, and signing flags without --bundle are refused.
func TestIssue22_ScanAndReviewBundle(t *testing.T) {
	work := t.TempDir()
	cfg := filepath.Join("..", "..", "examples", "declared-only.yaml")
	key := filepath.Join(work, "k")
	runCmd(t, "bundle", "keygen", "-o", key)
	scanTar := filepath.Join(work, "scan.tar")
	if code, o, e := runCmd(t, "scan", "-c", cfg, "-o", filepath.Join(work, "out"), "--now", "2026-11-01T00:00:00Z", "--format", "html,csv", "--bundle", scanTar, "--key", key+".pem"); code != exitFailing {
		t.Fatalf("scan --bundle: exit %d %s %s", code, o, e)
	}
	m := readTar(t, scanTar)
	for _, want := range []string{"snapshot.json", "assessment.json", "reports/report.html", "reports/findings.csv"} {
		if _, ok := m[want]; !ok {
			t.Errorf("scan bundle lacks %s: %v", want, sortedNames(m))
		}
	}
	reviewTar := filepath.Join(work, "review.tar")
	if code, o, e := runCmd(t, "review", "-c", cfg, "--store", filepath.Join(work, "s.db"), "--now", "2026-11-01T00:00:00Z", "--fail-on", "none", "--bundle", reviewTar, "--key", key+".pem"); code != 0 {
		t.Fatalf("review --bundle: exit %d %s %s", code, o, e)
	}
	for _, p := range []string{scanTar, reviewTar} {
		if code, o, _ := runCmd(t, "verify", p, "--key", key+".pub"); code != 0 || !strings.Contains(o, "re-evaluated to the same verdict") {
			t.Errorf("verify %s: exit %d\n%s", p, code, o)
		}
	}
	// -o - writes the tar to standard output.
	runCmd(t, "scan", "-c", cfg, "-o", filepath.Join(work, "out3"), "--now", "2026-11-01T00:00:00Z", "--fail-on", "none")
	code, stdout, e := runCmd(t, "bundle", filepath.Join(work, "out3"), "-c", cfg, "--key", key+".pem", "-o", "-")
	piped := filepath.Join(work, "piped.tar")
	os.WriteFile(piped, []byte(stdout), 0o600)
	if code != 0 || !strings.Contains(e, "bundle sha256:") {
		t.Fatalf("bundle -o -: exit %d %s", code, e)
	}
	if code, o, _ := runCmd(t, "verify", piped, "--key", key+".pub"); code != 0 {
		t.Errorf("verify the piped bundle: exit %d\n%s", code, o)
	}
	if code, _, e := runCmd(t, "scan", "-c", cfg, "-o", filepath.Join(work, "o2"), "--key", key+".pem"); code != exitUsage {
		t.Errorf("--key without --bundle: exit %d %s", code, e)
	}
	if code, _, e := runCmd(t, "scan", "-c", cfg, "-o", filepath.Join(work, "o3"), "--bundle", filepath.Join(work, "x.tar")); code != exitUsage {
		t.Errorf("--bundle without a key: exit %d %s", code, e)
	}
}

// TestIssue22_CloudKeysFromTheCLI: bundle --kms / --keyvault and verify
// --kms / --keyvault through the SDKs' default configuration, against the
// simulated KMS (AWS_ENDPOINT_URL_KMS) and Key Vault (TLS on 127.0.0.1).
func TestIssue22_CloudKeysFromTheCLI(t *testing.T) {
	work := t.TempDir()
	cfg := filepath.Join("..", "..", "examples", "declared-only.yaml")
	out := filepath.Join(work, "out")
	runCmd(t, "scan", "-c", cfg, "-o", out, "--now", "2026-11-01T00:00:00Z", "--fail-on", "none")

	_, srv := awssim.Start(awssim.Scenario{
		Region:      "eu-west-1",
		Credentials: []awssim.Credential{{AccessKeyID: "AKIDKMSCLI", Account: "111111111111"}},
		Accounts:    []awssim.Account{{ID: "111111111111", Keys: []awssim.Key{{ID: "ev", Region: "eu-west-1", Spec: "ECC_NIST_P256"}}}},
	})
	defer srv.Close()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDKMSCLI", "AWS_SECRET_ACCESS_KEY": "fake", "AWS_ENDPOINT_URL_KMS": srv.URL,
		"AWS_CONFIG_FILE": filepath.Join(work, "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(work, "none"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_REGION": "eu-west-1",
	} {
		t.Setenv(k, v)
	}
	arn := "arn:aws:kms:eu-west-1:111111111111:key/ev"
	kmsTar := filepath.Join(work, "kms.tar")
	if code, o, e := runCmd(t, "bundle", out, "-c", cfg, "--kms", arn, "-o", kmsTar); code != 0 {
		t.Fatalf("bundle --kms: exit %d %s %s", code, o, e)
	}
	if code, o, _ := runCmd(t, "verify", kmsTar, "--kms", arn); code != 0 || !strings.Contains(o, "aws-kms key "+arn) {
		t.Fatalf("verify --kms: exit %d\n%s", code, o)
	}

	v, err := keyvaultsim.Start("ec-kv", "rsa-kv")
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	kv := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		a := &app{stdout: &out, stderr: &errb, stdin: strings.NewReader(""), redactor: &config.Redactor{}, logw: &switchWriter{w: &errb},
			cloud: &cloudHooks{keyVaultCredential: keyvaultsim.Credential{}, keyVaultTransport: v.Client, keyVaultLoopback: true}}
		return runApp(a, args), out.String(), errb.String()
	}
	kvTar := filepath.Join(work, "kv.tar")
	if code, o, e := kv("bundle", out, "-c", cfg, "--keyvault", v.URL+"/keys/rsa-kv", "-o", kvTar); code != 0 {
		t.Fatalf("bundle --keyvault: exit %d %s %s", code, o, e)
	}
	if code, o, _ := kv("verify", kvTar, "--keyvault", v.URL+"/keys/rsa-kv"); code != 0 || !strings.Contains(o, "azure-keyvault key "+v.KeyURL("rsa-kv")) {
		t.Fatalf("verify --keyvault: exit %d\n%s", code, o)
	}
	// The other vault key is not the signer: named.
	if code, o, _ := kv("verify", kvTar, "--keyvault", v.URL+"/keys/ec-kv"); code != exitNotVerified || !strings.Contains(o, "FAIL signature") {
		t.Fatalf("verify with another key: exit %d\n%s", code, o)
	}
}

// TestIssue22_BundleKeepsSeals: the bundled files keep the seals scan
// wrote, and a directory whose snapshot was edited after the scan is
// refused (the bundle would otherwise sign an edited file).
func TestIssue22_BundleKeepsSeals(t *testing.T) {
	work := t.TempDir()
	cfg := filepath.Join("..", "..", "examples", "declared-only.yaml")
	out := filepath.Join(work, "out")
	runCmd(t, "scan", "-c", cfg, "-o", out, "--now", "2026-11-01T00:00:00Z", "--fail-on", "none")
	key := filepath.Join(work, "k")
	runCmd(t, "bundle", "keygen", "-o", key)
	p := filepath.Join(work, "ok.tar")
	if code, o, e := runCmd(t, "bundle", out, "-c", cfg, "--key", key+".pem", "-o", p); code != 0 {
		t.Fatalf("bundle: exit %d %s %s", code, o, e)
	}
	m := readTar(t, p)
	for _, name := range []string{"snapshot.json", "assessment.json"} {
		orig, _ := os.ReadFile(filepath.Join(out, name))
		if !bytes.Equal(m[name], orig) {
			t.Errorf("%s is not bundled byte for byte", name)
		}
	}
	snap := filepath.Join(out, "snapshot.json")
	b, _ := os.ReadFile(snap)
	os.WriteFile(snap, bytes.Replace(b, []byte("Acme IT"), []byte("Acme IX"), 1), 0o600)
	code, _, stderr := runCmd(t, "bundle", out, "-c", cfg, "--key", key+".pem", "-o", filepath.Join(work, "bad.tar"))
	if code != exitUsage || !strings.Contains(stderr, "does not match its recorded SHA-256") {
		t.Fatalf("edited snapshot bundled: exit %d %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(work, "bad.tar")); err == nil {
		t.Error("a bundle was written from an edited snapshot")
	}
}

// TestIssue22_PolicyDirChecksTravelWithTheBundle: a run judged with
// --policy-dir checks re-evaluates to the same findings only with them;
// bundled with --policy-dir it verifies, bundled without, the missing
// check's findings are named.
func TestIssue22_PolicyDirChecksTravelWithTheBundle(t *testing.T) {
	work := t.TempDir()
	good := filepath.Join(evalUserPolicies, "good")
	out := filepath.Join(work, "out")
	if code, o, e := runCmd(t, "evaluate", evalFixtureSnapshot, "-c", evalFixtureConfig, "--policy-dir", good, "-o", out, "--fail-on", "none"); code != 0 {
		t.Fatalf("evaluate: exit %d %s %s", code, o, e)
	}
	key := filepath.Join(work, "k")
	runCmd(t, "bundle", "keygen", "-o", key)
	with, without := filepath.Join(work, "with.tar"), filepath.Join(work, "without.tar")
	if code, o, e := runCmd(t, "bundle", out, "-c", evalFixtureConfig, "--policy-dir", good, "--key", key+".pem", "-o", with); code != 0 {
		t.Fatalf("bundle: exit %d %s %s", code, o, e)
	}
	if _, ok := readTar(t, with)["policies/guest_admins.rego"]; !ok {
		t.Fatal("the --policy-dir check is not in the bundle")
	}
	if code, o, _ := runCmd(t, "verify", with, "--key", key+".pub"); code != 0 {
		t.Fatalf("verify with the bundled checks: exit %d\n%s", code, o)
	}
	if code, o, e := runCmd(t, "bundle", out, "-c", evalFixtureConfig, "--key", key+".pem", "-o", without); code != 0 {
		t.Fatalf("bundle: exit %d %s %s", code, o, e)
	}
	if code, o, _ := runCmd(t, "verify", without, "--key", key+".pub"); code != exitNotVerified || !strings.Contains(o, "finding CONTOSO-001") || !strings.Contains(o, "not in the re-evaluation") {
		t.Fatalf("verify without the checks: exit %d\n%s", code, o)
	}
}

// TestIssue22_RunBundleSignsChainDigest: a bundle of a stored run signs
// that run's link in the estate's hash chain, so a store rewritten
// wholesale later is caught against any bundle made before.
func TestIssue22_RunBundleSignsChainDigest(t *testing.T) {
	dir, key, pub := demoForBundle(t)
	work := t.TempDir()
	cfg := filepath.Join(work, "keyholder.yaml")
	b, err := os.ReadFile(filepath.Join(dir, "estate", "keyholder.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(cfg, b, 0o600)
	store := filepath.Join(dir, "keyholder.db")
	code, out, stderr := runCmd(t, "history", "--store", store, "--format", "json")
	if code != 0 {
		t.Fatalf("history: exit %d\n%s%s", code, out, stderr)
	}
	var hist struct {
		Runs []historyRun `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &hist); err != nil || len(hist.Runs) == 0 {
		t.Fatalf("history json: %v\n%s", err, out)
	}
	runs := hist.Runs
	latest := runs[0]
	for _, r := range runs {
		if r.ID > latest.ID {
			latest = r
		}
	}
	if len(latest.ChainDigest) != 64 {
		t.Fatalf("latest run has no chain digest: %+v", latest)
	}
	tarPath := filepath.Join(work, "run.tar")
	if code, out, stderr := runCmd(t, "bundle", "latest", "--store", store, "-c", cfg, "--key", key, "-o", tarPath); code != 0 {
		t.Fatalf("bundle: exit %d\n%s%s", code, out, stderr)
	}
	code, out, stderr = runCmd(t, "verify", tarPath, "--key", pub, "--format", "json")
	if code != 0 {
		t.Fatalf("verify: exit %d\n%s%s", code, out, stderr)
	}
	var res evidence.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("verify json: %v\n%s", err, out)
	}
	if res.Predicate == nil || res.Predicate.StoreRun == nil {
		t.Fatalf("predicate has no store_run: %s", out)
	}
	if got := res.Predicate.StoreRun; got.ID != latest.ID || got.ChainDigest != latest.ChainDigest {
		t.Errorf("store_run = %+v; want run %d with chain digest %s", got, latest.ID, latest.ChainDigest)
	}
	code, out, _ = runCmd(t, "verify", tarPath, "--key", pub)
	if code != 0 || !strings.Contains(out, latest.ChainDigest) {
		t.Errorf("verify text does not name the chain digest %s:\n%s", latest.ChainDigest, out)
	}
}
