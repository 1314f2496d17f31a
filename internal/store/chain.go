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
	"sort"
	"strings"
)

// The hash chain. Every run stored since schema 5 carries a chain record:
// canonical JSON of its metadata (estate, id, times, config hash, tool
// version, organization, profile, verdict, counts), the SHA-256 of its
// stored snapshot, assessment and summary documents, its position (seq)
// in its estate's chain, and the digest of the previous link of the same
// estate. The run's digest is the SHA-256 of that record. chain_heads
// holds each estate's latest link; prune moves the records of the runs it
// deletes to pruned_runs, so the links across them stay checkable.
//
// VerifyChain recomputes everything from the stored rows and names each
// run that was altered (a column or a document differs from its record,
// or the record from its digest), removed (a position of the chain is
// missing) or reordered (a run carries another's position, id or start
// time). A chain kept in the store it protects shows edits made by hand or
// by other tools; someone who rewrites every later link and the head too
// is caught only by comparing the head digest with a copy kept elsewhere
// (history --verify prints it; an evidence bundle records it).

// chainRecordVersion is the "v" of new chain records.
const chainRecordVersion = 1

// ChainRecord is what a run's chain digest covers. Times are the stored
// text (fixed-width UTC). Encoded with encoding/json in field order.
type ChainRecord struct {
	V                int    `json:"v"`
	Estate           string `json:"estate"`
	Seq              int64  `json:"seq"`
	ID               int64  `json:"id"`
	PrevID           int64  `json:"prev_id"`           // the estate's run before this one (0: none), chained or not
	Prev             string `json:"prev"`              // digest of link seq-1; "" for seq 1
	Started          string `json:"started"`           // stored text
	Finished         string `json:"finished"`          // stored text
	StoredAt         string `json:"stored_at"`         // stored text
	ConfigHash       string `json:"config_hash"`       //
	ToolVersion      string `json:"tool_version"`      //
	Organization     string `json:"organization"`      //
	Profile          string `json:"profile"`           //
	Verdict          string `json:"verdict"`           //
	Failing          int    `json:"failing"`           //
	Blockers         int    `json:"blockers"`          //
	Unknown          int    `json:"unknown"`           //
	Principals       int    `json:"principals"`        //
	PrivilegedGrants int    `json:"privileged_grants"` //
	SnapshotSHA256   string `json:"snapshot_sha256"`   // of the canonical snapshot JSON (the snapshot_sha column)
	AssessmentSHA256 string `json:"assessment_sha256"` // of the stored assessment JSON (without its snapshot and changes)
	SummarySHA256    string `json:"summary_sha256"`    // of the stored summary JSON
}

