package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong with a config file, located by file, line and
// key path.
type Problem struct {
	File string
	Line int
	// Path is the key path, e.g. "providers[0].domains".
	Path string
	Msg  string
}

func (p *Problem) Error() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		b.WriteByte(':')
	}
	if p.Line > 0 {
		b.WriteString(strconv.Itoa(p.Line))
		b.WriteByte(':')
	}
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is every problem found in a config; it is an error.
type Problems []*Problem

func (ps Problems) Error() string {
	msgs := make([]string, len(ps))
	for i, p := range ps {
		msgs[i] = p.Error()
	}
	return strings.Join(msgs, "\n")
}

// Sort orders problems by file, line and path.
func (ps Problems) Sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].File != ps[j].File {
			return ps[i].File < ps[j].File
		}
		if ps[i].Line != ps[j].Line {
			return ps[i].Line < ps[j].Line
		}
		return ps[i].Path < ps[j].Path
	})
}

// ErrInvalid is wrapped by every config error, so callers can map it to
// the usage/config exit code.
var ErrInvalid = errors.New("invalid config")

// AsProblems returns the problems inside err, or nil.
func AsProblems(err error) Problems {
	var ps Problems
	if errors.As(err, &ps) {
		return ps
	}
	var p *Problem
	if errors.As(err, &p) {
		return Problems{p}
	}
	return nil
}

// Load reads, strictly decodes and validates a config file. On error it
// returns Problems listing every problem found.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(data, path)
}

// Parse decodes and validates config data; name is used in messages.
func Parse(data []byte, name string) (*Config, error) {
	cfg, err := parseAll(data, name)
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// LoadAll is Load for keyholder validate: with problems it still returns
// what could be decoded (nil only for unreadable or unparsable YAML), so
// the targets can be checked by their scanners too and every problem is
// reported at once.
func LoadAll(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return parseAll(data, path)
}

func parseAll(data []byte, name string) (*Config, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		return nil, Problems{syntaxProblem(name, data, err)}
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, Problems{{File: name, Msg: "empty config"}}
	}
	doc := root.Content[0]
	var probs Problems
	probs = append(probs, checkKnown(name, doc, reflect.TypeOf(Config{}), "")...)

	// Targets are decoded by hand: common keys here, the rest by scanners.
	var cfg Config
	targets, tprobs := extractTargets(name, doc)
	probs = append(probs, tprobs...)
	decodeErr := decodeLoose(doc, &cfg)
	if decodeErr != nil {
		// A shape problem checkKnown reported on the same line already
		// says it; keep one message per line.
		lines := map[int]bool{}
		for _, p := range probs {
			lines[p.Line] = true
		}
		for _, p := range toProblems(name, decodeErr) {
			if !lines[p.Line] {
				probs = append(probs, p)
			}
		}
	}
	cfg.Targets = targets
	cfg.Path = name
	sum := sha256.Sum256(data)
	cfg.Hash = hex.EncodeToString(sum[:])
	cfg.Policy.applyDefaults()

	var typeErr *yaml.TypeError
	if decodeErr == nil || errors.As(decodeErr, &typeErr) {
		// Unknown keys and type errors do not stop validation (the decoder
		// fills in what it can): report everything at once.
		probs = append(probs, validate(&cfg, doc)...)
	}
	for _, p := range probs {
		if p.Path == "" && p.Line > 0 {
			p.Path = pathAtLine(doc, p.Line, "")
		}
	}
	if len(probs) > 0 {
		probs.Sort()
		return &cfg, probs
	}
	return &cfg, nil
}

func yamlProblem(file string, err error) *Problem {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 0
	if strings.HasPrefix(msg, "line ") {
		rest := msg[len("line "):]
		if i := strings.IndexByte(rest, ':'); i > 0 {
			if n, perr := strconv.Atoi(rest[:i]); perr == nil {
				line = n
				msg = strings.TrimSpace(rest[i+1:])
				// yaml.v3 reports the line of the construct a "did not
				// find expected ..." error is in counting from 0: one
				// line early.
				if strings.HasPrefix(msg, "did not find expected") {
					line++
				}
			}
		}
	}
	return &Problem{File: file, Line: line, Msg: msg}
}

