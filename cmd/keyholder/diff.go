package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/diffview"
	"github.com/keyholder/keyholder/internal/store"
)

func newDiffCmd(a *app) *cobra.Command {
	var storeFlag, format, failOnChange, estate string
	var maxItems int
	cmd := &cobra.Command{
		Use:   "diff [RUN_A [RUN_B]] | diff A.json B.json",
		Short: "Show what changed between two runs or two saved assessments/snapshots",
		Long: `diff compares two runs: principals added and removed, privileged grants
added, removed or changed (level, assignment, expiry), trusts and apps added,
removed or changed, licence owner-of-record changes, backup changes, findings
new, fixed and regressed, and the verdict.

With no argument it compares the last two stored runs; with one, that run
and the latest. A run is an id from history, "latest" or "latest~N".
Arguments that are files (assessment.json or snapshot.json written by
keyholder) are compared directly, without a store; with a bare snapshot on
either side only the facts are compared (no findings).

Exit code: 0, or 5 when --fail-on-change is privileged or any and such a
change is found.`,
		Example: `  keyholder diff                       # last two runs
  keyholder diff 12 15 --format md
  keyholder diff old/assessment.json new/assessment.json --format json`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			rule, err := parseChangeRule(failOnChange)
			if err != nil {
				return withCode(exitUsage, err)
			}
			switch format {
			case "text", "md", "markdown", "json":
			default:
				return withCode(exitUsage, fmt.Errorf("--format %q: want text, md or json", format))
			}
			c, opts, err := diffArgs(cmd.Context(), a, storeFlag, estate, args)
			if err != nil {
				return err
			}
			opts.MaxItems = maxItems
			if err := diffview.Write(a.stdout, format, c, opts); err != nil {
				return err
			}
			if rule.triggered(c) {
				return withCode(exitChanged, nil)
			}
			return nil
		},
	}
	addStoreFlag(cmd, &storeFlag)
	addEstateFlag(cmd, &estate, "compare runs of this estate (latest, latest~N resolve within it)")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, md or json")
	cmd.Flags().StringVar(&failOnChange, "fail-on-change", "none", "exit 5 when privileged access changed (privileged) or anything changed (any)")
	cmd.Flags().IntVar(&maxItems, "max-items", 0, "show at most N items per section in text and md (0: all)")
	return cmd
}

// side is one side of a diff: a document and its label.
type side struct {
	a          *findings.Assessment
	isSnapshot bool
	run        int64
	label      string
}

// diffArgs loads both sides and diffs them.
func diffArgs(ctx context.Context, a *app, storeFlag, estate string, args []string) (*findings.Changes, diffview.Options, error) {
	var st *store.Store
	defer func() {
		if st != nil {
			st.Close()
		}
	}()
	load := func(ref string) (side, error) {
		if isFileArg(ref) {
			doc, snap, err := loadDocument(ref)
			if err != nil {
				return side{}, err
			}
			return side{a: doc, isSnapshot: snap, label: filepath.Base(ref)}, nil
		}
		if st == nil {
			s, err := openStore(ctx, a, storeFlag, true)
			if err != nil {
				return side{}, err
			}
			st = s
		}
		id, err := resolveRunIn(ctx, st, estate, ref)
		if err != nil {
			return side{}, err
		}
		_, doc, err := st.Get(ctx, id)
		if err != nil {
			return side{}, err
		}
		return side{a: doc, run: id, label: fmt.Sprintf("run %d", id)}, nil
	}
	refs := args
	switch len(args) {
	case 0:
		refs = []string{"latest~1", "latest"}
		s, err := openStore(ctx, a, storeFlag, true)
		if err != nil {
			return nil, diffview.Options{}, err
		}
		st = s
		runs, err := st.List(ctx, store.ListOptions{Limit: 2, Estate: estate})
		if err != nil {
			return nil, diffview.Options{}, err
		}
		if len(runs) < 2 {
			return nil, diffview.Options{}, withCode(exitUsage, fmt.Errorf("diff: %s holds %d run(s); two are needed (run keyholder review again, or name two files)", st.Path(), len(runs)))
		}
	case 1:
		refs = []string{args[0], "latest"}
	}
	from, err := load(refs[0])
	if err != nil {
		return nil, diffview.Options{}, err
	}
	to, err := load(refs[1])
	if err != nil {
		return nil, diffview.Options{}, err
	}
	prev, cur := from.a, to.a
	if from.isSnapshot || to.isSnapshot {
		// Compare facts only: findings of one side would all look new.
		prev = factsOnly(prev)
		cur = factsOnly(cur)
	}
	if st != nil && from.run != 0 && !from.isSnapshot && !to.isSnapshot {
		// A run that missed a system is not its baseline: take each such
		// system from the last stored run before it that read it.
		// ...of the same estate as the run compared from.
		fr, err := st.Run(ctx, from.run)
		if err != nil {
			return nil, diffview.Options{}, err
		}
		earlier, err := earlierReads(ctx, st, fr.Estate, from.run, prev, cur)
		if err != nil {
			return nil, diffview.Options{}, err
		}
		if len(earlier) > 0 {
			prev = findings.Baseline(prev, cur, earlier)
		}
	}
	c := findings.Diff(prev, cur)
	c.FromRun, c.ToRun = from.run, to.run
	return c, diffview.Options{FromLabel: from.label, ToLabel: to.label}, nil
}

// factsOnly returns a copy of a without findings, parties' judgements
// kept (they only label), verdict cleared.
func factsOnly(a *findings.Assessment) *findings.Assessment {
	c := *a
	c.Findings = nil
	c.Verdict = ""
	return &c
}
