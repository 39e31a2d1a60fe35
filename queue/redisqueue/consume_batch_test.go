package redisqueue_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
	"github.com/notifykit/notify/queue/redisqueue"
)

// startBatch runs ConsumeBatch in a goroutine, stopped when the test ends.
func startBatch(t *testing.T, q *redisqueue.Queue, queue string, size int, h notify.BatchHandler) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- q.ConsumeBatch(ctx, queue, size, h) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// recordBatches returns a batch handler that records every task it gets
// and acknowledges them all.
func recordBatches(rec *tasks) notify.BatchHandler {
	return func(_ context.Context, got []notify.Task) []error {
		for _, task := range got {
			rec.add(task)
		}
		return make([]error, len(got))
	}
}

// settled waits until the stream of queue holds no entry and none is
// pending: every task was acknowledged and deleted.
func settled(t *testing.T, client *redis.Client, stream string) {
	t.Helper()
	require.Eventually(t, func() bool {
		p, err := client.XPending(t.Context(), stream, redisqueue.DefaultGroup).Result()
		n, lerr := client.XLen(t.Context(), stream).Result()
		return err == nil && lerr == nil && p.Count == 0 && n == 0
	}, waitFor, 20*time.Millisecond, "entries left in the stream or pending")
}

// TestBatchAcknowledgedAndDeleted: a batch's successes are acknowledged and
// deleted, so the stream is empty afterwards.
func TestBatchAcknowledgedAndDeleted(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, b backend) {
		client, prefix := setup(t, b)
		q := redisqueue.New(client, quietOptions(prefix))
		for range 20 {
			require.NoError(t, q.Enqueue(t.Context(), "acks", newTask()))
		}
		rec := newTasks()
		startBatch(t, q, "acks", 16, recordBatches(rec))
		for range 20 {
			rec.next(t, "batch")
		}
		settled(t, client, streamKey(prefix, "acks"))
	})
}

// TestBatchReclaimFromDeadConsumer: the entries a dead consumer read are
// taken over by a batch consumer after the visibility timeout, the claim
// counting as a delivery.
func TestBatchReclaimFromDeadConsumer(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, b backend) {
		client, prefix := setup(t, b)
		opts := quietOptions(prefix)
		opts.VisibilityTimeout = time.Second
		q := redisqueue.New(client, opts)
		ctx := t.Context()
		want := map[uuid.UUID]bool{}
		for range 3 {
			task := newTask()
			want[task.NotificationID] = true
			require.NoError(t, q.Enqueue(ctx, "reclaim", task))
		}
		stream := streamKey(prefix, "reclaim")
		require.NoError(t, client.XGroupCreateMkStream(ctx, stream, redisqueue.DefaultGroup, "0").Err())
		read, err := client.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: redisqueue.DefaultGroup, Consumer: "dead-host-1-abc", Streams: []string{stream, ">"}, Count: 3,
		}).Result()
		require.NoError(t, err)
		require.Len(t, read[0].Messages, 3)
		readAt := time.Now()

		rec := newTasks()
		startBatch(t, q, "reclaim", 8, recordBatches(rec))
		for range 3 {
			got := rec.next(t, "reclaimed")
			assert.True(t, want[got.NotificationID])
			assert.Equal(t, 2, got.Attempt, "the claim counts as a delivery")
		}
		assert.GreaterOrEqual(t, time.Since(readAt), opts.VisibilityTimeout-50*time.Millisecond, "claimed before the visibility timeout")
		settled(t, client, stream)
		time.Sleep(1500 * time.Millisecond)
		assert.Len(t, rec.list(), 3, "a reclaimed task came back after it was acknowledged")
	})
}

