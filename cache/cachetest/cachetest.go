// Package cachetest is the conformance suite of notify.Cache. Every cache
// adapter runs it from a test:
//
//	func TestConformance(t *testing.T) {
//		cachetest.Run(t, func(t *testing.T) notify.Cache { return memcache.New(memcache.Options{}) })
//	}
//
// Keys are unique to each run, so the suite can share a real Redis with
// other tests. Expiry is checked with real time (a few hundred
// milliseconds), so a cache with a fake clock must be built on time.Now.
package cachetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

const (
	// shortTTL is the expiry used by the TTL tests.
	shortTTL = 300 * time.Millisecond
	// expiryDeadline is how long the suite waits for a key to expire.
	expiryDeadline = 2 * time.Second
)

// Run runs the conformance suite. newCache returns a cache ready for use
// and registers its own cleanup with t.Cleanup; it is called once per
// subtest.
func Run(t *testing.T, newCache func(t *testing.T) notify.Cache) {
	tests := []struct {
		name string
		fn   func(t *testing.T, c notify.Cache, key func(string) string)
	}{
		{"Miss", testMiss},
		{"SetGet", testSetGet},
		{"Overwrite", testOverwrite},
		{"IncrMissing", testIncrMissing},
		{"Incr", testIncr},
		{"ConcurrentIncr", testConcurrentIncr},
		{"TTLExpires", testTTLExpires},
		{"ZeroTTLNeverExpires", testZeroTTL},
		{"IncrKeepsTTL", testIncrKeepsTTL},
		{"SetReplacesTTL", testSetReplacesTTL},
		{"CancelledContext", testCancelledContext},
		{"IncrBelow", testIncrBelow},
		{"ConcurrentIncrBelow", testConcurrentIncrBelow},
		{"SetIfAbsent", testSetIfAbsent},
		{"DecrIfPositive", testDecrIfPositive},
		{"ReserveAndRelease", testReserveAndRelease},
		{"TakeToken", testTakeToken},
		{"TakeTokenKeys", testTakeTokenKeys},
		{"ConcurrentTakeToken", testConcurrentTakeToken},
		{"PairedReservations", testPairedReservations},
		{"TakeTokenAndGet", testTakeTokenAndGet},
		{"IncrBelowBatch", testIncrBelowBatch},
		{"DecrIfPositiveBatch", testDecrIfPositiveBatch},
		{"ConcurrentBatches", testConcurrentBatches},
		{"AdmitBatch", testAdmitBatch},
		{"ConcurrentAdmitBatch", testConcurrentAdmitBatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCache(t)
			require.NotNil(t, c, "newCache returned nil")
			prefix := "cachetest-" + uuid.NewString() + "-"
			tc.fn(t, c, func(name string) string { return prefix + name })
		})
	}
}

// requireMiss checks that key holds nothing.
func requireMiss(t *testing.T, c notify.Cache, key string, msgAndArgs ...any) {
	t.Helper()
	v, err := c.Get(t.Context(), key)
	require.ErrorIs(t, err, notify.ErrCacheMiss, msgAndArgs...)
	assert.Zero(t, v, msgAndArgs...)
}

// requireValue checks that key holds want.
func requireValue(t *testing.T, c notify.Cache, key string, want int64, msgAndArgs ...any) {
	t.Helper()
	v, err := c.Get(t.Context(), key)
	require.NoError(t, err, msgAndArgs...)
	require.Equal(t, want, v, msgAndArgs...)
}

// waitMiss polls until key is gone and returns how long it took; it fails
// the test when the key is still there after expiryDeadline.
func waitMiss(t *testing.T, c notify.Cache, key string) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		_, err := c.Get(t.Context(), key)
		if errors.Is(err, notify.ErrCacheMiss) {
			return time.Since(start)
		}
		require.NoError(t, err)
		if time.Since(start) > expiryDeadline {
			require.Failf(t, "key did not expire", "%q still present after %v", key, expiryDeadline)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func testMiss(t *testing.T, c notify.Cache, key func(string) string) {
	requireMiss(t, c, key("never-set"))
	requireMiss(t, c, key(""))
}

func testSetGet(t *testing.T, c notify.Cache, key func(string) string) {
	ctx := t.Context()
	tests := []struct {
		name  string
		value int64
	}{
		{"zero", 0},
		{"one", 1},
		{"negative", -42},
		{"large", 1 << 53},
		{"max", 1<<63 - 1},
		{"daily count key 2024-05-01", 17},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := key(tc.name)
			require.NoError(t, c.Set(ctx, k, tc.value, time.Hour))
			requireValue(t, c, k, tc.value)
		})
	}
	// Keys are independent.
	requireValue(t, c, key("one"), 1)
	requireMiss(t, c, key("two"))
}

