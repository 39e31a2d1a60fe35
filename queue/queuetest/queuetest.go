// Package queuetest is the conformance suite of notify.Queue. Every queue
// adapter runs it from a test:
//
//	func TestConformance(t *testing.T) {
//		queuetest.Run(t, func(t *testing.T) notify.Queue {
//			q := memqueue.New(memqueue.Options{Backoff: func(int) time.Duration { return 10 * time.Millisecond }})
//			t.Cleanup(func() { q.Close() })
//			return q
//		})
//	}
//
// The factory must return a queue with fast retries (a backoff of at most
// 50 ms) and at least 5 attempts, and, for queues that reclaim the tasks of
// stopped consumers after a visibility timeout, a timeout of a few seconds
// at most. Queue names are unique to each run, so the suite can share a
// real Redis with other tests. Timeouts are generous; a passing run takes a
// few seconds.
package queuetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

const (
	// deliveryTimeout bounds the wait for a task to be handled.
	deliveryTimeout = 15 * time.Second
	// redeliveryTimeout bounds the wait for a task whose consumer stopped
	// mid-handler to be delivered again.
	redeliveryTimeout = 30 * time.Second
	// quiet is how long the suite watches for unwanted deliveries: many
	// times the longest backoff a factory may configure.
	quiet = 750 * time.Millisecond
	// stopTimeout bounds the wait for Consume to return after its context
	// is cancelled.
	stopTimeout = 10 * time.Second
)

// Run runs the conformance suite. newQueue returns a queue ready for use
// and registers its own cleanup with t.Cleanup; it is called once per
// subtest, and subtests run in parallel.
func Run(t *testing.T, newQueue func(t *testing.T) notify.Queue) {
	tests := []struct {
		name string
		fn   func(t *testing.T, q notify.Queue, name func(string) string)
	}{
		{"DeliverOnce", testDeliverOnce},
		{"TaskIDs", testTaskIDs},
		{"Retry", testRetry},
		{"Permanent", testPermanent},
		{"SeparateQueues", testSeparateQueues},
		{"ConsumeStopsOnCancel", testConsumeStops},
		{"InterruptedHandlerRedelivered", testInterrupted},
		{"ConcurrentConsumers", testConcurrentConsumers},
		{"EnqueueCancelledContext", testEnqueueCancelled},
		{"EnqueueBatch", testEnqueueBatch},
		{"Batch", testConsumeBatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q := newQueue(t)
			require.NotNil(t, q, "newQueue returned nil")
			prefix := "queuetest-" + uuid.NewString()[:8] + "-"
			tc.fn(t, q, func(s string) string { return prefix + s })
		})
	}
}

// consumer is a running Consume call.
type consumer struct {
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

// consume starts Consume in a goroutine; the consumer is stopped at the end
// of the test if the test did not stop it.
func consume(t *testing.T, q notify.Queue, queue string, h notify.Handler) *consumer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := &consumer{cancel: cancel, done: make(chan error, 1)}
	go func() { c.done <- q.Consume(ctx, queue, h) }()
	t.Cleanup(func() { c.stop(t) })
	return c
}

// stop cancels the consumer and waits for Consume to return nil.
func (c *consumer) stop(t *testing.T) {
	t.Helper()
	c.once.Do(func() {
		c.cancel()
		select {
		case c.err = <-c.done:
			assert.NoError(t, c.err, "Consume returned an error after its context was cancelled")
		case <-time.After(stopTimeout):
			c.err = errors.New("timeout")
			assert.Failf(t, "Consume did not return", "still running %v after its context was cancelled", stopTimeout)
		}
	})
}

// recorder collects the tasks a handler saw.
type recorder struct {
	mu    sync.Mutex
	tasks []notify.Task
	ch    chan notify.Task
}

func newRecorder() *recorder { return &recorder{ch: make(chan notify.Task, 1024)} }

func (r *recorder) record(t notify.Task) {
	r.mu.Lock()
	r.tasks = append(r.tasks, t)
	r.mu.Unlock()
	select {
	case r.ch <- t:
	default:
	}
}

func (r *recorder) seen() []notify.Task {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]notify.Task(nil), r.tasks...)
}

