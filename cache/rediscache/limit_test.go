package rediscache_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
	"github.com/notifykit/notify/cache/rediscache"
)

func TestIncrBelow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		stored    string // "" : no key
		limit     int64
		wantV     int64
		wantAdded bool
		wantMiss  bool
		wantValue string // what is stored afterwards ("" : no key)
	}{
		{name: "missing key is not created", limit: 5, wantMiss: true},
		{name: "zero below limit", stored: "0", limit: 5, wantV: 1, wantAdded: true, wantValue: "1"},
		{name: "one below limit takes the last place", stored: "4", limit: 5, wantV: 5, wantAdded: true, wantValue: "5"},
		{name: "at limit", stored: "5", limit: 5, wantV: 5, wantValue: "5"},
		{name: "above limit (limit lowered)", stored: "70", limit: 50, wantV: 70, wantValue: "70"},
		{name: "limit zero refuses all", stored: "0", limit: 0, wantV: 0, wantValue: "0"},
		{name: "negative value", stored: "-3", limit: 1, wantV: -2, wantAdded: true, wantValue: "-2"},
		{name: "large value at a large limit", stored: "9007199254740993", limit: 9007199254740993,
			wantV: 9007199254740993, wantValue: "9007199254740993"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mr := newMini(t)
			if tc.stored != "" {
				require.NoError(t, mr.Set("p:k", tc.stored))
			}
			v, added, err := c.IncrBelow(t.Context(), "k", tc.limit)
			if tc.wantMiss {
				require.ErrorIs(t, err, notify.ErrCacheMiss)
				assert.False(t, added)
				assert.False(t, mr.Exists("p:k"), "IncrBelow created a missing key")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantV, v)
			assert.Equal(t, tc.wantAdded, added)
			got, err := mr.Get("p:k")
			require.NoError(t, err)
			assert.Equal(t, tc.wantValue, got)
		})
	}
}

func TestIncrBelowKeepsExpiry(t *testing.T) {
	t.Parallel()
	c, mr := newMini(t)
	ctx := t.Context()
	require.NoError(t, c.Set(ctx, "k", 1, time.Hour))
	mr.FastForward(10 * time.Minute)
	_, added, err := c.IncrBelow(ctx, "k", 10)
	require.NoError(t, err)
	require.True(t, added)
	assert.Equal(t, 50*time.Minute, mr.TTL("p:k"), "IncrBelow reset the expiry")

	mr.FastForward(time.Hour)
	_, _, err = c.IncrBelow(ctx, "k", 10)
	require.ErrorIs(t, err, notify.ErrCacheMiss)
	assert.False(t, mr.Exists("p:k"), "IncrBelow revived an expired key")
}

func TestIncrBelowBadValues(t *testing.T) {
	t.Parallel()
	for _, value := range []string{"seventeen", "1.5", "", "1e3", "9223372036854775808"} {
		t.Run(value, func(t *testing.T) {
			t.Parallel()
			c, mr := newMini(t)
			require.NoError(t, mr.Set("p:k", value))
			_, added, err := c.IncrBelow(t.Context(), "k", 1<<62)
			require.Error(t, err)
			assert.False(t, added)
			assert.NotErrorIs(t, err, notify.ErrCacheMiss, "a bad value is an error, not a miss")
			assert.Contains(t, err.Error(), "rediscache: incr below")
			got, _ := mr.Get("p:k")
			assert.Equal(t, value, got, "a failed IncrBelow changed the value")
		})
	}
}

func TestIncrBelowErrors(t *testing.T) {
	t.Parallel()
	mr := miniredis.RunT(t)
	client := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = client.Close() })
	c := rediscache.New(client, rediscache.Options{})
	require.NoError(t, mr.Set("k", "3"))

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err := c.IncrBelow(ctx, "k", 10)
	require.ErrorIs(t, err, context.Canceled)
	got, _ := mr.Get("k")
	assert.Equal(t, "3", got, "a cancelled IncrBelow changed the value")

	mr.SetError("LOADING Redis is loading the dataset in memory")
	_, _, err = c.IncrBelow(t.Context(), "k", 10)
	requireRedisError(t, err, "rediscache: incr below")

	mr.SetError("")
	mr.Close()
	_, added, err := c.IncrBelow(t.Context(), "k", 10)
	require.Error(t, err)
	assert.False(t, added)
	assert.NotErrorIs(t, err, notify.ErrCacheMiss)
}

// TestIncrBelowSharedAcrossClients: two clients (standing for two
// processes) racing for the places of one counter never take more than the
// limit between them.
func TestIncrBelowSharedAcrossClients(t *testing.T) {
	t.Parallel()
	mr := miniredis.RunT(t)
	caches := make([]*rediscache.Cache, 2)
	for i := range caches {
		client := redis.NewClient(&redis.Options{Addr: mr.Addr()})
		t.Cleanup(func() { _ = client.Close() })
		caches[i] = rediscache.New(client, rediscache.Options{Prefix: "p:"})
	}
	require.NoError(t, caches[0].Set(t.Context(), "svc-count", 0, time.Hour))
	const limit = 50
	var accepted atomic.Int64
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			_, added, err := caches[i%2].IncrBelow(context.Background(), "svc-count", limit)
			if assert.NoError(t, err) && added {
				accepted.Add(1)
			}
		})
	}
	wg.Wait()
	assert.EqualValues(t, limit, accepted.Load())
	v, err := caches[1].Get(t.Context(), "svc-count")
	require.NoError(t, err)
	assert.EqualValues(t, limit, v)
}

func TestSetIfAbsent(t *testing.T) {
	t.Parallel()
	c, mr := newMini(t)
	ctx := t.Context()
	ok, err := c.SetIfAbsent(ctx, "k", 7, time.Hour)
	require.NoError(t, err)
	assert.True(t, ok, "a missing key is stored")
	got, _ := mr.Get("p:k")
	assert.Equal(t, "7", got)
	assert.Equal(t, time.Hour, mr.TTL("p:k"))

	// Incremented meanwhile by a reservation: a later seed leaves it alone.
	_, added, err := c.IncrBelow(ctx, "k", 50)
	require.NoError(t, err)
	require.True(t, added)
	ok, err = c.SetIfAbsent(ctx, "k", 7, time.Minute)
	require.NoError(t, err)
	assert.False(t, ok)
	got, _ = mr.Get("p:k")
	assert.Equal(t, "8", got, "SetIfAbsent overwrote an existing counter")
	assert.Equal(t, time.Hour, mr.TTL("p:k"), "SetIfAbsent changed the expiry")

	ok, err = c.SetIfAbsent(ctx, "forever", 1, 0)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Zero(t, mr.TTL("p:forever"))

	_, err = c.SetIfAbsent(ctx, "neg", 1, -time.Second)
	require.Error(t, err)
	assert.False(t, mr.Exists("p:neg"))

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = c.SetIfAbsent(cancelled, "cancelled", 1, 0)
	require.ErrorIs(t, err, context.Canceled)
	assert.False(t, mr.Exists("p:cancelled"))

	mr.SetError("LOADING Redis is loading the dataset in memory")
	_, err = c.SetIfAbsent(ctx, "down", 1, 0)
	requireRedisError(t, err, "rediscache: set if absent")
}
