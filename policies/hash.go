package policies

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/keyholder/keyholder/findings"
)

// snapshotSHA256 returns the SHA-256 of snap's canonical JSON, the same
// bytes findings.Snapshot.Encode writes (snap must be canonicalised), but
// streamed: each collection item is encoded and indented on its own, so a
// snapshot of millions of grants never sits in memory as one document.
// TestStreamingMatchesFindings holds it to findings' encoding.
func snapshotSHA256(snap *findings.Snapshot) (string, error) {
	h := sha256.New()
	w := bufio.NewWriterSize(h, 1<<16)
	if err := newStreamer(w).value(reflect.ValueOf(snap), 0, true); err != nil {
		return "", err
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return "", err
	}
	if err := w.Flush(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// AssessmentDigest is findings.Assessment.Digest, streamed: the SHA-256
// of a's encoding without its recorded digest (assessment_sha256).
func AssessmentDigest(a *findings.Assessment) (string, error) {
	rec := a.AssessmentSHA256
	a.AssessmentSHA256 = ""
	defer func() { a.AssessmentSHA256 = rec }()
	h := sha256.New()
	if err := EncodeAssessment(h, a); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// EncodeAssessment writes a exactly as findings.EncodeAssessment does
// (indented JSON, sorted map keys, the embedded snapshot canonicalised),
// but streams it item by item: an assessment of a large estate, which
// embeds its snapshot, is never built as one document in memory.
func EncodeAssessment(w io.Writer, a *findings.Assessment) error {
	if a.SchemaVersion == "" {
		a.SchemaVersion = findings.SchemaVersion
	}
	if a.Snapshot != nil {
		a.Snapshot.Canonicalize()
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if err := newStreamer(bw).value(reflect.ValueOf(a), 0, true); err != nil {
		return err
	}
	if _, err := io.WriteString(bw, "\n"); err != nil {
		return err
	}
	return bw.Flush()
}

// streamer writes JSON the way a json.Encoder with SetIndent("", "  ")
// and SetEscapeHTML(false) does, but a struct that holds slices of structs
// is written field by field and those slices element by element.
type streamer struct {
	w        io.Writer
	piece    bytes.Buffer
	indented bytes.Buffer
	enc      *json.Encoder
}

func newStreamer(w io.Writer) *streamer {
	s := &streamer{w: w}
	s.enc = json.NewEncoder(&s.piece)
	s.enc.SetEscapeHTML(false)
	return s
}

var marshalerType = reflect.TypeFor[json.Marshaler]()

// streamable reports whether a struct type is worth writing field by
// field: it has no JSON method of its own and holds a slice of structs or
// a pointer to such a struct.
func streamable(t reflect.Type) bool {
	if t.Kind() != reflect.Struct || t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) {
		return false
	}
	for i := 0; i < t.NumField(); i++ {
		ft := t.Field(i).Type
		if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
			return true
		}
		if ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct && streamable(ft.Elem()) {
			return true
		}
	}
	return false
}

func (s *streamer) write(str string) error {
	_, err := io.WriteString(s.w, str)
	return err
}

func indent(depth int) string { return strings.Repeat("  ", depth) }

// value writes v nested depth levels deep (the caller has written the
// indentation of its first line).
func (s *streamer) value(v reflect.Value, depth int, top bool) error {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return s.write("null")
		}
		if streamable(v.Type().Elem()) {
			return s.object(v.Elem(), depth)
		}
	}
	if v.Kind() == reflect.Struct && (top || streamable(v.Type())) && streamable(v.Type()) {
		return s.object(v, depth)
	}
	if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct && !v.IsNil() {
		n := v.Len()
		if n == 0 {
			return s.write("[]")
		}
		if err := s.write("["); err != nil {
			return err
		}
		for j := range n {
			sep := ",\n"
			if j == 0 {
				sep = "\n"
			}
			if err := s.write(sep + indent(depth+1)); err != nil {
				return err
			}
			el := v.Index(j)
			var x any
			if el.CanAddr() {
				x = el.Addr().Interface() // no copy of the element
			} else {
				x = el.Interface()
			}
			if err := s.leaf(x, depth+1); err != nil {
				return err
			}
		}
		return s.write("\n" + indent(depth) + "]")
	}
	return s.leaf(v.Interface(), depth)
}

// leaf encodes x compactly, then indents it for its depth.
func (s *streamer) leaf(x any, depth int) error {
	s.piece.Reset()
	if err := s.enc.Encode(x); err != nil {
		return err
	}
	s.indented.Reset()
	if err := json.Indent(&s.indented, bytes.TrimRight(s.piece.Bytes(), "\n"), indent(depth), "  "); err != nil {
		return err
	}
	_, err := s.w.Write(s.indented.Bytes())
	return err
}

// object writes a struct field by field, honouring json tags and
// omitempty as encoding/json does.
func (s *streamer) object(v reflect.Value, depth int) error {
	t := v.Type()
	if err := s.write("{"); err != nil {
		return err
	}
	first := true
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" && opts == "" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if f.Anonymous || strings.Contains(opts, "string") || strings.Contains(opts, "omitzero") {
			return fmt.Errorf("policies: json stream: field %s.%s needs encoding/json's generic encoder", t.Name(), f.Name)
		}
		fv := v.Field(i)
		if strings.Contains(opts, "omitempty") && isEmptyValue(fv) {
			continue
		}
		sep := ","
		if first {
			sep = ""
			first = false
		}
		key, err := json.Marshal(name)
		if err != nil {
			return err
		}
		if err := s.write(sep + "\n" + indent(depth+1) + string(key) + ": "); err != nil {
			return err
		}
		if err := s.value(fv, depth+1, false); err != nil {
			return err
		}
	}
	if first {
		return s.write("}")
	}
	return s.write("\n" + indent(depth) + "}")
}

// isEmptyValue is encoding/json's omitempty test.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}
