package kubernetes

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/scan"
	"github.com/keyholder/keyholder/scanners/all"
)

// kinds maps apiVersion/kind to a fresh typed object.
var kinds = map[string]func() any{
	"batch/v1/CronJob":         func() any { return &batchv1.CronJob{} },
	"v1/ConfigMap":             func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                func() any { return &corev1.Secret{} },
	"v1/ServiceAccount":        func() any { return &corev1.ServiceAccount{} },
	"v1/Namespace":             func() any { return &corev1.Namespace{} },
	"v1/PersistentVolumeClaim": func() any { return &corev1.PersistentVolumeClaim{} },
}

type object struct {
	file string
	kind string
	obj  any
}

// decodeAll strictly decodes every YAML document of every manifest: an
// unknown or misspelt field, a duplicate key or an unknown kind fails.
func decodeAll(t *testing.T) []object {
	t.Helper()
	var files []string
	err := filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no manifests found")
	}
	var out []object
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range splitDocs(b) {
			var meta struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if err := yaml.Unmarshal(doc, &meta); err != nil {
				t.Fatalf("%s document %d: %v", f, i+1, err)
			}
			k := meta.APIVersion + "/" + meta.Kind
			mk, ok := kinds[k]
			if !ok {
				t.Fatalf("%s document %d: kind %q is not one this test knows; add it to kinds", f, i+1, k)
			}
			obj := mk()
			if err := yaml.UnmarshalStrict(doc, obj); err != nil {
				t.Errorf("%s document %d (%s): %v", f, i+1, k, err)
				continue
			}
			out = append(out, object{file: f, kind: k, obj: obj})
		}
	}
	return out
}

func splitDocs(b []byte) [][]byte {
	var docs [][]byte
	for _, d := range bytes.Split(b, []byte("\n---")) {
		if len(bytes.TrimSpace(stripComments(d))) > 0 {
			docs = append(docs, d)
		}
	}
	return docs
}

func stripComments(b []byte) []byte {
	var out []byte
	for _, l := range bytes.Split(b, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(l), []byte("#")) {
			out = append(out, l...)
			out = append(out, '\n')
		}
	}
	return out
}

// TestManifestsDecodeStrictly (issue 20): every manifest decodes into its
// k8s.io/api type with unknown fields refused.
func TestManifestsDecodeStrictly(t *testing.T) {
	objs := decodeAll(t)
	if len(objs) < 8 {
		t.Errorf("decoded %d objects, want the namespace, store secret, PVC, fleet CronJob and an estate's four", len(objs))
	}
}

// TestStrictDecodingCatchesTypos: the decoder the test relies on does
// refuse a misspelt field (so the test above can fail).
func TestStrictDecodingCatchesTypos(t *testing.T) {
	doc := []byte("apiVersion: batch/v1\nkind: CronJob\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: x\n            readOnlyRootFileSystem: true\n")
	if err := yaml.UnmarshalStrict(doc, &batchv1.CronJob{}); err == nil {
		t.Fatal("a misspelt field decoded without error")
	}
}

// TestJobsAreLockedDown: every CronJob runs non-root on a read-only root
// filesystem without privilege escalation or capabilities, with resource
// requests and a memory limit, the store URL and password from a Secret
// (never a literal), and review's final exit codes not retried.
func TestJobsAreLockedDown(t *testing.T) {
	reviews := 0
	for _, o := range decodeAll(t) {
		cj, ok := o.obj.(*batchv1.CronJob)
		if !ok {
			continue
		}
		ps := cj.Spec.JobTemplate.Spec.Template.Spec
		if ps.SecurityContext == nil || ps.SecurityContext.RunAsNonRoot == nil || !*ps.SecurityContext.RunAsNonRoot {
			t.Errorf("%s: pod does not set runAsNonRoot", o.file)
		}
		if ps.RestartPolicy != corev1.RestartPolicyNever {
			t.Errorf("%s: restartPolicy %q, want Never", o.file, ps.RestartPolicy)
		}
		for _, c := range ps.Containers {
			sc := c.SecurityContext
			if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
				sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
				sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, corev1.Capability("ALL")) {
				t.Errorf("%s: container %s is not locked down: %+v", o.file, c.Name, sc)
			}
			if c.Resources.Requests.Memory().IsZero() || c.Resources.Requests.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() {
				t.Errorf("%s: container %s lacks requests or a memory limit", o.file, c.Name)
			}
			env := map[string]corev1.EnvVar{}
			for _, e := range c.Env {
				env[e.Name] = e
			}
			for _, name := range []string{"KEYHOLDER_STORE", "PGPASSWORD"} {
				e, ok := env[name]
				if !ok || e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
					t.Errorf("%s: %s must come from a Secret", o.file, name)
				}
			}
			for _, a := range c.Args {
				if strings.Contains(a, "postgres://") {
					t.Errorf("%s: store URL on the command line: %s", o.file, a)
				}
			}
			if len(c.Args) > 0 && c.Args[0] == "review" {
				reviews++
				pfp := cj.Spec.JobTemplate.Spec.PodFailurePolicy
				if pfp == nil || len(pfp.Rules) == 0 || pfp.Rules[0].OnExitCodes == nil ||
					!slices.Equal(pfp.Rules[0].OnExitCodes.Values, []int32{2, 3, 4, 5}) || pfp.Rules[0].Action != batchv1.PodFailurePolicyActionFailJob {
					t.Errorf("%s: review's final exit codes 2-5 must fail the Job without a re-scan", o.file)
				}
				if !slices.ContainsFunc(c.Args, func(a string) bool { return strings.HasPrefix(a, "--estate=") }) {
					t.Errorf("%s: review without --estate", o.file)
				}
			}
		}
	}
	if reviews == 0 {
		t.Error("no review CronJob found")
	}
}

// TestEstateConfigValidates: the keyholder.yaml in each estate's
// ConfigMap is a valid config for this keyholder (the same check as
// `keyholder validate`).
func TestEstateConfigValidates(t *testing.T) {
	n := 0
	for _, o := range decodeAll(t) {
		cm, ok := o.obj.(*corev1.ConfigMap)
		if !ok {
			continue
		}
		doc, ok := cm.Data["keyholder.yaml"]
		if !ok {
			t.Errorf("%s: ConfigMap has no keyholder.yaml", o.file)
			continue
		}
		n++
		p := filepath.Join(t.TempDir(), "keyholder.yaml")
		if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Load(p)
		if err != nil {
			t.Errorf("%s: %v", o.file, err)
			continue
		}
		if err := scan.Validate(cfg, all.Registry()); err != nil {
			t.Errorf("%s: %v", o.file, err)
		}
	}
	if n == 0 {
		t.Error("no estate ConfigMap found")
	}
}
