package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/keyholder/keyholder/internal/fsx"
	"github.com/keyholder/keyholder/report"
)

// ownFiles lists the files keyholder writes into an output directory: the
// snapshot and every report format's files.
func ownFiles() []string {
	names := []string{"snapshot.json"}
	for _, f := range report.Formats() {
		w, err := report.New(f, report.Options{})
		if err != nil {
			continue
		}
		names = append(names, w.Files()...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// prepareOutDir makes dir ready for a run before anything slow happens:
// it creates it 0700, proves it writable, and refuses when it holds
// keyholder files of an earlier run (which a new run would mix with),
// unless force, which removes those files and only those.
func prepareOutDir(dir string, force bool) error {
	if err := fsx.MkdirPrivate(dir); err != nil {
		return withCode(exitUsage, fmt.Errorf("-o %s: cannot create the output directory: %w", dir, err))
	}
	probe, err := os.CreateTemp(dir, ".keyholder-write-test-*")
	if err != nil {
		return withCode(exitUsage, fmt.Errorf("-o %s: the output directory is not writable: %w", dir, err))
	}
	probe.Close()
	os.Remove(probe.Name())
	var stale []string
	for _, name := range ownFiles() {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			stale = append(stale, name)
		}
	}
	if len(stale) == 0 {
		return nil
	}
	if !force {
		return withCode(exitUsage, fmt.Errorf("-o %s holds files of an earlier run (%s); choose a new directory, or pass --force to delete these files (and only these) first",
			dir, strings.Join(stale, ", ")))
	}
	var errs []error
	for _, name := range stale {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("--force: %w", err)
	}
	return nil
}
