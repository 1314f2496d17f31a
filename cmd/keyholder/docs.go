package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

func newDocsCmd(a *app) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "docs --out DIR",
		Short: "Write the command reference (Markdown) and man pages generated from the commands",
		Long: `docs writes the reference of every command, generated from the commands
themselves: DIR/*.md (Markdown, one page per command) and DIR/man/*.1 (man
pages). docs/cli/ in the repository is this output; a test keeps it current.`,
		Example: `  keyholder docs --out docs/cli
  man -l docs/cli/man/keyholder-scan.1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return withCode(exitUsage, fmt.Errorf("--out DIR is required"))
			}
			files, err := writeDocs(cmd.Root(), out)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "wrote %d files to %s\n", len(files), out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "directory for the Markdown pages and man/")
	return cmd
}

// writeDocs renders the reference deterministically (no dates, no
// "auto generated" footer) so the checked-in copy can be compared byte for
// byte.
func writeDocs(root *cobra.Command, dir string) ([]string, error) {
	root.DisableAutoGenTag = true
	tmp, err := os.MkdirTemp("", "keyholder-docs-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := doc.GenMarkdownTree(root, tmp); err != nil {
		return nil, err
	}
	manDir := filepath.Join(tmp, "man")
	if err := os.MkdirAll(manDir, 0o700); err != nil {
		return nil, err
	}
	hdr := &doc.GenManHeader{Title: "KEYHOLDER", Section: "1", Source: "keyholder", Manual: "keyholder manual"}
	// A fixed date: GenManTree would stamp today's otherwise.
	date := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	hdr.Date = &date
	if err := doc.GenManTree(root, hdr, manDir); err != nil {
		return nil, err
	}
	var written []string
	err = filepath.WalkDir(tmp, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(tmp, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		// Documentation, not audit data: world-readable like any man page.
		if err := os.WriteFile(dst, b, 0o644); err != nil { //nolint:gosec // public docs
			return err
		}
		written = append(written, dst)
		return nil
	})
	return written, err
}
