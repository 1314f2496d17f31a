package store

import (
	"context"
	"fmt"
)

// EstateRun is the latest run of one estate with its summary, and the
// run before it (without summary) when there is one.
type EstateRun struct {
	Latest   Run
	Summary  *Summary // nil for runs stored before summaries existed
	Previous *Run
}

// Estates returns the latest run of every estate (and the one before it),
// ordered by estate name. It reads the summary columns and the small
// compressed summary only, never a snapshot or an assessment.
func (s *Store) Estates(ctx context.Context) ([]EstateRun, error) {
	// The inner query names its columns: SELECT * would carry the
	// documents through the window.
	q := `SELECT ` + runColumns + `, summary, n FROM
		(SELECT ` + runColumns + `, summary, row_number() OVER (PARTITION BY estate ORDER BY id DESC) AS n FROM runs) AS ranked
		WHERE n <= 2 ORDER BY estate, id DESC`
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return nil, s.wrap("list estates", err)
	}
	defer rows.Close()
	var out []EstateRun
	for rows.Next() {
		var sum []byte
		var n int
		r, err := scanRun(rowScanner{rows, []any{&sum, &n}})
		if err != nil {
			return nil, s.wrap("list estates", err)
		}
		if n == 1 {
			sm, err := decodeSummary(sum)
			if err != nil {
				return nil, fmt.Errorf("store: run %d: %w", r.ID, err)
			}
			out = append(out, EstateRun{Latest: r, Summary: sm})
			continue
		}
		if len(out) > 0 && out[len(out)-1].Latest.Estate == r.Estate {
			prev := r
			out[len(out)-1].Previous = &prev
		}
	}
	return out, s.wrap("list estates", rows.Err())
}

// rowScanner appends extra destinations to a run's scan.
type rowScanner struct {
	sc    scanner
	extra []any
}

func (r rowScanner) Scan(dest ...any) error { return r.sc.Scan(append(dest, r.extra...)...) }
