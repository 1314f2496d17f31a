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
	var connect bool
	var cf checkFlags
	cmd := &cobra.Command{
		Use:   "validate [-c] keyholder.yaml [--connect]",
		Short: "Check a config file and print every problem (file:line: key: message); --connect also runs check",
		Long: `validate reads the config strictly and prints every problem at once, each
as file:line: key.path: message: unknown keys (with the closest known key),
type errors, invalid values, and each scanner's own rules. It warns (without
failing) when a *_env variable is unset or a *_file cannot be read.

--connect then does what keyholder check does: connects to every target and
probes each collection's permission.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := configArg(cmd, args, &path); err != nil {
				return err
			}
			cfg, err := config.LoadAll(path)
			if cfg != nil {
				// The targets are checked even when the rest has problems.
				if terr := scan.Validate(cfg, all.Registry()); terr != nil {
					ps := append(config.AsProblems(err), config.AsProblems(terr)...)
					if ps == nil {
						ps = config.Problems{{Msg: terr.Error()}}
					}
					ps.Sort()
					err = ps
				}
				// Waivers the engine would refuse (blocker without a
				// subject, KH-COV-001, no such check), with the reason,
				// listed with the other problems.
				e, eerr := policies.NewEngine(policies.Options{Logger: a.logger})
				if eerr != nil {
					return eerr
				}
				if werr := e.CheckWaivers(cfg); werr != nil {
					ps := append(config.AsProblems(err), config.AsProblems(werr)...)
					if ps == nil {
						ps = config.Problems{{Msg: werr.Error()}}
					}
					ps.Sort()
					err = ps
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
			for _, w := range config.SecretWarnings(cfg) {
				fmt.Fprintln(a.stdout, w.Error())
			}
			fmt.Fprintf(a.stdout, "%s: ok (%d targets, %d providers)\n", path, len(cfg.Targets), len(cfg.Providers))
			if connect {
				cf.config = path
				fmt.Fprintln(a.stdout)
				return runCheck(cmd.Context(), a, cfg, cf)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&path, "config", "c", "keyholder.yaml", "config file")
	cmd.Flags().BoolVar(&connect, "connect", false, "also connect to every target and probe its permissions (keyholder check)")
	cmd.Flags().IntVar(&cf.concurrency, "concurrency", 4, "targets checked at once with --connect")
	return cmd
}