// wait returns the next recorded task, failing the test after timeout.
func (r *recorder) wait(t *testing.T, timeout time.Duration, what string) notify.Task {
	t.Helper()
	select {
	case task := <-r.ch:
		return task
	case <-time.After(timeout):
		require.FailNowf(t, "task not delivered", "%s: nothing after %v", what, timeout)
		return notify.Task{}
	}
}

// newTask returns a task with a fresh notification id and a payload.
func newTask(name string) notify.Task {
	id := uuid.New()
	return notify.Task{
		Name:           name,
		NotificationID: id,
		Payload:        []byte(`{"id":"` + id.String() + `","x":"’ – 🙂"}` + "\x00\xff"),
	}
}

func testDeliverOnce(t *testing.T, q notify.Queue, name func(string) string) {
	ctx := t.Context()
	queue := name("deliver")
	task := newTask("deliver_sms")
	before := time.Now()
	require.NoError(t, q.Enqueue(ctx, queue, task))
	after := time.Now()

	rec := newRecorder()
	consume(t, q, queue, func(_ context.Context, got notify.Task) error {
		rec.record(got)
		return nil
	})
	got := rec.wait(t, deliveryTimeout, "first delivery")
	assert.Equal(t, 1, got.Attempt, "first delivery is attempt 1")
	assert.Equal(t, task.Name, got.Name)
	assert.Equal(t, task.NotificationID, got.NotificationID)
	assert.Equal(t, task.Payload, got.Payload)
	assert.NotEmpty(t, got.ID, "the queue fills an empty ID")
	require.False(t, got.EnqueuedAt.IsZero(), "EnqueuedAt is set")
	// Allow for a clock on another machine (a queue server).
	assert.False(t, got.EnqueuedAt.Before(before.Add(-5*time.Second)), "EnqueuedAt %v before Enqueue (%v)", got.EnqueuedAt, before)
	assert.False(t, got.EnqueuedAt.After(after.Add(5*time.Second)), "EnqueuedAt %v after Enqueue (%v)", got.EnqueuedAt, after)

	time.Sleep(quiet)
	assert.Len(t, rec.seen(), 1, "an acknowledged task was delivered again")
}

func testTaskIDs(t *testing.T, q notify.Queue, name func(string) string) {
	ctx := t.Context()
	queue := name("ids")
	given := newTask("deliver_email")
	given.ID = "given-" + uuid.NewString()
	a, b := newTask("deliver_email"), newTask("deliver_email")
	for _, task := range []notify.Task{given, a, b} {
		require.NoError(t, q.Enqueue(ctx, queue, task))
	}
	rec := newRecorder()
	consume(t, q, queue, func(_ context.Context, got notify.Task) error {
		rec.record(got)
		return nil
	})
	byNotification := map[uuid.UUID]notify.Task{}
	for range 3 {
		got := rec.wait(t, deliveryTimeout, "ids")
		byNotification[got.NotificationID] = got
	}
	require.Len(t, byNotification, 3)
	assert.Equal(t, given.ID, byNotification[given.NotificationID].ID, "a given ID is kept")
	idA, idB := byNotification[a.NotificationID].ID, byNotification[b.NotificationID].ID
	assert.NotEmpty(t, idA)
	assert.NotEmpty(t, idB)
	assert.NotEqual(t, idA, idB, "filled IDs are unique")
}

func testRetry(t *testing.T, q notify.Queue, name func(string) string) {
	ctx := t.Context()
	queue := name("retry")
	task := newTask("deliver_sms")
	require.NoError(t, q.Enqueue(ctx, queue, task))

	rec := newRecorder()
	consume(t, q, queue, func(_ context.Context, got notify.Task) error {
		rec.record(got)
		if got.Attempt < 3 {
			return fmt.Errorf("attempt %d: provider unavailable", got.Attempt)
		}
		return nil
	})
	var first notify.Task
	for want := 1; want <= 3; want++ {
		got := rec.wait(t, deliveryTimeout, fmt.Sprint("attempt ", want))
		if want == 1 {
			first = got
		}
		assert.Equal(t, want, got.Attempt)
		assert.Equal(t, task.NotificationID, got.NotificationID)
		assert.Equal(t, task.Name, got.Name)
		assert.Equal(t, task.Payload, got.Payload, "payload on attempt %d", want)
		assert.Equal(t, first.ID, got.ID, "a retry keeps the task ID")
		assert.True(t, first.EnqueuedAt.Equal(got.EnqueuedAt), "a retry keeps EnqueuedAt")
	}
	time.Sleep(quiet)
	assert.Len(t, rec.seen(), 3, "a task that succeeded on attempt 3 was delivered again")
}

