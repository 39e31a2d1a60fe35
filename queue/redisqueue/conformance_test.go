package redisqueue_test

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
	"github.com/notifykit/notify/queue/queuetest"
	"github.com/notifykit/notify/queue/redisqueue"
)

// redisAddr returns NOTIFY_TEST_REDIS_ADDR, skipping the test when it is
// not set.
func redisAddr(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("NOTIFY_TEST_REDIS_ADDR")
	if addr == "" {
		t.Skip("NOTIFY_TEST_REDIS_ADDR not set: skipping Redis tests")
	}
	return addr
}

// realRedis returns a client of the Redis at NOTIFY_TEST_REDIS_ADDR and a
// key prefix unique to the test, whose keys are deleted when the test ends.
func realRedis(t *testing.T) (*redis.Client, string) {
	t.Helper()
	client := redis.NewClient(&redis.Options{Addr: redisAddr(t)})
	require.NoError(t, client.Ping(t.Context()).Err())
	prefix := "redisqueue-test-" + uuid.NewString()[:13] + ":"
	t.Cleanup(func() {
		deletePrefix(t, client, prefix)
		assert.NoError(t, client.Close())
	})
	return client, prefix
}

// deletePrefix deletes every key that starts with prefix.
func deletePrefix(t *testing.T, client redis.UniversalClient, prefix string) {
	t.Helper()
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
}

// suiteOptions are the options the conformance suite asks for: fast
// retries and a short visibility timeout.
func suiteOptions(prefix string) redisqueue.Options {
	return redisqueue.Options{
		Prefix:            prefix,
		Backoff:           func(int) time.Duration { return 10 * time.Millisecond },
		MaxAttempts:       5,
		VisibilityTimeout: 2 * time.Second,
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	redisAddr(t) // skip early, loudly, when there is no Redis
	queuetest.Run(t, func(t *testing.T) notify.Queue {
		client, prefix := realRedis(t)
		q := redisqueue.New(client, suiteOptions(prefix))
		t.Cleanup(func() { assert.NoError(t, q.Close()) })
		return q
	})
}
