package findings

import (
	"encoding"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// The direct encoder writes a value's indented JSON in one pass, for
// the types the model is made of (structs of strings, bools, integers,
// times, string maps, and slices and pointers of those): encoding/json's
// encode-then-indent costs twice as much, and the snapshot's items are
// encoded three times per run (seal, file, evaluation). A type it does
// not know (a custom JSON method, a float, an interface) falls back to
// encoding/json. TestStreamMatchesEncodingJSON and the golden files hold
// its bytes to encoding/json's.

var (
	timeType          = reflect.TypeFor[time.Time]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	directOK          sync.Map // reflect.Type -> bool
	directFields      sync.Map // reflect.Type -> []directField
)

type directField struct {
	key       string // `"name": `
	index     int
	omitEmpty bool
}

func customJSON(t reflect.Type) bool {
	return t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) ||
		t.Implements(textMarshalerType) || reflect.PointerTo(t).Implements(textMarshalerType)
}

// directable reports whether the direct encoder handles t.
func directable(t reflect.Type) bool {
	if ok, seen := directOK.Load(t); seen {
		return ok.(bool)
	}
	directOK.Store(t, false) // a recursive type is not handled
	ok := checkDirect(t)
	directOK.Store(t, ok)
	return ok
}

func checkDirect(t reflect.Type) bool {
	if t == timeType {
		return true
	}
	if t.Kind() == reflect.Pointer {
		return directable(t.Elem()) // *T has T's JSON, checked there
	}
	if customJSON(t) {
		return false
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	case reflect.Slice:
		return t.Elem().Kind() != reflect.Uint8 && directable(t.Elem())
	case reflect.Map:
		return t.Key().Kind() == reflect.String && !customJSON(t.Key()) && t.Elem().Kind() == reflect.String && !customJSON(t.Elem())
	case reflect.Struct:
		var fields []directField
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" && opts == "" {
				continue
			}
			if f.Anonymous || strings.Contains(opts, "string") || strings.Contains(opts, "omitzero") || !directable(f.Type) {
				return false
			}
			if name == "" {
				name = f.Name
			}
			if !safeString(name) {
				return false
			}
			fields = append(fields, directField{key: `"` + name + `": `, index: i, omitEmpty: strings.Contains(opts, "omitempty")})
		}
		directFields.Store(t, fields)
		return true
	}
	return false
}

// safeString reports whether s needs no escaping in JSON (with HTML
// characters left as they are).
func safeString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

var indents = func() []string {
	out := make([]string, 32)
	for i := range out {
		out[i] = "\n" + strings.Repeat("  ", i)
	}
	return out
}()

func newline(depth int) string {
	if depth < len(indents) {
		return indents[depth]
	}
	return "\n" + strings.Repeat("  ", depth)
}

// direct appends v's JSON, indented for depth, to buf.
func (s *streamer) direct(buf []byte, v reflect.Value, depth int) ([]byte, error) {
	t := v.Type()
	if t == timeType {
		b, err := v.Interface().(time.Time).MarshalJSON()
		if err != nil {
			return buf, &json.MarshalerError{Type: t, Err: err}
		}
		return append(buf, b...), nil
	}
	switch t.Kind() {
	case reflect.String:
		return s.appendString(buf, v.String())
	case reflect.Bool:
		return strconv.AppendBool(buf, v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(buf, v.Int(), 10), nil
	case reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.AppendUint(buf, v.Uint(), 10), nil
	case reflect.Pointer:
		if v.IsNil() {
			return append(buf, "null"...), nil
		}
		return s.direct(buf, v.Elem(), depth)
	case reflect.Slice:
		if v.IsNil() {
			return append(buf, "null"...), nil
		}
		n := v.Len()
		if n == 0 {
			return append(buf, "[]"...), nil
		}
		buf = append(buf, '[')
		var err error
		for i := range n {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, newline(depth+1)...)
			if buf, err = s.direct(buf, v.Index(i), depth+1); err != nil {
				return buf, err
			}
		}
		buf = append(buf, newline(depth)...)
		return append(buf, ']'), nil
	case reflect.Map:
		if v.IsNil() {
			return append(buf, "null"...), nil
		}
		if v.Len() == 0 {
			return append(buf, "{}"...), nil
		}
		keys := make([]string, 0, v.Len())
		for it := v.MapRange(); it.Next(); {
			keys = append(keys, it.Key().String())
		}
		slices.Sort(keys)
		buf = append(buf, '{')
		var err error
		for i, k := range keys {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, newline(depth+1)...)
			if buf, err = s.appendString(buf, k); err != nil {
				return buf, err
			}
			buf = append(buf, ": "...)
			if buf, err = s.appendString(buf, v.MapIndex(reflect.ValueOf(k).Convert(t.Key())).String()); err != nil {
				return buf, err
			}
		}
		buf = append(buf, newline(depth)...)
		return append(buf, '}'), nil
	case reflect.Struct:
		fs, _ := directFields.Load(t)
		first := true
		var err error
		for _, f := range fs.([]directField) {
			fv := v.Field(f.index)
			if f.omitEmpty && isEmptyValue(fv) {
				continue
			}
			if first {
				buf = append(buf, '{')
				first = false
			} else {
				buf = append(buf, ',')
			}
			buf = append(buf, newline(depth+1)...)
			buf = append(buf, f.key...)
			if buf, err = s.direct(buf, fv, depth+1); err != nil {
				return buf, err
			}
		}
		if first {
			return append(buf, "{}"...), nil
		}
		buf = append(buf, newline(depth)...)
		return append(buf, '}'), nil
	}
	return buf, &json.UnsupportedTypeError{Type: t}
}

// appendString appends s quoted as encoding/json quotes it (HTML left
// unescaped).
func (s *streamer) appendString(buf []byte, str string) ([]byte, error) {
	if safeString(str) {
		buf = append(buf, '"')
		buf = append(buf, str...)
		return append(buf, '"'), nil
	}
	s.piece.Reset()
	if err := s.enc.Encode(str); err != nil {
		return buf, err
	}
	b := s.piece.Bytes()
	return append(buf, b[:len(b)-1]...), nil // without Encode's newline
}
