package policies

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/keyholder/keyholder/findings"
)

//go:embed checks/*.rego checks/lib/*.rego
var builtinFS embed.FS

// Profiles.
const (
	ProfileReadiness = "readiness"
	ProfileExit      = "exit"
)

// Options configure NewEngine.
type Options struct {
	// PolicyDir holds user checks (*.rego, searched recursively; files
	// ending in _test.rego are skipped). Empty means built-ins only.
	PolicyDir string
	Logger    *slog.Logger
}

// EvalOptions configure one evaluation.
type EvalOptions struct {
	// Profile is "readiness" (default) or "exit".
	Profile string
	// ExitProvider is the departed provider of an exit-profile run; it
	// must name a configured provider. In the readiness profile it narrows
	// the runbook to that provider.
	ExitProvider string
	// AsOf is the evaluation time; zero means the snapshot's FinishedAt.
	AsOf time.Time
	// Version is keyholder's version, recorded in the assessment.
	Version string
	// SnapshotSHA256, when set, is the snapshot's digest
	// (findings.Snapshot.Digest) as the caller has just computed or
	// verified it (a scan that sealed the snapshot it wrote, evaluate
	// reading a file whose seal verified); Evaluate records it instead
	// of hashing the snapshot again. Empty: Evaluate hashes it.
	SnapshotSHA256 string
}

// check is a compiled check: its metadata, prepared query and source.
type check struct {
	info        findings.CheckInfo
	pkg         string
	file        string
	notAffected []string
	systemKinds []string
	profiles    []string
	query       rego.PreparedEvalQuery
	builtin     bool
	source      string
}

// Engine holds the compiled checks. It is safe for concurrent use.
type Engine struct {
	checks []*check
	byID   map[string]*check
	log    *slog.Logger
}

// ErrPolicy is wrapped by every error about a check module (parse,
// compile, metadata), so the CLI can map it to the usage exit code.
var ErrPolicy = errors.New("invalid policy")

var (
	checkIDRE    = regexp.MustCompile(`^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$`)
	knownReads   = collectionSet()
	knownKinds   = map[string]bool{"entra": true, "aws": true, "ldap": true, "github": true, "declared": true, "workspace": true, "domains": true, "azure": true}
	knownProfile = map[string]bool{ProfileReadiness: true, ProfileExit: true}
)

func collectionSet() map[string]bool {
	m := map[string]bool{}
	for _, c := range findings.Collections() {
		m[c] = true
	}
	return m
}

// NewEngine parses and compiles the built-in checks and the user checks in
// opts.PolicyDir, once. A broken user module gives an error naming its file
// and line.
func NewEngine(opts Options) (*Engine, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	caps := capabilities()
	popts := ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1, Capabilities: caps}

	modules := map[string]*ast.Module{}
	sources := map[string]string{}
	var files []string
	err := fs.WalkDir(builtinFS, "checks", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".rego") {
			return err
		}
		src, err := builtinFS.ReadFile(path)
		if err != nil {
			return err
		}
		m, err := ast.ParseModuleWithOpts("builtin/"+path, string(src), popts)
		if err != nil {
			return fmt.Errorf("policies: built-in %s: %w", path, err)
		}
		modules["builtin/"+path] = m
		sources["builtin/"+path] = string(src)
		files = append(files, "builtin/"+path)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if opts.PolicyDir != "" {
		user, err := readUserModules(opts.PolicyDir, popts)
		if err != nil {
			return nil, err
		}
		for name, um := range user {
			modules[name] = um.module
			sources[name] = um.source
			files = append(files, name)
		}
	}
	sort.Strings(files)

	e := &Engine{byID: map[string]*check{}, log: log}
	for _, f := range files {
		m := modules[f]
		c, err := checkFromModule(f, m)
		if err != nil {
			return nil, err
		}
		if c == nil {
			continue // a library module
		}
		c.source = sources[f]
		if prev, dup := e.byID[c.info.ID]; dup {
			return nil, fmt.Errorf("%w: %s: check id %s is already defined by %s", ErrPolicy, f, c.info.ID, prev.file)
		}
		e.byID[c.info.ID] = c
		e.checks = append(e.checks, c)
	}

	compiler := ast.NewCompiler().WithCapabilities(caps).WithEnablePrintStatements(false)
	compiler.Compile(modules)
	if compiler.Failed() {
		return nil, fmt.Errorf("%w: compile: %s", ErrPolicy, formatErrors(compiler.Errors))
	}
	for _, c := range e.checks {
		pq, err := rego.New(
			rego.Compiler(compiler),
			rego.Query("data."+c.pkg+".results"),
			rego.Capabilities(caps),
		).PrepareForEval(context.Background())
		if err != nil {
			return nil, fmt.Errorf("%w: %s: prepare %s: %v", ErrPolicy, c.file, c.info.ID, err)
		}
		c.query = pq
	}
	slices.SortFunc(e.checks, func(a, b *check) int { return strings.Compare(a.info.ID, b.info.ID) })
	log.Debug("policies compiled", "checks", len(e.checks), "modules", len(modules))
	return e, nil
}

