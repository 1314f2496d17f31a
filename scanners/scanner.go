package scanners

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
)

// Scanner reads one configured target and reports what it saw.
//
// Contract:
//
//  1. Scan only reads. It never calls an API that creates, changes or
//     deletes anything, not even "harmless" ones (a scanner may call
//     read-side report generators such as IAM GenerateCredentialReport,
//     which AWS documents as read-only, and must say so in its README).
//  2. Scan returns a snapshot fragment holding the System(s) it scanned and
//     every principal, membership, grant, licence, backup and trust it read,
//     with ids built by findings.PrincipalID / ObjectID / GrantID.
//  3. A collection that is denied, unlicensed, unsupported or fails after
//     retries is recorded as a findings.Gap (see GapFromError) and the scan
//     goes on with the other collections. It is never silently empty.
//  4. A non-nil error means the target as a whole could not be scanned
//     (unreachable, authentication failed). Whatever was collected before
//     is still returned alongside it and kept.
//  5. Scan honours ctx: when it is cancelled, Scan returns promptly with
//     ctx's error (and what it had collected).
//  6. No secret from the config appears in the result, in errors or in
//     logs. Resolve secrets with config.SecretRef.Resolve(env.Redactor).
//  7. Output is deterministic for the same source data: no map-order or
//     time.Now dependence (use Env.Now).
type Scanner interface {
	Scan(ctx context.Context) (*findings.Snapshot, error)
}

// Follower is implemented by a scanner whose inputs include what other
// targets found: the domains scanner also looks up the domains an Entra
// tenant or a Workspace account verified.
//
// Contract:
//
//  1. The runner calls ScanAfter instead of Scan, once every other
//     selected target (and the declared inventory) has finished or been
//     abandoned, with their merged snapshot as prior. Followers run in one
//     phase after all the others: a follower never sees another
//     follower's facts.
//  2. ScanAfter must not modify prior or anything it points to, and must
//     not keep it after returning: prior is shared with the runner and
//     the other followers. Facts taken from prior are copied into the
//     result only as the follower's own (its System, ids built from its
//     own name), never re-emitted as another system's.
//  3. prior may be partial: a target that failed, was cancelled or was
//     left out with --target contributes what it had, or nothing. The
//     follower reads what is there; it does not repeat prior's gaps.
//  4. Every item of the Scanner contract applies to ScanAfter as it does
//     to Scan (read-only, gaps, ctx, secrets, deterministic for the same
//     source data and prior).
//  5. Scan still works on its own (tests, a caller without a runner): it
//     scans the target's own inputs as if prior were empty.
type Follower interface {
	Scanner
	ScanAfter(ctx context.Context, prior *findings.Snapshot) (*findings.Snapshot, error)
}

// Env is what the runner hands to every scanner.
type Env struct {
	Logger *slog.Logger
	// Now is the clock; scanners never call time.Now.
	Now func() time.Time
	// Config is the whole config. Scanners read hints from it (sensitive
	// repositories, backup bucket rules) but never judge parties.
	Config   *config.Config
	Redactor *config.Redactor
	Progress Progress
	// Version is keyholder's version, for User-Agent headers.
	Version string
}

// Progress receives progress of a long scan. Implementations must be safe
// for concurrent use; the runner supplies a no-op when output is not a
// terminal.
type Progress interface {
	// Step reports that target is working on step; done and total count
	// items where known (total 0 means unknown).
	Step(target, step string, done, total int)
}

// NopProgress discards progress.
type NopProgress struct{}

// Step does nothing.
func (NopProgress) Step(string, string, int, int) {}

