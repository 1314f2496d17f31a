package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// ErrPasswordInURL: a PostgreSQL store URL carries a password. URLs end
// up in shell history, process lists, CI logs and Kubernetes manifests;
// the password belongs in PGPASSWORD or a password file (PGPASSFILE,
// ~/.pgpass).
var ErrPasswordInURL = errors.New("store URL contains a password")

// IsURL reports whether target names a PostgreSQL store
// (postgres://… or postgresql://…) rather than an SQLite file.
func IsURL(target string) bool {
	t := strings.ToLower(strings.TrimSpace(target))
	return strings.HasPrefix(t, "postgres://") || strings.HasPrefix(t, "postgresql://")
}

// pgLockKey serialises migrations of concurrent openers (advisory lock).
const pgLockKey = applicationID

// pgMaxConns bounds the connections one keyholder process opens.
const pgMaxConns = 4

// openPostgres opens (and, unless MustExist, initialises) a store in a
// PostgreSQL database. The password comes from PGPASSWORD or a password
// file, never from the URL.
func openPostgres(ctx context.Context, raw string, opts Options) (*Store, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		// url's error repeats the URL; do not echo it.
		return nil, errors.New("store: the PostgreSQL URL does not parse (want postgres://USER@HOST:PORT/DATABASE?sslmode=…)")
	}
	if _, has := u.User.Password(); has || u.Query().Has("password") {
		return nil, fmt.Errorf("store: %s: %w; remove it and set PGPASSWORD, or put it in a password file (PGPASSFILE or ~/.pgpass, mode 0600)", redact(u), ErrPasswordInURL)
	}
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", redact(u), err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(pgMaxConns)
	db.SetMaxIdleConns(pgMaxConns)
	db.SetConnMaxIdleTime(time.Minute)
	s := &Store{db: db, path: redact(u), now: opts.Now, pg: true}
	if s.now == nil {
		s.now = time.Now
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: connect to %s: %w", s.path, err)
	}
	if err := s.migratePostgres(ctx, len(migrations), opts.MustExist); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// redact returns u without user info secrets or query parameters other
// than sslmode.
func redact(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User(c.User.Username())
	}
	q := url.Values{}
	if m := u.Query().Get("sslmode"); m != "" {
		q.Set("sslmode", m)
	}
	c.RawQuery = q.Encode()
	return c.String()
}

// migratePostgres checks that the database is empty or a keyholder store
// and applies pending migrations, in one transaction holding an advisory
// lock so that concurrent openers migrate exactly once.
func (s *Store) migratePostgres(ctx context.Context, target int, mustExist bool) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap("migrate", err)
	}
	defer tx.Rollback() //nolint:errcheck
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(pgLockKey)); err != nil {
		return s.wrap("migrate", err)
	}
	var hasMeta, hasRuns bool
	if err := tx.QueryRowContext(ctx, `SELECT to_regclass('keyholder_schema') IS NOT NULL, to_regclass('runs') IS NOT NULL`).Scan(&hasMeta, &hasRuns); err != nil {
		return s.wrap("migrate", err)
	}
	switch {
	case !hasMeta && hasRuns:
		return fmt.Errorf("store: %s holds a runs table that keyholder did not create; it was left untouched — use another database: %w", s.path, ErrNotStore)
	case !hasMeta && mustExist:
		return fmt.Errorf("store: %s: %w (no keyholder tables; run `keyholder review` first)", s.path, ErrNoStore)
	case !hasMeta:
		if _, err := tx.ExecContext(ctx, `CREATE TABLE keyholder_schema (application TEXT NOT NULL, version INTEGER NOT NULL);
			INSERT INTO keyholder_schema VALUES ('keyholder', 0)`); err != nil {
			return s.wrap("migrate", err)
		}
	}
	var app string
	var version int
	if err := tx.QueryRowContext(ctx, "SELECT application, version FROM keyholder_schema").Scan(&app, &version); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: %s: keyholder_schema is empty: %w", s.path, ErrCorrupt)
		}
		return s.wrap("migrate", err)
	}
	if app != "keyholder" {
		return fmt.Errorf("store: %s: keyholder_schema belongs to %q: %w", s.path, app, ErrNotStore)
	}
	if version > len(migrations) {
		return fmt.Errorf("store: %s has schema version %d, this keyholder knows up to %d; upgrade keyholder: %w", s.path, version, len(migrations), ErrNewer)
	}
	if version >= target {
		return nil
	}
	for v := version; v < target; v++ {
		if _, err := tx.ExecContext(ctx, migrations[v].postgres); err != nil {
			return s.wrap(fmt.Sprintf("migrate to schema %d", v+1), err)
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE keyholder_schema SET version = $1", target); err != nil {
		return s.wrap("migrate", err)
	}
	return s.wrap("migrate", tx.Commit())
}

// rebind turns ? placeholders into PostgreSQL's $1, $2…; queries in this
// package hold no other question marks.
func (s *Store) rebind(q string) string {
	if !s.pg {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
