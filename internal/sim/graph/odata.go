package graph

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// odataError is an error answer in Graph's JSON error shape.
type odataError struct {
	Status     int
	Code       string
	Message    string
	RetryAfter string
}

func (e *odataError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

func badRequest(code, format string, args ...any) *odataError {
	return &odataError{Status: 400, Code: code, Message: fmt.Sprintf(format, args...)}
}

// query is a parsed OData query of one request.
type query struct {
	selected []string
	expand   []expandItem
	filter   []filterTerm
	top      int
	skip     int // from $skiptoken
	raw      url.Values
}

type expandItem struct {
	name   string
	selest []string
}

type filterTerm struct {
	prop  string
	value any // string, bool or nil
}

// knownOptions are the system query options the fake understands; any
// other $option is rejected so a client relying on it notices.
var knownOptions = map[string]bool{"$select": true, "$expand": true, "$filter": true, "$top": true, "$skiptoken": true}

func parseQuery(v url.Values) (*query, *odataError) {
	q := &query{raw: v}
	for k := range v {
		if strings.HasPrefix(k, "$") && !knownOptions[k] {
			return nil, badRequest("BadRequest", "Query option '%s' is not supported by this fake for this request.", k)
		}
	}
	if s := v.Get("$select"); s != "" {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				q.selected = append(q.selected, p)
			}
		}
	}
	if e := v.Get("$expand"); e != "" {
		items, err := parseExpand(e)
		if err != nil {
			return nil, err
		}
		q.expand = items
	}
	if f := v.Get("$filter"); f != "" {
		terms, err := parseFilter(f)
		if err != nil {
			return nil, err
		}
		q.filter = terms
	}
	if t := v.Get("$top"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 {
			return nil, badRequest("BadRequest", "Invalid value '%s' for $top.", t)
		}
		q.top = n
	}
	if tok := v.Get("$skiptoken"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "off:"))
		if err != nil || err2 != nil || n < 0 {
			return nil, badRequest("Directory_ExpiredPageToken", "The specified page token value has expired and can no longer be included in your request.")
		}
		q.skip = n
	}
	return q, nil
}

func skipToken(off int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("off:" + strconv.Itoa(off)))
}

// parseExpand reads "a,b($select=x,y)".
func parseExpand(s string) ([]expandItem, *odataError) {
	var items []expandItem
	depth, start := 0, 0
	flush := func(part string) *odataError {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil
		}
		it := expandItem{name: part}
		if i := strings.IndexByte(part, '('); i >= 0 {
			if !strings.HasSuffix(part, ")") {
				return badRequest("BadRequest", "Parsing OData Select and Expand failed: invalid $expand '%s'.", part)
			}
			it.name = part[:i]
			inner := part[i+1 : len(part)-1]
			for _, opt := range strings.Split(inner, ";") {
				k, val, ok := strings.Cut(opt, "=")
				if !ok || strings.TrimSpace(k) != "$select" {
					return badRequest("BadRequest", "Parsing OData Select and Expand failed: unsupported nested option '%s'.", opt)
				}
				for _, p := range strings.Split(val, ",") {
					it.selest = append(it.selest, strings.TrimSpace(p))
				}
			}
		}
		items = append(items, it)
		return nil
	}
	for i, c := range s {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				if err := flush(s[start:i]); err != nil {
					return nil, err
				}
				start = i + 1
			}
		}
	}
	if err := flush(s[start:]); err != nil {
		return nil, err
	}
	return items, nil
}

// parseFilter reads "a eq 'x' and b eq true": the only form the fake
// supports. Anything else is Request_UnsupportedQuery, as Graph answers for
// most filters a property does not support.
func parseFilter(s string) ([]filterTerm, *odataError) {
	var terms []filterTerm
	for _, part := range splitAnd(s) {
		fields := strings.SplitN(strings.TrimSpace(part), " ", 3)
		if len(fields) != 3 || fields[1] != "eq" {
			return nil, badRequest("Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified: '%s'.", part)
		}
		val := strings.TrimSpace(fields[2])
		var v any
		switch {
		case val == "true":
			v = true
		case val == "false":
			v = false
		case val == "null":
			v = nil
		case len(val) >= 2 && val[0] == '\'' && val[len(val)-1] == '\'':
			v = strings.ReplaceAll(val[1:len(val)-1], "''", "'")
		default:
			return nil, badRequest("Request_UnsupportedQuery", "Unsupported filter value '%s'.", val)
		}
		terms = append(terms, filterTerm{prop: fields[0], value: v})
	}
	return terms, nil
}

func splitAnd(s string) []string {
	var out []string
	inQuote := false
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			inQuote = !inQuote
		}
		if !inQuote && strings.HasPrefix(s[i:], " and ") {
			out = append(out, s[start:i])
			start = i + len(" and ")
			i += len(" and ") - 1
		}
	}
	return append(out, s[start:])
}

func (t filterTerm) match(o obj) bool {
	v := o[t.prop]
	if t.value == nil {
		return v == nil
	}
	return v == t.value
}

// project returns the properties of o a client asked for: selected ones
// (plus id, as Graph always returns it), or the type's default set.
func project(o obj, selected, defaults []string, withType bool) obj {
	out := obj{}
	switch {
	case len(selected) > 0:
		for _, p := range selected {
			if v, ok := o[p]; ok {
				out[p] = v
			}
		}
		if id, ok := o["id"]; ok {
			out["id"] = id
		}
	case defaults != nil:
		for _, p := range defaults {
			if v, ok := o[p]; ok {
				out[p] = v
			}
		}
	default:
		for k, v := range o {
			if !strings.HasPrefix(k, "_") && k != "@odata.type" {
				out[k] = v
			}
		}
	}
	if withType {
		if t, ok := o["@odata.type"]; ok {
			out["@odata.type"] = t
		}
	}
	return out
}
