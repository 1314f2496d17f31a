package findings

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"
)

// This file decodes the items a large snapshot has millions of (grants,
// memberships, principals) without encoding/json's reflection, for the
// plain form scan writes: known field names spelled exactly, each once;
// strings without escapes and in valid UTF-8; booleans; lists of such
// strings. Anything else in an item (another spelling of a name, an
// unknown field, null, a number where a string belongs, an escape,
// times, maps) makes the item go to encoding/json instead, from its
// bytes, so every result and every error is encoding/json's:
// TestIssue21_FastDecodeMatchesEncodingJSON holds the two to the same
// values and errors. The bytes were already checked to be one valid JSON
// value by the json.Decoder that read them.

// fastField is where one field's value goes.
type fastField struct {
	str    *string
	intern bool
	b      *bool
	list   *[]string
	tm     **time.Time
}

// fastFields returns the field of x named key, and ok false for a name
// the fast path does not handle (including every name it does not know).
// seen is a bit per field, to send duplicates to encoding/json.
func fastFields(x any, key []byte) (f fastField, bit uint32, ok bool) {
	switch v := x.(type) {
	case *Grant:
		switch string(key) {
		case "id":
			return fastField{str: &v.ID}, 1 << 0, true
		case "system":
			return fastField{str: &v.System, intern: true}, 1 << 1, true
		case "principal_id":
			return fastField{str: &v.PrincipalID, intern: true}, 1 << 2, true
		case "privilege":
			return fastField{str: &v.Privilege, intern: true}, 1 << 3, true
		case "privilege_id":
			return fastField{str: &v.PrivilegeID, intern: true}, 1 << 4, true
		case "level":
			return fastField{str: (*string)(&v.Level), intern: true}, 1 << 5, true
		case "scope":
			return fastField{str: &v.Scope}, 1 << 6, true
		case "assignment":
			return fastField{str: (*string)(&v.Assignment), intern: true}, 1 << 7, true
		case "via":
			return fastField{list: &v.Via, intern: true}, 1 << 8, true
		case "direct":
			return fastField{b: &v.Direct}, 1 << 9, true
		case "expires":
			return fastField{tm: &v.Expires}, 1 << 11, true
		case "sensitive":
			return fastField{list: &v.Sensitive}, 1 << 10, true
		}
	case *Membership:
		switch string(key) {
		case "id":
			return fastField{str: &v.ID}, 1 << 0, true
		case "system":
			return fastField{str: &v.System, intern: true}, 1 << 1, true
		case "member_id":
			return fastField{str: &v.MemberID, intern: true}, 1 << 2, true
		case "group_id":
			return fastField{str: &v.GroupID, intern: true}, 1 << 3, true
		}
	case *Principal:
		switch string(key) {
		case "id":
			return fastField{str: &v.ID}, 1 << 0, true
		case "system":
			return fastField{str: &v.System, intern: true}, 1 << 1, true
		case "kind":
			return fastField{str: (*string)(&v.Kind), intern: true}, 1 << 2, true
		case "native_id":
			return fastField{str: &v.NativeID}, 1 << 3, true
		case "display_name":
			return fastField{str: &v.DisplayName}, 1 << 4, true
		case "login":
			return fastField{str: &v.Login}, 1 << 5, true
		case "emails":
			return fastField{list: &v.Emails}, 1 << 6, true
		case "domain":
			return fastField{str: &v.Domain, intern: true}, 1 << 7, true
		case "dn":
			return fastField{str: &v.DN}, 1 << 8, true
		case "home_org":
			return fastField{str: &v.HomeOrg, intern: true}, 1 << 9, true
		case "home_org_kind":
			return fastField{str: &v.HomeOrgKind, intern: true}, 1 << 10, true
		case "enabled":
			return fastField{b: &v.Enabled}, 1 << 11, true
		case "mfa":
			return fastField{str: (*string)(&v.MFA), intern: true}, 1 << 12, true
		case "synced":
			return fastField{b: &v.Synced}, 1 << 13, true
		case "last_activity_known":
			return fastField{b: &v.LastActivityKnown}, 1 << 14, true
		case "created":
			return fastField{tm: &v.Created}, 1 << 15, true
		case "last_activity":
			return fastField{tm: &v.LastActivity}, 1 << 16, true
		}
	}
	return fastField{}, 0, false
}

// fastItems turns fastList on (tests turn it off for the reference), and
// fastChunk is how much it reads at a time (tests make it small).
var (
	fastItems = true
	fastChunk = 256 << 10
)

// fastDecodable reports whether x is a type fastDecode handles.
func fastDecodable(x any) bool {
	if !fastItems {
		return false
	}
	switch x.(type) {
	case *Grant, *Membership, *Principal:
		return true
	}
	return false
}

// fastDecode decodes the JSON object at the start of b into x (a zero
// *Grant, *Membership or *Principal) and returns the bytes it took. ok is
// false when it could not (x may then be partly set): short when b ended
// before the object did (more bytes may help), else the object is not in
// the plain form and encoding/json must decode it.
func fastDecode(b []byte, x any, in *interner) (n int, ok, short bool) {
	p := fastParser{b: b}
	n, ok = p.object(x, in)
	return n, ok, !ok && p.short
}