// TestBatchHandlerFailures: a batch handler that panics, or answers with
// the wrong number of results, fails every task of its batch: each is
// retried.
func TestBatchHandlerFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		fail func(got []notify.Task) []error
	}{
		{"panic", func([]notify.Task) []error { panic("boom") }},
		{"too few results", func(got []notify.Task) []error { return make([]error, len(got)-1) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			forBackends(t, func(t *testing.T, b backend) {
				client, prefix := setup(t, b)
				q := redisqueue.New(client, quietOptions(prefix))
				for range 3 {
					require.NoError(t, q.Enqueue(t.Context(), "fail", newTask()))
				}
				rec := newTasks()
				var calls atomic.Int32
				startBatch(t, q, "fail", 8, func(ctx context.Context, got []notify.Task) []error {
					if calls.Add(1) == 1 {
						assert.Len(t, got, 3, "the waiting tasks come together")
						return tc.fail(got)
					}
					return recordBatches(rec)(ctx, got)
				})
				for range 3 {
					assert.Equal(t, 2, rec.next(t, "retried").Attempt)
				}
				settled(t, client, streamKey(prefix, "fail"))
			})
		})
	}
}

// TestSlowBatchKeepsItsClaim: a batch handler running for several
// visibility timeouts keeps every entry of its batch.
func TestSlowBatchKeepsItsClaim(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, b backend) {
		client, prefix := setup(t, b)
		opts := quietOptions(prefix)
		opts.VisibilityTimeout = time.Second
		q := redisqueue.New(client, opts)
		for range 5 {
			require.NoError(t, q.Enqueue(t.Context(), "slow", newTask()))
		}
		var mu sync.Mutex
		seen := map[uuid.UUID]int{}
		started := make(chan struct{}, 10)
		h := func(_ context.Context, got []notify.Task) []error {
			mu.Lock()
			for _, task := range got {
				seen[task.NotificationID]++
			}
			mu.Unlock()
			started <- struct{}{}
			time.Sleep(3500 * time.Millisecond)
			return make([]error, len(got))
		}
		startBatch(t, q, "slow", 8, h)
		<-started
		startBatch(t, q, "slow", 8, h)
		time.Sleep(4 * time.Second)
		mu.Lock()
		defer mu.Unlock()
		assert.Len(t, seen, 5)
		for id, n := range seen {
			assert.Equal(t, 1, n, "task %s of a running batch was taken over", id)
		}
	})
}

// TestBatchGathersWhileAHandlerRuns: tasks that arrive one by one while a
// batch handler call runs are read together, not one call each.
func TestBatchGathersWhileAHandlerRuns(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, b backend) {
		client, prefix := setup(t, b)
		opts := quietOptions(prefix)
		opts.Gather = 500 * time.Millisecond
		q := redisqueue.New(client, opts)
		release := make(chan struct{})
		var mu sync.Mutex
		var sizes []int
		calls := make(chan int, 16)
		startBatch(t, q, "gather", 64, func(_ context.Context, got []notify.Task) []error {
			mu.Lock()
			sizes = append(sizes, len(got))
			first := len(sizes) == 1
			mu.Unlock()
			calls <- len(got)
			if first {
				<-release
			}
			return make([]error, len(got))
		})
		// Runs before the consumer is stopped, also when the test fails.
		releaseOnce := sync.OnceFunc(func() { close(release) })
		t.Cleanup(releaseOnce)
		require.NoError(t, q.Enqueue(t.Context(), "gather", newTask()))
		select {
		case <-calls:
		case <-time.After(waitFor):
			t.Fatal("the first task was not handled")
		}
		for range 10 {
			require.NoError(t, q.Enqueue(t.Context(), "gather", newTask()))
			time.Sleep(5 * time.Millisecond)
		}
		select {
		case n := <-calls:
			t.Fatalf("a call of %d started while the first ran", n)
		default:
		}
		releaseOnce()
		select {
		case n := <-calls:
			assert.Equal(t, 10, n, "the ten tasks come in one call")
		case <-time.After(waitFor):
			t.Fatal("the gathered tasks were not handled")
		}
		settled(t, client, streamKey(prefix, "gather"))
	})
}

