package redisqueue_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
	"github.com/notifykit/notify/queue/redisqueue"
)

const waitFor = 15 * time.Second

// backend is a Redis server to test against.
type backend struct {
	name, addr string
}

// forBackends runs fn against a fresh miniredis and, when
// NOTIFY_TEST_REDIS_ADDR is set, against that real Redis.
func forBackends(t *testing.T, fn func(t *testing.T, b backend)) {
	t.Helper()
	t.Run("miniredis", func(t *testing.T) {
		t.Parallel()
		fn(t, backend{"miniredis", miniredis.RunT(t).Addr()})
	})
	t.Run("redis", func(t *testing.T) {
		t.Parallel()
		fn(t, backend{"redis", redisAddr(t)})
	})
}

// client returns a new client of b, closed when the test ends.
func (b backend) client(t *testing.T) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: b.addr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// setup returns a client of b and a key prefix unique to the test, whose
// keys are deleted when the test ends.
func setup(t *testing.T, b backend) (*redis.Client, string) {
	t.Helper()
	client := b.client(t)
	require.NoError(t, client.Ping(t.Context()).Err())
	prefix := "redisqueue-unit-" + uuid.NewString()[:13] + ":"
	t.Cleanup(func() { deletePrefix(t, client, prefix) })
	return client, prefix
}

// quietOptions are test options whose logger discards.
func quietOptions(prefix string) redisqueue.Options {
	o := suiteOptions(prefix)
	o.Logger = slog.New(slog.DiscardHandler)
	return o
}

// running is a Consume call in a goroutine.
type running struct {
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

func start(t *testing.T, q *redisqueue.Queue, queue string, h notify.Handler) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- q.Consume(ctx, queue, h) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels the Consume call and checks that it returns nil in time.
func (r *running) stop(t *testing.T) {
	t.Helper()
	r.once.Do(func() {
		r.cancel()
		select {
		case err := <-r.done:
			assert.NoError(t, err)
		case <-time.After(waitFor):
			assert.Fail(t, "Consume did not return after cancel")
		}
	})
}

// tasks collects handled tasks.
type tasks struct {
	mu  sync.Mutex
	all []notify.Task
	ch  chan notify.Task
}

func newTasks() *tasks { return &tasks{ch: make(chan notify.Task, 1024)} }

func (r *tasks) add(t notify.Task) {
	r.mu.Lock()
	r.all = append(r.all, t)
	r.mu.Unlock()
	r.ch <- t
}

func (r *tasks) list() []notify.Task {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]notify.Task(nil), r.all...)
}

func (r *tasks) next(t *testing.T, what string) notify.Task {
	t.Helper()
	select {
	case got := <-r.ch:
		return got
	case <-time.After(waitFor):
		require.FailNow(t, "nothing delivered", what)
		return notify.Task{}
	}
}

func newTask() notify.Task {
	id := uuid.New()
	return notify.Task{Name: "deliver_sms", NotificationID: id, Payload: []byte(id.String())}
}

// streamKey is the stream of queue under prefix.
func streamKey(prefix, queue string) string { return prefix + "{" + queue + "}" }

func TestWireFormat(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, b backend) {
		client, prefix := setup(t, b)
		q := redisqueue.New(client, quietOptions(prefix))
		ctx := t.Context()
		task := newTask()
		task.ID = "task-1"
		task.Attempt = 7 // ignored
		task.EnqueuedAt = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
		require.NoError(t, q.Enqueue(ctx, "sms", task))

		msgs, err := client.XRange(ctx, prefix+"{sms}", "-", "+").Result()
		require.NoError(t, err)
		require.Len(t, msgs, 1)
		assert.JSONEq(t, fmt.Sprintf(`{"id":"task-1","name":"deliver_sms","notification_id":%q,
			"payload":%q,"attempt":1,"enqueued_at":"2024-05-01T12:00:00Z"}`,
			task.NotificationID, base64.StdEncoding.EncodeToString(task.Payload)), msgs[0].Values["task"].(string))
	})
}

