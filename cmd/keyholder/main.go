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
	"sync"
	"sync/atomic"
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
	// exitTargetFailed: a target could not be scanned at all (unreachable,
	// authentication failed). It wins over 3 and 4: the credentials or the
	// network must be fixed before the findings mean much. An interrupted
	// run (1) wins over it.
	exitTargetFailed = 6
	// exitTampered: the evidence does not hold — verify found a bundle
	// whose signature, timestamp, digests or re-evaluation do not match,
	// or history --verify found a stored run altered, removed or reordered.
	exitTampered = 7
)

// exitCodesHelp is the exit-code table of --help; README.md repeats it.
const exitCodesHelp = `Exit codes:
  0  no failing check at or above --fail-on
  1  runtime error, or interrupted (Ctrl-C, SIGTERM): partial snapshot written
  2  usage or config error
  3  failing checks at or above --fail-on
  4  incomplete: a blocker check is unknown
  5  review only: access changed since the previous run (--fail-on-change)
  6  a target could not be scanned at all (unreachable, authentication
     failed, TLS); wins over 5, 3 and 4, the reports are still written
  7  evidence does not verify: verify (the bundle; each failure named) or
     history --verify (a stored run altered, removed or reordered)

--fail-on none turns 3 and 4 off. Precedence: 2, then 1, then 6, 5, 3, 4.`

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
	// logw is where log lines go: stderr, or the progress display while
	// it owns the terminal.
	logw *switchWriter
	// jsonLogs mirrors --log-format json once flags are parsed, for the
	// signal goroutine (which must not read the flag variable).
	jsonLogs  atomic.Bool
	logLevel  string
	logFormat string
	now       string // --now: fixed clock for reproducible output
	logger    *slog.Logger
	redactor  *config.Redactor
	// cloud points the KMS / Key Vault clients at fakes; nil outside tests.
	cloud *cloudHooks
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
	return runApp(&app{stdout: stdout, stderr: stderr, stdin: stdin, redactor: &config.Redactor{}, logw: &switchWriter{w: stderr}}, args)
}

// runApp is run with the app given (tests set fields such as cloud).
func runApp(a *app, args []string) int {
	stdin, stdout, stderr := a.stdin, a.stdout, a.stderr
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	finished := make(chan struct{})
	defer close(finished)
	go a.onSignals(cancel, finished)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	msg := a.redactor.String(err.Error())
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			a.say("keyholder: " + msg)
		}
		return ee.code
	}
	a.say("keyholder: " + msg)
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

` + exitCodesHelp,
		Version:       versionString(),
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			lg, err := newLogger(a.logw, a.logLevel, a.logFormat, a.redactor)
			if err != nil {
				return withCode(exitUsage, err)
			}
			a.logger = lg
			a.jsonLogs.Store(strings.EqualFold(a.logFormat, "json"))
			return nil
		},
	}
	root.SetVersionTemplate("{{.Version}}\n")
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
		newSetupCmd(a),
		newDocsCmd(a),
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
		newCheckCmd(a),
		newBundleCmd(a),
		newVerifyCmd(a),
		newAttestationCmd(a),
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

// hardStop is how long after Ctrl-C or SIGTERM keyholder waits for the
// command to write what it has before it exits anyway (exit 1).
const hardStop = 1900 * time.Millisecond

// onSignals cancels the command's context on the first SIGINT/SIGTERM and
// exits 1 on a second one, or when the command has not returned within
// hardStop. It returns when finished is closed.
func (a *app) onSignals(cancel context.CancelFunc, finished <-chan struct{}) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	select {
	case <-finished:
		return
	case s := <-sigs:
		a.say(fmt.Sprintf("keyholder: %s: stopping; writing what was collected (again to quit at once)", s))
		cancel()
	}
	select {
	case <-finished:
	case <-sigs:
		a.say("keyholder: interrupted again: exiting now")
		os.Exit(exitRuntime)
	case <-time.After(hardStop):
		a.say("keyholder: did not stop in time after the signal: exiting")
		os.Exit(exitRuntime)
	}
}

// say writes one message line to stderr: plain, or as a JSON log record
// with --log-format json, so every stderr line is JSON then.
func (a *app) say(msg string) {
	msg = a.redactor.String(msg)
	if a.jsonLogs.Load() {
		lg := slog.New(slog.NewJSONHandler(a.logw, nil))
		lg.Info(msg)
		return
	}
	fmt.Fprintln(a.logw, msg)
}

// sayf is say with formatting.
func (a *app) sayf(format string, args ...any) { a.say(fmt.Sprintf(format, args...)) }

// switchWriter forwards writes to w, which can be swapped (to the progress
// display while it runs). Safe for concurrent use.
type switchWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *switchWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	w := s.w
	s.mu.Unlock()
	return w.Write(p)
}

func (s *switchWriter) set(w io.Writer) {
	s.mu.Lock()
	s.w = w
	s.mu.Unlock()
}

// configArg lets a command take the config file as its positional
// argument as well as with -c; giving both is a usage error.
func configArg(cmd *cobra.Command, args []string, path *string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.Flags().Changed("config") && *path != args[0] {
		return usageError{fmt.Errorf("config given twice: -c %s and %s", *path, args[0])}
	}
	*path = args[0]
	return nil
}
