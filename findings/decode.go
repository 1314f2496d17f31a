package findings

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// decodeSnapshotStream decodes a snapshot document token by token: the
// top-level fields one at a time and each collection (principals,
// grants, ...) element by element, so the decoder never holds the whole
// file (encoding/json's Decoder reads a value whole before decoding it).
// Strings that repeat across items (systems, levels, privileges, holder
// ids) are shared, which keeps a decoded snapshot of a million grants
// small. It is as strict as decoding the document at once: unknown
// fields, wrong types and trailing data are errors naming where.
func decodeSnapshotStream(r io.Reader, name string, s *Snapshot) error {
	dec := newDecoder(r, 0)
	fail := func(err error, field string) error {
		return decodeError(name, dec, err, field)
	}
	if err := expectDelim(dec, '{'); err != nil {
		return fail(err, "")
	}
	fields := jsonFields(reflect.ValueOf(s).Elem())
	in := newInterner()
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail(err, "")
		}
		key, _ := tok.(string)
		fv, ok := fields[key]
		if !ok {
			return fmt.Errorf("%s: json: unknown field %q", name, key)
		}
		if fv.Kind() != reflect.Slice || fv.Type().Elem().Kind() != reflect.Struct {
			if err := dec.Decode(fv.Addr().Interface()); err != nil {
				return fail(err, key)
			}
			continue
		}
		if err := decodeList(dec, fv, in, key, fail); err != nil {
			return err
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return fail(err, "")
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil || isSyntax(err) {
			return fmt.Errorf("%s: unexpected data after the JSON document", name)
		}
		return fail(err, "")
	}
	return nil
}

// decodeList decodes the JSON array at the decoder into the slice fv,
// one element at a time.
func decodeList(dec *decoder, fv reflect.Value, in *interner, key string, fail func(error, string) error) error {
	tok, err := dec.Token()
	if err != nil {
		return fail(err, key)
	}
	if tok == nil {
		fv.SetZero() // null: Canonicalize makes it empty
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fail(&json.UnmarshalTypeError{Value: fmt.Sprint(tok), Type: fv.Type(), Offset: dec.InputOffset()}, key)
	}
	// Items are decoded into chunks, then copied once into a list of
	// the exact length: no growing list copied again and again, and no
	// unused capacity left behind.
	const chunkLen = 4096
	var chunks []reflect.Value
	n := 0
	next := func() reflect.Value { // the place of item n
		if len(chunks) <= n/chunkLen {
			chunks = append(chunks, reflect.MakeSlice(fv.Type(), chunkLen, chunkLen))
		}
		return chunks[len(chunks)-1].Index(n % chunkLen)
	}
	// Items in the plain form scan writes are read by fastList; each
	// other item by encoding/json, after which fastList goes on.
	fast := fastDecodable(reflect.New(fv.Type().Elem()).Interface())
	state := atOpened
	closed := false
	for i := 0; !closed; i++ {
		if fast {
			m, end, err := dec.fastList(next, &n, in, state)
			if err != nil {
				return fail(err, key)
			}
			i += m
			if end {
				closed = true
				break
			}
		}
		if !dec.More() {
			break
		}
		el := next()
		x := el.Addr().Interface()
		if err := dec.Decode(x); err != nil {
			return fail(err, fmt.Sprintf("%s[%d]", key, i))
		}
		in.item(x)
		n++
		state = atItem
	}
	if !closed {
		if err := expectDelim(dec, ']'); err != nil {
			return fail(err, key)
		}
	}
	list := reflect.MakeSlice(fv.Type(), n, n)
	for i, c := range chunks {
		reflect.Copy(list.Slice(i*chunkLen, min(n, (i+1)*chunkLen)), c)
		chunks[i] = reflect.Value{}
	}
	fv.Set(list)
	return nil
}

// jsonFields maps the JSON names of a struct's fields to the fields.
func jsonFields(v reflect.Value) map[string]reflect.Value {
	out := map[string]reflect.Value{}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = v.Field(i)
	}
	return out
}

func expectDelim(dec *decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return &json.SyntaxError{Offset: dec.InputOffset()}
	}
	return nil
}

func isSyntax(err error) bool {
	var se *json.SyntaxError
	return errors.As(err, &se)
}

// decodeError names the file, and the byte or field, of a decoding error.
func decodeError(name string, dec *decoder, err error, field string) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s: %w", name, io.ErrUnexpectedEOF)
	case errors.As(err, &se):
		return fmt.Errorf("%s: invalid JSON at byte %d: %w", name, dec.InputOffset(), err)
	case errors.As(err, &te):
		// "systems[3]" and "id" give field "systems.id" (item 3).
		base, idx, _ := strings.Cut(field, "[")
		at := base
		if te.Field != "" {
			at = base + "." + te.Field
		}
		item := ""
		if idx != "" {
			item = " (item " + strings.TrimSuffix(idx, "]") + ")"
		}
		return fmt.Errorf("%s: field %q%s at byte %d: %w", name, at, item, dec.InputOffset(), err)
	}
	if field != "" && strings.Contains(field, "[") {
		return fmt.Errorf("%s: %s: %w", name, field, err)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// interner shares the strings that repeat across a snapshot's items.
type interner struct{ m map[string]string }

func newInterner() *interner { return &interner{m: map[string]string{}} }

func (in *interner) s(p *string) {
	if *p == "" {
		return
	}
	if v, ok := in.m[*p]; ok {
		*p = v
		return
	}
	in.m[*p] = *p
}

// item shares the repeating strings of one decoded item.
func (in *interner) item(x any) {
	switch v := x.(type) {
	case *Grant:
		in.s(&v.System)
		in.s(&v.PrincipalID)
		in.s(&v.Privilege)
		in.s((*string)(&v.Level))
		in.s((*string)(&v.Assignment))
		in.s(&v.PrivilegeID)
		for i := range v.Via {
			in.s(&v.Via[i])
		}
	case *Membership:
		in.s(&v.System)
		in.s(&v.MemberID)
		in.s(&v.GroupID)
	case *Principal:
		in.s(&v.System)
		in.s((*string)(&v.Kind))
		in.s((*string)(&v.MFA))
		in.s(&v.Domain)
		in.s(&v.HomeOrg)
		in.s(&v.HomeOrgKind)
	}
}
