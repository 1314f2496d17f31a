package github

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// writePage answers a list request with one page of items and a Link
// header (first, prev, next, last), as GitHub's offset paging does.
func (f *Fake) writePage(w http.ResponseWriter, rq *request, items []any) {
	start, end := f.page(w, rq, len(items))
	if items == nil {
		items = []any{}
	}
	writeJSON(w, http.StatusOK, items[start:end])
}

// page sets the Link header for a list of n items and returns the bounds
// of the requested page.
func (f *Fake) page(w http.ResponseWriter, rq *request, n int) (int, int) {
	q := rq.r.URL.Query()
	per := 30
	if v, err := strconv.Atoi(q.Get("per_page")); err == nil && v > 0 {
		per = min(v, 100)
	}
	page := 1
	if v, err := strconv.Atoi(q.Get("page")); err == nil && v > 0 {
		page = v
	}
	last := max(1, (n+per-1)/per)
	start := min((page-1)*per, n)
	end := min(start+per, n)
	link := func(p int) string {
		q2 := rq.r.URL.Query()
		q2.Set("page", strconv.Itoa(p))
		return "<" + rq.apiRoot() + rq.path() + "?" + q2.Encode() + ">"
	}
	var rels []string
	loop := slices.Contains(f.o.LoopPaths, rq.path())
	switch {
	case loop:
		rels = append(rels, link(2)+`; rel="next"`, link(last+1)+`; rel="last"`)
	case page < last:
		rels = append(rels, link(page+1)+`; rel="next"`, link(last)+`; rel="last"`)
	}
	if page > 1 && !loop {
		rels = append(rels, link(1)+`; rel="first"`, link(page-1)+`; rel="prev"`)
	}
	if len(rels) > 0 {
		w.Header().Set("Link", strings.Join(rels, ", "))
	}
	return start, end
}

// writeCursorPage answers with cursor paging (the audit log): the cursor
// is an opaque encoding of the offset, passed back as "after".
func (f *Fake) writeCursorPage(w http.ResponseWriter, rq *request, items []any) {
	q := rq.r.URL.Query()
	per := 30
	if v, err := strconv.Atoi(q.Get("per_page")); err == nil && v > 0 {
		per = min(v, 100)
	}
	start := 0
	if a := q.Get("after"); a != "" {
		b, err := base64.RawURLEncoding.DecodeString(a)
		n, err2 := strconv.Atoi(string(b))
		if err != nil || err2 != nil || n < 0 {
			writeError(w, http.StatusUnprocessableEntity, "Invalid cursor", "https://docs.github.com/rest")
			return
		}
		start = min(n, len(items))
	}
	end := min(start+per, len(items))
	if items == nil {
		items = []any{}
	}
	loop := slices.Contains(f.o.LoopPaths, rq.path())
	if end < len(items) || loop {
		next := end
		if loop {
			next = 0
		}
		q2 := url.Values{}
		for k, v := range q {
			q2[k] = v
		}
		q2.Set("after", base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(next))))
		q2.Del("before")
		w.Header().Set("Link", "<"+rq.apiRoot()+rq.path()+"?"+q2.Encode()+`>; rel="next"`)
	}
	writeJSON(w, http.StatusOK, items[start:end])
}
