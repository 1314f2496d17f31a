package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/store"
	"github.com/keyholder/keyholder/report"
)

func newShowCmd(a *app) *cobra.Command {
	var storeFlag, format, out, formats, estate string
	cmd := &cobra.Command{
		Use:   "show RUN [--format text|json|md] [-o DIR [--report html,md,json]]",
		Short: "Show one stored run: verdict, systems, failing findings, changes",
		Long: `show prints a stored run. RUN is a run id from history, "latest", or
"latest~N" (the Nth run before the latest).

  --format text   a summary: verdict, per-system key holding, failing findings
  --format json   the whole assessment with its snapshot (input for diff and report)
  --format md     the Markdown report
  -o DIR          write the run's full reports into DIR again (--report picks formats)`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := openStore(ctx, a, storeFlag, true)
			if err != nil {
				return err
			}
			defer s.Close()
			id, err := resolveRunIn(ctx, s, estate, args[0])
			if err != nil {
				return err
			}
			run, as, err := s.Get(ctx, id)
			if err != nil {
				return err
			}
			if out != "" {
				fs, err := report.ParseFormats(formats)
				if err != nil {
					return withCode(exitUsage, err)
				}
				paths, err := report.WriteAll(out, fs, as, report.Options{})
				if err != nil {
					return err
				}
				for _, p := range paths {
					fmt.Fprintln(a.stdout, p)
				}
				return nil
			}
			switch format {
			case "text":
				return showText(a.stdout, run, as)
			case "json":
				return findings.EncodeAssessment(a.stdout, as.Lean())
			case "md", "markdown":
				w, err := report.New("md", report.Options{})
				if err != nil {
					return err
				}
				return w.Write(a.stdout, as)
			}
			return withCode(exitUsage, fmt.Errorf("--format %q: want text, json or md", format))
		},
	}
	addStoreFlag(cmd, &storeFlag)
	addEstateFlag(cmd, &estate, "resolve RUN (latest, latest~N) within this estate")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, json or md")
	cmd.Flags().StringVarP(&out, "out", "o", "", "write the run's reports into this directory")
	cmd.Flags().StringVar(&formats, "report", "html,md,json", "report formats for -o (html, md, json, csv, sarif, all)")
	return cmd
}

// showText writes the summary of a run.
func showText(w io.Writer, r store.Run, a *findings.Assessment) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Run %d — %s\n", r.ID, orDash(a.Organization))
	fmt.Fprintf(&b, "Started    %s (took %s)\n", r.Started.UTC().Format("2006-01-02 15:04:05 UTC"), r.Finished.Sub(r.Started).Round(1e9))
	fmt.Fprintf(&b, "Verdict    %s\n", a.Verdict)
	fmt.Fprintf(&b, "Profile    %s\n", orDash(a.Profile))
	fmt.Fprintf(&b, "Tool       keyholder %s\n", orDash(r.ToolVersion))
	fmt.Fprintf(&b, "Config     sha256 %s\n", orDash(r.ConfigHash))
	fmt.Fprintf(&b, "Snapshot   sha256 %s\n", r.SnapshotSHA)
	counts := map[findings.Status]int{}
	for _, f := range a.Findings {
		counts[f.Status]++
	}
	fmt.Fprintf(&b, "Findings   %d fail (%d blocker), %d warn, %d unknown, %d pass, %d waived\n",
		counts[findings.StatusFail], r.Blockers, counts[findings.StatusWarn], counts[findings.StatusUnknown],
		counts[findings.StatusPass], counts[findings.StatusWaived])
	if a.Snapshot != nil {
		fmt.Fprintf(&b, "Facts      %d systems, %d principals, %d privileged grants, %d trusts, %d licences, %d backups, %d gaps\n",
			len(a.Snapshot.Systems), len(a.Snapshot.Principals), r.PrivilegedGrants, len(a.Snapshot.Trusts),
			len(a.Snapshot.Licences), len(a.Snapshot.Backups), len(a.Snapshot.Gaps))
	}
	if len(a.Systems) > 0 {
		b.WriteString("\n")
		tw := tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SYSTEM\tKIND\tVERDICT\tWE HOLD THE KEYS\tCUSTOMER SUPER-ADMINS\tPROVIDER SUPER-ADMINS\tBLOCKERS")
		for _, s := range a.Systems {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\n", s.System, s.Kind, s.Verdict, s.HoldsKeys,
				len(s.CustomerSuperAdmins), len(s.ProviderSuperAdmins), s.Blockers)
		}
		tw.Flush()
	}
	var bad []findings.Finding
	for _, f := range a.Findings {
		if f.Status == findings.StatusFail || f.Status == findings.StatusUnknown || f.Status == findings.StatusWarn {
			bad = append(bad, f)
		}
	}
	slices.SortStableFunc(bad, func(x, y findings.Finding) int {
		if d := y.Severity.Rank() - x.Severity.Rank(); d != 0 {
			return d
		}
		if x.Check != y.Check {
			return strings.Compare(x.Check, y.Check)
		}
		return strings.Compare(x.System, y.System)
	})
	if len(bad) > 0 {
		fmt.Fprintf(&b, "\nFailing, warning and unknown findings (%d):\n", len(bad))
		for _, f := range bad {
			fmt.Fprintf(&b, "  %-7s %-10s %-7s %s: %s\n", f.Severity, f.Check, f.Status, orDash(f.System), oneLine(f.Message))
		}
	}
	if c := a.Changes; c != nil {
		from := "the previous run"
		if c.FromRun > 0 {
			from = fmt.Sprintf("run %d", c.FromRun)
		}
		fmt.Fprintf(&b, "\nChanges since %s: %d", from, c.Count())
		if c.PrivilegedChanged() {
			b.WriteString(", privileged access changed")
		}
		if c.FromRun > 0 {
			fmt.Fprintf(&b, " (keyholder diff %d %d)", c.FromRun, r.ID)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}