func testPermanent(t *testing.T, q notify.Queue, name func(string) string) {
	ctx := t.Context()
	queue := name("permanent")
	wrapped := newTask("deliver_sms")    // fails with notify.Permanent(err)
	sentinel := newTask("deliver_sms")   // fails with an error wrapping notify.ErrPermanent
	afterwards := newTask("deliver_sms") // succeeds: the consumer keeps going
	for _, task := range []notify.Task{wrapped, sentinel} {
		require.NoError(t, q.Enqueue(ctx, queue, task))
	}

	rec := newRecorder()
	consume(t, q, queue, func(_ context.Context, got notify.Task) error {
		rec.record(got)
		switch got.NotificationID {
		case wrapped.NotificationID:
			return notify.Permanent(errors.New("invalid recipient"))
		case sentinel.NotificationID:
			return fmt.Errorf("provider said no: %w", notify.ErrPermanent)
		}
		return nil
	})
	rec.wait(t, deliveryTimeout, "first permanent failure")
	rec.wait(t, deliveryTimeout, "second permanent failure")
	require.NoError(t, q.Enqueue(ctx, queue, afterwards))
	rec.wait(t, deliveryTimeout, "task after the permanent failures")
	time.Sleep(quiet)

	counts := map[uuid.UUID]int{}
	for _, got := range rec.seen() {
		counts[got.NotificationID]++
		assert.Equal(t, 1, got.Attempt)
	}
	assert.Equal(t, 1, counts[wrapped.NotificationID], "notify.Permanent error retried")
	assert.Equal(t, 1, counts[sentinel.NotificationID], "error wrapping ErrPermanent retried")
	assert.Equal(t, 1, counts[afterwards.NotificationID])
}

func testSeparateQueues(t *testing.T, q notify.Queue, name func(string) string) {
	ctx := t.Context()
	qa, qb := name("a"), name("b")
	want := map[string]map[uuid.UUID]bool{qa: {}, qb: {}}
	for i := range 5 {
		queue := qa
		if i%2 == 1 {
			queue = qb
		}
		task := newTask("deliver_" + queue)
		want[queue][task.NotificationID] = true
		require.NoError(t, q.Enqueue(ctx, queue, task))
	}

	for _, queue := range []string{qa, qb} {
		rec := newRecorder()
		c := consume(t, q, queue, func(_ context.Context, got notify.Task) error {
			rec.record(got)
			return nil
		})
		for range want[queue] {
			rec.wait(t, deliveryTimeout, queue)
		}
		time.Sleep(quiet)
		c.stop(t)
		seen := map[uuid.UUID]bool{}
		for _, got := range rec.seen() {
			assert.True(t, want[queue][got.NotificationID], "queue %s delivered a task of another queue", queue)
			assert.Equal(t, "deliver_"+queue, got.Name)
			seen[got.NotificationID] = true
		}
		assert.Equal(t, want[queue], seen)
	}
}

