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

// startBatch runs ConsumeBatch in a goroutine and returns a function that
// cancels it and waits for it to return nil.
func startBatch(t *testing.T, q *memqueue.Queue, queue string, size int, h notify.BatchHandler) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.ConsumeBatch(ctx, queue, size, h) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				assert.NoError(t, err)
			case <-time.After(waitFor):
				assert.Fail(t, "ConsumeBatch did not return")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// enqueueAll adds tasks to queue in one EnqueueBatch call.
func enqueueAll(t *testing.T, q *memqueue.Queue, queue string, tasks ...notify.Task) {
	t.Helper()
	batch := make([]notify.QueuedTask, len(tasks))
	for i, task := range tasks {
		batch[i] = notify.QueuedTask{Queue: queue, Task: task}
	}
	require.Nil(t, q.EnqueueBatch(t.Context(), batch))
}

func TestBatchSettlesEachTask(t *testing.T) {
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
	failing := notify.Task{Name: "failing", NotificationID: uuid.New(), Payload: []byte("p")}
	permanent := notify.Task{Name: "permanent", NotificationID: uuid.New()}
	fine := notify.Task{Name: "fine", NotificationID: uuid.New()}
	enqueueAll(t, q, "send", failing, permanent, fine)

	var calls sync.Map // task name → *atomic.Int32
	var batches atomic.Int32
	startBatch(t, q, "send", 10, func(_ context.Context, tasks []notify.Task) []error {
		batches.Add(1)
		errs := make([]error, len(tasks))
		for i, task := range tasks {
			n, _ := calls.LoadOrStore(task.Name, new(atomic.Int32))
			n.(*atomic.Int32).Add(1)
			switch task.Name {
			case "failing":
				errs[i] = errors.New("try again")
			case "permanent":
				errs[i] = notify.Permanent(errors.New("bad address"))
			}
		}
		return errs
	})
	require.Eventually(t, func() bool { return len(q.DeadLetters()) == 2 }, waitFor, 5*time.Millisecond)
	time.Sleep(50 * time.Millisecond)

	byName := map[string]notify.Task{}
	for _, d := range q.DeadLetters() {
		byName[d.Name] = d
	}
	assert.Equal(t, 1, byName["permanent"].Attempt, "a permanent failure is dead-lettered at once")
	assert.Equal(t, 3, byName["failing"].Attempt, "dead-lettered after MaxAttempts")
	assert.Equal(t, []byte("p"), byName["failing"].Payload)
	for name, want := range map[string]int32{"failing": 3, "permanent": 1, "fine": 1} {
		n, _ := calls.Load(name)
		if assert.NotNil(t, n, name) {
			assert.Equal(t, want, n.(*atomic.Int32).Load(), "deliveries of %s", name)
		}
	}
	assert.Less(t, batches.Load(), int32(5), "tasks waiting together are handed over together")
	mu.Lock()
	assert.Equal(t, []int{1, 2}, asked, "Backoff gets the number of the task's failed attempt")
	mu.Unlock()
	assert.Zero(t, q.Len("send"))
}

func TestBatchHandlerFailureFailsEveryTask(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fail func(tasks []notify.Task) []error
	}{
		{"short result", func(tasks []notify.Task) []error { return make([]error, len(tasks)-1) }},
		{"long result", func(tasks []notify.Task) []error { return make([]error, len(tasks)+1) }},
		{"nil result", func([]notify.Task) []error { return nil }},
		{"panic", func([]notify.Task) []error { panic("boom") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q := memqueue.New(memqueue.Options{Workers: 1, Backoff: func(int) time.Duration { return time.Millisecond }})
			defer q.Close()
			a := notify.Task{Name: "a", NotificationID: uuid.New()}
			b := notify.Task{Name: "b", NotificationID: uuid.New()}
			enqueueAll(t, q, "q", a, b)
			got := make(chan notify.Task, 10)
			startBatch(t, q, "q", 2, func(_ context.Context, tasks []notify.Task) []error {
				for _, task := range tasks {
					got <- task
				}
				if tasks[0].Attempt == 1 {
					return tc.fail(tasks)
				}
				return make([]error, len(tasks))
			})
			attempts := map[string][]int{}
			for range 4 {
				select {
				case task := <-got:
					attempts[task.Name] = append(attempts[task.Name], task.Attempt)
				case <-time.After(waitFor):
					require.FailNow(t, "a task of the failed batch was not retried", "seen %v", attempts)
				}
			}
			assert.Equal(t, map[string][]int{"a": {1, 2}, "b": {1, 2}}, attempts)
			assert.Empty(t, q.DeadLetters())
		})
	}
}

