package workspace

import (
	"fmt"

	"github.com/keyholder/keyholder/scanners"
)

// pages guards one paged listing: it stops at max pages and fails on a
// page token seen before (a server that loops), naming the call.
type pages struct {
	call string
	max  int
	n    int
	seen map[string]bool
}

func newPages(call string, max int) *pages {
	return &pages{call: call, max: max, seen: map[string]bool{}}
}

// next is called with each page's nextPageToken; it reports whether there
// is another page to read.
func (p *pages) next(token string) (bool, error) {
	p.n++
	if token == "" {
		return false, nil
	}
	if p.seen[token] {
		return false, fmt.Errorf("%s: page %d repeats an earlier nextPageToken (the listing loops): %w", p.call, p.n+1, scanners.ErrMalformed)
	}
	p.seen[token] = true
	if p.n >= p.max {
		return false, fmt.Errorf("%s: more than max_pages (%d) pages; raise max_pages to read the rest: %w", p.call, p.max, scanners.ErrMalformed)
	}
	return true, nil
}
