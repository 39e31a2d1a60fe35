package rediscache_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
	"github.com/notifykit/notify/cache/cachetest"
	"github.com/notifykit/notify/cache/rediscache"
)

// realRedis returns a client of the Redis at NOTIFY_TEST_REDIS_ADDR and a
// key prefix unique to the test, whose keys are deleted when the test ends.
// It skips the test when the variable is not set.
func realRedis(t *testing.T) (*redis.Client, string) {
	t.Helper()
	addr := os.Getenv("NOTIFY_TEST_REDIS_ADDR")
	if addr == "" {
		t.Skip("NOTIFY_TEST_REDIS_ADDR not set: skipping Redis tests")
	}
	client := redis.NewClient(&redis.Options{Addr: addr})
	require.NoError(t, client.Ping(t.Context()).Err(), "Redis at %s", addr)
	prefix := "rediscache-test-" + uuid.NewString() + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var keys []string
		iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		assert.NoError(t, iter.Err())
		if len(keys) > 0 {
			assert.NoError(t, client.Del(ctx, keys...).Err())
		}
		assert.NoError(t, client.Close())
	})
	return client, prefix
}

func TestConformance(t *testing.T) {
	t.Parallel()
	realRedis(t) // skip early, loudly, when there is no Redis
	cachetest.Run(t, func(t *testing.T) notify.Cache {
		client, prefix := realRedis(t)
		return rediscache.New(client, rediscache.Options{Prefix: prefix})
	})
}
