package rediscache_test

import (
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
	"github.com/notifykit/notify/cache/rediscache"
)

// TestBatchesSurviveAForgottenScript: after SCRIPT FLUSH (a Redis that
// restarted), the pipelined calls load their scripts and run each command
// once: no token or place is taken twice.
func TestBatchesSurviveAForgottenScript(t *testing.T) {
	t.Parallel()
	// miniredis: SCRIPT FLUSH on a shared Redis would pull the scripts
	// from under everyone else's feet.
	mr := miniredis.RunT(t)
	client := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	c := rediscache.New(client, rediscache.Options{Prefix: "p:"})
	ctx := t.Context()
	require.NoError(t, c.Set(ctx, "count", 1, time.Hour))
	p := notify.RateLimitParams(30) // 11 tokens
	now := time.Now()
	flush := func() { require.NoError(t, client.ScriptFlush(ctx).Err()) }

	flush()
	left, counts, err := c.TakeTokenAndGet(ctx, "bucket", now, p, []string{"count"})
	require.NoError(t, err)
	assert.Equal(t, p.Max-1, left)
	assert.Equal(t, []notify.CachedCount{{Value: 1, Found: true}}, counts)

	flush()
	res := c.IncrBelowBatch(ctx, []notify.LimitPlace{{Key: "count", Limit: 3}, {Key: "count", Limit: 3}, {Key: "count", Limit: 3}})
	require.Len(t, res, 3)
	assert.Equal(t, notify.LimitResult{Value: 2, Added: true}, res[0])
	assert.Equal(t, notify.LimitResult{Value: 3, Added: true}, res[1])
	assert.Equal(t, notify.LimitResult{Value: 3, Added: false}, res[2])

	flush()
	for _, err := range c.DecrIfPositiveBatch(ctx, []string{"count", "count"}) {
		require.NoError(t, err)
	}
	v, err := c.Get(ctx, "count")
	require.NoError(t, err)
	assert.EqualValues(t, 1, v)
	left, err = c.TakeToken(ctx, "bucket", now, p)
	require.NoError(t, err)
	assert.Equal(t, p.Max-2, left, "the first call took one token")
}

// TestBatchOfAFailingRedis: a Redis that does not answer fails every
// element, and the counters read as errors, not misses.
func TestBatchOfAFailingRedis(t *testing.T) {
	t.Parallel()
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = client.Close() })
	c := rediscache.New(client, rediscache.Options{})
	ctx := t.Context()
	_, _, err := c.TakeTokenAndGet(ctx, "bucket", time.Now(), notify.RateLimitParams(30), []string{"count"})
	assert.Error(t, err)
	for _, r := range c.IncrBelowBatch(ctx, []notify.LimitPlace{{Key: "a", Limit: 3}, {Key: "b", Limit: 3}}) {
		assert.Error(t, r.Err)
		assert.NotErrorIs(t, r.Err, notify.ErrCacheMiss)
	}
	for _, err := range c.DecrIfPositiveBatch(ctx, []string{"a", "b"}) {
		assert.Error(t, err)
		assert.NotErrorIs(t, err, notify.ErrCacheMiss)
	}
}