// capabilities are OPA's built-ins minus those that reach the network:
// an evaluation reads the snapshot and nothing else.
func capabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	caps.Builtins = slices.DeleteFunc(slices.Clone(caps.Builtins), func(b *ast.Builtin) bool {
		switch b.Name {
		case "http.send", "net.lookup_ip_addr", "opa.runtime", "rego.parse_module", "trace":
			return true
		}
		return false
	})
	caps.AllowNet = []string{}
	return caps
}

type userModule struct {
	module *ast.Module
	source string
}

func readUserModules(dir string, popts ast.ParserOptions) (map[string]userModule, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: --policy-dir: %v", ErrPolicy, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%w: --policy-dir %s is not a directory", ErrPolicy, dir)
	}
	out := map[string]userModule{}
	var errs []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".rego") || strings.HasSuffix(path, "_test.rego") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		m, err := ast.ParseModuleWithOpts(path, string(src), popts)
		if err != nil {
			errs = append(errs, formatErrors(err))
			return nil
		}
		if strings.HasPrefix(m.Package.Path.String(), "data.keyholder.lib") || strings.HasPrefix(m.Package.Path.String(), "data.keyholder.checks.") {
			errs = append(errs, fmt.Sprintf("%s:%d: package %s is reserved for built-in checks; use a package of your own (for example keyholder.user.mycheck)",
				path, m.Package.Location.Row, strings.TrimPrefix(m.Package.Path.String(), "data.")))
			return nil
		}
		out[path] = userModule{module: m, source: string(src)}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: --policy-dir: %v", ErrPolicy, err)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrPolicy, strings.Join(errs, "\n"))
	}
	return out, nil
}

// formatErrors renders OPA errors one per line as "file:line: message".
func formatErrors(err error) string {
	var astErrs ast.Errors
	if errors.As(err, &astErrs) {
		lines := make([]string, 0, len(astErrs))
		for _, e := range astErrs {
			loc := ""
			if e.Location != nil {
				loc = fmt.Sprintf("%s:%d: ", e.Location.File, e.Location.Row)
			}
			lines = append(lines, loc+e.Code+": "+e.Message)
		}
		return strings.Join(lines, "\n")
	}
	return err.Error()
}

// checkFromModule reads a module's package METADATA. A module without a
// custom.id is a library and returns nil.
func checkFromModule(file string, m *ast.Module) (*check, error) {
	var ann *ast.Annotations
	for _, a := range m.Annotations {
		if a.Scope == "package" || a.Scope == "subpackages" {
			ann = a
			break
		}
	}
	if ann == nil || ann.Custom["id"] == nil {
		return nil, nil
	}
	row := m.Package.Location.Row
	if ann.Location != nil {
		row = ann.Location.Row
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s:%d: %s", ErrPolicy, file, row, fmt.Sprintf(format, args...))
	}
	str := func(key string) (string, error) {
		v, ok := ann.Custom[key]
		if !ok {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", bad("METADATA custom.%s must be a string", key)
		}
		return strings.TrimSpace(s), nil
	}
	list := func(key string) ([]string, error) {
		v, ok := ann.Custom[key]
		if !ok {
			return nil, nil
		}
		items, ok := v.([]any)
		if !ok {
			return nil, bad("METADATA custom.%s must be a list of strings", key)
		}
		out := make([]string, 0, len(items))
		for _, it := range items {
			s, ok := it.(string)
			if !ok {
				return nil, bad("METADATA custom.%s must be a list of strings", key)
			}
			out = append(out, s)
		}
		return out, nil
	}
	id, err := str("id")
	if err != nil {
		return nil, err
	}
	if !checkIDRE.MatchString(id) {
		return nil, bad("check id %q is not like KH-SEG-001 (upper-case words joined by '-')", id)
	}
	if strings.TrimSpace(ann.Title) == "" {
		return nil, bad("check %s: METADATA title is required", id)
	}
	sev, err := str("severity")
	if err != nil {
		return nil, err
	}
	if findings.Severity(sev).Rank() == 0 {
		return nil, bad("check %s: severity %q is not one of blocker, high, medium, low, info", id, sev)
	}
	rem, err := str("remediation")
	if err != nil {
		return nil, err
	}
	reads, err := list("reads")
	if err != nil {
		return nil, err
	}
	for _, r := range reads {
		top, _, _ := strings.Cut(r, "/")
		if !knownReads[top] {
			return nil, bad("check %s: reads names unknown collection %q (known: %s)", id, r, strings.Join(findings.Collections(), ", "))
		}
	}
	notAff, err := list("not_affected_by")
	if err != nil {
		return nil, err
	}
	kinds, err := list("system_kinds")
	if err != nil {
		return nil, err
	}
	for _, k := range kinds {
		if !knownKinds[k] {
			return nil, bad("check %s: unknown system kind %q", id, k)
		}
	}
	profiles, err := list("profiles")
	if err != nil {
		return nil, err
	}
	if len(profiles) == 0 {
		profiles = []string{ProfileReadiness}
	}
	for _, p := range profiles {
		if !knownProfile[p] {
			return nil, bad("check %s: unknown profile %q (readiness or exit)", id, p)
		}
	}
	hasResults := false
	for _, r := range m.Rules {
		if r.Head.Name.String() == "results" || len(r.Head.Reference) > 0 && r.Head.Reference[0].Value.String() == "results" {
			hasResults = true
			break
		}
	}
	if !hasResults {
		return nil, bad("check %s: the module defines no results rule (want: results contains r if { ... })", id)
	}
	source := "builtin"
	builtin := strings.HasPrefix(file, "builtin/")
	if !builtin {
		source = file
	}
	return &check{
		info: findings.CheckInfo{
			ID: id, Title: strings.TrimSpace(ann.Title), Severity: findings.Severity(sev), Remediation: rem,
			Reads: reads, Source: source, Description: strings.TrimSpace(ann.Description), Profiles: profiles,
		},
		pkg:         strings.TrimPrefix(m.Package.Path.String(), "data."),
		file:        file,
		notAffected: notAff,
		systemKinds: kinds,
		profiles:    profiles,
		builtin:     builtin,
	}, nil
}

