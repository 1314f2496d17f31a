package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/fsx"
)

// Errors callers can test with errors.Is.
var (
	// ErrNotStore: the file exists but is not a keyholder store (not an
	// SQLite database, or another program's database). It is left alone.
	ErrNotStore = errors.New("not a keyholder store")
	// ErrCorrupt: the file is a keyholder store but SQLite reports it
	// damaged. It is left alone; restore it from a backup.
	ErrCorrupt = errors.New("store is corrupt")
	// ErrNewer: the store was written by a newer keyholder whose schema
	// this one does not know.
	ErrNewer = errors.New("store schema is newer than this keyholder")
	// ErrNoStore: Options.MustExist was set and there is no file.
	ErrNoStore = errors.New("no store")
	// ErrNotFound: no run with that id or reference.
	ErrNotFound = errors.New("run not found")
	// ErrBadRef: a run reference that is not an id, latest or latest~N.
	ErrBadRef = errors.New("invalid run reference")
)

// applicationID marks a SQLite file as a keyholder store ("KHLD").
const applicationID = 0x4B484C44

// DefaultBusyTimeout is how long a writer waits for another writer.
const DefaultBusyTimeout = 30 * time.Second

// sqliteMagic opens every SQLite 3 database file.
const sqliteMagic = "SQLite format 3\x00"

// timeLayout is fixed width so that stored times sort as text.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// Options tune Open.
type Options struct {
	// BusyTimeout is how long to wait for a lock held by another process;
	// DefaultBusyTimeout when zero.
	BusyTimeout time.Duration
	// MustExist refuses to create a new store: read-only commands
	// (history, show, diff) use it so a typo in --store is an error, not
	// an empty history.
	MustExist bool
	// Now is the clock for stored_at and Prune; time.Now when nil.
	Now func() time.Time
}

// Store is an open keyholder store. It is safe for concurrent use, and
// several processes may open the same file.
type Store struct {
	db   *sql.DB
	path string // the SQLite file, or the PostgreSQL URL without secrets
	now  func() time.Time
	pg   bool // PostgreSQL backend
}

// DefaultPath returns $XDG_DATA_HOME/keyholder/keyholder.db, or
// ~/.local/share/keyholder/keyholder.db when XDG_DATA_HOME is unset or
// not absolute (as the XDG base directory specification requires).
func DefaultPath() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "keyholder", "keyholder.db"), nil
	}
	if d := os.Getenv("LOCALAPPDATA"); runtime.GOOS == "windows" && d != "" {
		return filepath.Join(d, "keyholder", "keyholder.db"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("store: no default location (set --store or XDG_DATA_HOME): %w", err)
	}
	return filepath.Join(home, ".local", "share", "keyholder", "keyholder.db"), nil
}

// fileURI is the SQLite URI of the absolute path abs. On Windows the
// path's backslashes become slashes and a drive path gets a leading slash
// (file:///C:/Users/...), as SQLite's URI rules want: "C:\Users" as the
// path of a URL is an authority SQLite rejects ("invalid uri authority").
// A UNC path (\\server\share\...) becomes file:////server/share/...,
// which SQLite opens as //server/share/....
func fileURI(abs string) url.URL {
	if vol := filepath.VolumeName(abs); vol != "" {
		p := filepath.ToSlash(abs)
		if len(vol) == 2 && vol[1] == ':' {
			p = "/" + p
		}
		return url.URL{Scheme: "file", Path: p}
	}
	return url.URL{Scheme: "file", Path: abs}
}