func TestFIFOWithOneWorker(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, b backend) {
		client, prefix := setup(t, b)
		opts := quietOptions(prefix)
		opts.Workers = 1
		q := redisqueue.New(client, opts)
		var want []uuid.UUID
		for range 10 {
			task := newTask()
			want = append(want, task.NotificationID)
			require.NoError(t, q.Enqueue(t.Context(), "fifo", task))
		}
		rec := newTasks()
		start(t, q, "fifo", func(_ context.Context, got notify.Task) error { rec.add(got); return nil })
		var order []uuid.UUID
		for range want {
			order = append(order, rec.next(t, "fifo").NotificationID)
		}
		assert.Equal(t, want, order)
	})
}

func TestDeadLetters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		fail        func(attempt int) error
		wantAttempt int
		wantBackoff []int
	}{
		{"retries exhausted", func(a int) error { return fmt.Errorf("try %d failed", a) }, 3, []int{1, 2}},
		{"permanent", func(int) error { return notify.Permanent(errors.New("bad number")) }, 1, nil},
		{"permanent on a retry", func(a int) error {
			if a == 2 {
				return fmt.Errorf("gone: %w", notify.ErrPermanent)
			}
			return errors.New("timeout")
		}, 2, []int{1}},
		{"panics", func(int) error { panic("boom") }, 3, []int{1, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			forBackends(t, func(t *testing.T, b backend) {
				client, prefix := setup(t, b)
				var mu sync.Mutex
				var backoffs []int
				opts := quietOptions(prefix)
				opts.MaxAttempts = 3
				opts.Backoff = func(a int) time.Duration {
					mu.Lock()
					backoffs = append(backoffs, a)
					mu.Unlock()
					return 10 * time.Millisecond
				}
				q := redisqueue.New(client, opts)
				task := newTask()
				require.NoError(t, q.Enqueue(t.Context(), "dl", task))
				rec := newTasks()
				start(t, q, "dl", func(_ context.Context, got notify.Task) error {
					rec.add(got)
					return tc.fail(got.Attempt)
				})
				for want := 1; want <= tc.wantAttempt; want++ {
					assert.Equal(t, want, rec.next(t, "attempt").Attempt)
				}
				var dead []notify.Task
				require.Eventually(t, func() bool {
					var err error
					dead, err = q.DeadLetters(t.Context(), "dl")
					return err == nil && len(dead) == 1
				}, waitFor, 20*time.Millisecond)
				assert.Equal(t, task.NotificationID, dead[0].NotificationID)
				assert.Equal(t, task.Payload, dead[0].Payload)
				assert.Equal(t, tc.wantAttempt, dead[0].Attempt, "a dead letter keeps its last attempt")
				assert.Len(t, rec.list(), tc.wantAttempt, "delivered after it was dead-lettered")
				mu.Lock()
				assert.Equal(t, tc.wantBackoff, backoffs)
				mu.Unlock()
				n, err := q.Len(t.Context(), "dl")
				require.NoError(t, err)
				assert.Zero(t, n)
				errs, err := client.XRange(t.Context(), streamKey(prefix, "dl")+":dead", "-", "+").Result()
				require.NoError(t, err)
				require.Len(t, errs, 1)
				assert.NotEmpty(t, errs[0].Values["error"], "the dead letter records the error")
			})
		})
	}
}

func TestRetryWaitsForBackoff(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, b backend) {
		client, prefix := setup(t, b)
		opts := quietOptions(prefix)
		const backoff = 400 * time.Millisecond
		opts.Backoff = func(int) time.Duration { return backoff }
		q := redisqueue.New(client, opts)
		require.NoError(t, q.Enqueue(t.Context(), "backoff", newTask()))
		var times []time.Time
		rec := newTasks()
		start(t, q, "backoff", func(_ context.Context, got notify.Task) error {
			times = append(times, time.Now()) // Workers handle one task: no race
			rec.add(got)
			if got.Attempt == 1 {
				return errors.New("later")
			}
			return nil
		})
		rec.next(t, "first")
		// While it waits, the task is counted in Len (the retry set).
		assert.Eventually(t, func() bool {
			n, err := q.Len(t.Context(), "backoff")
			return err == nil && n == 1
		}, backoff/2, 5*time.Millisecond)
		assert.Equal(t, 2, rec.next(t, "retry").Attempt)
		gap := times[1].Sub(times[0])
		assert.GreaterOrEqual(t, gap, backoff-20*time.Millisecond)
		assert.Less(t, gap, backoff+time.Second, "a retry this consumer scheduled waits for its backoff only")
	})
}