func (r ChainRecord) encode() (string, string) {
	b, _ := json.Marshal(r) // only strings and ints: cannot fail
	sum := sha256.Sum256(b)
	return string(b), hex.EncodeToString(sum[:])
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// txExec is the part of *sql.Tx the chain writes through.
type txExec interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// lockHead returns the estate's chain head inside tx, locking it so that
// writers of one estate link one after the other (PostgreSQL: row lock;
// SQLite: the immediate transaction already holds the write lock).
func (s *Store) lockHead(ctx context.Context, tx txExec, estate string) (seq int64, digest string, err error) {
	if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO chain_heads (estate, seq, run_id, digest) VALUES (?, 0, 0, '') ON CONFLICT (estate) DO NOTHING`), estate); err != nil {
		return 0, "", err
	}
	lock := ""
	if s.pg {
		lock = " FOR UPDATE"
	}
	err = tx.QueryRowContext(ctx, s.rebind(`SELECT seq, digest FROM chain_heads WHERE estate = ?`+lock), estate).Scan(&seq, &digest)
	return seq, digest, err
}

// chainRun links the just-inserted run r (its documents' digests given)
// to its estate's chain inside tx. Call lockHead first, before the run
// is inserted.
func (s *Store) chainRun(ctx context.Context, tx txExec, r Run, headSeq int64, headDigest, assessSHA, summarySHA string) (string, error) {
	var prevID int64
	if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COALESCE(MAX(id), 0) FROM runs WHERE estate = ? AND id < ?`), r.Estate, r.ID).Scan(&prevID); err != nil {
		return "", err
	}
	rec := ChainRecord{
		V: chainRecordVersion, Estate: r.Estate, Seq: headSeq + 1, ID: r.ID, PrevID: prevID, Prev: headDigest,
		Started: fmtTime(r.Started), Finished: fmtTime(r.Finished), StoredAt: fmtTime(r.StoredAt),
		ConfigHash: r.ConfigHash, ToolVersion: r.ToolVersion, Organization: r.Organization, Profile: r.Profile,
		Verdict: string(r.Verdict), Failing: r.Failing, Blockers: r.Blockers, Unknown: r.Unknown,
		Principals: r.Principals, PrivilegedGrants: r.PrivilegedGrants,
		SnapshotSHA256: r.SnapshotSHA, AssessmentSHA256: assessSHA, SummarySHA256: summarySHA,
	}
	if headSeq == 0 {
		rec.Prev = ""
	}
	text, digest := rec.encode()
	if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE runs SET chain_seq = ?, chain_record = ?, chain_digest = ? WHERE id = ?`), rec.Seq, text, digest, r.ID); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE chain_heads SET seq = ?, run_id = ?, digest = ? WHERE estate = ?`), rec.Seq, r.ID, digest, r.Estate); err != nil {
		return "", err
	}
	return digest, nil
}

// tombstone moves the chain records of the runs about to be deleted to
// pruned_runs, inside the prune's transaction.
func (s *Store) tombstone(ctx context.Context, tx *sql.Tx, ids []int64) error {
	for start := 0; start < len(ids); start += 500 {
		batch := ids[start:min(start+500, len(ids))]
		marks := strings.TrimSuffix(strings.Repeat("?,", len(batch)), ",")
		args := []any{fmtTime(s.now())}
		for _, id := range batch {
			args = append(args, id)
		}
		_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO pruned_runs (estate, seq, run_id, record, digest, pruned_at)
			SELECT estate, chain_seq, id, chain_record, chain_digest, ? FROM runs
			WHERE chain_record IS NOT NULL AND id IN (`+marks+`)`), args...)
		if err != nil {
			return err
		}
	}
	return nil
}

// Chain problem kinds.
const (
	ChainAltered   = "altered"
	ChainRemoved   = "removed"
	ChainReordered = "reordered"
	ChainUnlinked  = "unlinked" // a run after the chain began that carries no record
)

// ChainProblem is one thing VerifyChain found wrong. Run is the run it
// names (0 when it cannot name one).
type ChainProblem struct {
	Run    int64  `json:"run"`
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

func (p ChainProblem) String() string {
	if p.Run == 0 {
		return fmt.Sprintf("%s: %s", p.Kind, p.Detail)
	}
	return fmt.Sprintf("run %d %s: %s", p.Run, p.Kind, p.Detail)
}

// PrunedLink is a pruned run whose chain record prune kept.
type PrunedLink struct {
	Run      int64  `json:"run"`
	Seq      int64  `json:"seq"`
	Digest   string `json:"digest"`
	PrunedAt string `json:"pruned_at"`
}

// EstateChain is the verification of one estate's chain.
type EstateChain struct {
	Estate string `json:"estate"`
	// Runs counts the estate's stored runs; Chained those with a record.
	Runs    int `json:"runs"`
	Chained int `json:"chained"`
	// Unchained lists runs stored before the chain existed (schema < 5):
	// the chain begins after them and cannot vouch for them.
	Unchained []int64 `json:"unchained"`
	// ChainStart is the first run of the chain (0: no chained run).
	ChainStart int64        `json:"chain_start"`
	Pruned     []PrunedLink `json:"pruned"`
	// HeadRun, HeadSeq and Head are the estate's latest link as recorded.
	HeadRun  int64          `json:"head_run"`
	HeadSeq  int64          `json:"head_seq"`
	Head     string         `json:"head"`
	Problems []ChainProblem `json:"problems"`
}

// ChainReport is VerifyChain's answer.
type ChainReport struct {
	Estates []EstateChain `json:"estates"`
}

// OK reports whether no estate has a problem.
func (r ChainReport) OK() bool {
	for _, e := range r.Estates {
		if len(e.Problems) > 0 {
			return false
		}
	}
	return true
}

// chainRow is one stored run as VerifyChain reads it.
type chainRow struct {
	id                          int64
	estate                      string
	started, finished, storedAt string
	run                         Run
	seq                         int64
	record                      sql.NullString
	digest                      string
	rec                         ChainRecord
	recOK                       bool
}

// VerifyChain checks the hash chain of one estate, or of every estate
// when estate is empty. It reads every stored document (to hash it), one
// run at a time. Problems are reported, not returned as errors; the error
// is for a store that cannot be read.
func (s *Store) VerifyChain(ctx context.Context, estate string) (ChainReport, error) {
	estates, err := s.chainEstates(ctx, estate)
	if err != nil {
		return ChainReport{}, s.wrap("verify chain", err)
	}
	var rep ChainReport
	for _, e := range estates {
		ec, err := s.verifyEstate(ctx, e)
		if err != nil {
			return ChainReport{}, err
		}
		rep.Estates = append(rep.Estates, ec)
	}
	return rep, nil
}

// chainEstates lists the estates that have runs, a head or pruned links.
func (s *Store) chainEstates(ctx context.Context, only string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT estate FROM runs UNION SELECT estate FROM chain_heads UNION SELECT estate FROM pruned_runs`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, err
		}
		if only == "" || e == only {
			out = append(out, e)
		}
	}
	sort.Strings(out)
	if only != "" && len(out) == 0 {
		return nil, fmt.Errorf("estate %q: %w", only, ErrNotFound)
	}
	return out, rows.Err()
}

