package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/internal/store"
)

func newHistoryCmd(a *app) *cobra.Command {
	var storeFlag, format, estate string
	var limit int
	var verify bool
	cmd := &cobra.Command{
		Use:   "history [--store PATH|URL] [--estate NAME] [--limit N] [--verify]",
		Short: "List the runs in the run history, newest first, or verify its hash chain",
		Long: `history lists the runs that review (and demo) stored: id, start time,
verdict, failing/blocker/unknown finding counts, principals, privileged
grants, and the number of changes against the run before it ("-" when the
run was not diffed). Use a run id with show and diff.

Every run is linked into a hash chain of its estate: its chain record
holds its metadata, the SHA-256 of its snapshot, assessment and summary,
and the digest of the estate's previous run. --verify reads every run
(all estates, or --estate NAME), recomputes the chain and names each run
that was altered (a column or a document differs from its record),
removed (a link is missing), reordered (a run carries another's position
or start time) or stored outside keyholder. Runs pruned with prune stay
verifiable: prune keeps their chain records. Runs stored before this
keyholder kept a chain are listed as predating it (not a failure). The
head digest printed for each estate is the value to keep elsewhere (a
ticket, an evidence bundle): a store rewritten as a whole is caught only
against such a copy.

Exit codes with --verify: 0 the chain holds, 7 a run was altered,
removed or reordered, 1 the store could not be read.`,
		Example: `  keyholder history --estate "Contoso Ltd"
  keyholder history --verify
  keyholder history --verify --format json --store postgres://keyholder@db/keyholder`,
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
			if verify {
				return verifyHistory(cmd.Context(), a, s, estate, format)
			}
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
	cmd.Flags().BoolVar(&verify, "verify", false, "verify the hash chain of the stored runs (exit 7 when a run was altered, removed or reordered)")
	return cmd
}

// verifyHistory prints VerifyChain's report and exits 7 when the chain
// is broken.
func verifyHistory(ctx context.Context, a *app, s *store.Store, estate, format string) error {
	rep, err := s.VerifyChain(ctx, estate)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return withCode(exitUsage, err)
		}
		return err
	}
	if format == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if rep.Estates == nil {
			rep.Estates = []store.EstateChain{}
		}
		if err := enc.Encode(map[string]any{"schema_version": "1", "store": s.Path(), "ok": rep.OK(), "estates": rep.Estates}); err != nil {
			return err
		}
	} else {
		writeChainText(a.stdout, s.Path(), rep)
	}
	if !rep.OK() {
		n := 0
		for _, e := range rep.Estates {
			n += len(e.Problems)
		}
		return withCode(exitTampered, fmt.Errorf("history: the run history of %s does not verify: %d problem(s)", s.Path(), n))
	}
	return nil
}

func writeChainText(w io.Writer, path string, rep store.ChainReport) {
	if len(rep.Estates) == 0 {
		fmt.Fprintf(w, "no runs in %s\n", path)
		return
	}
	for _, e := range rep.Estates {
		name := e.Estate
		if name == "" {
			name = "(unnamed)"
		}
		state := "the chain holds"
		if len(e.Problems) > 0 {
			state = fmt.Sprintf("BROKEN: %d problem(s)", len(e.Problems))
		}
		fmt.Fprintf(w, "estate %s: %d run(s), %d chained — %s\n", name, e.Runs, e.Chained, state)
		for _, p := range e.Problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
		if len(e.Unchained) > 0 {
			begins := "no run is chained yet; the chain begins at the next run stored"
			if e.ChainStart > 0 {
				begins = fmt.Sprintf("the chain begins at run %d", e.ChainStart)
			}
			fmt.Fprintf(w, "  run(s) %s predate the chain (stored before keyholder kept one; not verifiable); %s\n", joinIDs(e.Unchained), begins)
		}
		if len(e.Pruned) > 0 {
			ids := make([]int64, len(e.Pruned))
			for i, p := range e.Pruned {
				ids[i] = p.Run
			}
			fmt.Fprintf(w, "  run(s) %s were pruned; their chain records were kept and still link\n", joinIDs(ids))
		}
		if e.HeadRun > 0 {
			fmt.Fprintf(w, "  head: run %d, link %d, sha256:%s\n", e.HeadRun, e.HeadSeq, e.Head)
		}
	}
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return strings.Join(s, ", ")
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
	// ChainDigest is the run's link in its estate's hash chain (empty for
	// runs stored before the chain existed).
	ChainDigest string `json:"chain_digest"`
}

func writeHistoryJSON(a *app, runs []store.Run) error {
	out := make([]historyRun, 0, len(runs))
	for _, r := range runs {
		h := historyRun{ID: r.ID, Estate: r.Estate, Started: r.Started, Finished: r.Finished, StoredAt: r.StoredAt, Organization: r.Organization,
			Profile: r.Profile, Verdict: string(r.Verdict), Failing: r.Failing, Blockers: r.Blockers, Unknown: r.Unknown,
			Principals: r.Principals, PrivilegedGrants: r.PrivilegedGrants, ConfigHash: r.ConfigHash, ToolVersion: r.ToolVersion,
			SnapshotSHA: r.SnapshotSHA, ChainDigest: r.ChainDigest}
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
