package findings

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
)

// This file is the one canonical JSON encoder of keyholder's documents.
// It writes exactly what a json.Encoder with SetIndent("", "  ") and
// SetEscapeHTML(false) writes for the same value, but streams it: a
// struct that holds slices of structs (a Snapshot, an Assessment) is
// written field by field and those slices element by element, so a
// snapshot of millions of grants is never built, indented or hashed as
// one document in memory. TestStreamMatchesEncodingJSON holds it to
// encoding/json's bytes.

// writeCanonical writes v (a pointer to a struct) in canonical form with
// the trailing newline, through a buffer.
func writeCanonical(w io.Writer, v any) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	if err := newStreamer(bw).value(reflect.ValueOf(v), 0); err != nil {
		return err
	}
	if _, err := io.WriteString(bw, "\n"); err != nil {
		return err
	}
	return bw.Flush()
}

// sha256Of returns the hex SHA-256 of v's canonical encoding.
func sha256Of(v any) (string, error) {
	h := sha256.New()
	if err := writeCanonical(h, v); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// streamer writes JSON the way a json.Encoder with SetIndent("", "  ")
// and SetEscapeHTML(false) does, one piece at a time.
type streamer struct {
	w        io.Writer
	piece    bytes.Buffer
	indented bytes.Buffer
	enc      *json.Encoder
	out      []byte // the direct encoder's output
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
func (s *streamer) value(v reflect.Value, depth int) error {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return s.write("null")
		}
		if streamable(v.Type().Elem()) {
			return s.object(v.Elem(), depth)
		}
	}
	if v.Kind() == reflect.Struct && streamable(v.Type()) {
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

// leaf writes x indented for its depth: directly when the direct
// encoder knows its type, else encoded compactly by encoding/json and
// then indented.
func (s *streamer) leaf(x any, depth int) error {
	if v := reflect.ValueOf(x); v.IsValid() && directable(v.Type()) {
		var err error
		s.out, err = s.direct(s.out[:0], v, depth)
		if err != nil {
			return err
		}
		_, err = s.w.Write(s.out)
		return err
	}
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
			return fmt.Errorf("findings: canonical JSON: field %s.%s needs encoding/json's generic encoder", t.Name(), f.Name)
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
		if err := s.value(fv, depth+1); err != nil {
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
