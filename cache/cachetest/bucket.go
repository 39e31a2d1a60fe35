package cachetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

// bucketEpoch is the time the token-bucket checks start at. Buckets are
// given their time by the caller, so the checks need no sleeping.
var bucketEpoch = time.Date(2026, 3, 1, 9, 30, 0, 123456000, time.UTC)

// tokenBucket returns c's notify.TokenBucket, or skips the test.
func tokenBucket(t *testing.T, c notify.Cache) notify.TokenBucket {
	t.Helper()
	tb, ok := c.(notify.TokenBucket)
	if !ok {
		t.Skip("the cache is not a notify.TokenBucket")
	}
	return tb
}

// testTakeToken checks that TakeToken computes exactly what notify.Bucket
// does, step by step, for upstream's bucket parameters: a missing bucket
// starts full, whole tokens are earned, refused requests take a token
// down to the floor, and fractions of a token are kept.
func testTakeToken(t *testing.T, c notify.Cache, key func(string) string) {
	tb := tokenBucket(t, c)
	ms := time.Millisecond
	tests := []struct {
		name  string
		p     notify.BucketParams
		steps []time.Duration // after bucketEpoch
	}{
		{"default rate limit, a burst", notify.RateLimitParams(3000), repeat(0, 1005)},
		{"rate_limit 10 over time", notify.RateLimitParams(10),
			[]time.Duration{0, 0, 0, 0, 0, 0, 5999 * ms, 6 * time.Second, 6001 * ms, 12 * time.Second, 18500 * ms, 18500 * ms, time.Hour}},
		{"rate_limit 24000, sub-second steps", notify.RateLimitParams(24000),
			[]time.Duration{0, 1 * ms, 2 * ms, 2500 * time.Microsecond, 3 * ms, 7 * ms, 7 * ms, 7 * ms, 1500 * ms}},
		{"rate_limit 1", notify.RateLimitParams(1), []time.Duration{0, 0, 0, 59 * time.Second, 2 * time.Minute, 2 * time.Minute}},
		{"a clock that goes back", notify.RateLimitParams(60), []time.Duration{10 * time.Second, 0, 5 * time.Second, 11 * time.Second}},
		{"a floor below zero", notify.BucketParams{ReplenishPerSec: 2, Max: 3, Min: -4},
			[]time.Duration{0, 0, 0, 0, 0, 0, 0, 0, 1 * time.Second, 2 * time.Second, 10 * time.Second}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := key(fmt.Sprintf("bucket-%d", i))
			want := notify.NewBucket(bucketEpoch.Add(tt.steps[0]), tt.p)
			for j, at := range tt.steps {
				now := bucketEpoch.Add(at)
				got, err := tb.TakeToken(t.Context(), k, now, tt.p)
				require.NoError(t, err)
				require.Equal(t, want.Take(now, tt.p), got, "step %d at +%v", j+1, at)
			}
		})
	}
}

func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

// testTakeTokenKeys checks that buckets are by key, apart from the
// counters, and that bad input changes nothing.
func testTakeTokenKeys(t *testing.T, c notify.Cache, key func(string) string) {
	tb := tokenBucket(t, c)
	ctx := t.Context()
	p := notify.RateLimitParams(10) // capacity 5
	a, b := key("bucket-a"), key("bucket-b")
	for want := int64(4); want >= 0; want-- {
		got, err := tb.TakeToken(ctx, a, bucketEpoch, p)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	got, err := tb.TakeToken(ctx, b, bucketEpoch, p)
	require.NoError(t, err)
	assert.Equal(t, int64(4), got, "another key is another bucket")

	for _, bad := range []notify.BucketParams{
		{ReplenishPerSec: 0, Max: 5},
		{ReplenishPerSec: -1, Max: 5},
		{ReplenishPerSec: 1, Max: 1, Min: 2},
	} {
		_, err := tb.TakeToken(ctx, b, bucketEpoch, bad)
		assert.Error(t, err, "params %+v", bad)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = tb.TakeToken(cancelled, b, bucketEpoch, p)
	assert.Error(t, err, "cancelled context")
	got, err = tb.TakeToken(ctx, b, bucketEpoch, p)
	require.NoError(t, err)
	assert.Equal(t, int64(3), got, "refused calls took nothing")

	// A counter under the same name as a bucket is another thing.
	n := key("bucket-and-counter")
	require.NoError(t, c.Set(ctx, n, 7, time.Hour))
	if got, err := tb.TakeToken(ctx, n, bucketEpoch, p); err == nil {
		assert.Equal(t, int64(4), got, "a bucket kept apart from a counter of the same name starts full")
	}
	v, err := c.Get(ctx, n)
	require.NoError(t, err)
	assert.Equal(t, int64(7), v, "the counter is left alone")
}

// testConcurrentTakeToken: many concurrent takes from one bucket, at one
// moment, never let through more than it holds.
func testConcurrentTakeToken(t *testing.T, c notify.Cache, key func(string) string) {
	tb := tokenBucket(t, c)
	ctx := t.Context()
	k := key("bucket-concurrent")
	p := notify.RateLimitParams(300) // capacity 101: 100 let through
	var wg sync.WaitGroup
	var through, refused atomic.Int64
	for range 8 {
		wg.Go(func() {
			for range 50 {
				left, err := tb.TakeToken(ctx, k, bucketEpoch, p)
				if !assert.NoError(t, err) {
					return
				}
				if left >= 1 {
					through.Add(1)
				} else {
					refused.Add(1)
				}
			}
		})
	}
	wg.Wait()
	assert.EqualValues(t, 100, through.Load())
	assert.EqualValues(t, 300, refused.Load())
}
