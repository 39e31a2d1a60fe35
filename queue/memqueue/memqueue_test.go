package memqueue_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
	"github.com/notifykit/notify/queue/memqueue"
)

const waitFor = 5 * time.Second

// start runs Consume in a goroutine and returns a function that cancels it
// and waits for it to return nil.
func start(t *testing.T, q *memqueue.Queue, queue string, h notify.Handler) (stop func()) {
	t.Helper()
	return serve(t, "Consume", func(ctx context.Context) error { return q.Consume(ctx, queue, h) })
}

// startBatch runs ConsumeBatch in a goroutine and returns a function that
// cancels it and waits for it to return nil.
func startBatch(t *testing.T, q *memqueue.Queue, queue string, size int, h notify.BatchHandler) (stop func()) {
	t.Helper()
	return serve(t, "ConsumeBatch", func(ctx context.Context) error { return q.ConsumeBatch(ctx, queue, size, h) })
}

// serve runs consume in a goroutine and returns a function that cancels
// its context and waits for it to return nil; the test's cleanup calls it
// too.
func serve(t *testing.T, what string, consume func(ctx context.Context) error) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- consume(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				assert.NoError(t, err)
			case <-time.After(waitFor):
				assert.Fail(t, what+" did not return")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// consumers start a per-task handler through Consume, and through
// ConsumeBatch with each task of a batch handled in turn, for the rules
// that hold for both.
var consumers = []struct {
	name  string
	start func(t *testing.T, q *memqueue.Queue, queue string, h notify.Handler) (stop func())
}{
	{"Consume", start},
	{"ConsumeBatch", func(t *testing.T, q *memqueue.Queue, queue string, h notify.Handler) func() {
		t.Helper()
		return startBatch(t, q, queue, 10, func(ctx context.Context, tasks []notify.Task) []error {
			errs := make([]error, len(tasks))
			for i, task := range tasks {
				errs[i] = h(ctx, task)
			}
			return errs
		})
	}},
}

func TestBackoffAndDeadLetters(t *testing.T) {
	t.Parallel()
	for _, c := range consumers {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var asked []int
			q := memqueue.New(memqueue.Options{
				MaxAttempts: 3,
				Backoff: func(attempt int) time.Duration {
					mu.Lock()
					asked = append(asked, attempt)
					mu.Unlock()
					return 5 * time.Millisecond
				},
			})
			defer q.Close()

			failing := notify.Task{Name: "deliver_sms", NotificationID: uuid.New(), Payload: []byte("p")}
			permanent := notify.Task{Name: "deliver_email", NotificationID: uuid.New()}
			require.NoError(t, q.Enqueue(t.Context(), "send", failing))
			require.NoError(t, q.Enqueue(t.Context(), "send", permanent))

			var calls atomic.Int32
			c.start(t, q, "send", func(_ context.Context, task notify.Task) error {
				calls.Add(1)
				if task.NotificationID == permanent.NotificationID {
					return notify.Permanent(errors.New("bad address"))
				}
				return errors.New("try again")
			})
			require.Eventually(t, func() bool { return len(q.DeadLetters()) == 2 }, waitFor, 5*time.Millisecond)
			time.Sleep(50 * time.Millisecond)

			dead := q.DeadLetters()
			require.Len(t, dead, 2)
			byID := map[uuid.UUID]notify.Task{}
			for _, d := range dead {
				byID[d.NotificationID] = d
			}
			assert.Equal(t, 1, byID[permanent.NotificationID].Attempt, "a permanent failure is dead-lettered at once")
			assert.Equal(t, 3, byID[failing.NotificationID].Attempt, "dead-lettered after MaxAttempts")
			assert.Equal(t, []byte("p"), byID[failing.NotificationID].Payload)
			assert.EqualValues(t, 4, calls.Load())
			mu.Lock()
			assert.Equal(t, []int{1, 2}, asked, "Backoff gets the number of the failed attempt")
			mu.Unlock()
			assert.Zero(t, q.Len("send"))

			// DeadLetters returns copies.
			dead[0].Payload = []byte("changed")
			dead[1].Payload = []byte("changed")
			for _, d := range q.DeadLetters() {
				assert.NotEqual(t, []byte("changed"), d.Payload)
			}
		})
	}
}

