package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/internal/benchx"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/fsx"
	"github.com/keyholder/keyholder/policies"
	"github.com/keyholder/keyholder/report"
	"github.com/keyholder/keyholder/scanners/all"
)

var evalEstate = flag.String("eval-estate", "", "BenchmarkEvaluateFile: a directory holding snapshot.json and keyholder.yaml (go test ./policies -run TestGeneratedEstate -estate-out DIR writes the 100 000-principal one)")

// BenchmarkEvaluateFile runs `keyholder evaluate` on the estate in
// -eval-estate as a user does: decode the snapshot file, verify its
// seal, evaluate, write assessment.json. Figures are in
// policies/README.md.
func BenchmarkEvaluateFile(b *testing.B) {
	if *evalEstate == "" {
		b.Skip("no -eval-estate DIR")
	}
	snap, cfg := filepath.Join(*evalEstate, "snapshot.json"), filepath.Join(*evalEstate, "keyholder.yaml")
	out := b.TempDir()
	cpu0 := benchx.CPUTime()
	for b.Loop() {
		var stdout, stderr bytes.Buffer
		if code := run([]string{"evaluate", snap, "-c", cfg, "-o", out, "--fail-on", "none"}, strings.NewReader(""), &stdout, &stderr); code != 0 {
			b.Fatalf("exit %d: %s", code, stderr.String())
		}
	}
	b.ReportMetric((benchx.CPUTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	if fi, err := os.Stat(filepath.Join(out, "assessment.json")); err == nil {
		b.ReportMetric(float64(fi.Size())/(1<<20), "assessment-MiB")
	}
	if hwm := benchx.PeakRSS(); hwm > 0 {
		b.ReportMetric(float64(hwm)/(1<<20), "peak-RSS-MiB")
	}
}

// BenchmarkEndToEndAfterLastCall measures what `keyholder scan -o DIR --format
// all` does after the last API call on the large estate of issue 21
// (largeEstate: about 32 000 principals): canonicalise, seal and write
// snapshot.json, evaluate, and write every report format (assessment.json
// included). Figures are in policies/README.md.
func BenchmarkEndToEndAfterLastCall(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	cfgPath := filepath.Join(dir, "keyholder.yaml")
	if err := os.WriteFile(cfgPath, []byte(largeEstateConfig), 0o600); err != nil {
		b.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		b.Fatal(err)
	}
	engine, err := policies.NewEngine(policies.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var principals, grants, files int
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		snap := largeEstate()
		principals, grants = len(snap.Principals), len(snap.Grants)
		out := filepath.Join(dir, "out")
		os.RemoveAll(out)
		runtime.GC()
		cpu0 := benchx.CPUTime()
		b.StartTimer()
		if err := fsx.MkdirPrivate(out); err != nil {
			b.Fatal(err)
		}
		digest, err := writeSealedSnapshot(filepath.Join(out, "snapshot.json"), snap)
		if err != nil {
			b.Fatal(err)
		}
		as, err := engine.Evaluate(ctx, snap, cfg, policies.EvalOptions{Version: "bench", SnapshotSHA256: digest})
		if err != nil {
			b.Fatal(err)
		}
		paths, err := report.WriteAll(out, report.Formats(), as, reportOptions(all.Registry(), as, cfgPath))
		if err != nil {
			b.Fatal(err)
		}
		files = len(paths)
		b.StopTimer()
		cpu += benchx.CPUTime() - cpu0
		b.StartTimer()
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(principals), "principals")
	b.ReportMetric(float64(grants), "grants")
	b.ReportMetric(float64(files), "files")
	if hwm := benchx.PeakRSS(); hwm > 0 {
		b.ReportMetric(float64(hwm)/(1<<20), "peak-RSS-MiB")
	}
}