// WithDefaults fills unset fields of env with safe defaults.
func (env Env) WithDefaults() Env {
	if env.Logger == nil {
		env.Logger = slog.New(slog.DiscardHandler)
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Progress == nil {
		env.Progress = NopProgress{}
	}
	if env.Redactor == nil {
		env.Redactor = &config.Redactor{}
	}
	if env.Config == nil {
		env.Config = &config.Config{}
	}
	if env.Version == "" {
		env.Version = "dev"
	}
	return env
}

// Factory builds scanners of one target type.
type Factory struct {
	// Type is the target "type" value this factory handles.
	Type string
	// Summary is one line describing what the scanner reads.
	Summary string
	// New decodes and validates the target's config section strictly
	// (config.DecodeTarget) and returns a scanner. It must not do I/O or
	// resolve secrets; config errors are returned as config.Problems.
	New func(t config.Target, env Env) (Scanner, error)
	// Permissions returns the minimal read-only permissions the scanner
	// needs.
	Permissions func() Permissions
	// Gaps lists every findings.Gap.Collection value the scanner can emit
	// ("grants/pim", "organization/accounts", ...). A meta-test checks that
	// each one makes at least one check unknown, so no gap is silent.
	Gaps []string
}

// Permissions documents what a scanner needs to read its source.
type Permissions struct {
	Type    string
	Summary string
	Items   []Permission
	// Document is a machine-readable grant, e.g. an AWS IAM policy JSON.
	Document string
	// Notes are extra remarks (managed policies that cover it, licences).
	Notes []string
}

// Permission is one permission and why it is needed.
type Permission struct {
	Name string
	Why  string
	// Optional is true when the scanner records a gap without it.
	Optional bool
}

// Registry holds the scanner factories, built explicitly in code.
type Registry struct {
	byType map[string]Factory
}

// NewRegistry returns a registry of the given factories. It panics on a
// duplicate or empty type: that is a programming error.
func NewRegistry(factories ...Factory) *Registry {
	r := &Registry{byType: map[string]Factory{}}
	for _, f := range factories {
		if f.Type == "" || f.New == nil || f.Permissions == nil {
			panic(fmt.Sprintf("scanners: incomplete factory %q", f.Type))
		}
		if _, dup := r.byType[f.Type]; dup {
			panic(fmt.Sprintf("scanners: duplicate factory %q", f.Type))
		}
		r.byType[f.Type] = f
	}
	return r
}

// Lookup returns the factory for a target type.
func (r *Registry) Lookup(typ string) (Factory, bool) {
	f, ok := r.byType[typ]
	return f, ok
}

// Types returns the registered types, sorted.
func (r *Registry) Types() []string {
	out := make([]string, 0, len(r.byType))
	for t := range r.byType {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Error classes. Scanners wrap source errors with these so the runner and
// GapFromError can classify them with errors.Is.
var (
	// ErrDenied: the credentials lack a permission (403, AccessDenied,
	// insufficientAccessRights).
	ErrDenied = errors.New("access denied")
	// ErrUnlicensed: the tenant or account lacks a licence or plan for
	// the collection (Entra P1/P2, GitHub Enterprise).
	ErrUnlicensed = errors.New("not licensed")
	// ErrThrottled: the source kept throttling after retries.
	ErrThrottled = errors.New("throttled")
	// ErrUnsupported: the source has no such collection (server flavour,
	// API version).
	ErrUnsupported = errors.New("not supported by the source")
	// ErrMalformed: the source answered with data that does not parse or
	// breaks protocol rules (pagination loop, oversized page).
	ErrMalformed = errors.New("malformed response")
)

// GapFromError builds a gap for a collection that could not be read,
// classifying err by the sentinels above. remedy names the permission or
// licence that would close it. The error text is scrubbed by red.
func GapFromError(system, collection string, err error, remedy string, red *config.Redactor) findings.Gap {
	reason := findings.GapFailed
	switch {
	case errors.Is(err, ErrDenied):
		reason = findings.GapDenied
	case errors.Is(err, ErrUnlicensed):
		reason = findings.GapUnlicensed
	case errors.Is(err, ErrUnsupported):
		reason = findings.GapUnsupported
	}
	msg := ""
	if err != nil {
		msg = red.Error(err).Error()
	}
	return findings.Gap{
		ID:         findings.GapID(system, collection),
		System:     system,
		Collection: collection,
		Reason:     reason,
		Error:      msg,
		Remedy:     remedy,
	}
}

// GapDeclared reports whether collection matches one of patterns, the
// form of Factory.Gaps: an exact collection name, or one where "*" stands
// for any non-empty text ("backups/vaults/*" matches
// "backups/vaults/eu-west-1").
func GapDeclared(patterns []string, collection string) bool {
	for _, p := range patterns {
		if globMatch(p, collection) {
			return true
		}
	}
	return false
}

func globMatch(p, s string) bool {
	star := strings.IndexByte(p, '*')
	if star < 0 {
		return p == s
	}
	if !strings.HasPrefix(s, p[:star]) {
		return false
	}
	rest := s[star:]
	for i := 1; i <= len(rest); i++ {
		if globMatch(p[star+1:], rest[i:]) {
			return true
		}
	}
	return false
}
