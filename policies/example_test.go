package policies_test

import (
	"context"
	"fmt"
	"os"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/policies"
)

// Evaluate a saved snapshot against its config: compile the checks once,
// then evaluate as many snapshots as needed.
func ExampleEngine_Evaluate() {
	engine, err := policies.NewEngine(policies.Options{})
	if err != nil {
		panic(err)
	}
	cfg, err := config.Load("testdata/base.yaml")
	if err != nil {
		panic(err)
	}
	fh, err := os.Open("testdata/base.snapshot.json")
	if err != nil {
		panic(err)
	}
	defer fh.Close()
	snap, err := findings.DecodeSnapshot(fh, "base.snapshot.json")
	if err != nil {
		panic(err)
	}
	a, err := engine.Evaluate(context.Background(), snap, cfg, policies.EvalOptions{Profile: policies.ProfileReadiness})
	if err != nil {
		panic(err)
	}
	fmt.Println("checks:", len(a.Checks), "verdict:", a.Verdict)
	for _, s := range a.Systems {
		fmt.Printf("%s holds keys: %s\n", s.System, s.HoldsKeys)
	}
	// Output:
	// checks: 32 verdict: ready
	// azure holds keys: n/a
	// azure/sub-1 holds keys: yes
	// corp-ad holds keys: yes
	// declared holds keys: n/a
	// gh holds keys: yes
	// internet holds keys: n/a
	// m365 holds keys: yes
	// prod holds keys: yes
}
