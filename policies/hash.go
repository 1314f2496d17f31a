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
// TestSnapshotHashMatchesFindings holds it to findings' encoding.
func snapshotSHA256(snap *findings.Snapshot) (string, error) {
	h := sha256.New()
	w := bufio.NewWriterSize(h, 1<<16)
	if err := encodeStreaming(w, snap); err != nil {
		return "", err
	}
	if err := w.Flush(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// encodeStreaming writes v (a struct) the way a json.Encoder with
// SetIndent("", "  ") and SetEscapeHTML(false) does, one top-level field
// and one slice element at a time.
func encodeStreaming(w io.Writer, v any) error {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	rt := rv.Type()
	var piece bytes.Buffer
	var indented bytes.Buffer
	enc := json.NewEncoder(&piece)
	enc.SetEscapeHTML(false)
	// write encodes x compactly, then indents it as a value nested depth
	// levels deep.
	write := func(x any, depth int) error {
		piece.Reset()
		if err := enc.Encode(x); err != nil {
			return err
		}
		indented.Reset()
		prefix := strings.Repeat("  ", depth)
		if err := json.Indent(&indented, bytes.TrimRight(piece.Bytes(), "\n"), prefix, "  "); err != nil {
			return err
		}
		_, err := w.Write(indented.Bytes())
		return err
	}
	if _, err := io.WriteString(w, "{"); err != nil {
		return err
	}
	first := true
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fv := rv.Field(i)
		if strings.Contains(opts, "omitempty") && fv.IsZero() {
			continue
		}
		if f.Anonymous || strings.Contains(opts, "string") || strings.Contains(opts, "omitzero") {
			return fmt.Errorf("policies: snapshot hash: field %s needs the generic encoder", f.Name)
		}
		sep := ",\n  "
		if first {
			sep = "\n  "
			first = false
		}
		key, _ := json.Marshal(name)
		if _, err := fmt.Fprintf(w, "%s%s: ", sep, key); err != nil {
			return err
		}
		if fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.Struct && !fv.IsNil() {
			n := fv.Len()
			if n == 0 {
				if _, err := io.WriteString(w, "[]"); err != nil {
					return err
				}
				continue
			}
			if _, err := io.WriteString(w, "["); err != nil {
				return err
			}
			for j := range n {
				s := ",\n    "
				if j == 0 {
					s = "\n    "
				}
				if _, err := io.WriteString(w, s); err != nil {
					return err
				}
				if err := write(fv.Index(j).Addr().Interface(), 2); err != nil {
					return err
				}
			}
			if _, err := io.WriteString(w, "\n  ]"); err != nil {
				return err
			}
			continue
		}
		if err := write(fv.Interface(), 1); err != nil {
			return err
		}
	}
	if first {
		_, err := io.WriteString(w, "}\n")
		return err
	}
	_, err := io.WriteString(w, "\n}\n")
	return err
}