func (s *Store) verifyEstate(ctx context.Context, estate string) (EstateChain, error) {
	ec := EstateChain{Estate: estate, Unchained: []int64{}, Pruned: []PrunedLink{}, Problems: []ChainProblem{}}
	add := func(run int64, kind, format string, args ...any) {
		ec.Problems = append(ec.Problems, ChainProblem{Run: run, Kind: kind, Detail: fmt.Sprintf(format, args...)})
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT `+runColumns+`, started, finished, stored_at, chain_seq, chain_record, chain_digest
		FROM runs WHERE estate = ? ORDER BY id`), estate)
	if err != nil {
		return ec, s.wrap("verify chain", err)
	}
	var runs []*chainRow
	for rows.Next() {
		c := &chainRow{}
		r, err := scanRun(rowScanner{rows, []any{&c.started, &c.finished, &c.storedAt, &c.seq, &c.record, &c.digest}})
		if err != nil {
			rows.Close()
			return ec, s.wrap("verify chain", err)
		}
		c.run, c.id, c.estate = r, r.ID, r.Estate
		runs = append(runs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return ec, s.wrap("verify chain", err)
	}
	ec.Runs = len(runs)

	// Pruned links.
	bySeq := map[int64][]link{}
	prows, err := s.db.QueryContext(ctx, s.rebind(`SELECT seq, run_id, record, digest, pruned_at FROM pruned_runs WHERE estate = ? ORDER BY seq`), estate)
	if err != nil {
		return ec, s.wrap("verify chain", err)
	}
	for prows.Next() {
		var pl PrunedLink
		var record string
		if err := prows.Scan(&pl.Seq, &pl.Run, &record, &pl.Digest, &pl.PrunedAt); err != nil {
			prows.Close()
			return ec, s.wrap("verify chain", err)
		}
		ec.Pruned = append(ec.Pruned, pl)
		var rec ChainRecord
		if sha256Hex([]byte(record)) != pl.Digest || decodeRecord(record, &rec) != nil {
			add(pl.Run, ChainAltered, "the record prune kept of it (chain position %d) no longer matches its digest", pl.Seq)
			bySeq[pl.Seq] = append(bySeq[pl.Seq], link{seq: pl.Seq, run: pl.Run, digest: pl.Digest})
			continue
		}
		if rec.Seq != pl.Seq || rec.ID != pl.Run || rec.Estate != estate {
			add(pl.Run, ChainAltered, "the record prune kept of it says run %d at position %d of estate %q", rec.ID, rec.Seq, rec.Estate)
		}
		bySeq[pl.Seq] = append(bySeq[pl.Seq], link{seq: pl.Seq, run: pl.Run, prevID: rec.PrevID, prev: rec.Prev, digest: pl.Digest})
	}
	prows.Close()
	if err := prows.Err(); err != nil {
		return ec, s.wrap("verify chain", err)
	}

	// Each run against its own record.
	startedOf := map[string]int64{} // record start time → run
	for _, c := range runs {
		if !c.record.Valid {
			continue
		}
		ec.Chained++
		if sha256Hex([]byte(c.record.String)) != c.digest {
			add(c.id, ChainAltered, "its chain record was edited (the record no longer matches its digest %s)", short(c.digest))
			bySeq[c.seq] = append(bySeq[c.seq], link{seq: c.seq, run: c.id, digest: c.digest, row: c})
			continue
		}
		if err := decodeRecord(c.record.String, &c.rec); err != nil {
			add(c.id, ChainAltered, "its chain record does not decode: %v", err)
			continue
		}
		c.recOK = true
		startedOf[c.rec.Started] = c.id
		bySeq[c.rec.Seq] = append(bySeq[c.rec.Seq], link{seq: c.rec.Seq, run: c.id, prevID: c.rec.PrevID, prev: c.rec.Prev, digest: c.digest, row: c})
	}
	for _, c := range runs {
		if !c.recOK {
			continue
		}
		rec := c.rec
		if rec.ID != c.id {
			add(c.id, ChainReordered, "the run stored as %d is recorded as run %d", c.id, rec.ID)
		}
		if rec.Seq != c.seq {
			add(c.id, ChainReordered, "it sits at chain position %d but is recorded at %d", c.seq, rec.Seq)
		}
		if rec.Estate != estate {
			add(c.id, ChainAltered, "it is stored under estate %q but was recorded under %q", estate, rec.Estate)
		}
		for _, m := range s.columnMismatches(c, startedOf) {
			add(c.id, m.kind, "%s", m.detail)
		}
		problems, err := s.documentMismatches(ctx, c.id, rec)
		if err != nil {
			return ec, err
		}
		for _, p := range problems {
			add(c.id, ChainAltered, "%s", p)
		}
	}

	// Runs without a record: before the chain began, or slipped in.
	first := int64(0)
	for _, l := range bySeq[1] {
		if first == 0 || l.run < first {
			first = l.run
		}
	}
	if first == 0 {
		// The chain's first link may have been pruned or removed: the
		// earliest link still known.
		for _, ls := range bySeq {
			for _, l := range ls {
				if first == 0 || l.run < first {
					first = l.run
				}
			}
		}
	}
	ec.ChainStart = first
	for _, c := range runs {
		if c.record.Valid {
			continue
		}
		if first == 0 || c.id < first {
			ec.Unchained = append(ec.Unchained, c.id)
			continue
		}
		add(c.id, ChainUnlinked, "it was stored after the chain began (run %d) but carries no chain record: stored outside keyholder, or its record was erased", first)
	}

	// The head.
	var head struct {
		seq, run int64
		digest   string
	}
	err = s.db.QueryRowContext(ctx, s.rebind(`SELECT seq, run_id, digest FROM chain_heads WHERE estate = ?`), estate).Scan(&head.seq, &head.run, &head.digest)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if len(bySeq) > 0 {
			add(0, ChainRemoved, "the estate's chain head is missing (its latest link cannot be checked)")
		}
	case err != nil:
		return ec, s.wrap("verify chain", err)
	}
	ec.HeadRun, ec.HeadSeq, ec.Head = head.run, head.seq, head.digest

	// Walk the positions 1..max.
	maxSeq := head.seq
	for seq := range bySeq {
		maxSeq = max(maxSeq, seq)
	}
	if maxSeq > head.seq && head.seq > 0 {
		add(0, ChainAltered, "links beyond the recorded head (position %d, run %d) exist: the head was rewound", head.seq, head.run)
	}
	var prev *link
	for seq := int64(1); seq <= maxSeq; seq++ {
		ls := bySeq[seq]
		if len(ls) == 0 {
			// Name the missing run from the link after the gap.
			next := int64(0)
			var after *link
			for k := seq + 1; k <= maxSeq; k++ {
				if n := bySeq[k]; len(n) > 0 {
					next, after = k, &n[0]
					break
				}
			}
			switch {
			case after != nil && next == seq+1 && after.prevID != 0:
				add(after.prevID, ChainRemoved, "chain position %d is missing: run %d records it as the run before it", seq, after.run)
			case after != nil:
				add(0, ChainRemoved, "chain positions %d–%d are missing (between %s and run %d)", seq, next-1, describeLink(prev), after.run)
				seq = next - 1
			case head.seq == seq && head.run != 0:
				add(head.run, ChainRemoved, "it was the estate's latest run (chain position %d) and is missing", seq)
			default:
				add(0, ChainRemoved, "chain position %d is missing", seq)
			}
			prev = nil
			continue
		}
		if len(ls) > 1 {
			ids := make([]string, len(ls))
			for i, l := range ls {
				ids[i] = fmt.Sprint(l.run)
			}
			add(ls[0].run, ChainReordered, "runs %s all claim chain position %d", strings.Join(ids, ", "), seq)
		}
		cur := ls[0]
		if prev != nil && cur.prev == "" && cur.row != nil && cur.row.recOK {
			add(cur.run, ChainAltered, "it sits at chain position %d after run %d but records no previous link", seq, prev.run)
		}
		if prev != nil && cur.prev != "" && cur.prev != prev.digest {
			add(prev.run, ChainAltered, "it was rewritten or replaced: run %d, the next link, records its digest as %s, it now has %s", cur.run, short(cur.prev), short(prev.digest))
		}
		if prev != nil && cur.row != nil && prev.row != nil && cur.run < prev.run {
			add(cur.run, ChainReordered, "it follows run %d in the chain but has a lower id", prev.run)
		}
		if seq == 1 && cur.prev != "" {
			add(cur.run, ChainAltered, "it is the first link but records a previous digest")
		}
		c := cur
		prev = &c
	}
	if head.seq > 0 {
		if ls := bySeq[head.seq]; len(ls) > 0 && ls[0].digest != head.digest {
			add(ls[0].run, ChainAltered, "its digest %s differs from the estate's recorded head %s", short(ls[0].digest), short(head.digest))
		}
	}
	sort.SliceStable(ec.Problems, func(i, j int) bool { return ec.Problems[i].Run < ec.Problems[j].Run })
	return ec, nil
}

// link is one position of an estate's chain: a stored run or a pruned one.
type link struct {
	seq, run, prevID int64
	prev, digest     string
	row              *chainRow // nil for a pruned link
}

func describeLink(l *link) string {
	if l == nil {
		return "the start of the chain"
	}
	return fmt.Sprintf("run %d", l.run)
}

func decodeRecord(text string, rec *ChainRecord) error {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(rec); err != nil {
		return err
	}
	if rec.V != chainRecordVersion {
		return fmt.Errorf("unknown chain record version %d", rec.V)
	}
	return nil
}

type mismatch struct{ kind, detail string }

// columnMismatches compares a run's columns with its record.
func (s *Store) columnMismatches(c *chainRow, startedOf map[string]int64) []mismatch {
	rec := c.rec
	var out []mismatch
	field := func(name string, stored, recorded any) {
		if fmt.Sprint(stored) != fmt.Sprint(recorded) {
			out = append(out, mismatch{ChainAltered, fmt.Sprintf("%s is %q in the store, %q when it was recorded", name, fmt.Sprint(stored), fmt.Sprint(recorded))})
		}
	}
	if c.started != rec.Started {
		if other, ok := startedOf[c.started]; ok && other != c.id {
			out = append(out, mismatch{ChainReordered, fmt.Sprintf("it carries run %d's start time %s (recorded: %s): runs were reordered", other, c.started, rec.Started)})
		} else {
			field("start time", c.started, rec.Started)
		}
	}
	field("finish time", c.finished, rec.Finished)
	field("stored_at", c.storedAt, rec.StoredAt)
	r := c.run
	field("config hash", r.ConfigHash, rec.ConfigHash)
	field("tool version", r.ToolVersion, rec.ToolVersion)
	field("organization", r.Organization, rec.Organization)
	field("profile", r.Profile, rec.Profile)
	field("verdict", r.Verdict, rec.Verdict)
	field("failing count", r.Failing, rec.Failing)
	field("blocker count", r.Blockers, rec.Blockers)
	field("unknown count", r.Unknown, rec.Unknown)
	field("principal count", r.Principals, rec.Principals)
	field("privileged grant count", r.PrivilegedGrants, rec.PrivilegedGrants)
	field("snapshot digest", r.SnapshotSHA, rec.SnapshotSHA256)
	return out
}

// documentMismatches hashes run id's stored documents and compares them
// with its record.
func (s *Store) documentMismatches(ctx context.Context, id int64, rec ChainRecord) ([]string, error) {
	var snapDoc, assessDoc, sumDoc []byte
	var enc string
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT snapshot, assessment, summary, encoding FROM runs WHERE id = ?"), id).Scan(&snapDoc, &assessDoc, &sumDoc, &enc)
	if err != nil {
		return nil, s.wrap(fmt.Sprintf("verify run %d", id), err)
	}
	var out []string
	check := func(what string, doc []byte, enc, want string) {
		got, err := hashDoc(doc, enc)
		if err != nil {
			out = append(out, fmt.Sprintf("its %s cannot be read (%v)", what, err))
			return
		}
		if got != want {
			out = append(out, fmt.Sprintf("its %s was changed (SHA-256 %s, recorded %s)", what, short(got), short(want)))
		}
	}
	check("snapshot", snapDoc, enc, rec.SnapshotSHA256)
	check("assessment", assessDoc, enc, rec.AssessmentSHA256)
	if sumDoc == nil {
		out = append(out, "its summary was removed")
	} else {
		check("summary", sumDoc, encodingGzip, rec.SummarySHA256)
	}
	return out, nil
}

// hashDoc returns the SHA-256 of a stored document's JSON, decompressing
// as it hashes (a large snapshot is never held whole).
func hashDoc(doc []byte, enc string) (string, error) {
	h := sha256.New()
	switch enc {
	case encodingJSON:
		h.Write(doc)
	case encodingGzip:
		zr, err := gzip.NewReader(bytes.NewReader(doc))
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		if _, err := io.Copy(h, zr); err != nil {
			return "", fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
	default:
		return "", fmt.Errorf("unknown document encoding %q", enc)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// changesDoc encodes a diff for the changes_doc column.
func changesDoc(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return compress(b)
}
