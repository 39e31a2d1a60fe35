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

// testDecrIfPositive checks notify.LimitReleaser, for caches that have it.
func testDecrIfPositive(t *testing.T, c notify.Cache, key func(string) string) {
	lr, ok := c.(notify.LimitReleaser)
	if !ok {
		t.Skip("the cache is not a notify.LimitReleaser")
	}
	ctx := context.Background()
	k := key("release")
	_, err := lr.DecrIfPositive(ctx, k)
	require.ErrorIs(t, err, notify.ErrCacheMiss)
	requireMiss(t, c, k, "DecrIfPositive must not create the key")

	require.NoError(t, c.Set(ctx, k, 2, time.Hour))
	v, err := lr.DecrIfPositive(ctx, k)
	require.NoError(t, err)
	assert.EqualValues(t, 1, v)
	v, err = lr.DecrIfPositive(ctx, k)
	require.NoError(t, err)
	assert.EqualValues(t, 0, v)
	v, err = lr.DecrIfPositive(ctx, k)
	require.NoError(t, err)
	assert.EqualValues(t, 0, v, "a counter at zero stays at zero")
	requireValue(t, c, k, 0)

	// The expiry is kept.
	short := key("release-ttl")
	require.NoError(t, c.Set(ctx, short, 5, shortTTL))
	_, err = lr.DecrIfPositive(ctx, short)
	require.NoError(t, err)
	waitMiss(t, c, short)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	require.NoError(t, c.Set(ctx, k, 3, time.Hour))
	_, err = lr.DecrIfPositive(cancelled, k)
	assert.Error(t, err)
	requireValue(t, c, k, 3, "DecrIfPositive with a cancelled context changed the value")
}

// testReserveAndRelease: concurrent reservations and releases on one
// counter end exactly where the count of each says, and releases never take
// it below zero.
func testReserveAndRelease(t *testing.T, c notify.Cache, key func(string) string) {
	lc, ok := c.(notify.LimitCache)
	lr, ok2 := c.(notify.LimitReleaser)
	if !ok || !ok2 {
		t.Skip("the cache is not both a notify.LimitCache and a notify.LimitReleaser")
	}
	ctx := context.Background()
	k := key("reserve-release")
	require.NoError(t, c.Set(ctx, k, 0, time.Hour))
	const workers, each = 8, 50
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				_, added, err := lc.IncrBelow(ctx, k, 1<<40)
				if !assert.NoError(t, err) || !assert.True(t, added) {
					return
				}
				_, err = lr.DecrIfPositive(ctx, k)
				if !assert.NoError(t, err) {
					return
				}
			}
		})
	}
	wg.Wait()
	requireValue(t, c, k, 0, "every reservation was given back")

	for range workers * each {
		wg.Go(func() {
			v, err := lr.DecrIfPositive(ctx, k)
			if assert.NoError(t, err) {
				assert.GreaterOrEqual(t, v, int64(0))
			}
		})
	}
	wg.Wait()
	requireValue(t, c, k, 0, "releases took the counter below zero")
}

// testPairedReservations: the Notifier's reservation of an international
// text message, on two counters at once. Each reservation takes a place
// of the narrower counter, then one of the wider, and gives the first
// back when the second is refused. Under concurrency the counters stay
// apart, neither passes its limit, and what is kept is exactly the pairs
// that took both places.
func testPairedReservations(t *testing.T, c notify.Cache, key func(string) string) {
	lc, ok := c.(notify.LimitCache)
	lr, ok2 := c.(notify.LimitReleaser)
	if !ok || !ok2 {
		t.Skip("the cache is not both a notify.LimitCache and a notify.LimitReleaser")
	}
	ctx := context.Background()
	narrow, wide, other := key("pair-international"), key("pair-sms"), key("pair-email")
	const narrowLimit, wideLimit = 20, 50
	for _, k := range []string{narrow, wide, other} {
		require.NoError(t, c.Set(ctx, k, 0, time.Hour))
	}
	var wg sync.WaitGroup
	var pairs, singles atomic.Int64
	for i := range 200 {
		wg.Go(func() {
			if i%2 == 1 { // a reservation of the wide counter alone
				_, added, err := lc.IncrBelow(ctx, wide, wideLimit)
				if assert.NoError(t, err) && added {
					singles.Add(1)
				}
				return
			}
			_, added, err := lc.IncrBelow(ctx, narrow, narrowLimit)
			if !assert.NoError(t, err) || !added {
				return
			}
			_, added, err = lc.IncrBelow(ctx, wide, wideLimit)
			if !assert.NoError(t, err) {
				return
			}
			if !added {
				_, err := lr.DecrIfPositive(ctx, narrow)
				assert.NoError(t, err)
				return
			}
			pairs.Add(1)
		})
	}
	wg.Wait()
	requireValue(t, c, narrow, pairs.Load(), "the narrow counter holds the pairs")
	requireValue(t, c, wide, pairs.Load()+singles.Load(), "the wide counter holds the pairs and the singles")
	assert.LessOrEqual(t, pairs.Load(), int64(narrowLimit))
	assert.EqualValues(t, wideLimit, pairs.Load()+singles.Load(), "200 tries fill the wide counter")
	requireValue(t, c, other, 0, "another counter is untouched")
}
