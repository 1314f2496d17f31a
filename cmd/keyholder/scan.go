package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/fsx"
	"github.com/keyholder/keyholder/internal/progress"
	"github.com/keyholder/keyholder/internal/scan"
	"github.com/keyholder/keyholder/scanners/all"
)

type scanFlags struct {
	config      string
	targets     []string
	out         string
	concurrency int
}

func newScanCmd(a *app) *cobra.Command {
	var f scanFlags
	cmd := &cobra.Command{
		Use:   "scan -c keyholder.yaml [-o DIR]",
		Short: "Scan every configured target (read-only) and write snapshot.json",
		Long: `scan runs every configured scanner concurrently (read-only), records
what could not be read as gaps, and writes DIR/snapshot.json (mode 0600, DIR
0700). A scanner that fails is recorded as a gap on its system while the
others finish. Ctrl-C cancels: what was collected is still written, marked
partial, and the exit code is 1.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			snap, err := runScan(cmd.Context(), a, f)
			if snap == nil {
				return err
			}
			path := filepath.Join(f.out, "snapshot.json")
			if werr := writeSnapshot(path, snap); werr != nil {
				return errors.Join(err, werr)
			}
			fmt.Fprintf(a.stdout, "snapshot: %s (%d systems, %d principals, %d grants, %d gaps)\n",
				path, len(snap.Systems), len(snap.Principals), len(snap.Grants), len(snap.Gaps))
			if err != nil {
				return withCode(exitRuntime, fmt.Errorf("scan interrupted; partial snapshot written to %s: %w", path, err))
			}
			return nil
		},
	}
	addScanFlags(cmd, &f)
	return cmd
}

func addScanFlags(cmd *cobra.Command, f *scanFlags) {
	cmd.Flags().StringVarP(&f.config, "config", "c", "keyholder.yaml", "config file")
	cmd.Flags().StringArrayVar(&f.targets, "target", nil, "scan only this target (repeatable)")
	cmd.Flags().StringVarP(&f.out, "out", "o", "out", "output directory")
	cmd.Flags().IntVar(&f.concurrency, "concurrency", 4, "scanners running at once")
}

// runScan loads the config and runs the scanners. It returns the snapshot
// (possibly partial) and an error; both may be set.
func runScan(ctx context.Context, a *app, f scanFlags) (*findings.Snapshot, error) {
	cfg, err := config.Load(f.config)
	if err != nil {
		return nil, withCode(exitUsage, err)
	}
	now, err := a.clock()
	if err != nil {
		return nil, err
	}
	prog, stop := progress.New(a.stderr)
	snap, err := scan.Run(ctx, cfg, all.Registry(), scan.Options{
		Targets:     f.targets,
		Concurrency: f.concurrency,
		Logger:      a.logger,
		Now:         now,
		Version:     version,
		Progress:    prog,
		Redactor:    a.redactor,
	})
	stop()
	if err != nil && snap == nil {
		if config.AsProblems(err) != nil || errors.Is(err, scan.ErrUnknownTarget) {
			return nil, withCode(exitUsage, err)
		}
		return nil, err
	}
	return snap, err
}

func writeSnapshot(path string, snap *findings.Snapshot) error {
	b, err := snap.CanonicalJSON()
	if err != nil {
		return err
	}
	return fsx.WriteFile(path, b)
}
