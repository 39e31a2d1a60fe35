package rediscache_test

import (
	"os"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
	"github.com/notifykit/notify/cache/cachetest"
	"github.com/notifykit/notify/cache/rediscache"
)

// TestConformanceOnARing runs the conformance suite through a Ring, the
// kind of client whose keys may live on different nodes: AdmitBatch then
// takes tokens and places in two steps.
func TestConformanceOnARing(t *testing.T) {
	t.Parallel()
	realRedis(t) // skips, loudly, when there is no Redis
	addr := os.Getenv("NOTIFY_TEST_REDIS_ADDR")
	cachetest.Run(t, func(t *testing.T) notify.Cache {
		_, prefix := realRedis(t) // the keys of prefix are deleted at the end
		ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"one": addr}})
		t.Cleanup(func() { _ = ring.Close() })
		return rediscache.New(ring, rediscache.Options{Prefix: prefix})
	})
}

// miniCache returns a client of a miniredis of the test's own and a Cache
// on it with the prefix "p:".
func miniCache(t *testing.T) (*redis.Client, *rediscache.Cache) {
	t.Helper()
	client := redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()})
	t.Cleanup(func() { _ = client.Close() })
	return client, rediscache.New(client, rediscache.Options{Prefix: "p:"})
}

// TestAdmitBatchSurvivesAForgottenScript: after SCRIPT FLUSH the admit
// script is loaded and each admission runs once.
func TestAdmitBatchSurvivesAForgottenScript(t *testing.T) {
	t.Parallel()
	client, c := miniCache(t)
	ctx := t.Context()
	require.NoError(t, c.Set(ctx, "count", 1, time.Hour))
	require.NoError(t, client.ScriptFlush(ctx).Err())
	p := notify.RateLimitParams(30) // 11 tokens
	now := time.Now()
	place := notify.LimitPlace{Key: "count", Limit: 3}
	res := c.AdmitBatch(ctx, now, []notify.Admission{{Bucket: "bucket", Params: p, Place: place},
		{Bucket: "bucket", Params: p, Place: place}, {Bucket: "bucket", Params: p, Place: place}})
	require.Len(t, res, 3)
	for i, want := range []notify.LimitResult{{Value: 2, Added: true}, {Value: 3, Added: true}, {Value: 3}} {
		require.NoError(t, res[i].Err)
		assert.Equal(t, p.Max-1-int64(i), res[i].Left)
		assert.Equal(t, want, res[i].Place)
	}
	left, err := c.TakeToken(ctx, "bucket", now, p)
	require.NoError(t, err)
	assert.Equal(t, p.Max-4, left, "three tokens were taken, once each")
}

// TestAdmitBatchCounterNotAnInteger: a counter INCR would refuse fails its
// admission before its token is taken; the others go on.
func TestAdmitBatchCounterNotAnInteger(t *testing.T) {
	t.Parallel()
	client, c := miniCache(t)
	ctx := t.Context()
	p := notify.RateLimitParams(30)
	now := time.Now()
	for _, bad := range []string{"many", "007", "12345678901234567890", ""} {
		require.NoError(t, client.Set(ctx, "p:word", bad, time.Hour).Err())
		bucket := "bucket-" + bad
		res := c.AdmitBatch(ctx, now, []notify.Admission{
			{Bucket: bucket, Params: p, Place: notify.LimitPlace{Key: "word", Limit: 3}},
			{Bucket: "other", Params: p},
		})
		require.Len(t, res, 2)
		assert.ErrorContains(t, res[0].Err, "not an integer", "%q", bad)
		require.NoError(t, res[1].Err)
		left, err := c.TakeToken(ctx, bucket, now, p)
		require.NoError(t, err)
		assert.Equal(t, p.Max-1, left, "%q: the failed admission took no token", bad)
		v, err := client.Get(ctx, "p:word").Result()
		require.NoError(t, err)
		assert.Equal(t, bad, v)
	}
}

// TestAdmitBatchOfAFailingRedis: a Redis that does not answer fails every
// admission as a whole.
func TestAdmitBatchOfAFailingRedis(t *testing.T) {
	t.Parallel()
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = client.Close() })
	c := rediscache.New(client, rediscache.Options{})
	res := c.AdmitBatch(t.Context(), time.Now(), []notify.Admission{
		{Bucket: "a", Params: notify.RateLimitParams(30), Place: notify.LimitPlace{Key: "n", Limit: 3}},
		{Bucket: "b", Params: notify.RateLimitParams(30)},
	})
	require.Len(t, res, 2)
	for _, r := range res {
		assert.Error(t, r.Err)
	}
}