func TestLen(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, b backend) {
		client, prefix := setup(t, b)
		opts := quietOptions(prefix)
		opts.Workers = 1
		opts.Backoff = func(int) time.Duration { return time.Hour }
		q := redisqueue.New(client, opts)
		ctx := t.Context()
		lenIs := func(want int64, msg string) {
			t.Helper()
			n, err := q.Len(ctx, "len")
			require.NoError(t, err)
			assert.Equal(t, want, n, msg)
		}
		lenIs(0, "unknown queue")
		a, bt, c := newTask(), newTask(), newTask()
		for _, task := range []notify.Task{a, bt, c} {
			require.NoError(t, q.Enqueue(ctx, "len", task))
		}
		lenIs(3, "before any consumer")

		release := make(chan struct{})
		started := make(chan uuid.UUID, 3)
		start(t, q, "len", func(_ context.Context, got notify.Task) error {
			started <- got.NotificationID
			switch got.NotificationID {
			case a.NotificationID:
				return errors.New("retry in an hour")
			case bt.NotificationID:
				<-release
			}
			return nil
		})
		require.Equal(t, a.NotificationID, <-started)
		require.Equal(t, bt.NotificationID, <-started)
		lenIs(2, "c waiting and a in the retry set; b is being handled")
		close(release)
		require.Equal(t, c.NotificationID, <-started)
		require.Eventually(t, func() bool {
			n, err := q.Len(ctx, "len")
			return err == nil && n == 1
		}, waitFor, 10*time.Millisecond, "only a, waiting for its retry")
	})
}

// TestReclaimFromDeadConsumer: a consumer reads a task and dies without
// acknowledging it; another takes it over once it has been idle for the
// visibility timeout, as its second delivery.
func TestReclaimFromDeadConsumer(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, b backend) {
		client, prefix := setup(t, b)
		opts := quietOptions(prefix)
		opts.VisibilityTimeout = time.Second
		q := redisqueue.New(client, opts)
		ctx := t.Context()
		task := newTask()
		require.NoError(t, q.Enqueue(ctx, "reclaim", task))

		// The dead consumer: it reads through the group and never acks.
		stream := streamKey(prefix, "reclaim")
		require.NoError(t, client.XGroupCreateMkStream(ctx, stream, redisqueue.DefaultGroup, "0").Err())
		read, err := client.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: redisqueue.DefaultGroup, Consumer: "dead-host-1-abc", Streams: []string{stream, ">"}, Count: 1,
		}).Result()
		require.NoError(t, err)
		require.Len(t, read[0].Messages, 1)
		readAt := time.Now()

		rec := newTasks()
		start(t, q, "reclaim", func(_ context.Context, got notify.Task) error { rec.add(got); return nil })
		got := rec.next(t, "reclaimed")
		assert.GreaterOrEqual(t, time.Since(readAt), opts.VisibilityTimeout-50*time.Millisecond, "claimed before the visibility timeout")
		assert.Equal(t, task.NotificationID, got.NotificationID)
		assert.Equal(t, task.Payload, got.Payload)
		assert.Equal(t, 2, got.Attempt, "the claim counts as a delivery")
		require.Eventually(t, func() bool {
			p, err := client.XPending(ctx, stream, redisqueue.DefaultGroup).Result()
			return err == nil && p.Count == 0
		}, waitFor, 20*time.Millisecond, "the reclaimed task was not acknowledged")
		time.Sleep(1500 * time.Millisecond)
		assert.Len(t, rec.list(), 1)
	})
}

// TestConsumerDiesMidHandler: a consumer's context is cancelled mid-handler
// while it has lost Redis (its client is closed), so it can neither put the
// task back nor acknowledge it; a consumer on another connection handles
// the task after the visibility timeout.
func TestConsumerDiesMidHandler(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, b backend) {
		clientB, prefix := setup(t, b)
		clientA := b.client(t)
		opts := quietOptions(prefix)
		opts.VisibilityTimeout = time.Second
		qa, qb := redisqueue.New(clientA, opts), redisqueue.New(clientB, opts)
		task := newTask()
		require.NoError(t, qb.Enqueue(t.Context(), "dies", task))

		started := make(chan struct{})
		a := start(t, qa, "dies", func(ctx context.Context, _ notify.Task) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		})
		select {
		case <-started:
		case <-time.After(waitFor):
			require.FailNow(t, "first consumer got nothing")
		}
		require.NoError(t, clientA.Close())
		diedAt := time.Now()
		a.stop(t)

		rec := newTasks()
		start(t, qb, "dies", func(_ context.Context, got notify.Task) error { rec.add(got); return nil })
		got := rec.next(t, "taken over")
		assert.Equal(t, task.NotificationID, got.NotificationID)
		assert.Equal(t, 2, got.Attempt)
		assert.GreaterOrEqual(t, time.Since(diedAt), 500*time.Millisecond, "taken before the task went idle")
	})
}

