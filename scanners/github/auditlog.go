package github

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

// auditActions are the audit-log actions that change who holds the keys:
// membership, role and invitation changes.
var auditActions = []string{
	"org.add_member",
	"org.update_member",
	"org.remove_member",
	"org.invite_member",
	"org.add_billing_manager",
}

// readAuditLog reads the last audit_log_days days of owner and role
// changes (GitHub Enterprise Cloud only; elsewhere a gap, not an error).
// Each affected principal gets its latest change in
// Attributes["last_role_change"]; the system gets the count.
func (sc *scan) readAuditLog(ctx context.Context) {
	days := sc.s.cfg.AuditLogDays
	since := sc.s.env.Now().UTC().AddDate(0, 0, -days).Format("2006-01-02")
	var entries []*github.AuditEntry
	for _, action := range auditActions {
		phrase := "action:" + action + " created:>=" + since
		endpoint := "/orgs/" + sc.org + "/audit-log?phrase=" + phrase
		list, err := cursorPages(ctx, sc.s, "GET "+endpoint, func(ctx context.Context, after string) ([]*github.AuditEntry, string, error) {
			opts := &github.GetAuditLogOptions{
				Phrase: github.String(phrase), Include: github.String("web"), Order: github.String("desc"),
				ListCursorOptions: github.ListCursorOptions{PerPage: 100, After: after},
			}
			es, resp, err := sc.c.gh.Organizations.GetAuditLog(ctx, sc.org, opts)
			next := ""
			if resp != nil {
				next = resp.After
			}
			return es, next, err
		})
		entries = append(entries, list...)
		if err != nil {
			err = sc.c.classify(endpoint, err,
				statusRule{status: http.StatusNotFound, class: scanners.ErrUnlicensed, reason: "the audit log API needs GitHub Enterprise Cloud (or Server)"})
			sc.gap(ctx, "activity/audit_log", err, "GitHub Enterprise Cloud, and an owner's token (classic: read:audit_log; app: Organization administration read)")
			return
		}
	}
	sort.SliceStable(entries, func(i, j int) bool {
		ti, tj := entryTime(entries[i]), entryTime(entries[j])
		if !ti.Equal(tj) {
			return ti.After(tj)
		}
		return entries[i].GetDocumentID() < entries[j].GetDocumentID()
	})
	latest := map[string]string{}
	for _, e := range entries {
		u := strings.ToLower(e.GetUser())
		if u == "" {
			continue
		}
		if _, ok := latest[u]; ok {
			continue
		}
		desc := fmt.Sprintf("%s %s by %s", entryTime(e).UTC().Format(time.RFC3339), e.GetAction(), e.GetActor())
		if p := auditField(e, "permission"); p != "" {
			desc += " (permission " + p + ")"
		}
		latest[u] = desc
	}
	sc.system.Attributes["audit_log_role_changes"] = strconv.Itoa(len(entries))
	sc.system.Attributes["audit_log_days"] = strconv.Itoa(days)
	for login, desc := range latest {
		sc.mu.Lock()
		id, ok := sc.logins[login]
		var pid string
		if ok {
			pid = sc.users[id].ID
		}
		sc.mu.Unlock()
		if ok {
			sc.out.update(pid, func(p *findings.Principal) { p.Attributes["last_role_change"] = desc })
		}
	}
}

func entryTime(e *github.AuditEntry) time.Time {
	if e.CreatedAt != nil {
		return e.CreatedAt.Time
	}
	if e.Timestamp != nil {
		return e.Timestamp.Time
	}
	return time.Time{}
}

// auditField returns a string field of an entry: top-level fields that
// go-github does not name land in AdditionalFields, some in Data.
func auditField(e *github.AuditEntry, name string) string {
	for _, m := range []map[string]interface{}{e.AdditionalFields, e.Data} {
		if v, ok := m[name].(string); ok && v != "" {
			return v
		}
	}
	return ""
}
