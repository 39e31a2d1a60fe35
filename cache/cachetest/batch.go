package cachetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

// testTakeTokenAndGet checks notify.TokenCountReader: the token is taken
// as TakeToken takes it, and the counters read as Get reads them.
func testTakeTokenAndGet(t *testing.T, c notify.Cache, key func(string) string) {
	tc, ok := c.(notify.TokenCountReader)
	if !ok {
		t.Skip("the cache is not a notify.TokenCountReader")
	}
	tb := tokenBucket(t, c)
	ctx := context.Background()
	p := notify.RateLimitParams(10) // 5 tokens
	bucket, twin := key("tg-bucket"), key("tg-twin")
	present, absent := key("tg-present"), key("tg-absent")
	require.NoError(t, c.Set(ctx, present, 41, time.Hour))

	for i := range 7 {
		now := bucketEpoch.Add(time.Duration(i) * 100 * time.Millisecond)
		left, counts, err := tc.TakeTokenAndGet(ctx, bucket, now, p, []string{present, absent, present})
		require.NoError(t, err)
		want, err := tb.TakeToken(ctx, twin, now, p)
		require.NoError(t, err)
		assert.Equal(t, want, left, "take %d: the same tokens as TakeToken", i+1)
		assert.Equal(t, []notify.CachedCount{{Value: 41, Found: true}, {}, {Value: 41, Found: true}}, counts)
	}
	requireMiss(t, c, absent, "TakeTokenAndGet must not create a counter")
	requireValue(t, c, present, 41, "TakeTokenAndGet must not change a counter")

	// No keys: only the token.
	left, counts, err := tc.TakeTokenAndGet(ctx, key("tg-alone"), bucketEpoch, p, nil)
	require.NoError(t, err)
	assert.EqualValues(t, p.Max-1, left)
	assert.Empty(t, counts)

	// Bad params change nothing.
	_, _, err = tc.TakeTokenAndGet(ctx, key("tg-bad"), bucketEpoch, notify.BucketParams{Max: 3}, []string{present})
	assert.Error(t, err)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, _, err = tc.TakeTokenAndGet(cancelled, key("tg-cancelled"), bucketEpoch, p, []string{present})
	assert.Error(t, err)
	got, err := tb.TakeToken(ctx, key("tg-cancelled"), bucketEpoch, p)
	require.NoError(t, err)
	assert.EqualValues(t, p.Max-1, got, "a cancelled call took no token")
}

// batchLimits returns c's notify.BatchLimitCache, or skips the test.
func batchLimits(t *testing.T, c notify.Cache) notify.BatchLimitCache {
	t.Helper()
	b, ok := c.(notify.BatchLimitCache)
	if !ok {
		t.Skip("the cache is not a notify.BatchLimitCache")
	}
	return b
}

// testIncrBelowBatch: each place is what IncrBelow would give, in order,
// places on one key included, and a missing key is not created.
func testIncrBelowBatch(t *testing.T, c notify.Cache, key func(string) string) {
	b := batchLimits(t, c)
	ctx := context.Background()
	a, z, missing := key("bb-a"), key("bb-z"), key("bb-missing")
	require.NoError(t, c.Set(ctx, a, 3, time.Hour))
	require.NoError(t, c.Set(ctx, z, 0, time.Hour))
	res := b.IncrBelowBatch(ctx, []notify.LimitPlace{
		{Key: a, Limit: 5}, {Key: missing, Limit: 5}, {Key: z, Limit: 1}, {Key: a, Limit: 5}, {Key: a, Limit: 5},
		{Key: z, Limit: 1}, {Key: a, Limit: 100},
	})
	require.Len(t, res, 7)
	want := []struct {
		v     int64
		added bool
	}{{4, true}, {0, false}, {1, true}, {5, true}, {5, false}, {1, false}, {6, true}}
	for i, w := range want {
		if i == 1 {
			assert.ErrorIs(t, res[i].Err, notify.ErrCacheMiss, "place %d", i)
			assert.False(t, res[i].Added)
			continue
		}
		if assert.NoError(t, res[i].Err, "place %d", i) {
			assert.Equal(t, w.v, res[i].Value, "place %d", i)
			assert.Equal(t, w.added, res[i].Added, "place %d", i)
		}
	}
	requireMiss(t, c, missing, "IncrBelowBatch must not create the key")
	requireValue(t, c, a, 6)
	requireValue(t, c, z, 1)
	assert.Empty(t, b.IncrBelowBatch(ctx, nil))

	// The expiry is kept.
	short := key("bb-ttl")
	require.NoError(t, c.Set(ctx, short, 0, shortTTL))
	res = b.IncrBelowBatch(ctx, []notify.LimitPlace{{Key: short, Limit: 9}})
	require.NoError(t, res[0].Err)
	waitMiss(t, c, short)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	res = b.IncrBelowBatch(cancelled, []notify.LimitPlace{{Key: a, Limit: 100}})
	require.Len(t, res, 1)
	assert.Error(t, res[0].Err)
	requireValue(t, c, a, 6, "a cancelled batch changed the value")
}

