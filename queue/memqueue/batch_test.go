package memqueue_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
	"github.com/notifykit/notify/queue/memqueue"
)

// enqueueAll adds tasks to queue in one EnqueueBatch call.
func enqueueAll(t *testing.T, q *memqueue.Queue, queue string, tasks ...notify.Task) {
	t.Helper()
	batch := make([]notify.QueuedTask, len(tasks))
	for i, task := range tasks {
		batch[i] = notify.QueuedTask{Queue: queue, Task: task}
	}
	require.Nil(t, q.EnqueueBatch(t.Context(), batch))
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
