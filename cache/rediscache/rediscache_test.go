package rediscache_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
	"github.com/notifykit/notify/cache/rediscache"
)

// newMini returns a Cache with prefix "p:" on a fresh miniredis.
func newMini(t *testing.T) (*rediscache.Cache, *miniredis.Miniredis) {
	t.Helper()
	mr := miniredis.RunT(t)
	client := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	return rediscache.New(client, rediscache.Options{Prefix: "p:"}), mr
}

func TestPrefixAndStorage(t *testing.T) {
	t.Parallel()
	c, mr := newMini(t)
	ctx := t.Context()
	require.NoError(t, c.Set(ctx, "svc-2024-05-01-count", 41, time.Hour))

	got, err := mr.Get("p:svc-2024-05-01-count")
	require.NoError(t, err, "the key is stored under the prefix")
	assert.Equal(t, "41", got, "stored as a decimal string")
	assert.False(t, mr.Exists("svc-2024-05-01-count"), "nothing stored without the prefix")

	// A value written by someone else (another process, redis-cli) is read.
	require.NoError(t, mr.Set("p:other", "17"))
	v, err := c.Get(ctx, "other")
	require.NoError(t, err)
	assert.Equal(t, int64(17), v)
}

func TestTTL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ttl     time.Duration
		wantTTL time.Duration // 0: no expiry
	}{
		{"no expiry", 0, 0},
		{"one day", 24 * time.Hour, 24 * time.Hour},
		{"sub-second", 300 * time.Millisecond, 300 * time.Millisecond},
		{"below a millisecond rounds up", time.Microsecond, time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mr := newMini(t)
			require.NoError(t, c.Set(t.Context(), "k", 1, tc.ttl))
			assert.Equal(t, tc.wantTTL, mr.TTL("p:k"))
		})
	}
}

func TestNegativeTTL(t *testing.T) {
	t.Parallel()
	c, mr := newMini(t)
	err := c.Set(t.Context(), "k", 1, -time.Second)
	require.Error(t, err)
	assert.NotErrorIs(t, err, notify.ErrCacheMiss)
	assert.False(t, mr.Exists("p:k"), "a refused Set stored a value")
}

func TestIncrKeepsExpiryAndNeverCreates(t *testing.T) {
	t.Parallel()
	c, mr := newMini(t)
	ctx := t.Context()
	require.NoError(t, c.Set(ctx, "k", 5, time.Hour))
	mr.FastForward(10 * time.Minute)
	v, err := c.Incr(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, int64(6), v)
	assert.Equal(t, 50*time.Minute, mr.TTL("p:k"), "Incr reset the expiry")

	mr.FastForward(time.Hour)
	_, err = c.Incr(ctx, "k")
	require.ErrorIs(t, err, notify.ErrCacheMiss)
	assert.False(t, mr.Exists("p:k"), "Incr created an expired key")
}

func TestBadValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, value string
	}{
		{"text", "seventeen"},
		{"float", "1.5"},
		{"empty", ""},
		{"too large", "9223372036854775808"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mr := newMini(t)
			require.NoError(t, mr.Set("p:k", tc.value))

			_, err := c.Get(t.Context(), "k")
			require.Error(t, err)
			assert.NotErrorIs(t, err, notify.ErrCacheMiss, "a bad value is an error, not a miss")
			assert.Contains(t, err.Error(), "rediscache: get")

			_, err = c.Incr(t.Context(), "k")
			require.Error(t, err)
			assert.NotErrorIs(t, err, notify.ErrCacheMiss)
			got, _ := mr.Get("p:k")
			assert.Equal(t, tc.value, got, "a failed Incr changed the value")
		})
	}
}

func TestIncrOverflow(t *testing.T) {
	t.Parallel()
	c, _ := newMini(t)
	ctx := t.Context()
	require.NoError(t, c.Set(ctx, "k", 1<<63-1, 0))
	_, err := c.Incr(ctx, "k")
	require.Error(t, err)
	assert.NotErrorIs(t, err, notify.ErrCacheMiss)
	v, err := c.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, int64(1<<63-1), v)
}

// TestErrorsReturnedWrapped checks that a Redis that does not answer gives
// an error from every method (never a silent miss or zero), wrapping the
// client's error, so the Notifier can tell and fall back.
func TestErrorsReturnedWrapped(t *testing.T) {
	t.Parallel()
	mr := miniredis.RunT(t)
	client := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = client.Close() })
	c := rediscache.New(client, rediscache.Options{})
	mr.SetError("LOADING Redis is loading the dataset in memory")

	ctx := t.Context()
	_, err := c.Get(ctx, "k")
	requireRedisError(t, err, "rediscache: get")
	requireRedisError(t, c.Set(ctx, "k", 1, time.Hour), "rediscache: set")
	_, err = c.Incr(ctx, "k")
	requireRedisError(t, err, "rediscache: incr")

	mr.Close()
	_, err = c.Get(ctx, "k")
	require.Error(t, err)
	assert.NotErrorIs(t, err, notify.ErrCacheMiss)
}

func requireRedisError(t *testing.T, err error, prefix string) {
	t.Helper()
	require.Error(t, err)
	assert.NotErrorIs(t, err, notify.ErrCacheMiss)
	assert.Contains(t, err.Error(), prefix)
	var rerr redis.Error
	assert.True(t, errors.As(err, &rerr), "the client's error is wrapped: %v", err)
}

func TestCancelledContextChangesNothing(t *testing.T) {
	t.Parallel()
	c, mr := newMini(t)
	require.NoError(t, c.Set(t.Context(), "k", 5, 0))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.Get(ctx, "k")
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, c.Set(ctx, "k", 9, 0), context.Canceled)
	_, err = c.Incr(ctx, "k")
	assert.ErrorIs(t, err, context.Canceled)
	got, _ := mr.Get("p:k")
	assert.Equal(t, "5", got)
}