// testDecrIfPositiveBatch: each key is given back as DecrIfPositive would,
// as often as it appears, never below zero, and a missing key is a miss.
func testDecrIfPositiveBatch(t *testing.T, c notify.Cache, key func(string) string) {
	b := batchLimits(t, c)
	ctx := context.Background()
	a, z, missing := key("bd-a"), key("bd-z"), key("bd-missing")
	require.NoError(t, c.Set(ctx, a, 2, time.Hour))
	require.NoError(t, c.Set(ctx, z, 0, time.Hour))
	errs := b.DecrIfPositiveBatch(ctx, []string{a, missing, z, a, a})
	require.Len(t, errs, 5)
	for i, err := range errs {
		if i == 1 {
			assert.ErrorIs(t, err, notify.ErrCacheMiss)
		} else {
			assert.NoError(t, err, "key %d", i)
		}
	}
	requireValue(t, c, a, 0)
	requireValue(t, c, z, 0)
	requireMiss(t, c, missing, "DecrIfPositiveBatch must not create the key")
	assert.Empty(t, b.DecrIfPositiveBatch(ctx, nil))

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	require.NoError(t, c.Set(ctx, a, 3, time.Hour))
	errs = b.DecrIfPositiveBatch(cancelled, []string{a})
	require.Len(t, errs, 1)
	assert.Error(t, errs[0])
	requireValue(t, c, a, 3, "a cancelled batch changed the value")
}

// testConcurrentBatches: batches of reservations and releases from many
// goroutines never take a counter past its limit or below zero, and end
// where their results say.
func testConcurrentBatches(t *testing.T, c notify.Cache, key func(string) string) {
	b := batchLimits(t, c)
	ctx := context.Background()
	k := key("bc")
	require.NoError(t, c.Set(ctx, k, 0, time.Hour))
	const limit = 200
	var wg sync.WaitGroup
	var held atomic.Int64
	for range 8 {
		wg.Go(func() {
			for range 20 {
				places := make([]notify.LimitPlace, 5)
				for i := range places {
					places[i] = notify.LimitPlace{Key: k, Limit: limit}
				}
				var mine []string
				for _, r := range b.IncrBelowBatch(ctx, places) {
					if !assert.NoError(t, r.Err) {
						return
					}
					if r.Added {
						assert.LessOrEqual(t, r.Value, int64(limit))
						mine = append(mine, k)
					}
				}
				// Give one back of every two held.
				back := mine[:len(mine)/2]
				for _, err := range b.DecrIfPositiveBatch(ctx, back) {
					assert.NoError(t, err)
				}
				held.Add(int64(len(mine) - len(back)))
			}
		})
	}
	wg.Wait()
	got, err := c.Get(ctx, k)
	require.NoError(t, err)
	assert.Equal(t, held.Load(), got)
	assert.LessOrEqual(t, got, int64(limit))
}
