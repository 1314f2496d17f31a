package main

import (
	"github.com/spf13/cobra"
)

func newCheckCmd(a *app) *cobra.Command {
	return &cobra.Command{Use: "check", Hidden: true}
}
