package main

import (
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/internal/fsx"
)

//go:embed starter.yaml
var starterConfig []byte

func newInitCmd(a *app) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "init [FILE]",
		Short: "Write a commented starter config (default keyholder.yaml)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := "keyholder.yaml"
			if len(args) == 1 {
				path = args[0]
			}
			if path == "-" {
				_, err := a.stdout.Write(starterConfig)
				return err
			}
			if _, err := os.Stat(path); err == nil && !force {
				return withCode(exitUsage, fmt.Errorf("%s exists; use --force to overwrite", path))
			} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			if err := fsx.WriteFile(path, starterConfig); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "wrote %s; edit it, then run: keyholder validate -c %s\n", path, path)
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "overwrite an existing file")
	return cmd
}