// TestCancelledHandlerRequeuedAtOnce: a consumer that shuts down while
// connected puts the interrupted task back at once, without waiting for the
// visibility timeout.
func TestCancelledHandlerRequeuedAtOnce(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, b backend) {
		client, prefix := setup(t, b)
		opts := quietOptions(prefix)
		opts.VisibilityTimeout = time.Hour
		q := redisqueue.New(client, opts)
		require.NoError(t, q.Enqueue(t.Context(), "requeue", newTask()))
		started := make(chan struct{})
		first := start(t, q, "requeue", func(ctx context.Context, _ notify.Task) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		})
		<-started
		first.stop(t)
		rec := newTasks()
		start(t, q, "requeue", func(_ context.Context, got notify.Task) error { rec.add(got); return nil })
		assert.Equal(t, 2, rec.next(t, "requeued").Attempt)
	})
}

// TestSlowHandlerKeepsItsClaim: a handler running for several visibility
// timeouts is not taken over by another consumer.
func TestSlowHandlerKeepsItsClaim(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, b backend) {
		client, prefix := setup(t, b)
		opts := quietOptions(prefix)
		opts.VisibilityTimeout = time.Second
		q := redisqueue.New(client, opts)
		require.NoError(t, q.Enqueue(t.Context(), "slow", newTask()))
		rec := newTasks()
		h := func(_ context.Context, got notify.Task) error {
			rec.add(got)
			time.Sleep(3500 * time.Millisecond)
			return nil
		}
		start(t, q, "slow", h)
		start(t, q, "slow", h)
		rec.next(t, "slow")
		time.Sleep(4 * time.Second)
		assert.Len(t, rec.list(), 1, "a running handler's task was taken over")
	})
}

// TestAbandonedTooOften: a task whose consumers keep dying is dead-lettered
// once its deliveries exceed MaxAttempts, without running it again.
func TestAbandonedTooOften(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, b backend) {
		client, prefix := setup(t, b)
		opts := quietOptions(prefix)
		opts.MaxAttempts = 2
		opts.VisibilityTimeout = 200 * time.Millisecond
		q := redisqueue.New(client, opts)
		ctx := t.Context()
		task := newTask()
		require.NoError(t, q.Enqueue(ctx, "poison", task))
		stream := streamKey(prefix, "poison")
		require.NoError(t, client.XGroupCreateMkStream(ctx, stream, redisqueue.DefaultGroup, "0").Err())
		read, err := client.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: redisqueue.DefaultGroup, Consumer: "dead-1", Streams: []string{stream, ">"}, Count: 1,
		}).Result()
		require.NoError(t, err)
		id := read[0].Messages[0].ID
		time.Sleep(250 * time.Millisecond)
		claimed, err := client.XClaim(ctx, &redis.XClaimArgs{
			Stream: stream, Group: redisqueue.DefaultGroup, Consumer: "dead-2", MinIdle: 200 * time.Millisecond, Messages: []string{id},
		}).Result()
		require.NoError(t, err)
		require.Len(t, claimed, 1) // two deliveries, both abandoned

		rec := newTasks()
		start(t, q, "poison", func(_ context.Context, got notify.Task) error { rec.add(got); return nil })
		var dead []notify.Task
		require.Eventually(t, func() bool {
			dead, err = q.DeadLetters(ctx, "poison")
			return err == nil && len(dead) == 1
		}, waitFor, 20*time.Millisecond)
		assert.Equal(t, task.NotificationID, dead[0].NotificationID)
		assert.Equal(t, 3, dead[0].Attempt)
		assert.Empty(t, rec.list(), "ran a task past MaxAttempts")
	})
}