// Open opens the store at path, creating it (mode 0600, parent directory
// 0700) unless opts.MustExist is set, and applies pending migrations. A
// file that is not a keyholder store is never modified: Open returns an
// error wrapping ErrNotStore, ErrCorrupt or ErrNewer.
//
// A path that is a postgres:// or postgresql:// URL opens a store in that
// PostgreSQL database instead (see IsURL and ErrPasswordInURL).
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("store: empty path")
	}
	if IsURL(path) {
		return openPostgres(ctx, path, opts)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := prepareFile(abs, opts.MustExist); err != nil {
		return nil, err
	}
	busy := opts.BusyTimeout
	if busy <= 0 {
		busy = DefaultBusyTimeout
	}
	u := fileURI(abs)
	q := url.Values{}
	q.Set("mode", "rw") // never create here: prepareFile did, with 0600
	q.Set("_busy_timeout", strconv.FormatInt(busy.Milliseconds(), 10))
	q.Set("_txlock", "immediate")
	q.Set("_foreign_keys", "1")
	db, err := sql.Open("sqlite", u.String()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", abs, err)
	}
	s := &Store{db: db, path: abs, now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.init(ctx, busy); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// prepareFile creates a missing store file with mode 0600, and refuses a
// file that is not an SQLite database before SQLite ever opens it.
func prepareFile(path string, mustExist bool) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		if mustExist {
			return fmt.Errorf("store: %s: %w (run `keyholder review` or `keyholder demo` first, or pass --store)", path, ErrNoStore)
		}
		// 0700, or on Windows an owner-only ACL that the database's
		// -wal and -shm files (created by SQLite) inherit.
		if err := fsx.MkdirPrivate(filepath.Dir(path)); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		nf, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil && !errors.Is(err, os.ErrExist) { // another process may have just created it
			return fmt.Errorf("store: %w", err)
		}
		if nf != nil {
			if err := nf.Close(); err != nil {
				return err
			}
			// Windows: the mode means nothing, an owner-only ACL instead.
			return fsx.Restrict(path, false)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if st.IsDir() {
		return fmt.Errorf("store: %s is a directory: %w", path, ErrNotStore)
	}
	if st.Size() == 0 {
		return nil // created but not yet initialised (by us or a concurrent keyholder)
	}
	head := make([]byte, 100)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("store: %s: %w", path, err)
	}
	if n < len(sqliteMagic) || string(head[:len(sqliteMagic)]) != sqliteMagic {
		return fmt.Errorf("store: %s is not an SQLite database (%d bytes); it was left untouched — pass another --store path: %w", path, st.Size(), ErrNotStore)
	}
	if n < 100 {
		return fmt.Errorf("store: %s: truncated SQLite header (%d bytes); it was left untouched: %w", path, st.Size(), ErrCorrupt)
	}
	return nil
}

// init checks that the database is empty or ours, switches it to WAL and
// applies migrations. busy bounds the wait for another process that is
// switching the same new file to WAL.
func (s *Store) init(ctx context.Context, busy time.Duration) error {
	if err := s.checkOwnership(ctx, s.db); err != nil {
		return err
	}
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return s.wrap("read journal mode", err)
	}
	// Switching to WAL takes an exclusive lock without waiting for it (no
	// busy handler): when several processes open a new store at once, the
	// losers get SQLITE_BUSY and try again (seen on Windows, where file
	// locks are mandatory) until the winner is done or busy has passed.
	const pause = 20 * time.Millisecond
	for tries := int(busy / pause); !strings.EqualFold(mode, "wal"); tries-- {
		err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode)
		if err == nil {
			break
		}
		var se *sqlite.Error
		if !errors.As(err, &se) || (se.Code()&0xff != 5 && se.Code()&0xff != 6) || tries <= 0 { // SQLITE_BUSY, SQLITE_LOCKED
			return s.wrap("enable WAL", err)
		}
		select {
		case <-ctx.Done():
			return s.wrap("enable WAL", ctx.Err())
		case <-time.After(pause):
		}
	}
	return s.migrate(ctx)
}