func testConsumeStops(t *testing.T, q notify.Queue, name func(string) string) {
	t.Run("idle", func(t *testing.T) {
		c := consume(t, q, name("idle"), func(context.Context, notify.Task) error { return nil })
		time.Sleep(100 * time.Millisecond)
		c.stop(t)
		assert.NoError(t, c.err)
	})

	t.Run("already cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		done := make(chan error, 1)
		go func() {
			done <- q.Consume(ctx, name("cancelled"), func(context.Context, notify.Task) error { return nil })
		}()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(stopTimeout):
			assert.Fail(t, "Consume with a cancelled context did not return")
		}
	})

	t.Run("busy", func(t *testing.T) {
		queue := name("busy")
		for range 20 {
			require.NoError(t, q.Enqueue(t.Context(), queue, newTask("deliver_sms")))
		}
		rec := newRecorder()
		c := consume(t, q, queue, func(ctx context.Context, got notify.Task) error {
			rec.record(got)
			select { // a slow handler that honours its context
			case <-time.After(20 * time.Millisecond):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		rec.wait(t, deliveryTimeout, "busy")
		c.stop(t)
		assert.NoError(t, c.err)
	})
}

func testInterrupted(t *testing.T, q notify.Queue, name func(string) string) {
	ctx := t.Context()
	queue := name("interrupted")
	task := newTask("deliver_sms")
	require.NoError(t, q.Enqueue(ctx, queue, task))

	started := make(chan notify.Task, 16)
	cancelled := make(chan bool, 16)
	first := consume(t, q, queue, func(hctx context.Context, got notify.Task) error {
		started <- got
		select {
		case <-hctx.Done():
			cancelled <- true
			return hctx.Err()
		case <-time.After(redeliveryTimeout):
			cancelled <- false
			return errors.New("handler context never cancelled")
		}
	})
	var got notify.Task
	select {
	case got = <-started:
	case <-time.After(deliveryTimeout):
		require.FailNow(t, "task not delivered to the first consumer")
	}
	require.Equal(t, task.NotificationID, got.NotificationID)
	first.stop(t)
	select {
	case ok := <-cancelled:
		assert.True(t, ok, "the handler's context was not cancelled with the consumer's")
	default:
		assert.Fail(t, "Consume returned before its handler did")
	}

	rec := newRecorder()
	consume(t, q, queue, func(_ context.Context, got notify.Task) error {
		rec.record(got)
		return nil
	})
	again := rec.wait(t, redeliveryTimeout, "redelivery to a later consumer")
	assert.Equal(t, task.NotificationID, again.NotificationID)
	assert.Equal(t, task.Payload, again.Payload)
	assert.GreaterOrEqual(t, again.Attempt, 1)
}

func testConcurrentConsumers(t *testing.T, q notify.Queue, name func(string) string) {
	ctx := t.Context()
	queue := name("concurrent")
	const total, consumers = 500, 3

	var mu sync.Mutex
	counts := map[uuid.UUID]int{}
	attempts := map[int]int{}
	all := make(chan struct{})
	var closeOnce sync.Once
	handler := func(_ context.Context, got notify.Task) error {
		mu.Lock()
		defer mu.Unlock()
		counts[got.NotificationID]++
		attempts[got.Attempt]++
		if len(counts) == total {
			closeOnce.Do(func() { close(all) })
		}
		return nil
	}

	want := map[uuid.UUID]bool{}
	tasks := make([]notify.Task, total)
	for i := range tasks {
		tasks[i] = newTask("deliver_sms")
		want[tasks[i].NotificationID] = true
	}
	// Half before the consumers start, half while they run, from two
	// goroutines.
	for _, task := range tasks[:total/2] {
		require.NoError(t, q.Enqueue(ctx, queue, task))
	}
	var cs []*consumer
	for range consumers {
		cs = append(cs, consume(t, q, queue, handler))
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for g := range 2 {
		wg.Go(func() {
			for i := total/2 + g; i < total; i += 2 {
				if err := q.Enqueue(ctx, queue, tasks[i]); err != nil {
					errs[g] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}

	select {
	case <-all:
	case <-time.After(60 * time.Second):
		mu.Lock()
		n := len(counts)
		mu.Unlock()
		require.FailNowf(t, "tasks lost", "%d of %d tasks handled after 60s", n, total)
	}
	time.Sleep(quiet)
	for _, c := range cs {
		c.stop(t)
	}

	mu.Lock()
	defer mu.Unlock()
	assert.Len(t, counts, total)
	twice := 0
	for id, n := range counts {
		assert.True(t, want[id], "unknown task %s", id)
		if n != 1 {
			twice++
		}
	}
	assert.Zero(t, twice, "tasks handled more than once")
	assert.Equal(t, map[int]int{1: total}, attempts, "every delivery is a first attempt")
}

func testEnqueueCancelled(t *testing.T, q notify.Queue, name func(string) string) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := q.Enqueue(ctx, name("cancelled"), newTask("deliver_sms"))
	require.Error(t, err)
}