// syntaxProblem is yamlProblem for a syntax error of data, on the line
// where the problem is. yaml.v3 reports the line of the construct a parser
// error is in, not of the offending token: "did not find expected key"
// points at the start of the enclosing mapping, a tab at the line before
// it, an unknown anchor at no line at all. The first line whose prefix of
// the document fails with the very same error is where it went wrong
// (a truncated but valid multi-line construct fails differently, or at
// another context line).
func syntaxProblem(file string, data []byte, err error) *Problem {
	p := yamlProblem(file, err)
	const maxLines = 5000
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) > maxLines {
		return p
	}
	want := err.Error()
	n := 0
	for k, l := range lines {
		n += len(l)
		var node yaml.Node
		if perr := yaml.NewDecoder(bytes.NewReader(data[:n])).Decode(&node); perr != nil && perr.Error() == want {
			p.Line = k + 1
			break
		}
	}
	return p
}

func toProblems(file string, err error) Problems {
	var out Problems
	var te *yaml.TypeError
	var p *Problem
	switch {
	case errors.As(err, &te):
		for _, e := range te.Errors {
			out = append(out, yamlProblem(file, errors.New(e)))
		}
	case errors.As(err, &p):
		cp := *p
		cp.File = file
		out = append(out, &cp)
	default:
		out = append(out, yamlProblem(file, err))
	}
	return out
}

// decodeLoose decodes n into v without rejecting unknown keys (checkKnown
// has already reported them, with every line).
func decodeLoose(n *yaml.Node, v any) error {
	return n.Decode(v)
}

var secretKey = regexp.MustCompile(`(?i)(password|passwd|secret|token|private_key|api_key|apikey|credential|client_secret)$`)

// checkKnown walks n against the struct type t and reports every mapping
// key that t does not declare, with its line. Keys that look like literal
// secrets get a message pointing to the *_env / *_file form.
func checkKnown(file string, n *yaml.Node, t reflect.Type, path string) Problems {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	var probs Problems
	switch t.Kind() {
	case reflect.Struct:
		if t == reflect.TypeOf(Date{}) || t == reflect.TypeOf(yaml.Node{}) {
			return nil
		}
		if n.Kind != yaml.MappingNode {
			if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
				return nil
			}
			return Problems{{File: file, Line: n.Line, Path: path, Msg: "expected a mapping"}}
		}
		fields := yamlFields(t)
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			key := k.Value
			sub := joinPath(path, key)
			if first, dup := seen[key]; dup {
				probs = append(probs, &Problem{File: file, Line: k.Line, Path: sub, Msg: fmt.Sprintf("duplicate key (first on line %d)", first)})
				continue
			}
			seen[key] = k.Line
			ft, ok := fields[key]
			if !ok {
				u := unknownKey(file, k, sub)
				if close := closest(key, fields); close != "" && u.Msg == "unknown key" {
					u.Msg = fmt.Sprintf("unknown key (did you mean %q?)", close)
				}
				probs = append(probs, u)
				continue
			}
			probs = append(probs, checkKnown(file, v, ft, sub)...)
		}
	case reflect.Slice:
		if t == reflect.TypeOf([]Target{}) {
			return nil // checked by the scanner that owns each target
		}
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return nil
		}
		if n.Kind != yaml.SequenceNode {
			return Problems{{File: file, Line: n.Line, Path: path, Msg: "expected a list"}}
		}
		for i, item := range n.Content {
			probs = append(probs, checkKnown(file, item, t.Elem(), fmt.Sprintf("%s[%d]", path, i))...)
		}
	case reflect.Map:
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return nil
		}
		if n.Kind != yaml.MappingNode {
			return Problems{{File: file, Line: n.Line, Path: path, Msg: "expected a mapping"}}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			probs = append(probs, checkKnown(file, n.Content[i+1], t.Elem(), joinPath(path, n.Content[i].Value))...)
		}
	default:
		if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
			return Problems{{File: file, Line: n.Line, Path: path, Msg: "expected a single value"}}
		}
	}
	return probs
}