// querier is *sql.DB or *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// checkOwnership returns nil for an empty database or a keyholder store,
// and an ErrNotStore/ErrNewer/ErrCorrupt error otherwise.
func (s *Store) checkOwnership(ctx context.Context, q querier) error {
	// One statement, so the three values come from one consistent read
	// even while another process is initialising the file.
	var appID int64
	var objects, version int
	err := q.QueryRowContext(ctx, `SELECT
		(SELECT application_id FROM pragma_application_id()),
		(SELECT count(*) FROM sqlite_schema),
		(SELECT user_version FROM pragma_user_version())`).Scan(&appID, &objects, &version)
	if err != nil {
		return s.wrap("read header", err)
	}
	switch {
	case appID == applicationID:
	case appID == 0 && objects == 0:
		return nil // empty: ours to initialise
	default:
		return fmt.Errorf("store: %s is an SQLite database of another program (application_id %#x, %d schema objects); it was left untouched — pass another --store path: %w", s.path, appID, objects, ErrNotStore)
	}
	if version > len(migrations) {
		return fmt.Errorf("store: %s has schema version %d, this keyholder knows up to %d; upgrade keyholder: %w", s.path, version, len(migrations), ErrNewer)
	}
	return nil
}

// wrap adds context to err and classifies SQLite corruption.
func (s *Store) wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case 11: // SQLITE_CORRUPT
			return fmt.Errorf("store: %s: %s: %w (%v); the file was left untouched — restore it from a backup or pass another --store path", s.path, what, ErrCorrupt, err)
		case 26: // SQLITE_NOTADB
			return fmt.Errorf("store: %s: %s: %w (%v); the file was left untouched", s.path, what, ErrNotStore, err)
		}
	}
	return fmt.Errorf("store: %s: %w", what, err)
}

// Path returns the absolute path of the store file, or the PostgreSQL
// URL (without secrets).
func (s *Store) Path() string { return s.path }

// Backend returns "sqlite" or "postgres".
func (s *Store) Backend() string {
	if s.pg {
		return "postgres"
	}
	return "sqlite"
}

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

// SchemaVersion returns the store's applied schema version.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	q := "PRAGMA user_version"
	if s.pg {
		q = "SELECT version FROM keyholder_schema"
	}
	if err := s.db.QueryRowContext(ctx, q).Scan(&v); err != nil {
		return 0, s.wrap("read schema version", err)
	}
	return v, nil
}

// Run is one stored run, without its documents.
type Run struct {
	ID int64
	// Estate is the estate the run belongs to: the config's
	// organization.name unless review was given --estate.
	Estate       string
	Started      time.Time
	Finished     time.Time
	StoredAt     time.Time
	ConfigHash   string
	ToolVersion  string
	Organization string
	Profile      string
	Verdict      findings.Verdict
	SnapshotSHA  string
	// Failing, Blockers, Unknown count findings: status fail, status fail
	// with severity blocker, status unknown.
	Failing  int
	Blockers int
	Unknown  int
	// Principals and PrivilegedGrants count the snapshot's principals
	// and its grants at level privileged or stronger.
	Principals       int
	PrivilegedGrants int
	// Changes counts the change items against the previous run, -1 when
	// the assessment carried no diff.
	Changes int
	// ChainDigest is the digest of the run's chain record (chain.go);
	// empty for runs stored before the chain existed.
	ChainDigest string
}

// Save stores a run: the assessment and the snapshot it embeds. The
// snapshot is stored once, in canonical form (Save canonicalises it, as
// the policy engine already has); the assessment is stored without its
// embedded copy and gets it back on Get.
func (s *Store) Save(ctx context.Context, a *findings.Assessment) (Run, error) {
	if a == nil {
		return Run{}, errors.New("store: save: the assessment has no snapshot")
	}
	return s.SaveEstate(ctx, a.Organization, a)
}

