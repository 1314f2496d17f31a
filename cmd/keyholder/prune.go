package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/internal/store"
)

func newPruneCmd(a *app) *cobra.Command {
	var storeFlag, olderThan, estate string
	var keep int
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "prune [--keep N] [--older-than AGE] [--dry-run]",
		Short: "Delete old runs from the run history",
		Long: `prune deletes runs from the run history. --keep N keeps the newest N runs;
--older-than AGE deletes runs that started more than AGE ago (90d, 12w or a
Go duration such as 720h). With both, a run is deleted only when both rules
say so: "--keep 10 --older-than 90d" never leaves fewer than 10 runs.
--keep counts per estate, so a shared store keeps N runs of every estate;
--estate NAME prunes that estate only.

Prune keeps the chain record of each run it deletes (its metadata and
digests, no documents), so history --verify still checks the links across
the pruned runs and lists them as pruned.`,
		Example: `  keyholder prune --keep 52
  keyholder prune --older-than 400d --keep 2 --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			age, err := parseAge(olderThan)
			if err != nil {
				return withCode(exitUsage, err)
			}
			if keep < 0 {
				return withCode(exitUsage, fmt.Errorf("--keep %d: must not be negative", keep))
			}
			if keep == 0 && age == 0 {
				return withCode(exitUsage, fmt.Errorf("give --keep N and/or --older-than AGE"))
			}
			s, err := openStore(cmd.Context(), a, storeFlag, true)
			if err != nil {
				return err
			}
			defer s.Close()
			ids, err := s.Prune(cmd.Context(), store.PruneOptions{Keep: keep, OlderThan: age, DryRun: dryRun, Estate: estate})
			if err != nil {
				return err
			}
			verb := "deleted"
			if dryRun {
				verb = "would delete"
			}
			if len(ids) == 0 {
				fmt.Fprintf(a.stdout, "nothing to prune in %s\n", s.Path())
				return nil
			}
			list := make([]string, len(ids))
			for i, id := range ids {
				list[i] = fmt.Sprint(id)
			}
			fmt.Fprintf(a.stdout, "%s %d run(s) from %s: %s\n", verb, len(ids), s.Path(), strings.Join(list, ", "))
			if !dryRun {
				fmt.Fprintln(a.stdout, "their chain records were kept: history --verify still checks the chain across them")
			}
			return nil
		},
	}
	addStoreFlag(cmd, &storeFlag)
	addEstateFlag(cmd, &estate, "prune only this estate's runs (--keep always counts per estate)")
	cmd.Flags().IntVar(&keep, "keep", 0, "keep the newest N runs")
	cmd.Flags().StringVar(&olderThan, "older-than", "", "delete runs started more than AGE ago (90d, 12w, 720h)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "only print what would be deleted")
	return cmd
}
