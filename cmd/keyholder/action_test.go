package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/keyholder/keyholder/internal/sim/estate"
)

type actionFile struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			Name  string            `yaml:"name"`
			ID    string            `yaml:"id"`
			If    string            `yaml:"if"`
			Uses  string            `yaml:"uses"`
			Shell string            `yaml:"shell"`
			Run   string            `yaml:"run"`
			Env   map[string]string `yaml:"env"`
			With  map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

var exprRE = regexp.MustCompile(`\$\{\{\s*([^}]+?)\s*\}\}`)

// TestActionStepsAgainstTheDemoEstate runs the run: steps of action.yml —
// build, review, exit — exactly as the runner would (bash, the runner's
// environment files), against the simulated Contoso estate, and checks
// that what the uses: steps upload exists.
func TestActionStepsAgainstTheDemoEstate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds keyholder")
	}
	if runtime.GOOS == "windows" {
		if _, err := exec.LookPath("bash"); err != nil {
			// The Windows run under Wine has neither bash nor go; Linux CI
			// always runs this test.
			t.Skip("the action's steps need bash and go on PATH")
		}
	}
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	b, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var act actionFile
	if err := yaml.Unmarshal(b, &act); err != nil {
		t.Fatal(err)
	}
	if act.Runs.Using != "composite" {
		t.Fatalf("runs.using = %q", act.Runs.Using)
	}

	sc, err := estate.Contoso()
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	e, err := estate.Start(sc, estate.Options{Dir: filepath.Join(work, "estate")})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()

	runnerTemp := filepath.Join(work, "runner-temp")
	os.MkdirAll(runnerTemp, 0o700)
	files := map[string]string{}
	for _, f := range []string{"GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_PATH", "GITHUB_ENV"} {
		files[f] = filepath.Join(work, strings.ToLower(f))
		os.WriteFile(files[f], nil, 0o600)
	}
	inputs := map[string]string{}
	for k, v := range act.Inputs {
		inputs[k] = v.Default
	}
	inputs["config"] = e.ConfigPath
	inputs["args"] = "--now " + sc.Now.Format(time.RFC3339)
	outputs := map[string]map[string]string{}

	resolve := func(where, s string) string {
		return exprRE.ReplaceAllStringFunc(s, func(m string) string {
			ex := exprRE.FindStringSubmatch(m)[1]
			switch {
			case strings.HasPrefix(ex, "inputs."):
				v, ok := inputs[strings.TrimPrefix(ex, "inputs.")]
				if !ok {
					t.Errorf("%s: %s names an undeclared input", where, ex)
				}
				return v
			case ex == "github.action_path":
				return root
			case ex == "runner.temp":
				return runnerTemp
			case ex == "github.workflow" || ex == "github.run_id":
				return "test"
			case strings.HasPrefix(ex, "steps."):
				parts := strings.Split(ex, ".")
				if len(parts) != 4 || parts[2] != "outputs" {
					t.Errorf("%s: expression %s", where, ex)
					return ""
				}
				return outputs[parts[1]][parts[3]]
			}
			t.Errorf("%s: expression %q is not understood by this test", where, ex)
			return ""
		})
	}
	readOutputs := func(id string) {
		f, _ := os.Open(files["GITHUB_OUTPUT"])
		defer f.Close()
		outputs[id] = map[string]string{}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), "="); ok {
				outputs[id][k] = v
			}
		}
		os.WriteFile(files["GITHUB_OUTPUT"], nil, 0o600)
	}

	var lastExit = -1
	uploads := map[string]string{}
	for i, st := range act.Runs.Steps {
		where := fmt.Sprintf("step %d (%s)", i+1, st.Name)
		if st.Uses != "" {
			if !regexp.MustCompile(`^[\w-]+/[\w/-]+@v\d+$`).MatchString(st.Uses) {
				t.Errorf("%s: uses %q is not pinned to a major version", where, st.Uses)
			}
			for k, v := range st.With {
				uploads[st.Uses+" "+k] = resolve(where, v)
			}
			continue
		}
		if st.Shell != "bash" {
			t.Errorf("%s: shell %q, want bash (composite steps must name it)", where, st.Shell)
		}
		env := append(os.Environ(), "RUNNER_TEMP="+runnerTemp, "GITHUB_ACTION_PATH="+root)
		for k, p := range files {
			env = append(env, k+"="+p)
		}
		for k, v := range e.Env() {
			env = append(env, k+"="+v)
		}
		for k, v := range st.Env {
			env = append(env, k+"="+resolve(where, v))
		}
		if strings.Contains(st.Run, "${{") {
			t.Errorf("%s: run: holds an expression; pass it through env: (script injection)", where)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", st.Run)
		cmd.Dir = work
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		cancel()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		if st.ID != "" {
			readOutputs(st.ID)
		}
		lastExit = code
		if i < len(act.Runs.Steps)-1 && code != 0 {
			t.Fatalf("%s: exit %d\n%s", where, code, out)
		}
		t.Logf("%s: exit %d", where, code)
	}

	rev := outputs["review"]
	if rev["exit-code"] != "4" && rev["exit-code"] != "3" {
		t.Errorf("review exit code %q: the Contoso estate is not ready and has blocker gaps (want 3 or 4)", rev["exit-code"])
	}
	if rev["verdict"] != "not_ready" {
		t.Errorf("verdict output %q, want not_ready", rev["verdict"])
	}
	if fmt.Sprint(lastExit) != rev["exit-code"] {
		t.Errorf("the last step exited %d, the review %s: the job must fail with keyholder's code", lastExit, rev["exit-code"])
	}
	summary, _ := os.ReadFile(files["GITHUB_STEP_SUMMARY"])
	if !strings.Contains(string(summary), "keyholder: not_ready") {
		t.Errorf("step summary = %q", summary)
	}
	// What the uses: steps upload was written.
	sarifPath := uploads["github/codeql-action/upload-sarif@v3 sarif_file"]
	sb, err := os.ReadFile(filepath.Join(work, sarifPath))
	if err != nil {
		t.Fatalf("SARIF to upload: %v", err)
	}
	var sarif struct {
		Version string `json:"version"`
		Runs    []any  `json:"runs"`
	}
	if err := json.Unmarshal(sb, &sarif); err != nil || sarif.Version != "2.1.0" || len(sarif.Runs) == 0 {
		t.Errorf("report.sarif: %v version %q", err, sarif.Version)
	}
	art := uploads["actions/upload-artifact@v4 path"]
	for _, f := range []string{"report.html", "report.md", "assessment.json"} {
		if _, err := os.Stat(filepath.Join(work, art, f)); err != nil {
			t.Errorf("artefact: %v", err)
		}
	}
	store := uploads["actions/cache/save@v4 path"]
	if _, err := os.Stat(filepath.Join(work, store)); err != nil {
		t.Errorf("run history to cache: %v", err)
	}
	// No secret of the estate in anything the action writes or uploads.
	for _, s := range e.Secrets() {
		for _, f := range []string{files["GITHUB_STEP_SUMMARY"], filepath.Join(work, sarifPath), filepath.Join(work, art, "report.md")} {
			if b, _ := os.ReadFile(f); strings.Contains(string(b), s) {
				t.Errorf("%s holds a secret", f)
			}
		}
	}
}
