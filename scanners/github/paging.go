package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/keyholder/keyholder/scanners"
)

// errPageCap is wrapped when a listing stops at max_pages.
var errPageCap = errors.New("page cap reached")

// listPages fetches every page of a REST listing with per_page=100,
// following the Link header's next page. It stops with an error (and
// keeps what it collected) when the next page was already fetched (a
// paging loop) or after max_pages pages.
//
// Pages are followed by number against the configured API root, never by
// fetching the Link URL itself: a Link pointing at another host cannot
// receive the token.
func listPages[T any](ctx context.Context, s *Scanner, endpoint string, fetch func(ctx context.Context, opts github.ListOptions) ([]T, *github.Response, error)) ([]T, error) {
	var all []T
	opts := github.ListOptions{PerPage: 100}
	visited := map[string]bool{"1": true}
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return all, err
		}
		items, resp, err := fetch(ctx, opts)
		all = append(all, items...)
		if err != nil {
			return all, err
		}
		next, key := nextPage(resp)
		if key == "" {
			return all, nil
		}
		if visited[key] {
			return all, fmt.Errorf("github: GET %s: %w: paging loop: the Link header's next page (%s) was already fetched; stopped after %d pages with %d items",
				endpoint, scanners.ErrMalformed, describePage(key), n, len(all))
		}
		if n >= s.cfg.MaxPages {
			return all, fmt.Errorf("github: GET %s: %w: stopped after %d pages (max_pages) with %d items; the listing is incomplete",
				endpoint, errPageCap, n, len(all))
		}
		visited[key] = true
		opts.Page = next
	}
}

// nextPage returns the next page number from a response and a key naming
// it ("" when there is no next page).
func nextPage(resp *github.Response) (int, string) {
	if resp == nil || resp.NextPage == 0 {
		return 0, ""
	}
	return resp.NextPage, strconv.Itoa(resp.NextPage)
}

func describePage(key string) string {
	if strings.HasPrefix(key, "after=") || strings.HasPrefix(key, "cursor=") {
		return key
	}
	return "page=" + key
}

// cursorPages is listPages for cursor paging (the audit log): next is
// the "after" cursor of the Link header.
func cursorPages[T any](ctx context.Context, s *Scanner, endpoint string, fetch func(ctx context.Context, after string) ([]T, string, error)) ([]T, error) {
	var all []T
	after := ""
	visited := map[string]bool{}
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return all, err
		}
		items, next, err := fetch(ctx, after)
		all = append(all, items...)
		if err != nil {
			return all, err
		}
		if next == "" {
			return all, nil
		}
		if visited[next] || next == after {
			return all, fmt.Errorf("github: %s: %w: paging loop: the next cursor (%s) was already fetched; stopped after %d pages with %d items",
				endpoint, scanners.ErrMalformed, next, n, len(all))
		}
		if n >= s.cfg.MaxPages {
			return all, fmt.Errorf("github: %s: %w: stopped after %d pages (max_pages) with %d items; the listing is incomplete",
				endpoint, errPageCap, n, len(all))
		}
		visited[next] = true
		after = next
	}
}

// rawList returns a listPages fetch function for GET path (relative to
// the API root, with extra query parameters) decoding each page into []T.
// It is used where go-github's types drop fields GitHub now returns (team
// members' role and inherited flag, installations' newer permissions) or
// reject documented values (an empty string in a timestamp field).
func rawList[T any](c *client, path string, query url.Values) func(ctx context.Context, o github.ListOptions) ([]T, *github.Response, error) {
	return func(ctx context.Context, o github.ListOptions) ([]T, *github.Response, error) {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("per_page", strconv.Itoa(o.PerPage))
		if o.Page > 0 {
			q.Set("page", strconv.Itoa(o.Page))
		}
		req, err := c.gh.NewRequest(http.MethodGet, path+"?"+q.Encode(), nil)
		if err != nil {
			return nil, nil, err
		}
		var out []T
		resp, err := c.gh.Do(ctx, req, &out)
		return out, resp, err
	}
}
