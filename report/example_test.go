package report_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/report"
)

func exampleAssessment() *findings.Assessment {
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	return &findings.Assessment{
		SchemaVersion: findings.SchemaVersion, Organization: "Contoso Ltd", Profile: "readiness",
		AsOf: at, ScannedAt: at, Verdict: findings.VerdictIncomplete,
		Findings: []findings.Finding{{
			Check: "KH-OWN-002", Title: "AWS management account belongs to the customer",
			Status: findings.StatusUnknown, Severity: findings.SeverityBlocker, System: "prod",
			Message: "The AWS Organizations management account could not be read.",
		}},
	}
}

func ExampleExitCode() {
	a := exampleAssessment()
	fmt.Println(report.ExitCode(a, findings.SeverityHigh))
	fmt.Println(report.ExitSummary(a, findings.SeverityHigh))
	// Output:
	// 4
	// verdict incomplete: 0 failing findings across 0 checks at or above high, 1 blocker check unknown
}

func ExampleNew() {
	w, err := report.New("md", report.Options{})
	if err != nil {
		panic(err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf, exampleAssessment()); err != nil {
		panic(err)
	}
	sc := bufio.NewScanner(&buf)
	for i := 0; i < 3 && sc.Scan(); i++ {
		fmt.Println(sc.Text())
	}
	// Output:
	// # Contoso Ltd: termination-readiness report
	//
	// **Verdict: Incomplete.** Contoso Ltd cannot yet tell whether it could end the contract with its providers. 1 blocker check could not be evaluated in prod.
}

func ExampleWriteAll() {
	dir, err := os.MkdirTemp("", "keyholder-report")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	formats, err := report.ParseFormats("html,csv,sarif")
	if err != nil {
		panic(err)
	}
	paths, err := report.WriteAll(filepath.Join(dir, "out"), formats, exampleAssessment(), report.Options{Paper: "letter"})
	if err != nil {
		panic(err)
	}
	// Each file is written atomically, mode 0600 in a 0700 directory (on
	// Windows: an owner-only ACL).
	for _, p := range paths {
		fmt.Println(filepath.Base(p))
	}
	// Output:
	// report.html
	// findings.csv
	// access.csv
	// report.sarif
}