func testOverwrite(t *testing.T, c notify.Cache, key func(string) string) {
	ctx := t.Context()
	k := key("overwrite")
	require.NoError(t, c.Set(ctx, k, 5, time.Hour))
	require.NoError(t, c.Set(ctx, k, 3, time.Hour))
	requireValue(t, c, k, 3)
	require.NoError(t, c.Set(ctx, k, 0, 0))
	requireValue(t, c, k, 0)
}

func testIncrMissing(t *testing.T, c notify.Cache, key func(string) string) {
	k := key("incr-missing")
	v, err := c.Incr(t.Context(), k)
	require.ErrorIs(t, err, notify.ErrCacheMiss)
	assert.Zero(t, v)
	requireMiss(t, c, k, "Incr created a missing key")
	// Twice, in case the first call created it behind the caller's back.
	_, err = c.Incr(t.Context(), k)
	require.ErrorIs(t, err, notify.ErrCacheMiss)
	requireMiss(t, c, k, "Incr created a missing key")
}

func testIncr(t *testing.T, c notify.Cache, key func(string) string) {
	ctx := t.Context()
	k, other := key("incr"), key("incr-other")
	require.NoError(t, c.Set(ctx, k, 41, time.Hour))
	require.NoError(t, c.Set(ctx, other, 7, time.Hour))
	for want := int64(42); want <= 45; want++ {
		v, err := c.Incr(ctx, k)
		require.NoError(t, err)
		assert.Equal(t, want, v)
	}
	requireValue(t, c, k, 45)
	requireValue(t, c, other, 7, "Incr changed another key")

	zero := key("incr-zero")
	require.NoError(t, c.Set(ctx, zero, 0, 0))
	v, err := c.Incr(ctx, zero)
	require.NoError(t, err)
	assert.Equal(t, int64(1), v)
}

