package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/internal/store"
)

func newHistoryCmd(a *app) *cobra.Command {
	var storeFlag, format, estate string
	var limit int
	cmd := &cobra.Command{
		Use:   "history [--store PATH|URL] [--estate NAME] [--limit N]",
		Short: "List the runs in the run history, newest first",
		Long: `history lists the runs that review (and demo) stored: id, start time,
verdict, failing/blocker/unknown finding counts, principals, privileged
grants, and the number of changes against the run before it ("-" when the
run was not diffed). Use a run id with show and diff.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return withCode(exitUsage, fmt.Errorf("--format %q: want text or json", format))
			}
			s, err := openStore(cmd.Context(), a, storeFlag, true)
			if err != nil {
				return err
			}
			defer s.Close()
			runs, err := s.List(cmd.Context(), store.ListOptions{Limit: limit, Estate: estate})
			if err != nil {
				return err
			}
			if format == "json" {
				return writeHistoryJSON(a, runs)
			}
			if len(runs) == 0 {
				fmt.Fprintf(a.stdout, "no runs in %s\n", s.Path())
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "RUN\tSTARTED (UTC)\tESTATE\tORGANIZATION\tVERDICT\tFAIL\tBLOCKERS\tUNKNOWN\tPRINCIPALS\tPRIV. GRANTS\tCHANGES\tVERSION")
			for _, r := range runs {
				changes := "-"
				if r.Changes >= 0 {
					changes = fmt.Sprint(r.Changes)
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", r.ID, r.Started.UTC().Format("2006-01-02 15:04"),
					orDash(r.Estate), r.Organization, r.Verdict, r.Failing, r.Blockers, r.Unknown, r.Principals, r.PrivilegedGrants, changes, r.ToolVersion)
			}
			return tw.Flush()
		},
	}
	addStoreFlag(cmd, &storeFlag)
	addEstateFlag(cmd, &estate, "list only this estate's runs")
	cmd.Flags().IntVarP(&limit, "limit", "n", 20, "show at most N runs (0: all)")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

// historyRun is the JSON form of a run summary.
type historyRun struct {
	ID               int64     `json:"id"`
	Estate           string    `json:"estate"`
	Started          time.Time `json:"started"`
	Finished         time.Time `json:"finished"`
	StoredAt         time.Time `json:"stored_at"`
	Organization     string    `json:"organization"`
	Profile          string    `json:"profile"`
	Verdict          string    `json:"verdict"`
	Failing          int       `json:"failing"`
	Blockers         int       `json:"blockers"`
	Unknown          int       `json:"unknown"`
	Principals       int       `json:"principals"`
	PrivilegedGrants int       `json:"privileged_grants"`
	// Changes is null when the run was not diffed.
	Changes     *int   `json:"changes"`
	ConfigHash  string `json:"config_hash"`
	ToolVersion string `json:"tool_version"`
	SnapshotSHA string `json:"snapshot_sha256"`
}

func writeHistoryJSON(a *app, runs []store.Run) error {
	out := make([]historyRun, 0, len(runs))
	for _, r := range runs {
		h := historyRun{ID: r.ID, Estate: r.Estate, Started: r.Started, Finished: r.Finished, StoredAt: r.StoredAt, Organization: r.Organization,
			Profile: r.Profile, Verdict: string(r.Verdict), Failing: r.Failing, Blockers: r.Blockers, Unknown: r.Unknown,
			Principals: r.Principals, PrivilegedGrants: r.PrivilegedGrants, ConfigHash: r.ConfigHash, ToolVersion: r.ToolVersion,
			SnapshotSHA: r.SnapshotSHA}
		if r.Changes >= 0 {
			n := r.Changes
			h.Changes = &n
		}
		out = append(out, h)
	}
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"schema_version": "1", "runs": out})
}