// Checks describes every compiled check, sorted by id.
func (e *Engine) Checks() []findings.CheckInfo {
	out := make([]findings.CheckInfo, len(e.checks))
	for i, c := range e.checks {
		out[i] = c.info
	}
	return out
}

// Check describes one check by id.
func (e *Engine) Check(id string) (findings.CheckInfo, bool) {
	c, ok := e.byID[id]
	if !ok {
		return findings.CheckInfo{}, false
	}
	return c.info, true
}

// Source returns the Rego module that defines a check.
func (e *Engine) Source(id string) (string, bool) {
	c, ok := e.byID[id]
	if !ok {
		return "", false
	}
	return c.source, true
}

// inProfile reports whether c runs in profile.
func (c *check) inProfile(profile string) bool { return slices.Contains(c.profiles, profile) }

// appliesTo reports whether c evaluates systems of kind k.
func (c *check) appliesTo(k findings.SystemKind) bool {
	return len(c.systemKinds) == 0 || slices.Contains(c.systemKinds, string(k))
}

// judgesSystem reports whether c judges system kind k for the gap rules:
// it applies to k, and the declared inventory only when the check names
// it in system_kinds (it holds no keys, trusts or grants of its own).
func (c *check) judgesSystem(k findings.SystemKind) bool {
	if k == findings.SystemDeclared {
		return slices.Contains(c.systemKinds, string(k))
	}
	return c.appliesTo(k)
}

// reportsGaps is true for KH-COV-001, the built-in check that reports
// gaps and failed targets itself: the gap rules leave it alone.
func (c *check) reportsGaps() bool { return c.builtin && c.info.ID == "KH-COV-001" }

// readsAll is true for a check whose METADATA lists no reads (other than
// KH-COV-001): nobody said what it rests on, so every collection is taken
// as its input and any gap can make it unknown.
func (c *check) readsAll() bool { return len(c.info.Reads) == 0 && !c.reportsGaps() }

// covers reports whether gap collection gc covers what c (or one of its
// results, with narrowed reads) rests on.
func (c *check) covers(gc string, reads []string, narrowed bool) bool {
	if c.reportsGaps() {
		return false
	}
	if !narrowed {
		if c.readsAll() {
			for _, na := range c.notAffected {
				if gc != "system" && strings.HasPrefix(gc, na) {
					return false
				}
			}
			return true
		}
		reads = c.info.Reads
	}
	return gapCovers(gc, reads, c.notAffected)
}

// ChecksLeftUnknownBy returns the ids (sorted) of the checks of a profile
// ("" is readiness) that a gap of collection (for example
// "grants/pim_eligibility") on a system of kind would leave unknown:
// those that apply to the kind and whose METADATA reads cover the
// collection, net of not_affected_by. It is the same rule the evaluation
// applies (gap_checks in the assessment), without a snapshot, so a test
// can prove that every gap a scanner can emit (scanners.Factory.Gaps)
// makes at least one check unknown. KH-COV-001, which reports every gap
// itself, is never listed. A structural gap a declared relationship can
// cover is still listed: coverage depends on the config.
func (e *Engine) ChecksLeftUnknownBy(profile string, kind findings.SystemKind, collection string) []string {
	if profile == "" {
		profile = ProfileReadiness
	}
	var out []string
	for _, c := range e.checks {
		if !c.inProfile(profile) || kind != "" && !c.appliesTo(kind) {
			continue
		}
		if c.covers(collection, nil, false) {
			out = append(out, c.info.ID)
		}
	}
	return out
}