// TestKeysDeletedWhileConsuming: the stream, its group and the retry set
// disappear under running consumers (FLUSHALL, or a Redis restarted
// empty); the consumers create the group again and keep consuming.
func TestKeysDeletedWhileConsuming(t *testing.T) {
	t.Parallel()
	wipes := []struct {
		name string
		wipe func(ctx context.Context, client *redis.Client, prefix string) error
	}{
		{"delete every key", func(ctx context.Context, client *redis.Client, prefix string) error {
			s := streamKey(prefix, "flush")
			return client.Del(ctx, s, s+":retry", s+":dead").Err()
		}},
		{"destroy the group", func(ctx context.Context, client *redis.Client, prefix string) error {
			return client.XGroupDestroy(ctx, streamKey(prefix, "flush"), redisqueue.DefaultGroup).Err()
		}},
	}
	for _, w := range wipes {
		t.Run(w.name, func(t *testing.T) {
			t.Parallel()
			forBackends(t, func(t *testing.T, b backend) {
				client, prefix := setup(t, b)
				q := redisqueue.New(client, quietOptions(prefix))
				ctx := t.Context()
				rec := newTasks()
				h := func(_ context.Context, got notify.Task) error { rec.add(got); return nil }
				start(t, q, "flush", h)
				start(t, q, "flush", h)
				for range 5 {
					require.NoError(t, q.Enqueue(ctx, "flush", newTask()))
				}
				for range 5 {
					rec.next(t, "before the wipe")
				}
				time.Sleep(100 * time.Millisecond) // the consumers are blocked reading
				require.NoError(t, w.wipe(ctx, client, prefix))

				want := map[uuid.UUID]bool{}
				for range 10 {
					task := newTask()
					want[task.NotificationID] = true
					require.NoError(t, q.Enqueue(ctx, "flush", task))
				}
				got := map[uuid.UUID]bool{}
				for range want {
					got[rec.next(t, "after the wipe").NotificationID] = true
				}
				assert.Equal(t, want, got)
			})
		})
	}
}

func TestUndecodableEntryDeadLettered(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, b backend) {
		client, prefix := setup(t, b)
		q := redisqueue.New(client, quietOptions(prefix))
		ctx := t.Context()
		id, err := client.XAdd(ctx, &redis.XAddArgs{Stream: streamKey(prefix, "junk"), Values: []any{"task", "not json"}}).Result()
		require.NoError(t, err)
		good := newTask()
		require.NoError(t, q.Enqueue(ctx, "junk", good))
		rec := newTasks()
		start(t, q, "junk", func(_ context.Context, got notify.Task) error { rec.add(got); return nil })
		assert.Equal(t, good.NotificationID, rec.next(t, "good task").NotificationID)
		var dead []notify.Task
		require.Eventually(t, func() bool {
			dead, err = q.DeadLetters(ctx, "junk")
			return err == nil && len(dead) == 1
		}, waitFor, 20*time.Millisecond)
		assert.NotEmpty(t, dead[0].ID)
		assert.NotEqual(t, id, dead[0].ID, "the ID is the dead letter's entry id")
		assert.Equal(t, notify.Task{ID: dead[0].ID, Payload: []byte("not json")}, dead[0])
		assert.Len(t, rec.list(), 1)
	})
}

func TestMaxLenBoundsStream(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, b backend) {
		client, prefix := setup(t, b)
		opts := quietOptions(prefix)
		opts.MaxLen = 10
		q := redisqueue.New(client, opts)
		for range 1000 {
			require.NoError(t, q.Enqueue(t.Context(), "bounded", newTask()))
		}
		n, err := client.XLen(t.Context(), streamKey(prefix, "bounded")).Result()
		require.NoError(t, err)
		assert.GreaterOrEqual(t, n, int64(10))
		assert.LessOrEqual(t, n, int64(200), "MAXLEN ~ trims to about MaxLen (whole nodes of 100)")
	})
}

func TestClose(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, b backend) {
		client, prefix := setup(t, b)
		q := redisqueue.New(client, quietOptions(prefix))
		ctx := t.Context()
		done := make(chan error, 1)
		go func() { done <- q.Consume(ctx, "close", func(context.Context, notify.Task) error { return nil }) }()
		time.Sleep(100 * time.Millisecond)
		require.NoError(t, q.Close())
		require.NoError(t, q.Close(), "closing twice")
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(waitFor):
			require.FailNow(t, "Consume did not return after Close")
		}
		assert.ErrorIs(t, q.Enqueue(ctx, "close", newTask()), notify.ErrClosed)
		assert.ErrorIs(t, q.Consume(ctx, "close", func(context.Context, notify.Task) error { return nil }), notify.ErrClosed)
	})
}

