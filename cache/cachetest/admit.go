package cachetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

// testAdmitBatch checks notify.BatchAdmitter: each admission takes its
// token as TakeToken does and then, only with a token left, its place as
// IncrBelow does; a missing counter is not created; a bad admission fails
// alone and takes nothing.
func testAdmitBatch(t *testing.T, c notify.Cache, key func(string) string) {
	ba, ok := c.(notify.BatchAdmitter)
	if !ok {
		t.Skip("the cache is not a notify.BatchAdmitter")
	}
	tb := tokenBucket(t, c)
	ctx := context.Background()
	p := notify.RateLimitParams(10) // 5 tokens
	bucket, twin := key("ad-bucket"), key("ad-twin")
	tight, roomy, absent := key("ad-tight"), key("ad-roomy"), key("ad-absent")
	require.NoError(t, c.Set(ctx, tight, 0, time.Hour))
	require.NoError(t, c.Set(ctx, roomy, 0, time.Hour))

	// Seven sends on one bucket of five tokens: the first two fill the
	// tight counter, the next two find it full, the last three have no
	// token and take no place, even where there is room.
	as := make([]notify.Admission, 7)
	for i := range as {
		place := notify.LimitPlace{Key: tight, Limit: 2}
		if i >= 4 {
			place = notify.LimitPlace{Key: roomy, Limit: 100}
		}
		as[i] = notify.Admission{Bucket: bucket, Params: p, Place: place}
	}
	res := ba.AdmitBatch(ctx, bucketEpoch, as)
	require.Len(t, res, len(as))
	for i, r := range res {
		require.NoError(t, r.Err, "admission %d", i+1)
		want, err := tb.TakeToken(ctx, twin, bucketEpoch, p)
		require.NoError(t, err)
		assert.Equal(t, want, r.Left, "admission %d: the same tokens as TakeToken", i+1)
	}
	assert.Equal(t, []notify.LimitResult{{Value: 1, Added: true}, {Value: 2, Added: true}, {Value: 2}, {Value: 2}, {}, {}, {}},
		[]notify.LimitResult{res[0].Place, res[1].Place, res[2].Place, res[3].Place, res[4].Place, res[5].Place, res[6].Place})
	requireValue(t, c, tight, 2, "places are taken up to the limit")
	requireValue(t, c, roomy, 0, "no place is taken without a token")

	// A missing counter: the token is taken, the place answers a miss and
	// the counter is not created. No place: only the token.
	p2 := notify.RateLimitParams(3000)
	res = ba.AdmitBatch(ctx, bucketEpoch, []notify.Admission{
		{Bucket: key("ad-miss"), Params: p2, Place: notify.LimitPlace{Key: absent, Limit: 5}},
		{Bucket: key("ad-alone"), Params: p2},
	})
	require.Len(t, res, 2)
	require.NoError(t, res[0].Err)
	assert.Equal(t, p2.Max-1, res[0].Left)
	require.ErrorIs(t, res[0].Place.Err, notify.ErrCacheMiss)
	requireMiss(t, c, absent, "AdmitBatch must not create a counter")
	require.NoError(t, res[1].Err)
	assert.Equal(t, p2.Max-1, res[1].Left)
	assert.Equal(t, notify.LimitResult{}, res[1].Place)

	// Bad params fail their admission alone and take nothing.
	res = ba.AdmitBatch(ctx, bucketEpoch, []notify.Admission{
		{Bucket: key("ad-bad"), Params: notify.BucketParams{Max: 3}, Place: notify.LimitPlace{Key: roomy, Limit: 100}},
		{Bucket: key("ad-good"), Params: p2, Place: notify.LimitPlace{Key: roomy, Limit: 100}},
	})
	require.Len(t, res, 2)
	assert.Error(t, res[0].Err)
	require.NoError(t, res[1].Err)
	assert.Equal(t, notify.LimitResult{Value: 1, Added: true}, res[1].Place)
	requireValue(t, c, roomy, 1, "the bad admission took no place")
	assert.Empty(t, ba.AdmitBatch(ctx, bucketEpoch, nil))

	// A cancelled context fails every admission and takes nothing.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	res = ba.AdmitBatch(cancelled, bucketEpoch, []notify.Admission{
		{Bucket: key("ad-cancelled"), Params: p2, Place: notify.LimitPlace{Key: roomy, Limit: 100}}})
	require.Len(t, res, 1)
	assert.Error(t, res[0].Err)
	requireValue(t, c, roomy, 1, "a cancelled call took no place")
	got, err := tb.TakeToken(ctx, key("ad-cancelled"), bucketEpoch, p2)
	require.NoError(t, err)
	assert.Equal(t, p2.Max-1, got, "a cancelled call took no token")
}

// testConcurrentAdmitBatch: batches racing on one counter never take
// more places than its limit, nor more tokens than the bucket holds.
func testConcurrentAdmitBatch(t *testing.T, c notify.Cache, key func(string) string) {
	ba, ok := c.(notify.BatchAdmitter)
	if !ok {
		t.Skip("the cache is not a notify.BatchAdmitter")
	}
	ctx := context.Background()
	counter := key("ad-race")
	require.NoError(t, c.Set(ctx, counter, 0, time.Hour))
	p := notify.RateLimitParams(300) // 101 tokens
	const limit, callers, per = 60, 8, 20
	var mu sync.Mutex
	places, tokens := 0, 0
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			as := make([]notify.Admission, per)
			for i := range as {
				as[i] = notify.Admission{Bucket: key("ad-race-bucket"), Params: p, Place: notify.LimitPlace{Key: counter, Limit: limit}}
			}
			res := ba.AdmitBatch(ctx, bucketEpoch, as)
			mu.Lock()
			defer mu.Unlock()
			for _, r := range res {
				if !assert.NoError(t, r.Err) {
					continue
				}
				if r.Left >= 1 {
					tokens++
				}
				if r.Place.Added {
					places++
				}
			}
		})
	}
	wg.Wait()
	assert.EqualValues(t, p.Max-1, tokens, "sends let through: the bucket's tokens, less the one that must be left")
	assert.Equal(t, limit, places)
	requireValue(t, c, counter, limit)
}
