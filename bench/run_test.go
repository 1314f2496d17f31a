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
