package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print keyholder's version and the commit it was built from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(a.stdout, versionString())
			return nil
		},
	}
}

// buildVersion returns the module version and VCS commit recorded in the
// build info (go build sets them; -buildvcs=false or a build outside a
// repository leaves the commit out), falling back to the -ldflags
// "-X main.version=..." value.
func buildVersion() (ver, commit string, dirty bool) {
	ver = version
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ver, "", false
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" && version == "dev" {
		ver = v
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	return ver, commit, dirty
}

// versionString is what version and --version print:
// "keyholder v1.2.3 (commit 0123abcd…, go1.25, linux/amd64)".
func versionString() string {
	ver, commit, dirty := buildVersion()
	c := "commit unknown"
	if commit != "" {
		c = "commit " + commit
		if dirty {
			c += "+modified"
		}
	}
	return fmt.Sprintf("keyholder %s (%s, %s, %s/%s)", ver, c, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