func (p *fastParser) object(x any, in *interner) (int, bool) {
	if !p.eat('{') {
		return 0, false
	}
	var seen uint32
	p.ws()
	if p.eat('}') {
		return p.i, true
	}
	for {
		p.ws()
		key, ok := p.str()
		if !ok {
			return 0, false
		}
		f, bit, ok := fastFields(x, key)
		if !ok || seen&bit != 0 {
			return 0, false
		}
		seen |= bit
		p.ws()
		if !p.eat(':') {
			return 0, false
		}
		p.ws()
		switch {
		case f.str != nil:
			s, ok := p.str()
			if !ok {
				return 0, false
			}
			*f.str = in.bytes(s, f.intern)
		case f.tm != nil:
			// A time is what time.Time's UnmarshalJSON makes of the
			// string, as encoding/json would call it.
			start := p.i
			if _, ok := p.str(); !ok {
				return 0, false
			}
			t := new(time.Time)
			if t.UnmarshalJSON(p.b[start:p.i]) != nil {
				return 0, false
			}
			*f.tm = t
		case f.b != nil:
			if len(p.b)-p.i < 6 {
				p.short = true
				return 0, false
			}
			switch {
			case bytes.HasPrefix(p.b[p.i:], []byte("true")):
				*f.b, p.i = true, p.i+4
			case bytes.HasPrefix(p.b[p.i:], []byte("false")):
				*f.b, p.i = false, p.i+5
			default:
				return 0, false
			}
		case f.list != nil:
			if !p.eat('[') {
				return 0, false
			}
			list := []string{} // encoding/json: [] is an empty list, not nil
			p.ws()
			if !p.eat(']') {
				for {
					p.ws()
					s, ok := p.str()
					if !ok {
						return 0, false
					}
					list = append(list, in.bytes(s, f.intern))
					p.ws()
					if p.eat(']') {
						break
					}
					if !p.eat(',') {
						return 0, false
					}
				}
			}
			*f.list = list
		}
		p.ws()
		if p.eat('}') {
			return p.i, true
		}
		if !p.eat(',') {
			return 0, false
		}
	}
}

type fastParser struct {
	b     []byte
	i     int
	short bool // ran off the end of b
}

func (p *fastParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *fastParser) eat(c byte) bool {
	if p.i >= len(p.b) {
		p.short = true
		return false
	}
	if p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a string without escapes, in valid UTF-8 and without
// control characters: its bytes are its value.
func (p *fastParser) str() ([]byte, bool) {
	if !p.eat('"') {
		return nil, false
	}
	start := p.i
	ascii := true
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			if !ascii && !utf8.Valid(s) {
				return nil, false
			}
			return s, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		p.i++
	}
	p.short = true
	return nil, false
}

// bytes returns b as a string, shared with equal ones when intern is
// set.
func (in *interner) bytes(b []byte, intern bool) string {
	if len(b) == 0 {
		return ""
	}
	if !intern {
		return string(b)
	}
	if v, ok := in.m[string(b)]; ok {
		return v
	}
	s := string(b)
	in.m[s] = s
	return s
}

// decoder is the streaming decoder's json.Decoder, which fastList may
// replace while it reads: InputOffset counts from the file's start.
type decoder struct {
	*json.Decoder
	src   io.Reader // what the json.Decoder reads from
	shift int64     // add to the json.Decoder's offset
}

func newDecoder(src io.Reader, shift int64) *decoder {
	d := &decoder{Decoder: json.NewDecoder(src), src: src, shift: shift}
	d.DisallowUnknownFields()
	return d
}

// InputOffset is the offset in the file.
func (d *decoder) InputOffset() int64 { return d.Decoder.InputOffset() + d.shift }

// Where fastList hands the rest of the file back to a json.Decoder, and
// the bytes that put a new one in the state the old one would be in at
// that point (inside the top-level object, inside the list): the list
// just opened, after an item, after the comma that follows an item, or
// after the list's end.
const (
	atOpened = iota
	atItem
	atComma
	atClosed
)

var handPrefix = [...]string{
	atOpened: `{"":[`,
	atItem:   `{"":[0`,
	atComma:  `{"":[0,`,
	atClosed: `{"":0`,
}

