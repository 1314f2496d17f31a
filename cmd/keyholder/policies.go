package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/policies"
)

func newPoliciesCmd(a *app) *cobra.Command {
	var policyDir string
	cmd := &cobra.Command{
		Use:   "policies",
		Short: "List and describe the checks (built-in and --policy-dir)",
		Long: `policies lists the checks keyholder evaluates: the built-in catalogue
(KH-KEY-*, KH-SEG-*, KH-OWN-*, KH-BAK-*, KH-COV-001, KH-EXIT-001) and the
user checks in --policy-dir. A user check is a Rego module with a METADATA
block (custom.id, severity, remediation, reads) and a results rule; see
policies/README.md. A module that does not compile is reported with its
file and line (exit code 2).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.PersistentFlags().StringVar(&policyDir, "policy-dir", "", "directory of extra Rego checks")

	var listFormat string
	list := &cobra.Command{
		Use:   "list [--policy-dir DIR] [--format text|json]",
		Short: "List every check: id, severity, profiles, source and title",
		Long: `list prints every check. --format json prints a JSON array with, per
check: id, title, severity, profiles, source, reads (the snapshot
collections it depends on), description and remediation, sorted by id.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if listFormat != "text" && listFormat != "json" {
				return withCode(exitUsage, fmt.Errorf("--format %q: want text or json", listFormat))
			}
			e, err := newEngine(a, policyDir)
			if err != nil {
				return err
			}
			if listFormat == "json" {
				return writeChecksJSON(a.stdout, e)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSEVERITY\tPROFILES\tSOURCE\tTITLE")
			for _, c := range e.Checks() {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Severity, strings.Join(c.Profiles, ","), c.Source, c.Title)
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&listFormat, "format", "text", "output format: text or json")
	var withSource bool
	show := &cobra.Command{
		Use:   "show ID [--source] [--policy-dir DIR]",
		Short: "Describe one check: what it verifies, what it reads, how to fix a failure",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := newEngine(a, policyDir)
			if err != nil {
				return err
			}
			id := strings.ToUpper(strings.TrimSpace(args[0]))
			c, ok := e.Check(id)
			if !ok {
				return withCode(exitUsage, fmt.Errorf("no check %q (see keyholder policies list)", args[0]))
			}
			w := a.stdout
			fmt.Fprintf(w, "%s  %s\n\n", c.ID, c.Title)
			fmt.Fprintf(w, "severity:    %s\n", c.Severity)
			fmt.Fprintf(w, "profiles:    %s\n", strings.Join(c.Profiles, ", "))
			reads := strings.Join(c.Reads, ", ")
			if reads == "" {
				reads = "(coverage only)"
			}
			fmt.Fprintf(w, "reads:       %s\n", reads)
			fmt.Fprintf(w, "source:      %s\n", c.Source)
			if c.Description != "" {
				fmt.Fprintf(w, "\n%s\n", wrap(c.Description, 76))
			}
			if c.Remediation != "" {
				fmt.Fprintf(w, "\nRemediation:\n%s\n", wrap(c.Remediation, 76))
			}
			fmt.Fprintf(w, "\nA gap on any collection it reads makes the check unknown, never a pass.\n")
			if withSource {
				src, _ := e.Source(c.ID)
				fmt.Fprintf(w, "\n%s", src)
			}
			return nil
		},
	}
	show.Flags().BoolVar(&withSource, "source", false, "also print the Rego module")
	cmd.AddCommand(list, show)
	return cmd
}

// wrap folds text at width columns on word boundaries.
func wrap(text string, width int) string {
	var b strings.Builder
	col := 0
	for _, word := range strings.Fields(text) {
		if col > 0 && col+1+len(word) > width {
			b.WriteByte('\n')
			col = 0
		} else if col > 0 {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += len(word)
	}
	return b.String()
}

// checkJSON is one check as `policies list --format json` prints it.
type checkJSON struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Severity    string   `json:"severity"`
	Profiles    []string `json:"profiles"`
	Source      string   `json:"source"`
	Reads       []string `json:"reads"`
	Description string   `json:"description"`
	Remediation string   `json:"remediation"`
}

func writeChecksJSON(w io.Writer, e *policies.Engine) error {
	out := []checkJSON{}
	for _, c := range e.Checks() {
		out = append(out, checkJSON{
			ID: c.ID, Title: c.Title, Severity: string(c.Severity), Profiles: nonNil(c.Profiles), Source: c.Source,
			Reads: nonNil(c.Reads), Description: c.Description, Remediation: c.Remediation,
		})
	}
	slices.SortFunc(out, func(x, y checkJSON) int { return strings.Compare(x.ID, y.ID) })
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