// SaveEstate is Save under an explicit estate name.
func (s *Store) SaveEstate(ctx context.Context, estate string, a *findings.Assessment) (Run, error) {
	if a == nil || a.Snapshot == nil {
		return Run{}, errors.New("store: save: the assessment has no snapshot")
	}
	snapJSON, err := a.Snapshot.CanonicalJSON()
	if err != nil {
		return Run{}, fmt.Errorf("store: save: encode snapshot: %w", err)
	}
	sum := sha256.Sum256(snapJSON)
	sha := hex.EncodeToString(sum[:])
	if a.SnapshotSHA256 != "" && a.SnapshotSHA256 != sha {
		return Run{}, fmt.Errorf("store: save: assessment names snapshot %s but embeds %s", short(a.SnapshotSHA256), short(sha))
	}
	bare := *a
	bare.Snapshot = nil
	// The diff against the previous run lives in its own column (set
	// later by SetChanges): the stored assessment never changes, so its
	// digest in the chain record holds.
	bare.Changes = nil
	var changes []byte
	if a.Changes != nil {
		if changes, err = changesDoc(a.Changes); err != nil {
			return Run{}, fmt.Errorf("store: save: encode changes: %w", err)
		}
	}
	var ab bytes.Buffer
	if err := findings.EncodeAssessment(&ab, &bare); err != nil {
		return Run{}, fmt.Errorf("store: save: encode assessment: %w", err)
	}
	r := summarize(a)
	r.Estate = estate
	r.SnapshotSHA = sha
	sumJSON, sumDoc, err := encodeSummary(Summarize(a))
	if err != nil {
		return Run{}, fmt.Errorf("store: save: encode summary: %w", err)
	}
	r.StoredAt = s.now().UTC()

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Run{}, s.wrap("save", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	snapDoc, err := compress(snapJSON)
	if err != nil {
		return Run{}, fmt.Errorf("store: save: %w", err)
	}
	assessDoc, err := compress(ab.Bytes())
	if err != nil {
		return Run{}, fmt.Errorf("store: save: %w", err)
	}
	headSeq, headDigest, err := s.lockHead(ctx, tx, estate)
	if err != nil {
		return Run{}, s.wrap("save", err)
	}
	err = tx.QueryRowContext(ctx, s.rebind(`INSERT INTO runs
		(estate, started, finished, stored_at, config_hash, tool_version, organization, profile, verdict,
		 snapshot_sha, snapshot, assessment, encoding, failing, blockers, unknown, principals, privileged_grants, changes, summary, changes_doc)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`),
		estate, fmtTime(r.Started), fmtTime(r.Finished), fmtTime(r.StoredAt), r.ConfigHash, r.ToolVersion,
		r.Organization, r.Profile, string(r.Verdict), sha, snapDoc, assessDoc, encodingGzip,
		r.Failing, r.Blockers, r.Unknown, r.Principals, r.PrivilegedGrants, r.Changes, sumDoc, changes).Scan(&r.ID)
	if err != nil {
		return Run{}, s.wrap("save", err)
	}
	if r.ChainDigest, err = s.chainRun(ctx, tx, r, headSeq, headDigest, sha256Hex(ab.Bytes()), sha256Hex(sumJSON)); err != nil {
		return Run{}, s.wrap("save: link the run to its estate's chain", err)
	}
	if err := tx.Commit(); err != nil {
		return Run{}, s.wrap("save", err)
	}
	return r, nil
}

// SetChanges replaces the stored diff of run id (the assessment's Changes
// and the change count), for callers that diff after saving. The diff is
// stored beside the assessment, which stays as stored (and as its chain
// record says).
func (s *Store) SetChanges(ctx context.Context, id int64, c *findings.Changes) error {
	count := -1
	var doc []byte
	if c != nil {
		count = c.Count()
		var err error
		if doc, err = changesDoc(c); err != nil {
			return fmt.Errorf("store: set changes: %w", err)
		}
	}
	res, err := s.db.ExecContext(ctx, s.rebind("UPDATE runs SET changes_doc = ?, changes = ? WHERE id = ?"), doc, count, id)
	if err != nil {
		return s.wrap("set changes", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("store: run %d: %w", id, ErrNotFound)
	}
	return nil
}

// summarize fills the summary columns of a run from its assessment.
func summarize(a *findings.Assessment) Run {
	r := Run{
		Started:      a.Snapshot.StartedAt.UTC(),
		Finished:     a.Snapshot.FinishedAt.UTC(),
		ConfigHash:   a.ConfigHash,
		ToolVersion:  a.Tool.Version,
		Organization: a.Organization,
		Profile:      a.Profile,
		Verdict:      a.Verdict,
		Principals:   len(a.Snapshot.Principals),
		Changes:      -1,
	}
	if r.ConfigHash == "" {
		r.ConfigHash = a.Snapshot.ConfigHash
	}
	if r.ToolVersion == "" {
		r.ToolVersion = a.Snapshot.Tool.Version
	}
	for _, f := range a.Findings {
		switch f.Status {
		case findings.StatusFail:
			r.Failing++
			if f.Severity == findings.SeverityBlocker {
				r.Blockers++
			}
		case findings.StatusUnknown:
			r.Unknown++
		}
	}
	// Counted as held, through groups too (findings.HeldGrants), so the
	// figure does not drop when a scanner stops copying group grants onto
	// the members (issue 21).
	for _, g := range findings.HeldGrants(a.Snapshot) {
		if g.Level.Rank() >= findings.LevelPrivileged.Rank() {
			r.PrivilegedGrants++
		}
	}
	if a.Changes != nil {
		r.Changes = a.Changes.Count()
	}
	return r
}

const runColumns = `id, estate, started, finished, stored_at, config_hash, tool_version, organization, profile,
	verdict, snapshot_sha, failing, blockers, unknown, principals, privileged_grants, changes, chain_digest`

type scanner interface{ Scan(dest ...any) error }

func scanRun(sc scanner) (Run, error) {
	var r Run
	var started, finished, stored, verdict string
	err := sc.Scan(&r.ID, &r.Estate, &started, &finished, &stored, &r.ConfigHash, &r.ToolVersion, &r.Organization,
		&r.Profile, &verdict, &r.SnapshotSHA, &r.Failing, &r.Blockers, &r.Unknown, &r.Principals,
		&r.PrivilegedGrants, &r.Changes, &r.ChainDigest)
	if err != nil {
		return Run{}, err
	}
	r.Verdict = findings.Verdict(verdict)
	r.Started, _ = time.Parse(timeLayout, started)
	r.Finished, _ = time.Parse(timeLayout, finished)
	r.StoredAt, _ = time.Parse(timeLayout, stored)
	return r, nil
}

// ListOptions select runs for List.
type ListOptions struct {
	// Limit caps the number of runs returned (newest first); 0 means all.
	Limit int
	// Estate keeps the runs of one estate; empty means all estates.
	Estate string
}

// List returns stored runs, newest first.
func (s *Store) List(ctx context.Context, opts ListOptions) ([]Run, error) {
	q := "SELECT " + runColumns + " FROM runs"
	var args []any
	if opts.Estate != "" {
		q += " WHERE estate = ?"
		args = append(args, opts.Estate)
	}
	q += " ORDER BY id DESC"
	if opts.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, opts.Limit)
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, s.wrap("list runs", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, s.wrap("list runs", err)
		}
		out = append(out, r)
	}
	return out, s.wrap("list runs", rows.Err())
}

