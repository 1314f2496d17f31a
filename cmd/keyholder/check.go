package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/scan"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/all"
)

type checkFlags struct {
	config      string
	targets     []string
	concurrency int
}

func newCheckCmd(a *app) *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check [-c] keyholder.yaml [--target NAME]",
		Short: "Before the first scan: resolve secrets, connect, sign in and probe each collection's permission",
		Long: `check is what an admin runs after setting up credentials, before the first
scan. For every target it resolves the secrets, connects and signs in, and
reads one small item of each collection the scan needs (read-only), then
prints a table per target: granted, missing permission (named as the admin
grants it), not licensed, or unreachable, with the remedy.

Scanners without a cheap probe are checked with a full (read-only) scan.

Exit codes:
  0  every target can be scanned (some collections may still be missing:
     they become gaps, and the checks that need them answer unknown)
  1  runtime error or interrupted
  2  usage or config error
  6  a target cannot be scanned at all (unreachable, TLS, credentials)`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := configArg(cmd, args, &f.config); err != nil {
				return err
			}
			cfg, err := config.Load(f.config)
			if err != nil {
				return withCode(exitUsage, err)
			}
			return runCheck(cmd.Context(), a, cfg, f)
		},
	}
	cmd.Flags().StringVarP(&f.config, "config", "c", "keyholder.yaml", "config file")
	cmd.Flags().StringArrayVar(&f.targets, "target", nil, "check only this target (repeatable)")
	cmd.Flags().IntVar(&f.concurrency, "concurrency", 4, "targets checked at once")
	return cmd
}

func runCheck(ctx context.Context, a *app, cfg *config.Config, f checkFlags) error {
	now, err := a.clock()
	if err != nil {
		return err
	}
	prog, stop := a.startProgress()
	res, err := scan.Probe(ctx, cfg, all.Registry(), scan.Options{
		Targets: f.targets, Concurrency: f.concurrency, Logger: a.logger, Now: now,
		Version: version, Progress: prog, Redactor: a.redactor,
	})
	stop()
	if err != nil && res == nil {
		if config.AsProblems(err) != nil || errors.Is(err, scan.ErrUnknownTarget) {
			return withCode(exitUsage, err)
		}
		return err
	}
	failed := writeProbeTables(a.stdout, res, targetTimeouts(cfg))
	if err != nil {
		return withCode(exitRuntime, fmt.Errorf("check interrupted: %w", err))
	}
	if failed > 0 {
		return withCode(exitTargetFailed, fmt.Errorf("%d of %d target(s) cannot be scanned at all", failed, len(res)))
	}
	return nil
}

// writeProbeTables prints one table per target and returns how many
// targets cannot be scanned at all. timeouts (target name → its
// configured timeout, may be nil) turn "no answer within the timeout"
// into "no answer within 5s".
func writeProbeTables(w io.Writer, res []scan.TargetProbe, timeouts map[string]string) int {
	failed := 0
	for i, tp := range res {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if tp.Err != nil {
			failed++
			reason := tp.Reason
			if t := timeouts[tp.Target]; t != "" {
				reason = strings.Replace(reason, "no answer within the timeout", "no answer within "+t, 1)
			}
			fmt.Fprintf(w, "%s (%s): CANNOT BE SCANNED: %s\n", tp.Target, tp.Type, reason)
			if r := remedyFor(tp.Class); r != "" {
				fmt.Fprintf(w, "  remedy: %s\n", r)
			}
			if tp.Reason != tp.Err.Error() && tp.Class != scanners.ClassCancelled {
				fmt.Fprintf(w, "  error: %s\n", oneLine(tp.Err.Error()))
			}
			continue
		}
		granted := 0
		for _, r := range tp.Results {
			if r.Status == scanners.ProbeGranted {
				granted++
			}
		}
		how := "probed"
		if tp.ByScan {
			how = "checked with a full scan"
		}
		fmt.Fprintf(w, "%s (%s): can be scanned; %d of %d collections readable (%s)\n", tp.Target, tp.Type, granted, len(tp.Results), how)
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  COLLECTION\tSTATUS\tPERMISSION / REMEDY")
		for _, r := range tp.Results {
			remedy := r.Remedy
			if remedy == "" {
				remedy = r.Permission
			}
			if r.Status == scanners.ProbeGranted {
				remedy = ""
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", r.Collection, r.Status, firstLine(remedy))
		}
		tw.Flush()
	}
	return failed
}

func remedyFor(class string) string {
	switch class {
	case scanners.ClassUnreachable:
		return "check the host, port and firewall from this machine (and the target's timeout)"
	case scanners.ClassTLS:
		return "fix the certificate, or point ca_file at the issuing CA's PEM"
	case scanners.ClassAuth, scanners.ClassDenied:
		return "check the credentials the config points to (*_env / *_file) and that they are valid and not expired"
	}
	return ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