// fastList reads the items of the list the decoder is in (state: the
// list just opened, or after an item), while they are in the plain form fastDecode handles, each into
// next() (then counted in *n). At the first item it does not handle, or
// anything else but whitespace, a comma or the list's end between items,
// it hands the bytes from the last point it understood back to a new
// json.Decoder in d, which then reads them exactly as the old one would
// have (the same values, errors and offsets). It returns the number of
// items read and whether it read the list's end; an error only when
// reading the file failed.
func (d *decoder) fastList(next func() reflect.Value, n *int, in *interner, state int) (items int, closed bool, err error) {
	base := d.InputOffset()
	r := &itemReader{src: io.MultiReader(d.Buffered(), d.src)}
	mark := 0 // r.off() of the last point understood
	handBack := func() error {
		src := io.MultiReader(strings.NewReader(handPrefix[state]), bytes.NewReader(r.rest(mark)), r.src)
		*d = *newDecoder(src, base+int64(mark)-int64(len(handPrefix[state])))
		// The prefix's tokens: '{', "", then '[', '[' 0, or 0. A number
		// ends where the next byte is not one: whatever that byte is,
		// the number is read and the byte left for what comes next, as
		// the old decoder would have.
		toks := 3
		if state == atItem || state == atComma {
			toks = 4
		}
		for range toks {
			if _, err := d.Token(); err != nil {
				return err // reading failed
			}
		}
		return nil
	}
	for {
		c, ok := r.peekAfterSpace(mark)
		if !ok {
			return items, false, handBack()
		}
		switch {
		case c == ']' && state != atComma:
			r.pos++
			mark, state = r.off(), atClosed
			return items, true, handBack()
		case c == ',' && state == atItem:
			r.pos++
			mark, state = r.off(), atComma
			continue
		case c == '{' && state != atItem:
		default:
			return items, false, handBack()
		}
		el := next()
		x := el.Addr().Interface()
		for {
			used, ok, short := fastDecode(r.buf[r.pos:], x, in)
			if ok {
				r.pos += used
				break
			}
			el.SetZero()
			if short && r.fill(mark) {
				continue
			}
			// Not plain: encoding/json decodes the item from its bytes
			// when they are one well-formed object it accepts (then it
			// gives what the old decoder would have: the same bytes,
			// the same type); any error is the old decoder's to report,
			// at its place, after the hand-back.
			end, whole := r.objectEnd(mark)
			if !whole {
				return items, false, handBack()
			}
			item := json.NewDecoder(bytes.NewReader(r.buf[r.pos:end]))
			item.DisallowUnknownFields()
			if err := item.Decode(x); err != nil || item.InputOffset() != int64(end-r.pos) {
				el.SetZero()
				return items, false, handBack()
			}
			in.item(x)
			r.pos = end
			break
		}
		*n++
		items++
		mark, state = r.off(), atItem
	}
}

// itemReader buffers what fastList reads.
type itemReader struct {
	src     io.Reader
	buf     []byte
	pos     int   // read up to here
	dropped int64 // bytes before buf[0]
	done    bool  // src has no more (or failed: the json.Decoder it is handed back to reports that)
}

// off is the offset of pos from where reading began.
func (r *itemReader) off() int { return int(r.dropped) + r.pos }

// rest returns a copy of what is buffered from offset mark on.
func (r *itemReader) rest(mark int) []byte {
	return bytes.Clone(r.buf[mark-int(r.dropped):])
}

// fill reads more into buf, keeping what is from offset keep on (the
// last point fastList understood); false when there is no more.
func (r *itemReader) fill(keep int) bool {
	if r.done {
		return false
	}
	chunk := fastChunk
	if k := keep - int(r.dropped); k > 0 {
		m := copy(r.buf, r.buf[k:])
		r.buf = r.buf[:m]
		r.pos -= k
		r.dropped += int64(k)
	}
	if cap(r.buf)-len(r.buf) < chunk {
		nb := make([]byte, len(r.buf), 2*len(r.buf)+chunk)
		copy(nb, r.buf)
		r.buf = nb
	}
	m, err := r.src.Read(r.buf[len(r.buf):cap(r.buf)])
	r.buf = r.buf[:len(r.buf)+m]
	if err != nil {
		r.done = true
	}
	return m > 0 || !r.done
}

// objectEnd returns the end in buf of the object at pos, reading more
// when needed (keeping from keep on); whole is false when the input ends
// first. Strings and their escapes are skipped; the object's syntax is
// not checked (encoding/json does that).
func (r *itemReader) objectEnd(keep int) (end int, whole bool) {
	for {
		depth, inStr, esc := 0, false, false
		for i := r.pos; i < len(r.buf); i++ {
			c := r.buf[i]
			switch {
			case inStr:
				switch {
				case esc:
					esc = false
				case c == '\\':
					esc = true
				case c == '"':
					inStr = false
				}
			case c == '"':
				inStr = true
			case c == '{' || c == '[':
				depth++
			case c == '}' || c == ']':
				depth--
				if depth == 0 {
					return i + 1, true
				}
			}
		}
		if !r.fill(keep) {
			return 0, false
		}
	}
}

// peekAfterSpace skips whitespace and returns the next byte, reading
// more when needed; false at the end of the input.
func (r *itemReader) peekAfterSpace(keep int) (byte, bool) {
	for {
		for r.pos < len(r.buf) {
			switch c := r.buf[r.pos]; c {
			case ' ', '\t', '\n', '\r':
				r.pos++
			default:
				return c, true
			}
		}
		if !r.fill(keep) {
			return 0, false
		}
	}
}
