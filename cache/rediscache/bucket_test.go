package rediscache_test

import (
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

func TestTakeTokenMatchesBucket(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 1, 9, 30, 0, 654321000, time.UTC)
	tests := []struct {
		name  string
		p     notify.BucketParams
		steps []time.Duration
	}{
		{"rate_limit 60 drained then refilled", notify.RateLimitParams(60), []time.Duration{
			0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
			time.Second, 1500 * time.Millisecond, 2 * time.Second, 2 * time.Second, 30 * time.Second}},
		{"rate_limit 7, thirds of a token", notify.RateLimitParams(7), []time.Duration{
			0, 0, 0, 0, 8571 * time.Millisecond, 8572 * time.Millisecond, 17143 * time.Millisecond, 25715 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := newMini(t)
			want := notify.NewBucket(t0, tt.p)
			for i, at := range tt.steps {
				now := t0.Add(at)
				got, err := c.TakeToken(t.Context(), "svc-tokens-normal", now, tt.p)
				require.NoError(t, err)
				require.Equal(t, want.Take(now, tt.p), got, "step %d at +%v", i+1, at)
			}
		})
	}
}

func TestTakeTokenStorage(t *testing.T) {
	t.Parallel()
	c, mr := newMini(t)
	p := notify.RateLimitParams(3000)
	now := time.Unix(1772357400, 123456000)
	left, err := c.TakeToken(t.Context(), "svc-tokens-team", now, p)
	require.NoError(t, err)
	assert.Equal(t, int64(999), left)

	require.True(t, mr.Exists("p:svc-tokens-team"), "the bucket is stored under the prefix")
	assert.Equal(t, "999", mr.HGet("p:svc-tokens-team", "tokens"))
	assert.Equal(t, "1772357400.123456", mr.HGet("p:svc-tokens-team", "replenished"))
	assert.Equal(t, p.IdleTTL(), mr.TTL("p:svc-tokens-team"), "an idle bucket expires")

	mr.FastForward(p.IdleTTL())
	assert.False(t, mr.Exists("p:svc-tokens-team"))
	left, err = c.TakeToken(t.Context(), "svc-tokens-team", now, p)
	require.NoError(t, err)
	assert.Equal(t, int64(999), left, "an expired bucket starts full")
}

func TestTakeTokenErrors(t *testing.T) {
	t.Parallel()
	p := notify.RateLimitParams(3000)
	now := time.Now()
	t.Run("a key holding a counter", func(t *testing.T) {
		t.Parallel()
		c, mr := newMini(t)
		require.NoError(t, mr.Set("p:k", "5"))
		_, err := c.TakeToken(t.Context(), "k", now, p)
		require.Error(t, err)
		assert.NotErrorIs(t, err, notify.ErrCacheMiss)
		got, _ := mr.Get("p:k")
		assert.Equal(t, "5", got, "the counter is left alone")
	})
	t.Run("Redis answers with an error", func(t *testing.T) {
		t.Parallel()
		mr := miniredis.RunT(t)
		client := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
		t.Cleanup(func() { _ = client.Close() })
		c := rediscache.New(client, rediscache.Options{})
		mr.SetError("LOADING Redis is loading the dataset in memory")
		_, err := c.TakeToken(t.Context(), "k", now, p)
		requireRedisError(t, err, "rediscache: take token")
	})
	t.Run("Redis is gone", func(t *testing.T) {
		t.Parallel()
		mr := miniredis.RunT(t)
		client := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1, DialTimeout: time.Second})
		t.Cleanup(func() { _ = client.Close() })
		c := rediscache.New(client, rediscache.Options{})
		mr.Close()
		_, err := c.TakeToken(t.Context(), "k", now, p)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "rediscache: take token")
	})
	t.Run("bad params reach nothing", func(t *testing.T) {
		t.Parallel()
		c, mr := newMini(t)
		_, err := c.TakeToken(t.Context(), "k", now, notify.BucketParams{Max: 5})
		require.Error(t, err)
		var rerr redis.Error
		assert.False(t, errors.As(err, &rerr))
		assert.False(t, mr.Exists("p:k"))
	})
}
