package aws

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/scanners"
)

// collector gathers the snapshot of one scan from concurrent collections.
// Items with the same id are merged (first one kept), so a repeated page
// or an account seen twice never yields duplicate ids.
type collector struct {
	mu    sync.Mutex
	red   *config.Redactor
	snap  findings.Snapshot
	index map[string]int // "kind\x00id" -> position
}

func newCollector(red *config.Redactor) *collector {
	return &collector{red: red, index: map[string]int{}}
}

// addOnce appends item to list unless an item of kind with id came before.
func addOnce[T any](c *collector, list *[]T, kind, id string, item T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := kind + "\x00" + id
	if _, ok := c.index[k]; ok {
		return
	}
	c.index[k] = len(*list)
	*list = append(*list, item)
}

func (c *collector) system(s findings.System) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i, ok := c.index["system\x00"+s.ID]; ok {
		c.snap.Systems[i] = s
		return
	}
	c.index["system\x00"+s.ID] = len(c.snap.Systems)
	c.snap.Systems = append(c.snap.Systems, s)
}

func (c *collector) principal(p findings.Principal) {
	if p.MFA == "" {
		p.MFA = findings.MFAUnknown
	}
	addOnce(c, &c.snap.Principals, "principal", p.ID, p)
}

func (c *collector) membership(m findings.Membership) {
	addOnce(c, &c.snap.Memberships, "membership", m.ID, m)
}

func (c *collector) grant(g findings.Grant)     { addOnce(c, &c.snap.Grants, "grant", g.ID, g) }
func (c *collector) trust(t findings.Trust)     { addOnce(c, &c.snap.Trusts, "trust", t.ID, t) }
func (c *collector) backup(b findings.Backup)   { addOnce(c, &c.snap.Backups, "backup", b.ID, b) }
func (c *collector) licence(l findings.Licence) { addOnce(c, &c.snap.Licences, "licence", l.ID, l) }
func (c *collector) asset(x findings.Asset)     { addOnce(c, &c.snap.Assets, "asset", x.ID, x) }

// gap records that collection of system could not be read because of err.
// When two failures land on the same collection, the one with the smaller
// text is kept so the result does not depend on goroutine order.
func (c *collector) gap(system, collection string, err error, remedy string) {
	g := scanners.GapFromError(system, collection, err, remedy, c.red)
	if errors.Is(err, scanners.ErrThrottled) {
		g.Remedy = "retry later or raise max_attempts; " + remedy
	}
	c.addGap(g)
}

// note records a gap that is not an error of a call (for example data
// only readable from another account).
func (c *collector) note(system, collection string, reason findings.GapReason, msg, remedy string) {
	c.addGap(findings.Gap{
		ID: findings.GapID(system, collection), System: system, Collection: collection,
		Reason: reason, Error: c.red.String(msg), Remedy: remedy,
	})
}

func (c *collector) addGap(g findings.Gap) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := "gap\x00" + g.ID
	if i, ok := c.index[k]; ok {
		if g.Error < c.snap.Gaps[i].Error {
			c.snap.Gaps[i] = g
		}
		return
	}
	c.index[k] = len(c.snap.Gaps)
	c.snap.Gaps = append(c.snap.Gaps, g)
}

// hasSystem reports whether a system was recorded.
func (c *collector) hasSystem(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.index["system\x00"+id]
	return ok
}

// result returns the canonical snapshot.
func (c *collector) result() *findings.Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.snap
	s.Canonicalize()
	return &s
}

func countf(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// eachBounded calls fn for every item, at most limit at a time, and waits
// until all calls have returned. Items still waiting for their turn when
// ctx ends are skipped.
func eachBounded[T any](ctx context.Context, limit int, items []T, fn func(i int, item T)) {
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i, item := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			fn(i, item)
		}()
	}
	wg.Wait()
}
