package store

import (
	"context"
	"fmt"
)

// migrations are applied in order; migration i (0-based) brings the
// schema to version i+1, recorded in PRAGMA user_version. Never edit a
// released migration: append a new one.
var migrations = []string{
	// 1: one row per run, its documents, and what history lists.
	`CREATE TABLE runs (
		id           INTEGER PRIMARY KEY AUTOINCREMENT,
		started      TEXT NOT NULL,
		finished     TEXT NOT NULL,
		stored_at    TEXT NOT NULL,
		config_hash  TEXT NOT NULL DEFAULT '',
		tool_version TEXT NOT NULL DEFAULT '',
		organization TEXT NOT NULL DEFAULT '',
		profile      TEXT NOT NULL DEFAULT '',
		verdict      TEXT NOT NULL DEFAULT '',
		snapshot_sha TEXT NOT NULL,
		snapshot     TEXT NOT NULL,
		assessment   TEXT NOT NULL
	);
	CREATE INDEX runs_started ON runs(started);`,
	// 2: summary counts, so history does not decode every document.
	`ALTER TABLE runs ADD COLUMN failing INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE runs ADD COLUMN blockers INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE runs ADD COLUMN unknown INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE runs ADD COLUMN principals INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE runs ADD COLUMN privileged_grants INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE runs ADD COLUMN changes INTEGER NOT NULL DEFAULT -1;
	CREATE INDEX runs_snapshot_sha ON runs(snapshot_sha);`,
	// 3: documents may be stored gzip-compressed (a snapshot of 50 000
	// principals is tens of MB of JSON and compresses about 15 times);
	// older rows keep encoding 'json'.
	`ALTER TABLE runs ADD COLUMN encoding TEXT NOT NULL DEFAULT 'json';`,
}

// migrate applies pending migrations in one immediate transaction, so two
// processes opening a new store at once apply them exactly once.
func (s *Store) migrate(ctx context.Context) error {
	return s.migrateTo(ctx, len(migrations))
}

// migrateTo brings the schema to version target (tests use it to build
// an old store).
func (s *Store) migrateTo(ctx context.Context, target int) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap("migrate", err)
	}
	defer tx.Rollback() //nolint:errcheck
	// Check again under the write lock: another process may have
	// initialised (or, for a foreign file, never owned) the database.
	if err := s.checkOwnership(ctx, tx); err != nil {
		return err
	}
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return s.wrap("migrate", err)
	}
	if version >= target {
		return nil
	}
	if version == 0 {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", applicationID)); err != nil {
			return s.wrap("migrate", err)
		}
	}
	for v := version; v < target; v++ {
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return s.wrap(fmt.Sprintf("migrate to schema %d", v+1), err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", target)); err != nil {
		return s.wrap("migrate", err)
	}
	return s.wrap("migrate", tx.Commit())
}
