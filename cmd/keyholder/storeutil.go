package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/store"
)

// exitChanged is review's (and diff's) exit code when the watched kind of
// change happened since the previous run: --fail-on-change privileged|any.
const exitChanged = 5

// storeEnv names the variable that overrides the default store path.
const storeEnv = "KEYHOLDER_STORE"

// addStoreFlag adds --store to cmd.
func addStoreFlag(cmd *cobra.Command, path *string) {
	cmd.Flags().StringVar(path, "store", "", "run history: an SQLite file, or postgres://USER@HOST/DB (password from PGPASSWORD or PGPASSFILE, never the URL) (default $"+storeEnv+", else $XDG_DATA_HOME/keyholder/keyholder.db or ~/.local/share/keyholder/keyholder.db)")
}

// addEstateFlag adds --estate to cmd.
func addEstateFlag(cmd *cobra.Command, estate *string, usage string) {
	cmd.Flags().StringVar(estate, "estate", "", usage)
}

// storePath returns the --store value, $KEYHOLDER_STORE, or the default.
func storePath(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if p := os.Getenv(storeEnv); p != "" {
		return p, nil
	}
	return store.DefaultPath()
}

// openStore opens the run history. mustExist is for commands that only
// read it. Errors about the file itself are config-level (exit 2): the
// user pointed --store at the wrong file.
func openStore(ctx context.Context, a *app, flag string, mustExist bool) (*store.Store, error) {
	path, err := storePath(flag)
	if err != nil {
		return nil, withCode(exitUsage, err)
	}
	now, err := a.clock()
	if err != nil {
		return nil, err
	}
	s, err := store.Open(ctx, path, store.Options{MustExist: mustExist, Now: now})
	if err != nil {
		if errors.Is(err, store.ErrNoStore) || errors.Is(err, store.ErrNotStore) || errors.Is(err, store.ErrNewer) || errors.Is(err, store.ErrPasswordInURL) {
			return nil, withCode(exitUsage, err)
		}
		return nil, err
	}
	return s, nil
}

// resolveRun maps a run reference to an id; a bad or unknown reference is
// a usage error.
func resolveRun(ctx context.Context, s *store.Store, ref string) (int64, error) {
	return resolveRunIn(ctx, s, "", ref)
}

// resolveRunIn is resolveRun within one estate ("" for all).
func resolveRunIn(ctx context.Context, s *store.Store, estate, ref string) (int64, error) {
	id, err := s.ResolveIn(ctx, estate, ref)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrBadRef) {
			return 0, withCode(exitUsage, err)
		}
		return 0, err
	}
	return id, nil
}

// parseAge parses --older-than: a Go duration ("720h") or a number of
// days or weeks ("90d", "12w").
func parseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.Atoi(n)
			if err != nil || v <= 0 {
				return 0, fmt.Errorf("--older-than %q: want a positive number of days (90d), weeks (12w) or a duration (720h)", s)
			}
			return time.Duration(v) * unit, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--older-than %q: want a positive number of days (90d), weeks (12w) or a duration (720h)", s)
	}
	return d, nil
}

// changeRule is a --fail-on-change value.
type changeRule string

const (
	changeNone       changeRule = "none"
	changePrivileged changeRule = "privileged"
	changeAny        changeRule = "any"
)

func parseChangeRule(s string) (changeRule, error) {
	switch r := changeRule(strings.ToLower(strings.TrimSpace(s))); r {
	case changeNone, changePrivileged, changeAny:
		return r, nil
	case "":
		return changeNone, nil
	}
	return "", fmt.Errorf("--fail-on-change %q: want privileged, any or none", s)
}

// triggered reports whether c holds a change the rule watches.
func (r changeRule) triggered(c *findings.Changes) bool {
	switch r {
	case changePrivileged:
		return c.PrivilegedChanged()
	case changeAny:
		return !c.Empty()
	}
	return false
}

// loadDocument reads an assessment or a snapshot file (JSON written by
// keyholder). A bare snapshot comes back wrapped in an assessment without
// findings; isSnapshot says so.
func loadDocument(path string) (a *findings.Assessment, isSnapshot bool, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false, withCode(exitUsage, err)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return nil, false, withCode(exitUsage, fmt.Errorf("%s: not a keyholder JSON document: %w", path, err))
	}
	_, hasVerdict := keys["verdict"]
	_, hasSystems := keys["systems"]
	_, hasPrincipals := keys["principals"]
	switch {
	case hasVerdict:
		a, err := findings.DecodeAssessment(bytes.NewReader(b), path)
		if err != nil {
			return nil, false, withCode(exitUsage, err)
		}
		return a, false, nil
	case hasSystems && hasPrincipals:
		s, err := findings.DecodeSnapshot(bytes.NewReader(b), path)
		if err != nil {
			return nil, false, withCode(exitUsage, err)
		}
		sha, err := s.SHA256()
		if err != nil {
			return nil, false, err
		}
		return &findings.Assessment{SnapshotSHA256: sha, ScannedAt: s.StartedAt, ConfigHash: s.ConfigHash, Snapshot: s}, true, nil
	}
	return nil, false, withCode(exitUsage, fmt.Errorf("%s: neither an assessment nor a snapshot (no verdict, systems or principals)", path))
}

// isFileArg reports whether a diff/show argument names a file rather than
// a run: it exists as a regular file or ends in .json.
func isFileArg(arg string) bool {
	if strings.HasSuffix(strings.ToLower(arg), ".json") {
		return true
	}
	st, err := os.Stat(arg)
	return err == nil && st.Mode().IsRegular()
}