// TestBatchGatherOutlastsFastCalls: a call that returns at once does not
// end the gathering: tasks that arrive within Options.Gather of the latest
// call's start come in one call, not one call each as they arrive.
func TestBatchGatherOutlastsFastCalls(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, b backend) {
		client, prefix := setup(t, b)
		opts := quietOptions(prefix)
		opts.Gather = 2 * time.Second
		q := redisqueue.New(client, opts)
		calls := make(chan int, 64)
		startBatch(t, q, "fast", 64, func(_ context.Context, got []notify.Task) []error {
			calls <- len(got)
			return make([]error, len(got))
		})
		require.NoError(t, q.Enqueue(t.Context(), "fast", newTask()))
		select {
		case n := <-calls:
			require.Equal(t, 1, n, "the first task is read at once")
		case <-time.After(waitFor):
			t.Fatal("the first task was not handled")
		}
		for range 10 { // well within Gather of the first call's start
			require.NoError(t, q.Enqueue(t.Context(), "fast", newTask()))
			time.Sleep(5 * time.Millisecond)
		}
		got := 0
		var sizes []int
		for got < 10 {
			select {
			case n := <-calls:
				sizes = append(sizes, n)
				got += n
			case <-time.After(waitFor):
				t.Fatalf("only %d of the 10 tasks were handled (calls %v)", got, sizes)
			}
		}
		assert.Equal(t, []int{10}, sizes, "the ten tasks come in one call")
		settled(t, client, streamKey(prefix, "fast"))
	})
}

// TestBatchGatherSkipsABacklog: a read that took all it asked for is
// followed by the next at once: a backlog drains without a Gather's wait
// between reads.
func TestBatchGatherSkipsABacklog(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, b backend) {
		client, prefix := setup(t, b)
		opts := quietOptions(prefix)
		opts.Gather = 5 * time.Second
		q := redisqueue.New(client, opts)
		const backlog = 200
		tasks := make([]notify.QueuedTask, backlog)
		for i := range tasks {
			tasks[i] = notify.QueuedTask{Queue: "backlog", Task: newTask()}
		}
		for i, err := range q.EnqueueBatch(t.Context(), tasks) {
			require.NoError(t, err, "task %d", i)
		}
		var handled atomic.Int32
		start := time.Now()
		startBatch(t, q, "backlog", 16, func(_ context.Context, got []notify.Task) []error {
			handled.Add(int32(len(got)))
			return make([]error, len(got))
		})
		require.Eventually(t, func() bool { return handled.Load() == backlog }, waitFor, time.Millisecond)
		assert.Less(t, time.Since(start), opts.Gather, "the backlog waited a Gather between reads")
	})
}

// TestBatchGatherIsBoundedBySlowCalls: a call that runs long (a slow
// provider) does not stop the next tasks from starting calls of their own.
func TestBatchGatherIsBoundedBySlowCalls(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, b backend) {
		client, prefix := setup(t, b)
		opts := quietOptions(prefix)
		opts.Gather = 20 * time.Millisecond
		q := redisqueue.New(client, opts)
		release := make(chan struct{})
		var n atomic.Int32
		handled := make(chan struct{}, 16)
		startBatch(t, q, "slow", 64, func(_ context.Context, got []notify.Task) []error {
			if n.Add(1) == 1 {
				<-release // held until the test ends
			}
			handled <- struct{}{}
			return make([]error, len(got))
		})
		t.Cleanup(func() { close(release) }) // before the consumer is stopped
		require.NoError(t, q.Enqueue(t.Context(), "slow", newTask()))
		require.Eventually(t, func() bool { return n.Load() == 1 }, waitFor, time.Millisecond)
		require.NoError(t, q.Enqueue(t.Context(), "slow", newTask()))
		select {
		case <-handled:
		case <-time.After(waitFor):
			t.Fatal("a task waited for a slow call of another")
		}
	})
}
