package azure

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// pacing is an ARM pipeline policy that reads the
// x-ms-ratelimit-remaining-{subscription,tenant}-reads headers and, when
// the remaining reads fall to lowWater or below, waits one refill interval
// before the next request. It is pacing, not a retry: a 429 is still
// retried by internal/httpx after its Retry-After.
type pacing struct {
	sleep    func(context.Context, time.Duration) error
	lowWater int
	wait     time.Duration

	mu     sync.Mutex
	low    bool
	lowest int
	waits  int
}

var rateHeaders = []string{"x-ms-ratelimit-remaining-subscription-reads", "x-ms-ratelimit-remaining-tenant-reads"}

func newPacing(sleep func(context.Context, time.Duration) error) *pacing {
	if sleep == nil {
		sleep = sleepCtx
	}
	return &pacing{sleep: sleep, lowWater: 5, wait: time.Second, lowest: -1}
}

func (p *pacing) Do(req *policy.Request) (*http.Response, error) {
	p.mu.Lock()
	low := p.low
	if low {
		p.low = false
		p.waits++
	}
	p.mu.Unlock()
	if low {
		if err := p.sleep(req.Raw().Context(), p.wait); err != nil {
			return nil, err
		}
	}
	resp, err := req.Next()
	if resp != nil {
		for _, h := range rateHeaders {
			v := resp.Header.Get(h)
			if v == "" {
				continue
			}
			n, perr := strconv.Atoi(v)
			if perr != nil {
				continue
			}
			p.mu.Lock()
			if p.lowest < 0 || n < p.lowest {
				p.lowest = n
			}
			if n <= p.lowWater {
				p.low = true
			}
			p.mu.Unlock()
		}
	}
	return resp, err
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
