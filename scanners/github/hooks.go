package github

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

// orgHook is an entry of GET /orgs/{org}/hooks (schema org-hook).
type orgHook struct {
	ID     int64    `json:"id"`
	Name   string   `json:"name"`
	Active bool     `json:"active"`
	Events []string `json:"events"`
	Config struct {
		URL         string          `json:"url"`
		ContentType string          `json:"content_type"`
		InsecureSSL json.RawMessage `json:"insecure_ssl"` // "0", "1" or a number
	} `json:"config"`
}

// readHooks reads organisation webhooks. Only the destination host is
// kept: a webhook URL's path and query often carry a token, and the
// secret is never read.
func (sc *scan) readHooks(ctx context.Context) {
	endpoint := "/orgs/" + sc.org + "/hooks"
	hooks, err := listPages(ctx, sc.s, endpoint, rawList[orgHook](sc.c, "orgs/"+sc.org+"/hooks", nil))
	err = sc.c.classify(endpoint, err, statusRule{status: http.StatusNotFound, class: scanners.ErrDenied,
		reason: "GitHub answers 404 to callers who may not list webhooks"})
	sc.gap(ctx, "trusts/webhooks", err, "classic PAT: admin:org_hook (read-only access is not offered for org hooks); fine-grained or app: Organization webhooks read")
	for _, h := range hooks {
		host, scheme := "", ""
		if u, perr := url.Parse(h.Config.URL); perr == nil {
			host, scheme = strings.ToLower(u.Hostname()), u.Scheme
		}
		if host == "" {
			host = "unknown"
		}
		events := append([]string(nil), h.Events...)
		sort.Strings(events)
		insecure := strings.Trim(string(h.Config.InsecureSSL), `"`)
		attrs := map[string]string{
			"active": strconv.FormatBool(h.Active),
			"scheme": scheme,
		}
		if insecure == "1" {
			attrs["insecure_ssl"] = "true"
		}
		if h.Config.ContentType != "" {
			attrs["content_type"] = h.Config.ContentType
		}
		level := findings.LevelRead
		sc.out.trust(findings.Trust{
			ID:               findings.ObjectID("trust", sc.s.name, "webhook", strconv.FormatInt(h.ID, 10)),
			Kind:             findings.TrustWebhook,
			Name:             "webhook to " + host,
			Counterparty:     host,
			CounterpartyKind: "domain",
			Permissions:      events,
			Level:            level,
			Attributes:       attrs,
		})
	}
}
