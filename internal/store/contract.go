package store

import (
	"context"

	"github.com/keyholder/keyholder/findings"
)

// History is the contract every store backend keeps (SQLite file or
// PostgreSQL database); conformance_test.go checks it against both.
//
//   - Save/SaveEstate store a run atomically under an estate name and
//     return it with a new id greater than every id stored before it.
//     Concurrent writers from many processes never lose or merge runs.
//     Documents are stored compressed; the snapshot comes back from Get
//     byte-identical in canonical form.
//   - List, Run, Previous, Estates and Resolve read summary columns only;
//     they never load a snapshot or an assessment. List and Estates are
//     newest first by id (Estates: one entry per estate).
//   - An estate never sees another's runs: List{Estate}, ResolveIn,
//     Previous{Estate} and Prune{Estate} are confined to it, and Prune's
//     Keep counts per estate.
//   - Unknown ids and references fail with ErrNotFound or ErrBadRef; a
//     location that is not a keyholder store fails with ErrNotStore and is
//     left untouched; a newer schema fails with ErrNewer.
//   - Every run saved is linked into its estate's hash chain (chain.go)
//     in the same transaction; Prune keeps the chain records of the runs
//     it deletes; VerifyChain names every run altered, removed or
//     reordered since, and runs stored before the chain existed as such.
//   - A store judges nothing: it returns what it was given.
type History interface {
	Save(ctx context.Context, a *findings.Assessment) (Run, error)
	SaveEstate(ctx context.Context, estate string, a *findings.Assessment) (Run, error)
	SetChanges(ctx context.Context, id int64, c *findings.Changes) error
	List(ctx context.Context, opts ListOptions) ([]Run, error)
	Run(ctx context.Context, id int64) (Run, error)
	Get(ctx context.Context, id int64) (Run, *findings.Assessment, error)
	Previous(ctx context.Context, id int64, m Match) (Run, bool, error)
	Resolve(ctx context.Context, ref string) (int64, error)
	ResolveIn(ctx context.Context, estate, ref string) (int64, error)
	Prune(ctx context.Context, opts PruneOptions) ([]int64, error)
	VerifyChain(ctx context.Context, estate string) (ChainReport, error)
	Estates(ctx context.Context) ([]EstateRun, error)
	SchemaVersion(ctx context.Context) (int, error)
	Path() string
	Backend() string
	Close() error
}

var _ History = (*Store)(nil)
