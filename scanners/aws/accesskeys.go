package aws

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyholder/keyholder/findings"
)

// accessKeyWorkers bounds the ListAccessKeys calls in flight.
const accessKeyWorkers = 4

// accessKeyIDs reads, with iam:ListAccessKeys, the ids of the access keys
// of the users whose credential report row shows an active key: the
// report gives each key's age and last use but not its id, and the id is
// what an administrator deletes a key by. One call per such user (a user
// has at most two keys, so one page). A failure is logged and the key
// keeps its report name ("access_key_1"): the id only names the key, no
// check depends on it.
func (a *account) accessKeyIDs(ctx context.Context, client *iam.Client, report credReport) map[string][]keyMeta {
	var users []string
	for name, row := range report {
		if name != rootRow && (row["access_key_1_active"] == "true" || row["access_key_2_active"] == "true") {
			users = append(users, name)
		}
	}
	slices.Sort(users)
	out := map[string][]keyMeta{}
	var mu sync.Mutex
	sem := make(chan struct{}, accessKeyWorkers)
	var wg sync.WaitGroup
	for _, u := range users {
		wg.Add(1)
		sem <- struct{}{}
		go func(user string) {
			defer wg.Done()
			defer func() { <-sem }()
			page, err := client.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(user)})
			if err != nil {
				a.s.env.Logger.Warn("aws: access key ids not read; keys are named by their credential report column",
					"account", a.id, "user", user, "err", a.s.env.Redactor.Error(classify("iam:ListAccessKeys", user, err)))
				return
			}
			var keys []keyMeta
			for _, k := range page.AccessKeyMetadata {
				keys = append(keys, keyMeta{id: aws.ToString(k.AccessKeyId), created: aws.ToTime(k.CreateDate), active: k.Status == "Active"})
			}
			mu.Lock()
			out[user] = keys
			mu.Unlock()
		}(u)
	}
	wg.Wait()
	return out
}

// keyMeta is one access key as ListAccessKeys lists it.
type keyMeta struct {
	id      string
	created time.Time
	active  bool
}

// withKeyIDs names the credential report's access keys by their ids. The
// report's access_key_N_last_rotated is the key's creation time, which
// matches ListAccessKeys' CreateDate; failing that, the keys are matched
// by order of creation (the report lists the older key first).
func withKeyIDs(creds []findings.Credential, keys []keyMeta) []findings.Credential {
	if len(keys) == 0 {
		return creds
	}
	keys = slices.Clone(keys)
	slices.SortStableFunc(keys, func(x, y keyMeta) int { return x.created.Compare(y.created) })
	used := make([]bool, len(keys))
	var pending []int
	for i := range creds {
		if creds[i].Kind != "access_key" {
			continue
		}
		matched := false
		for j, k := range keys {
			if !used[j] && creds[i].Created != nil && k.created.Equal(creds[i].Created.UTC().Truncate(time.Second)) {
				creds[i].ID, used[j], matched = k.id, true, true
				break
			}
		}
		if !matched {
			pending = append(pending, i)
		}
	}
	for _, i := range pending {
		for j, k := range keys {
			if !used[j] && k.active == creds[i].Active {
				creds[i].ID, used[j] = k.id, true
				break
			}
		}
	}
	return creds
}
