package benchx

import (
	"runtime"
	"testing"
)

// The figures the benchmarks write into the READMEs come from here: they
// must be real measurements, not zeros, where the platform gives them.
func TestMeasures(t *testing.T) {
	c0 := CPUTime()
	x := 0
	for i := 0; i < 50_000_000; i++ {
		x += i % 7
	}
	if x == 0 {
		t.Fatal("loop optimised away")
	}
	if CPUTime() <= c0 {
		t.Errorf("CPU time did not grow: %v then %v", c0, CPUTime())
	}
	if runtime.GOOS == "linux" {
		if PeakRSS() <= 0 {
			t.Error("no peak RSS on Linux")
		}
		if ThreadCPUTime() <= 0 {
			t.Error("no thread CPU time on Linux")
		}
	}
}
