// Package store keeps the history of keyholder runs in an embedded SQLite
// database (modernc.org/sqlite, pure Go) by default, or in a shared
// PostgreSQL database (github.com/jackc/pgx/v5) when the location is a
// postgres:// URL — one History contract (contract.go), one set of
// migrations expressed for both engines, one conformance suite run
// against both. Every run belongs to an estate (the organisation's name
// or review --estate); estates never see each other's runs. One row per
// run with its start and
// end time, config hash, tool version, verdict, snapshot and assessment, so
// that `keyholder history`, `show`, `diff` and `review` can compare runs.
//
// The database file is created with mode 0600 in a 0700 directory. It runs
// in WAL mode with a busy timeout and immediate write transactions, so
// several keyholder processes may write to one store at the same time.
// Schema changes are versioned migrations recorded in PRAGMA user_version;
// the file is marked as keyholder's with PRAGMA application_id. Documents
// are stored as gzip-compressed canonical JSON (the encoding column says
// so; rows of older schemas hold plain JSON and stay readable).
//
// PostgreSQL: the password comes from PGPASSWORD or a password file
// (PGPASSFILE, ~/.pgpass), never from the URL (ErrPasswordInURL).
// Migrations run in one transaction under an advisory lock; the schema
// version lives in the keyholder_schema table. A database holding a runs
// table keyholder did not create is refused and left untouched.
//
// Every run saved is linked into a hash chain of its estate (chain.go):
// its chain record covers its metadata, the SHA-256 of its documents and
// the previous link's digest; prune keeps the records of what it deletes;
// VerifyChain names runs altered, removed or reordered since.
//
// It must never overwrite, convert or "repair" a file it did not create: a
// file that is not SQLite, is another program's SQLite database, is corrupt
// or was written by a newer keyholder is refused with a clear error and left
// untouched. It must not judge runs: it stores and returns what it is given.
package store
