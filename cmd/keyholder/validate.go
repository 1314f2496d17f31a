package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/scan"
	"github.com/keyholder/keyholder/policies"
	"github.com/keyholder/keyholder/scanners/all"
)

func newValidateCmd(a *app) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "validate [-c keyholder.yaml]",
		Short: "Check a config file and print every problem (file:line: key: message)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(path)
			if err == nil {
				err = scan.Validate(cfg, all.Registry())
				// Waivers the engine would refuse (blocker without a
				// subject, KH-COV-001, no such check), with the reason,
				// listed with the other problems.
				e, eerr := policies.NewEngine(policies.Options{Logger: a.logger})
				if eerr != nil {
					return eerr
				}
				if werr := e.CheckWaivers(cfg); werr != nil {
					ps, wps := config.AsProblems(err), config.AsProblems(werr)
					if err != nil && ps == nil {
						return withCode(exitUsage, err)
					}
					err = append(ps, wps...)
				}
			}
			if err != nil {
				ps := config.AsProblems(err)
				if ps == nil {
					return withCode(exitUsage, err)
				}
				for _, p := range ps {
					fmt.Fprintln(a.stdout, p.Error())
				}
				return withCode(exitUsage, fmt.Errorf("%s: %d problem(s)", path, len(ps)))
			}
			fmt.Fprintf(a.stdout, "%s: ok (%d targets, %d providers)\n", path, len(cfg.Targets), len(cfg.Providers))
			return nil
		},
	}
	cmd.Flags().StringVarP(&path, "config", "c", "keyholder.yaml", "config file")
	return cmd
}