func testConcurrentIncr(t *testing.T, c notify.Cache, key func(string) string) {
	ctx := t.Context()
	const workers, each = 8, 200
	const start = 1000
	k := key("concurrent")
	require.NoError(t, c.Set(ctx, k, start, time.Hour))

	var wg sync.WaitGroup
	results := make([][]int64, workers)
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() {
			for range each {
				v, err := c.Incr(ctx, k)
				if err != nil {
					errs[w] = fmt.Errorf("worker %d: %w", w, err)
					return
				}
				results[w] = append(results[w], v)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	requireValue(t, c, k, start+workers*each, "increments were lost")

	// Every increment returned a distinct value.
	seen := map[int64]bool{}
	for _, r := range results {
		for _, v := range r {
			assert.False(t, seen[v], "value %d returned twice", v)
			seen[v] = true
		}
	}
	assert.Len(t, seen, workers*each)
}

func testTTLExpires(t *testing.T, c notify.Cache, key func(string) string) {
	ctx := t.Context()
	k := key("ttl")
	require.NoError(t, c.Set(ctx, k, 9, shortTTL))
	requireValue(t, c, k, 9, "the key expired at once")
	took := waitMiss(t, c, k)
	t.Logf("expired after %v (ttl %v)", took, shortTTL)
	v, err := c.Incr(ctx, k)
	require.ErrorIs(t, err, notify.ErrCacheMiss, "Incr revived an expired key")
	assert.Zero(t, v)
}

func testZeroTTL(t *testing.T, c notify.Cache, key func(string) string) {
	ctx := t.Context()
	forever, short := key("forever"), key("short")
	require.NoError(t, c.Set(ctx, forever, 1, 0))
	require.NoError(t, c.Set(ctx, short, 1, shortTTL))
	_, err := c.Incr(ctx, forever)
	require.NoError(t, err)
	waitMiss(t, c, short)
	time.Sleep(shortTTL)
	requireValue(t, c, forever, 2, "a key set with ttl 0 expired")
}

func testIncrKeepsTTL(t *testing.T, c notify.Cache, key func(string) string) {
	ctx := t.Context()
	k := key("incr-ttl")
	require.NoError(t, c.Set(ctx, k, 1, shortTTL))
	v, err := c.Incr(ctx, k)
	require.NoError(t, err)
	require.Equal(t, int64(2), v)
	waitMiss(t, c, k)
}

func testSetReplacesTTL(t *testing.T, c notify.Cache, key func(string) string) {
	ctx := t.Context()
	k, k2 := key("replace-ttl"), key("replace-ttl-2")
	require.NoError(t, c.Set(ctx, k, 1, shortTTL))
	require.NoError(t, c.Set(ctx, k, 2, 0)) // no expiry any more
	require.NoError(t, c.Set(ctx, k2, 1, time.Hour))
	require.NoError(t, c.Set(ctx, k2, 2, shortTTL)) // expires soon now
	waitMiss(t, c, k2)
	requireValue(t, c, k, 2, "Set with ttl 0 kept the old expiry")
}

func testCancelledContext(t *testing.T, c notify.Cache, key func(string) string) {
	k := key("cancelled")
	require.NoError(t, c.Set(t.Context(), k, 5, time.Hour))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()

	_, err := c.Get(ctx, k)
	assert.Error(t, err, "Get")
	assert.Error(t, c.Set(ctx, key("cancelled-new"), 1, time.Hour), "Set")
	_, err = c.Incr(ctx, k)
	assert.Error(t, err, "Incr")

	requireValue(t, c, k, 5, "Incr with a cancelled context changed the value")
	requireMiss(t, c, key("cancelled-new"), "Set with a cancelled context stored a value")
}

// testIncrBelow checks notify.LimitCache, for caches that have it.
func testIncrBelow(t *testing.T, c notify.Cache, key func(string) string) {
	lc, ok := c.(notify.LimitCache)
	if !ok {
		t.Skip("the cache is not a notify.LimitCache")
	}
	ctx := context.Background()
	k := key("below")
	_, added, err := lc.IncrBelow(ctx, k, 5)
	require.ErrorIs(t, err, notify.ErrCacheMiss)
	assert.False(t, added)
	_, err = c.Get(ctx, k)
	require.ErrorIs(t, err, notify.ErrCacheMiss, "IncrBelow must not create the key")

	require.NoError(t, c.Set(ctx, k, 3, time.Hour))
	v, added, err := lc.IncrBelow(ctx, k, 5)
	require.NoError(t, err)
	assert.True(t, added)
	assert.EqualValues(t, 4, v)
	v, added, err = lc.IncrBelow(ctx, k, 5)
	require.NoError(t, err)
	assert.True(t, added)
	assert.EqualValues(t, 5, v)
	v, added, err = lc.IncrBelow(ctx, k, 5)
	require.NoError(t, err)
	assert.False(t, added, "at the limit nothing is added")
	assert.EqualValues(t, 5, v)
	got, err := c.Get(ctx, k)
	require.NoError(t, err)
	assert.EqualValues(t, 5, got)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, _, err = lc.IncrBelow(cancelled, k, 10)
	assert.Error(t, err)
}

// testConcurrentIncrBelow: many concurrent reservations never pass the
// limit and never lose one.
func testConcurrentIncrBelow(t *testing.T, c notify.Cache, key func(string) string) {
	lc, ok := c.(notify.LimitCache)
	if !ok {
		t.Skip("the cache is not a notify.LimitCache")
	}
	ctx := context.Background()
	k := key("below-concurrent")
	require.NoError(t, c.Set(ctx, k, 0, time.Hour))
	const limit = 300
	var wg sync.WaitGroup
	var accepted atomic.Int64
	for range 8 {
		wg.Go(func() {
			for range 100 {
				_, added, err := lc.IncrBelow(ctx, k, limit)
				if !assert.NoError(t, err) {
					return
				}
				if added {
					accepted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	assert.EqualValues(t, limit, accepted.Load())
	got, err := c.Get(ctx, k)
	require.NoError(t, err)
	assert.EqualValues(t, limit, got)
}

// testSetIfAbsent checks notify.LimitCache's SetIfAbsent.
func testSetIfAbsent(t *testing.T, c notify.Cache, key func(string) string) {
	lc, ok := c.(notify.LimitCache)
	if !ok {
		t.Skip("the cache is not a notify.LimitCache")
	}
	ctx := context.Background()
	k := key("absent")
	stored, err := lc.SetIfAbsent(ctx, k, 7, time.Hour)
	require.NoError(t, err)
	assert.True(t, stored)
	stored, err = lc.SetIfAbsent(ctx, k, 1, time.Hour)
	require.NoError(t, err)
	assert.False(t, stored, "an existing key is kept")
	got, err := c.Get(ctx, k)
	require.NoError(t, err)
	assert.EqualValues(t, 7, got)

	short := key("absent-ttl")
	stored, err = lc.SetIfAbsent(ctx, short, 3, shortTTL)
	require.NoError(t, err)
	require.True(t, stored)
	require.Eventually(t, func() bool {
		_, err := c.Get(ctx, short)
		return errors.Is(err, notify.ErrCacheMiss)
	}, expiryDeadline, 20*time.Millisecond, "SetIfAbsent sets the expiry")

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = lc.SetIfAbsent(cancelled, key("absent-cancelled"), 1, time.Hour)
	assert.Error(t, err)
}
