package redisqueue_test

import (
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
	"github.com/notifykit/notify/queue/redisqueue"
)

// TestEnqueueBatchFailsPerTask: a task whose stream key cannot take it
// fails alone; the others of the batch are added.
func TestEnqueueBatchFailsPerTask(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, b backend) {
		client, prefix := setup(t, b)
		q := redisqueue.New(client, quietOptions(prefix))
		t.Cleanup(func() { _ = q.Close() })
		// A plain string where the stream of queue "broken" should be.
		require.NoError(t, client.Set(t.Context(), prefix+"{broken}", "not a stream", 0).Err())

		ok1, bad, ok2 := newTask(), newTask(), newTask()
		errs := q.EnqueueBatch(t.Context(), []notify.QueuedTask{
			{Queue: "good", Task: ok1}, {Queue: "broken", Task: bad}, {Queue: "good", Task: ok2},
		})
		require.Len(t, errs, 3)
		assert.NoError(t, errs[0])
		assert.ErrorContains(t, errs[1], "WRONGTYPE")
		assert.ErrorContains(t, errs[1], "redisqueue: enqueue on broken")
		assert.NoError(t, errs[2])
		n, err := q.Len(t.Context(), "good")
		require.NoError(t, err)
		assert.EqualValues(t, 2, n)
	})
}

// TestEnqueueBatchAfterClose: every task fails with ErrClosed.
func TestEnqueueBatchAfterClose(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, b backend) {
		client, prefix := setup(t, b)
		q := redisqueue.New(client, quietOptions(prefix))
		require.NoError(t, q.Close())
		errs := q.EnqueueBatch(t.Context(), []notify.QueuedTask{{Queue: "q", Task: newTask()}, {Queue: "q", Task: newTask()}})
		require.Len(t, errs, 2)
		for _, err := range errs {
			assert.ErrorIs(t, err, notify.ErrClosed)
		}
		n, err := q.Len(t.Context(), "q")
		require.NoError(t, err)
		assert.Zero(t, n)
	})
}

// TestEnqueueBatchRedisDown: every task fails with the client's error.
func TestEnqueueBatchRedisDown(t *testing.T) {
	t.Parallel()
	mr := miniredis.RunT(t)
	client := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = client.Close() })
	q := redisqueue.New(client, quietOptions("down:"))
	mr.Close()
	errs := q.EnqueueBatch(t.Context(), []notify.QueuedTask{{Queue: "q", Task: newTask()}, {Queue: "r", Task: newTask()}})
	require.Len(t, errs, 2)
	assert.ErrorContains(t, errs[0], "redisqueue: enqueue on q")
	assert.ErrorContains(t, errs[1], "redisqueue: enqueue on r")
}
