package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func bashOrSkip(t *testing.T) string {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		if runtime.GOOS != "windows" {
			// Linux and macOS have bash; CI must not pass without it.
			t.Fatal("bash not found: bench/run is a bash script")
		}
		t.Skip("bash not found: bench/run is a bash script (the Windows run under Wine has none)")
	}
	return bash
}

// TestRunSyntax: bench/run parses (bash -n).
func TestRunSyntax(t *testing.T) {
	out, err := exec.Command(bashOrSkip(t), "-n", "run").CombinedOutput()
	if err != nil {
		t.Fatalf("bash -n bench/run: %v\n%s", err, out)
	}
}

var benchFunc = regexp.MustCompile(`(?m)^func (Benchmark[A-Za-z0-9_]*)`)

// TestRunFindsEveryBenchmarkIssue21: bench/run -list names every benchmark
// under scanners/ and every BenchmarkEndToEnd*/BenchmarkEvaluate* in the
// repository, each once, and nothing else; and every scanner benchmark
// reports requests/op, the column the table reads.
func TestRunFindsEveryBenchmarkIssue21(t *testing.T) {
	bash := bashOrSkip(t)
	var want []string
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("..", filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		scanner := strings.HasPrefix(rel, "scanners/")
		for _, m := range benchFunc.FindAllStringSubmatch(string(src), -1) {
			name := m[1]
			if scanner || strings.HasPrefix(name, "BenchmarkEndToEnd") || strings.HasPrefix(name, "BenchmarkEvaluate") {
				want = append(want, rel+" "+name)
				if scanner && !strings.Contains(string(src), `"requests/op"`) {
					t.Errorf("%s: %s does not report requests/op", path, name)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	if !slices.Contains(want, "scanners/entra BenchmarkScan") || !slices.Contains(want, "policies BenchmarkEvaluate") {
		t.Fatalf("the walk itself missed known benchmarks: %v", want)
	}
	out, err := exec.Command(bash, "run", "-list").Output()
	if err != nil {
		t.Fatalf("bench/run -list: %v", err)
	}
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	if !slices.Equal(got, want) {
		t.Fatalf("bench/run -list:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestRunTableWithSkippedAndSubBenchmarks runs bench/run on a tiny module
// of its own: a scanner benchmark with two sub-benchmarks, an end-to-end
// one, and an evaluation benchmark that skips (as BenchmarkEvaluateFile
// does without -eval-estate). The table holds a row for each, the skip
// says why, and the script exits 0. (A skipped benchmark used to end the
// script under pipefail before the table was printed.)
func TestRunTableWithSkippedAndSubBenchmarks(t *testing.T) {
	bash := bashOrSkip(t)
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("go not found")
	}
	root := t.TempDir()
	script, err := os.ReadFile("run")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"go.mod":    "module example.test/benchfixture\n\ngo 1.22\n",
		"bench/run": string(script),
		"scanners/fake/fake_test.go": `package fake

import "testing"

func BenchmarkScan(b *testing.B) {
	for _, n := range []string{"small", "large"} {
		b.Run(n, func(b *testing.B) {
			for b.Loop() {
			}
			b.ReportMetric(7, "requests/op")
			b.ReportMetric(3, "principals")
		})
	}
}
`,
		"e2e/e2e_test.go": `package e2e

import "testing"

func BenchmarkEndToEndTiny(b *testing.B) {
	for b.Loop() {
	}
	b.ReportMetric(2, "files")
}

func BenchmarkEvaluateNeedsInput(b *testing.B) {
	b.Skip("no -input DIR")
}
`,
	}
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bash, filepath.Join(root, "bench", "run"))
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bench/run: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	table := stdout.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^\| scanners/fake/BenchmarkScan/small +\| 3 principals +\| +7 \|`),
		regexp.MustCompile(`(?m)^\| scanners/fake/BenchmarkScan/large +\| 3 principals +\| +7 \|`),
		regexp.MustCompile(`(?m)^\| e2e/BenchmarkEndToEndTiny +\| 2 files +\| +- \|`),
		regexp.MustCompile(`(?m)^\| e2e/BenchmarkEvaluateNeedsInput +\| skipped: no -input DIR +\|`),
	} {
		if !want.MatchString(table) {
			t.Errorf("table lacks %s:\n%s\nstderr:\n%s", want, table, stderr.String())
		}
	}
}