func TestRetryDoesNotBlock(t *testing.T) {
	t.Parallel()
	for _, c := range consumers {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			q := memqueue.New(memqueue.Options{Workers: 1, Backoff: func(int) time.Duration { return time.Hour }})
			defer q.Close()
			slow := notify.Task{Name: "a", NotificationID: uuid.New()}
			require.NoError(t, q.Enqueue(t.Context(), "q", slow))

			handled := make(chan uuid.UUID, 10)
			c.start(t, q, "q", func(_ context.Context, task notify.Task) error {
				handled <- task.NotificationID
				if task.NotificationID == slow.NotificationID {
					return errors.New("fail")
				}
				return nil
			})
			assert.Equal(t, slow.NotificationID, <-handled)
			require.Eventually(t, func() bool { return q.Len("q") == 1 }, waitFor, time.Millisecond, "the failed task waits")

			next := notify.Task{Name: "b", NotificationID: uuid.New()}
			require.NoError(t, q.Enqueue(t.Context(), "q", next))
			select {
			case id := <-handled:
				assert.Equal(t, next.NotificationID, id)
			case <-time.After(waitFor):
				require.Fail(t, "a task waiting for a retry blocked the queue")
			}
			assert.Equal(t, 1, q.Len("q"), "the failed task still waits for its retry")
			assert.Zero(t, q.Len("unknown"))
		})
	}
}

