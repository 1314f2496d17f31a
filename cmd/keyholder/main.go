// Command keyholder audits who holds the keys when a company runs its IT
// through a managed service provider. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/internal/config"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit codes, documented in README.md and --help.
const (
	exitOK         = 0
	exitRuntime    = 1
	exitUsage      = 2
	exitFailing    = 3
	exitIncomplete = 4
)

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// withCode wraps err so run returns code for it.
func withCode(code int, err error) error { return &exitError{code: code, err: err} }

// app holds what every command shares: streams, logger, clock, flags.
type app struct {
	stdout, stderr io.Writer
	stdin          io.Reader
	logLevel       string
	logFormat      string
	now            string // --now: fixed clock for reproducible output
	logger         *slog.Logger
	redactor       *config.Redactor
}

// clock returns the clock: time.Now, or the fixed --now time.
func (a *app) clock() (func() time.Time, error) {
	if a.now == "" {
		return time.Now, nil
	}
	t, err := time.Parse(time.RFC3339, a.now)
	if err != nil {
		return nil, withCode(exitUsage, fmt.Errorf("--now: want RFC 3339 like 2026-01-02T15:04:05Z: %w", err))
	}
	return func() time.Time { return t }, nil
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes keyholder with args and returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr, stdin: stdin, redactor: &config.Redactor{}}
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	msg := a.redactor.String(err.Error())
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "keyholder:", msg)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "keyholder:", msg)
	// cobra reports an unknown subcommand with a plain error.
	if config.AsProblems(err) != nil || isUsage(err) || strings.HasPrefix(err.Error(), "unknown command") {
		return exitUsage
	}
	return exitRuntime
}

type usageError struct{ error }

func isUsage(err error) bool {
	var u usageError
	return errors.As(err, &u)
}

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "keyholder",
		Short: "Audit who holds the keys to a company's IT run by an MSP",
		Long: `keyholder reads (never writes) Microsoft Entra ID / Microsoft 365, AWS,
Active Directory and LDAP, and GitHub, and answers: do we hold the master
keys, is the MSP's access segmented, and could we end the MSP contract
tomorrow without losing anything.

Exit codes:
  0  no failing check at or above --fail-on
  1  runtime error
  2  usage or config error
  3  failing checks at or above --fail-on
  4  incomplete: a blocker check is unknown`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			lg, err := newLogger(a.stderr, a.logLevel, a.logFormat, a.redactor)
			if err != nil {
				return withCode(exitUsage, err)
			}
			a.logger = lg
			return nil
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&a.logLevel, "log-level", "warn", "log level: debug, info, warn, error")
	pf.StringVar(&a.logFormat, "log-format", "text", "log format: text or json")
	pf.StringVar(&a.now, "now", "", "fix the clock (RFC 3339) for reproducible output")

	for _, c := range []*cobra.Command{
		newVersionCmd(a),
		newInitCmd(a),
		newValidateCmd(a),
		newScanCmd(a),
		newPermissionsCmd(a),
		newHistoryCmd(a),
		newShowCmd(a),
		newDiffCmd(a),
		newPruneCmd(a),
		newFleetCmd(a),
		newReviewCmd(a),
		newDemoCmd(a),
		newReportCmd(a),
		newEvaluateCmd(a),
		newPoliciesCmd(a),
	} {
		root.AddCommand(c)
	}
	markUsageErrors(root)
	return root
}

// markUsageErrors makes argument-count errors of every command usage
// errors (exit 2), like flag errors.
func markUsageErrors(c *cobra.Command) {
	if args := c.Args; args != nil {
		c.Args = func(cmd *cobra.Command, a []string) error {
			if err := args(cmd, a); err != nil {
				return usageError{err}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		markUsageErrors(sub)
	}
}