// Run returns the summary of run id.
func (s *Store) Run(ctx context.Context, id int64) (Run, error) {
	r, err := scanRun(s.db.QueryRowContext(ctx, s.rebind("SELECT "+runColumns+" FROM runs WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, fmt.Errorf("store: run %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Run{}, s.wrap(fmt.Sprintf("read run %d", id), err)
	}
	return r, nil
}

// Get returns run id and its assessment with the snapshot embedded.
func (s *Store) Get(ctx context.Context, id int64) (Run, *findings.Assessment, error) {
	r, err := s.Run(ctx, id)
	if err != nil {
		return Run{}, nil, err
	}
	var snapDoc, assessDoc, changesRaw []byte
	var enc string
	err = s.db.QueryRowContext(ctx, s.rebind("SELECT snapshot, assessment, encoding, changes_doc FROM runs WHERE id = ?"), id).Scan(&snapDoc, &assessDoc, &enc, &changesRaw)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, nil, fmt.Errorf("store: run %d: %w", id, ErrNotFound) // pruned meanwhile
	}
	if err != nil {
		return Run{}, nil, s.wrap(fmt.Sprintf("read run %d", id), err)
	}
	if snapDoc, err = decompress(snapDoc, enc); err != nil {
		return Run{}, nil, fmt.Errorf("store: run %d snapshot: %w", id, err)
	}
	if assessDoc, err = decompress(assessDoc, enc); err != nil {
		return Run{}, nil, fmt.Errorf("store: run %d assessment: %w", id, err)
	}
	snap, err := findings.DecodeSnapshot(bytes.NewReader(snapDoc), fmt.Sprintf("run %d snapshot", id))
	if err != nil {
		return Run{}, nil, fmt.Errorf("store: %w", err)
	}
	a, err := findings.DecodeAssessment(bytes.NewReader(assessDoc), fmt.Sprintf("run %d assessment", id))
	if err != nil {
		return Run{}, nil, fmt.Errorf("store: %w", err)
	}
	a.Snapshot = snap
	if changesRaw != nil {
		raw, err := decompress(changesRaw, encodingGzip)
		if err != nil {
			return Run{}, nil, fmt.Errorf("store: run %d changes: %w", id, err)
		}
		var c findings.Changes
		if err := json.Unmarshal(raw, &c); err != nil {
			return Run{}, nil, fmt.Errorf("store: run %d changes: %w: %v", id, ErrCorrupt, err)
		}
		a.Changes = &c
	}
	return r, a, nil
}

// Match narrows Previous: empty fields match anything.
type Match struct {
	// Estate keeps runs of different estates apart.
	Estate string
	// Organization keeps a store shared by several customers' reviews
	// from comparing one customer with another.
	Organization string
	// Profile keeps readiness and exit-profile runs apart.
	Profile string
}

// Previous returns the latest run stored before id that matches m; ok is
// false when there is none.
func (s *Store) Previous(ctx context.Context, id int64, m Match) (Run, bool, error) {
	q := "SELECT " + runColumns + " FROM runs WHERE id < ?"
	args := []any{id}
	if m.Estate != "" {
		q += " AND estate = ?"
		args = append(args, m.Estate)
	}
	if m.Organization != "" {
		q += " AND organization = ?"
		args = append(args, m.Organization)
	}
	if m.Profile != "" {
		q += " AND profile = ?"
		args = append(args, m.Profile)
	}
	r, err := scanRun(s.db.QueryRowContext(ctx, s.rebind(q+" ORDER BY id DESC LIMIT 1"), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, false, nil
	}
	if err != nil {
		return Run{}, false, s.wrap("read previous run", err)
	}
	return r, true, nil
}

// Resolve turns a run reference into a run id: a number ("42"), "latest"
// (or "last"), or "latest~N" for the Nth run before the latest.
func (s *Store) Resolve(ctx context.Context, ref string) (int64, error) {
	return s.ResolveIn(ctx, "", ref)
}

// ResolveIn is Resolve within one estate: "latest" is the estate's latest
// run, and a run id of another estate is not found. An empty estate
// means all runs.
func (s *Store) ResolveIn(ctx context.Context, estate, ref string) (int64, error) {
	ref = strings.TrimSpace(ref)
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		r, err := s.Run(ctx, id)
		if err != nil {
			return 0, err
		}
		if estate != "" && r.Estate != estate {
			return 0, fmt.Errorf("store: run %d belongs to estate %q, not %q: %w", id, r.Estate, estate, ErrNotFound)
		}
		return id, nil
	}
	back := 0
	base, rest, found := strings.Cut(ref, "~")
	if found {
		n, err := strconv.Atoi(rest)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("store: run reference %q: want a run id, latest or latest~N: %w", ref, ErrBadRef)
		}
		back = n
	}
	if base != "latest" && base != "last" {
		return 0, fmt.Errorf("store: run reference %q: want a run id, latest or latest~N: %w", ref, ErrBadRef)
	}
	var id int64
	q, args := "SELECT id FROM runs", []any{}
	if estate != "" {
		q += " WHERE estate = ?"
		args = append(args, estate)
	}
	args = append(args, back)
	err := s.db.QueryRowContext(ctx, s.rebind(q+" ORDER BY id DESC LIMIT 1 OFFSET ?"), args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		if estate != "" {
			return 0, fmt.Errorf("store: run %q of estate %q: %w", ref, estate, ErrNotFound)
		}
		return 0, fmt.Errorf("store: run %q: %w", ref, ErrNotFound)
	}
	if err != nil {
		return 0, s.wrap("resolve run", err)
	}
	return id, nil
}

