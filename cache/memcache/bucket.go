package memcache

import (
	"context"
	"fmt"
	"time"

	"github.com/notifykit/notify"
)

var _ notify.TokenBucket = (*Cache)(nil)

// TakeToken takes a token from the bucket at key at time now (a missing
// or forgotten bucket starts full) and returns the tokens left, under the
// Cache's lock. Buckets live apart from the counters: Get never sees one.
// A bucket unused for p.IdleTTL, measured with the now of the calls, is
// forgotten (notify.Buckets).
func (c *Cache) TakeToken(ctx context.Context, key string, now time.Time, p notify.BucketParams) (int64, error) {
	if err := checkCtx(ctx); err != nil {
		return 0, err
	}
	if err := p.Validate(); err != nil {
		return 0, fmt.Errorf("memcache: take token %q: %w", key, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buckets.Take(key, now, p), nil
}