func TestBatchWorkers(t *testing.T) {
	t.Parallel()
	const workers, size, total = 3, 2, 10
	q := memqueue.New(memqueue.Options{Workers: workers})
	defer q.Close()
	for range total {
		require.NoError(t, q.Enqueue(t.Context(), "q", notify.Task{NotificationID: uuid.New()}))
	}
	var running, peak atomic.Int32
	var mu sync.Mutex
	var sizes []int
	release := make(chan struct{})
	startBatch(t, q, "q", size, func(ctx context.Context, tasks []notify.Task) []error {
		mu.Lock()
		sizes = append(sizes, len(tasks))
		mu.Unlock()
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
			return make([]error, len(tasks))
		case <-ctx.Done():
			errs := make([]error, len(tasks))
			for i := range errs {
				errs[i] = ctx.Err()
			}
			return errs
		}
	})
	require.Eventually(t, func() bool { return running.Load() == workers }, waitFor, time.Millisecond)
	time.Sleep(50 * time.Millisecond)
	assert.EqualValues(t, workers, peak.Load(), "batches handled at once")
	assert.Equal(t, total-workers*size, q.Len("q"), "each running batch took the size asked for")
	close(release)
	require.Eventually(t, func() bool { return q.Len("q") == 0 && running.Load() == 0 }, waitFor, time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	sum := 0
	for _, n := range sizes {
		assert.LessOrEqual(t, n, size)
		sum += n
	}
	assert.Equal(t, total, sum, "every task handed over once")
}

func TestInterruptedBatchGoesBackFirst(t *testing.T) {
	t.Parallel()
	q := memqueue.New(memqueue.Options{Workers: 1})
	defer q.Close()
	enqueueAll(t, q, "q",
		notify.Task{Name: "first", NotificationID: uuid.New()},
		notify.Task{Name: "second", NotificationID: uuid.New()},
		notify.Task{Name: "third", NotificationID: uuid.New()})

	started := make(chan struct{})
	stop := startBatch(t, q, "q", 2, func(ctx context.Context, tasks []notify.Task) []error {
		close(started)
		<-ctx.Done()
		// One task of the batch is acknowledged in spite of the
		// cancellation, the other is put back.
		return []error{ctx.Err(), nil}
	})
	<-started
	stop()
	assert.Equal(t, 2, q.Len("q"))

	got := make(chan []notify.Task, 1)
	startBatch(t, q, "q", 10, func(_ context.Context, tasks []notify.Task) []error {
		got <- tasks
		return make([]error, len(tasks))
	})
	tasks := <-got
	require.Len(t, tasks, 2)
	assert.Equal(t, "first", tasks[0].Name, "the interrupted task goes back at the head")
	assert.Equal(t, 2, tasks[0].Attempt, "the interrupted delivery counts as an attempt")
	assert.Equal(t, "third", tasks[1].Name)
	assert.Equal(t, 1, tasks[1].Attempt)
	assert.Empty(t, q.DeadLetters())
}

func TestEnqueueBatch(t *testing.T) {
	t.Parallel()
	q := memqueue.New(memqueue.Options{Workers: 1})
	payload := []byte("original")
	enqueuedAt := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	errs := q.EnqueueBatch(t.Context(), []notify.QueuedTask{
		{Queue: "a", Task: notify.Task{Name: "a1", ID: "mine", Payload: payload, Attempt: 7, EnqueuedAt: enqueuedAt}},
		{Queue: "b", Task: notify.Task{Name: "b1"}},
		{Queue: "a", Task: notify.Task{Name: "a2"}},
		{Queue: "b", Task: notify.Task{Name: "b2"}},
		{Queue: "a", Task: notify.Task{Name: "a3"}},
	})
	require.Nil(t, errs)
	payload[0] = 'X'
	assert.Equal(t, 3, q.Len("a"))
	assert.Equal(t, 2, q.Len("b"))

	got := make(chan []notify.Task, 1)
	stop := startBatch(t, q, "a", 10, func(_ context.Context, tasks []notify.Task) []error {
		got <- tasks
		return make([]error, len(tasks))
	})
	tasks := <-got
	stop()
	require.Len(t, tasks, 3)
	for i, name := range []string{"a1", "a2", "a3"} {
		assert.Equal(t, name, tasks[i].Name, "the tasks of one queue keep their order")
		assert.Equal(t, 1, tasks[i].Attempt)
		assert.False(t, tasks[i].EnqueuedAt.IsZero())
	}
	assert.Equal(t, "mine", tasks[0].ID, "a given ID is kept")
	assert.Equal(t, []byte("original"), tasks[0].Payload, "the payload is copied")
	assert.True(t, enqueuedAt.Equal(tasks[0].EnqueuedAt), "a given EnqueuedAt is kept")
	assert.NotEmpty(t, tasks[1].ID)

	require.NoError(t, q.Close())
	errs = q.EnqueueBatch(t.Context(), []notify.QueuedTask{{Queue: "a"}, {Queue: "b"}})
	require.Len(t, errs, 2)
	for _, err := range errs {
		assert.ErrorIs(t, err, notify.ErrClosed)
	}
	assert.Nil(t, q.EnqueueBatch(t.Context(), nil), "an empty batch is a no-op, even after Close")
	err := q.ConsumeBatch(t.Context(), "a", 10, func(context.Context, []notify.Task) []error { return nil })
	assert.ErrorIs(t, err, notify.ErrClosed)
}
