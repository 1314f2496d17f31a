package github

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

// readDeployKeys reads each repository's deploy keys (one request per
// repository, so by default only when the organisation has at most
// deploy_keys_max_repos repositories). Every key is a github_deploy_key
// trust; a key with write access can push code without any account.
func (sc *scan) readDeployKeys(ctx context.Context) {
	cfg := sc.s.cfg
	switch {
	case cfg.DeployKeys == deployKeysNever:
		sc.out.skipped("trusts/deploy_keys", "deploy keys not read (deploy_keys: false)")
		return
	case cfg.DeployKeys == deployKeysAuto && len(sc.repos) > cfg.DeployKeysMaxRepos:
		sc.out.skipped("trusts/deploy_keys", fmt.Sprintf(
			"deploy keys not read: %d repositories is more than deploy_keys_max_repos (%d), and reading them takes one request per repository; set deploy_keys: true to read them",
			len(sc.repos), cfg.DeployKeysMaxRepos))
		return
	}
	var fail failures
	writable := 0
	forEach(ctx, sc, "deploy keys", sc.repos, func(ctx context.Context, r repoInfo) {
		endpoint := "/repos/" + r.FullName + "/keys"
		keys, err := listPages(ctx, sc.s, endpoint, func(ctx context.Context, o github.ListOptions) ([]*github.Key, *github.Response, error) {
			return sc.c.gh.Repositories.ListKeys(ctx, sc.org, r.Name, &o)
		})
		fail.add(r.FullName, sc.c.classify(endpoint, err, statusRule{status: http.StatusNotFound, class: scanners.ErrDenied,
			reason: "GitHub answers 404 when the token is not a repository admin"}))
		for _, k := range keys {
			readOnly := k.GetReadOnly()
			level, perm := findings.LevelLimited, "write"
			if readOnly {
				level, perm = findings.LevelRead, "read"
			} else {
				sc.mu.Lock()
				writable++
				sc.mu.Unlock()
			}
			attrs := map[string]string{
				"repository": r.FullName,
				"read_only":  strconv.FormatBool(readOnly),
				"visibility": r.Visibility,
			}
			if v := k.GetAddedBy(); v != "" {
				attrs["added_by"] = v
			}
			if k.CreatedAt != nil {
				attrs["created_at"] = k.CreatedAt.UTC().Format(time.RFC3339)
			}
			if k.LastUsed != nil {
				attrs["last_used"] = k.LastUsed.UTC().Format(time.RFC3339)
			}
			if segs := sc.sensitiveFor(r.FullName); len(segs) > 0 {
				attrs["sensitive"] = strings.Join(uniqueSorted(segs), ",")
			}
			title := k.GetTitle()
			sc.out.trust(findings.Trust{
				ID:               findings.ObjectID("trust", sc.s.name, "deploy_key", strconv.FormatInt(r.ID, 10), strconv.FormatInt(k.GetID(), 10)),
				Kind:             findings.TrustDeployKey,
				Name:             r.FullName + ": " + title,
				Counterparty:     title,
				CounterpartyKind: "ssh_key",
				Permissions:      []string{r.scope() + ":" + perm},
				Level:            level,
				Attributes:       attrs,
			})
		}
	})
	sc.system.Attributes["deploy_keys_writable"] = strconv.Itoa(writable)
	sc.gap(ctx, "trusts/deploy_keys", fail.err(len(sc.repos), "repositories' deploy keys"),
		"classic PAT: repo; fine-grained or app: Repository administration read")
}