// PruneOptions say which runs to delete. A run is deleted only if every
// rule that is set would delete it: with Keep 10 and OlderThan 90 days,
// the newest ten runs are kept even when older than 90 days.
type PruneOptions struct {
	// Keep keeps the newest Keep runs (by id) of each estate; 0 means
	// the rule is unset.
	Keep int
	// Estate prunes only that estate's runs; empty means every estate.
	Estate string
	// OlderThan deletes runs started more than OlderThan ago; 0 means the
	// rule is unset.
	OlderThan time.Duration
	// DryRun reports what would be deleted without deleting.
	DryRun bool
}

// Prune deletes old runs and returns the ids deleted (or that would be),
// oldest first. At least one rule must be set.
func (s *Store) Prune(ctx context.Context, opts PruneOptions) ([]int64, error) {
	if opts.Keep < 0 || opts.OlderThan < 0 {
		return nil, errors.New("store: prune: --keep and --older-than must not be negative")
	}
	if opts.Keep == 0 && opts.OlderThan == 0 {
		return nil, errors.New("store: prune: give --keep N and/or --older-than DURATION")
	}
	var conds []string
	var args []any
	if opts.Keep > 0 {
		conds = append(conds, `id NOT IN (SELECT id FROM
			(SELECT id, row_number() OVER (PARTITION BY estate ORDER BY id DESC) AS n FROM runs) AS ranked WHERE n <= ?)`)
		args = append(args, opts.Keep)
	}
	if opts.OlderThan > 0 {
		conds = append(conds, "started < ?")
		args = append(args, fmtTime(s.now().Add(-opts.OlderThan)))
	}
	if opts.Estate != "" {
		conds = append(conds, "estate = ?")
		args = append(args, opts.Estate)
	}
	where := strings.Join(conds, " AND ")
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, s.wrap("prune", err)
	}
	defer tx.Rollback() //nolint:errcheck
	rows, err := tx.QueryContext(ctx, s.rebind("SELECT id FROM runs WHERE "+where+" ORDER BY id"), args...)
	if err != nil {
		return nil, s.wrap("prune", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, s.wrap("prune", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.wrap("prune", err)
	}
	if opts.DryRun || len(ids) == 0 {
		return ids, nil
	}
	// Keep the chain records of what is deleted, so the links across
	// the pruned runs stay checkable (history --verify).
	if err := s.tombstone(ctx, tx, ids); err != nil {
		return nil, s.wrap("prune: record the pruned runs", err)
	}
	// Delete exactly the runs selected: a run another writer stores
	// meanwhile is not one this prune reported.
	for start := 0; start < len(ids); start += 500 {
		batch := ids[start:min(start+500, len(ids))]
		marks := strings.TrimSuffix(strings.Repeat("?,", len(batch)), ",")
		bargs := make([]any, len(batch))
		for i, id := range batch {
			bargs[i] = id
		}
		if _, err := tx.ExecContext(ctx, s.rebind("DELETE FROM runs WHERE id IN ("+marks+")"), bargs...); err != nil {
			return nil, s.wrap("prune", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, s.wrap("prune", err)
	}
	return ids, nil
}

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// Document encodings of the encoding column.
const (
	encodingJSON = "json" // plain JSON text (schema 1 and 2 rows)
	encodingGzip = "gzip" // gzip-compressed JSON in a BLOB
)

func compress(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func decompress(b []byte, enc string) ([]byte, error) {
	switch enc {
	case encodingJSON:
		return b, nil
	case encodingGzip:
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		out, err := io.ReadAll(zr)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown document encoding %q", enc)
}

// docValue is the SQL value of a document: text for JSON, a blob for
// compressed data.
func docValue(b []byte, enc string) any {
	if enc == encodingJSON {
		return string(b)
	}
	return b
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