func unknownKey(file string, k *yaml.Node, path string) *Problem {
	if secretKey.MatchString(k.Value) {
		return &Problem{File: file, Line: k.Line, Path: path,
			Msg: fmt.Sprintf("literal secrets are not allowed in the config; use %s_env (an environment variable name) or %s_file (a file path)", k.Value, k.Value)}
	}
	return &Problem{File: file, Line: k.Line, Path: path, Msg: "unknown key"}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// yamlFields maps yaml keys to field types, following ",inline" fields.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(opts, "inline") {
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

// extractTargets reads the common keys of every target and keeps its node
// for the scanner that owns it.
func extractTargets(file string, doc *yaml.Node) ([]Target, Problems) {
	tn := mapValue(doc, "targets")
	if tn == nil || (tn.Kind == yaml.ScalarNode && tn.Tag == "!!null") {
		return nil, nil
	}
	if tn.Kind != yaml.SequenceNode {
		return nil, Problems{{File: file, Line: tn.Line, Path: "targets", Msg: "expected a list"}}
	}
	var out []Target
	var probs Problems
	for i, n := range tn.Content {
		path := fmt.Sprintf("targets[%d]", i)
		if n.Kind != yaml.MappingNode {
			probs = append(probs, &Problem{File: file, Line: n.Line, Path: path, Msg: "expected a mapping"})
			continue
		}
		t := Target{Node: n, File: file, Line: n.Line}
		if v := mapValue(n, "type"); v != nil {
			t.Type = v.Value
		}
		if v := mapValue(n, "name"); v != nil {
			t.Name = v.Value
		}
		if t.Type == "" {
			probs = append(probs, &Problem{File: file, Line: n.Line, Path: path + ".type", Msg: "missing target type"})
		}
		if t.Name == "" {
			probs = append(probs, &Problem{File: file, Line: n.Line, Path: path + ".name", Msg: "missing target name"})
		}
		out = append(out, t)
	}
	return out, probs
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// lineOf returns the line of the value at a dotted path with [i] indexes,
// or 0.
func lineOf(doc *yaml.Node, path string) int {
	n := doc
	for _, part := range strings.Split(path, ".") {
		key, idx := part, -1
		if i := strings.IndexByte(part, '['); i >= 0 {
			key = part[:i]
			idx, _ = strconv.Atoi(strings.TrimSuffix(part[i+1:], "]"))
		}
		n = mapValue(n, key)
		if n == nil {
			return 0
		}
		if idx >= 0 {
			if n.Kind != yaml.SequenceNode || idx >= len(n.Content) {
				return 0
			}
			n = n.Content[idx]
		}
	}
	return n.Line
}

// DecodeTarget strictly decodes a target's mapping into v, a pointer to
// the scanner's own config struct. The keys "type" and "name" are allowed
// and ignored unless v declares them. Every unknown key is reported with
// its line; literal secrets get a pointer to the *_env / *_file form.
func DecodeTarget(t Target, v any) error {
	rt := reflect.TypeOf(v)
	if rt.Kind() != reflect.Pointer {
		return fmt.Errorf("config: DecodeTarget needs a pointer, got %T", v)
	}
	path := "targets." + t.Name
	// Allow the common keys by checking a copy of the node without them.
	stripped := *t.Node
	stripped.Content = nil
	fields := yamlFields(rt.Elem())
	for i := 0; i+1 < len(t.Node.Content); i += 2 {
		k := t.Node.Content[i].Value
		if (k == "type" || k == "name") && fields[k] == nil {
			continue
		}
		stripped.Content = append(stripped.Content, t.Node.Content[i], t.Node.Content[i+1])
	}
	probs := checkKnown(t.File, &stripped, rt, path)
	if len(probs) == 0 {
		if err := stripped.Decode(v); err != nil {
			for _, p := range toProblems(t.File, err) {
				if p.Path == "" && p.Line > 0 {
					p.Path = pathAtLine(&stripped, p.Line, path)
				}
				probs = append(probs, p)
			}
		}
	}
	if len(probs) > 0 {
		probs.Sort()
		return probs
	}
	return nil
}

// TargetProblem returns a Problem located at a target's key (or the target
// itself when key is empty), for scanners' own validation messages.
func TargetProblem(t Target, key, msg string) *Problem {
	line := t.Line
	path := "targets." + t.Name
	if key != "" {
		path += "." + key
		if v := lineOf(t.Node, key); v > 0 {
			line = v
		}
	}
	return &Problem{File: t.File, Line: line, Path: path, Msg: msg}
}

func quote(s string) string { return strconv.Quote(s) }

func equalFold(a, b string) bool { return strings.EqualFold(a, b) }

// pathAtLine returns the key path of the first mapping key or sequence
// item on line in n, or "".
func pathAtLine(n *yaml.Node, line int, path string) string {
	if n == nil {
		return ""
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if p := pathAtLine(c, line, path); p != "" {
				return p
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			sub := joinPath(path, k.Value)
			if k.Line == line || (v.Kind == yaml.ScalarNode && v.Line == line) {
				return sub
			}
			if p := pathAtLine(v, line, sub); p != "" {
				return p
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			sub := fmt.Sprintf("%s[%d]", path, i)
			if c.Kind == yaml.ScalarNode && c.Line == line {
				return sub
			}
			if p := pathAtLine(c, line, sub); p != "" {
				return p
			}
		}
	}
	return ""
}

// closest returns the known key nearest to key (edit distance at most 2,
// or 3 for long keys), or "".
func closest(key string, fields map[string]reflect.Type) string {
	best, bestD := "", 1<<30
	limit := 2
	if len(key) > 10 {
		limit = 3
	}
	names := make([]string, 0, len(fields))
	for f := range fields {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		if d := editDistance(strings.ToLower(key), f); d < bestD {
			best, bestD = f, d
		}
	}
	if bestD <= limit {
		return best
	}
	return ""
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// SecretWarnings returns, for every *_env key in the targets whose
// environment variable is unset and every *_file key whose file cannot be
// read, a problem located at the key. They are warnings: the scan would
// fail on that target, not refuse to start.
func SecretWarnings(c *Config) Problems {
	var out Problems
	var walk func(n *yaml.Node, path string, file string)
	walk = func(n *yaml.Node, path, file string) {
		if n == nil {
			return
		}
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				sub := joinPath(path, k.Value)
				if v.Kind == yaml.ScalarNode && v.Value != "" {
					switch {
					case strings.HasSuffix(k.Value, "_env"):
						if _, ok := os.LookupEnv(v.Value); !ok {
							out = append(out, &Problem{File: file, Line: v.Line, Path: sub, Msg: fmt.Sprintf("warning: environment variable %s is not set", v.Value)})
						}
					case strings.HasSuffix(k.Value, "_file"):
						if f, err := os.Open(v.Value); err != nil {
							out = append(out, &Problem{File: file, Line: v.Line, Path: sub, Msg: fmt.Sprintf("warning: cannot read %s: %v", v.Value, errors.Unwrap(err))})
						} else {
							f.Close()
						}
					}
				}
				walk(v, sub, file)
			}
		case yaml.SequenceNode:
			for i, it := range n.Content {
				walk(it, fmt.Sprintf("%s[%d]", path, i), file)
			}
		}
	}
	for _, t := range c.Targets {
		walk(t.Node, "targets."+t.Name, t.File)
	}
	out.Sort()
	return out
}
