package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/deploy/access"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/all"
)

func newPermissionsCmd(a *app) *cobra.Command {
	var docOnly bool
	var opts access.Options
	cmd := &cobra.Command{
		Use:   "permissions [TYPE]",
		Short: "Print the minimal read-only permissions each scanner needs",
		Long: `permissions prints, per scanner type, every permission keyholder uses and
why. Nothing keyholder calls writes. With TYPE and --document, only the
machine-readable grant is printed, generated from that list: for entra the
app registration manifest (requiredResourceAccess with Microsoft Graph
app-role ids), for aws the IAM policy, for ldap the PowerShell script that
creates the AD bind account, for github the GitHub App manifest.
keyholder setup TYPE prints every artefact with the steps.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg := all.Registry()
			types := reg.Types()
			if len(args) == 1 {
				if _, ok := reg.Lookup(args[0]); !ok {
					return withCode(exitUsage, fmt.Errorf("unknown scanner type %q (known: %s)", args[0], strings.Join(types, ", ")))
				}
				types = []string{args[0]}
			}
			for i, t := range types {
				f, _ := reg.Lookup(t)
				p := f.Permissions()
				if docOnly {
					if len(types) != 1 {
						return withCode(exitUsage, fmt.Errorf("--document needs a TYPE"))
					}
					doc, err := access.Document(f, opts)
					if errors.Is(err, access.ErrNoSetup) {
						return withCode(exitUsage, fmt.Errorf("scanner %q has no machine-readable permission document", t))
					}
					if err != nil {
						return err
					}
					fmt.Fprintln(a.stdout, strings.TrimRight(doc, "\n"))
					return nil
				}
				if i > 0 {
					fmt.Fprintln(a.stdout)
				}
				printPermissions(a.stdout, f, p)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&docOnly, "document", false, "print only the machine-readable permission document of TYPE")
	addSetupOptionFlags(cmd, &opts)
	return cmd
}

func printPermissions(w io.Writer, f scanners.Factory, p scanners.Permissions) {
	fmt.Fprintf(w, "== %s: %s\n", f.Type, f.Summary)
	if p.Summary != "" {
		fmt.Fprintln(w, p.Summary)
	}
	for _, it := range p.Items {
		opt := ""
		if it.Optional {
			opt = " (optional: without it the collection is a gap)"
		}
		fmt.Fprintf(w, "  - %s%s\n      %s\n", it.Name, opt, it.Why)
	}
	for _, n := range p.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	if p.Document != "" {
		fmt.Fprintln(w, "  document:")
		for _, line := range strings.Split(strings.TrimRight(p.Document, "\n"), "\n") {
			fmt.Fprintln(w, "    "+line)
		}
	}
}