// TestConsumerNames: each Consume call joins the group under its own
// hostname-pid-random name and leaves it when it returns.
func TestConsumerNames(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, b backend) {
		client, prefix := setup(t, b)
		opts := quietOptions(prefix)
		opts.Workers = 1
		q := redisqueue.New(client, opts)
		ctx := t.Context()
		stream := streamKey(prefix, "names")
		// Redis lists a consumer once it has read something: with one
		// worker each and handlers that wait for each other, each of the
		// two consumers holds one task.
		var both sync.WaitGroup
		both.Add(2)
		release := make(chan struct{})
		h := func(context.Context, notify.Task) error {
			both.Done()
			<-release
			return nil
		}
		require.NoError(t, q.Enqueue(ctx, "names", newTask()))
		require.NoError(t, q.Enqueue(ctx, "names", newTask()))
		one, two := start(t, q, "names", h), start(t, q, "names", h)
		both.Wait()
		cs, err := client.XInfoConsumers(ctx, stream, redisqueue.DefaultGroup).Result()
		require.NoError(t, err)
		require.Len(t, cs, 2)
		assert.NotEqual(t, cs[0].Name, cs[1].Name)
		for _, c := range cs {
			parts := strings.Split(c.Name, "-")
			require.GreaterOrEqual(t, len(parts), 3, c.Name)
			assert.Len(t, parts[len(parts)-1], 12, "random suffix of %s", c.Name)
			assert.Equal(t, fmt.Sprint(os.Getpid()), parts[len(parts)-2], "pid in %s", c.Name)
		}
		close(release)
		one.stop(t)
		two.stop(t)
		cs, err = client.XInfoConsumers(ctx, stream, redisqueue.DefaultGroup).Result()
		require.NoError(t, err)
		assert.Empty(t, cs, "a stopped consumer stayed in the group")
	})
}

func TestRedisDown(t *testing.T) {
	t.Parallel()
	mr := miniredis.RunT(t)
	client := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	q := redisqueue.New(client, quietOptions("down:"))
	mr.Close()
	ctx := t.Context()
	err := q.Enqueue(ctx, "q", newTask())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "redisqueue: enqueue on q")
	_, err = q.Len(ctx, "q")
	require.Error(t, err)
	_, err = q.DeadLetters(ctx, "q")
	require.Error(t, err)

	// Consume keeps trying and still stops on cancel.
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- q.Consume(cctx, "q", func(context.Context, notify.Task) error { return nil }) }()
	time.Sleep(300 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(waitFor):
		require.FailNow(t, "Consume did not return")
	}
}

// A consumer that saw Redis go away for longer than its reclaim interval
// keeps consuming once Redis is back (a failed XAUTOCLAIM must not lose
// its cursor). It runs its own redis-server, which it stops and restarts.
func TestConsumeResumesAfterRedisOutage(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("SKIPPED: redis-server is not on PATH (.ci/run installs it)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	require.NoError(t, ln.Close())
	startRedis := func() *exec.Cmd {
		cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no", "--dir", t.TempDir())
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd
	}
	srv := startRedis()
	client := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	require.Eventually(t, func() bool { return client.Ping(t.Context()).Err() == nil }, waitFor, 20*time.Millisecond)

	o := quietOptions("outage:")
	o.VisibilityTimeout = 400 * time.Millisecond // reclaim every 100 ms
	q := redisqueue.New(client, o)
	var handled atomic.Int32
	start(t, q, "q", func(context.Context, notify.Task) error { handled.Add(1); return nil })
	require.NoError(t, q.Enqueue(t.Context(), "q", newTask()))
	require.Eventually(t, func() bool { return handled.Load() == 1 }, waitFor, 10*time.Millisecond)

	require.NoError(t, srv.Process.Kill())
	_ = srv.Wait()
	time.Sleep(600 * time.Millisecond) // several failed reclaims
	startRedis()
	require.Eventually(t, func() bool { return q.Enqueue(t.Context(), "q", newTask()) == nil }, waitFor, 50*time.Millisecond)
	require.Eventually(t, func() bool { return handled.Load() == 2 }, waitFor, 10*time.Millisecond,
		"the consumer reads again after the outage (Redis restarted empty)")
}