func TestWorkers(t *testing.T) {
	t.Parallel()
	const total = 10
	tests := []struct {
		name    string
		workers int
		want    int
		// batch, when above 0, consumes with ConsumeBatch in batches of
		// up to batch tasks.
		batch int
	}{
		{"default", 0, memqueue.DefaultWorkers, 0},
		{"two", 2, 2, 0},
		{"six", 6, 6, 0},
		{"three batches of two", 3, 3, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q := memqueue.New(memqueue.Options{Workers: tc.workers})
			defer q.Close()
			for range total {
				require.NoError(t, q.Enqueue(t.Context(), "q", notify.Task{NotificationID: uuid.New()}))
			}
			var running, peak atomic.Int32
			release := make(chan struct{})
			hold := func(ctx context.Context) error {
				n := running.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				defer running.Add(-1)
				select {
				case <-release:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			var mu sync.Mutex
			var sizes []int
			perCall := 1
			if tc.batch == 0 {
				start(t, q, "q", func(ctx context.Context, _ notify.Task) error { return hold(ctx) })
			} else {
				perCall = tc.batch
				startBatch(t, q, "q", tc.batch, func(ctx context.Context, tasks []notify.Task) []error {
					mu.Lock()
					sizes = append(sizes, len(tasks))
					mu.Unlock()
					err := hold(ctx)
					errs := make([]error, len(tasks))
					for i := range errs {
						errs[i] = err
					}
					return errs
				})
			}
			require.Eventually(t, func() bool { return running.Load() == int32(tc.want) }, waitFor, time.Millisecond)
			time.Sleep(50 * time.Millisecond)
			assert.EqualValues(t, tc.want, peak.Load(), "handlers running at once")
			assert.Equal(t, total-tc.want*perCall, q.Len("q"), "each running handler took what it may")
			close(release)
			require.Eventually(t, func() bool { return q.Len("q") == 0 && running.Load() == 0 }, waitFor, time.Millisecond)
			if tc.batch > 0 {
				mu.Lock()
				defer mu.Unlock()
				sum := 0
				for _, n := range sizes {
					assert.LessOrEqual(t, n, tc.batch)
					sum += n
				}
				assert.Equal(t, total, sum, "every task handed over once")
			}
		})
	}
}

func TestClose(t *testing.T) {
	t.Parallel()
	q := memqueue.New(memqueue.Options{})
	require.NoError(t, q.Enqueue(t.Context(), "q", notify.Task{NotificationID: uuid.New()}))

	inHandler := make(chan struct{})
	release := make(chan struct{})
	var handlerCtxErr error
	done := make(chan error, 1)
	go func() {
		done <- q.Consume(context.Background(), "q", func(ctx context.Context, _ notify.Task) error {
			close(inHandler)
			<-release
			handlerCtxErr = ctx.Err()
			return nil
		})
	}()
	<-inHandler
	require.NoError(t, q.Close())
	require.NoError(t, q.Close(), "closing twice")

	err := q.Enqueue(t.Context(), "q", notify.Task{})
	require.ErrorIs(t, err, notify.ErrClosed)
	err = q.Consume(t.Context(), "q", func(context.Context, notify.Task) error { return nil })
	require.ErrorIs(t, err, notify.ErrClosed)

	select {
	case <-done:
		require.Fail(t, "Consume returned while its handler was running")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(waitFor):
		require.Fail(t, "Consume did not return after Close")
	}
	assert.NoError(t, handlerCtxErr, "Close cancelled a running handler")
}

func TestInterruptedTaskGoesBackFirst(t *testing.T) {
	t.Parallel()
	q := memqueue.New(memqueue.Options{Workers: 1})
	defer q.Close()
	first := notify.Task{Name: "first", NotificationID: uuid.New()}
	second := notify.Task{Name: "second", NotificationID: uuid.New()}
	require.NoError(t, q.Enqueue(t.Context(), "q", first))
	require.NoError(t, q.Enqueue(t.Context(), "q", second))

	started := make(chan struct{})
	stop := start(t, q, "q", func(ctx context.Context, _ notify.Task) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})
	<-started
	stop()
	assert.Equal(t, 2, q.Len("q"))

	got := make(chan notify.Task, 2)
	start(t, q, "q", func(_ context.Context, task notify.Task) error {
		got <- task
		return nil
	})
	a, b := <-got, <-got
	assert.Equal(t, "first", a.Name)
	assert.Equal(t, 2, a.Attempt, "the interrupted delivery counts as an attempt")
	assert.Equal(t, "second", b.Name)
	assert.Equal(t, 1, b.Attempt)
	assert.Empty(t, q.DeadLetters())
}

func TestHandlerPanicIsRetried(t *testing.T) {
	t.Parallel()
	for _, c := range consumers {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			q := memqueue.New(memqueue.Options{Backoff: func(int) time.Duration { return time.Millisecond }})
			defer q.Close()
			require.NoError(t, q.Enqueue(t.Context(), "q", notify.Task{NotificationID: uuid.New()}))
			attempts := make(chan int, 10)
			c.start(t, q, "q", func(_ context.Context, task notify.Task) error {
				attempts <- task.Attempt
				if task.Attempt == 1 {
					panic("boom")
				}
				return nil
			})
			assert.Equal(t, 1, <-attempts)
			assert.Equal(t, 2, <-attempts)
		})
	}
}

func TestEnqueueCopies(t *testing.T) {
	t.Parallel()
	q := memqueue.New(memqueue.Options{})
	defer q.Close()
	payload := []byte("original")
	enqueuedAt := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	require.NoError(t, q.Enqueue(t.Context(), "q", notify.Task{ID: "mine", Payload: payload, Attempt: 7, EnqueuedAt: enqueuedAt}))
	payload[0] = 'X'
	got := make(chan notify.Task, 1)
	start(t, q, "q", func(_ context.Context, task notify.Task) error {
		got <- task
		return nil
	})
	task := <-got
	assert.Equal(t, []byte("original"), task.Payload)
	assert.Equal(t, "mine", task.ID)
	assert.Equal(t, 1, task.Attempt, "Attempt given to Enqueue is ignored")
	assert.True(t, enqueuedAt.Equal(task.EnqueuedAt), "a given EnqueuedAt is kept")
}
