package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/fleet"
	"github.com/keyholder/keyholder/report"
)

func newFleetCmd(a *app) *cobra.Command {
	var storeFlag, out, formats, failOn, staleAfter, paper string
	cmd := &cobra.Command{
		Use:   "fleet [--store URL] [-o DIR] [--format html,csv,json] [--fail-on SEV]",
		Short: "Portfolio view: the latest run of every estate in a shared run store",
		Long: `fleet shows the latest run of every estate in the run store (usually a
PostgreSQL database shared by the scheduled reviews of many estates):
verdict, who holds the keys per system, the blockers by name, the
provider's footprint, the change since the previous run and the run's age
(runs older than --stale-after are flagged), and per provider across all
estates which privileges it still holds in how many of them.

It reads only the runs' stored summaries, never their snapshots.

Without -o it prints the JSON (--format json, the default without -o) or
CSV to stdout; with -o it writes fleet.html, fleet.csv and fleet.json
(--format picks) into DIR.

Exit codes: 0; 3 when any estate is not_ready or has a failing check at
or above --fail-on; otherwise 4 when any estate is incomplete. --fail-on
none always exits 0.`,
		Example: `  KEYHOLDER_STORE=postgres://keyholder@db.internal/keyholder?sslmode=verify-full \
  PGPASSFILE=/run/secrets/pgpass keyholder fleet -o /srv/fleet
  keyholder fleet --store postgres://keyholder@db/keyholder --format csv > fleet.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sev := findings.Severity("")
			if !strings.EqualFold(failOn, "none") {
				s, err := report.ParseFailOn(failOn)
				if err != nil {
					return withCode(exitUsage, err)
				}
				sev = s
			}
			stale, err := parseAge(staleAfter)
			if err != nil {
				return withCode(exitUsage, errors.New(strings.Replace(err.Error(), "--older-than", "--stale-after", 1)))
			}
			if formats == "" {
				formats = "json"
				if out != "" {
					formats = "html,csv,json"
				}
			}
			fs, err := fleet.ParseFormats(formats)
			if err != nil {
				return withCode(exitUsage, err)
			}
			if out == "" && len(fs) != 1 {
				return withCode(exitUsage, fmt.Errorf("--format %q: give one format for stdout, or -o DIR", formats))
			}
			if out == "" && fs[0] == "html" && !strings.EqualFold(paper, "a4") && !strings.EqualFold(paper, "letter") {
				return withCode(exitUsage, fmt.Errorf("--paper %q: want a4 or letter", paper))
			}
			ctx := cmd.Context()
			s, err := openStore(ctx, a, storeFlag, true)
			if err != nil {
				return err
			}
			defer s.Close()
			runs, err := s.Estates(ctx)
			if err != nil {
				return err
			}
			now, err := a.clock()
			if err != nil {
				return err
			}
			v := fleet.Build(runs, fleet.Options{Now: now(), StaleAfter: stale})
			if out != "" {
				paths, err := fleet.WriteAll(out, fs, v, paper)
				if err != nil {
					return err
				}
				for _, p := range paths {
					fmt.Fprintln(a.stderr, "fleet:", p)
				}
			} else if err := fleet.Write(a.stdout, fs[0], v, paper); err != nil {
				return err
			}
			if code := v.ExitCode(sev); code != exitOK {
				return withCode(code, errors.New(v.ExitSummary(sev)))
			}
			return nil
		},
	}
	addStoreFlag(cmd, &storeFlag)
	fl := cmd.Flags()
	fl.StringVarP(&out, "out", "o", "", "write fleet.html, fleet.csv, fleet.json into this directory")
	fl.StringVar(&formats, "format", "", "formats: html, csv, json or all (default json on stdout, html,csv,json with -o)")
	fl.StringVar(&failOn, "fail-on", string(report.DefaultFailOn), "exit 3 when an estate has a failing check at or above: blocker, high, medium, low, or none")
	fl.StringVar(&staleAfter, "stale-after", fmt.Sprintf("%dd", int(fleet.DefaultStaleAfter/(24*time.Hour))), "flag runs older than this (8d, 2w, 36h)")
	fl.StringVar(&paper, "paper", "a4", "print page size of fleet.html: a4 or letter")
	return cmd
}
