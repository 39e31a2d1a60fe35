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

// testConsumeBatch checks the optional notify.BatchConsumer ability, skipped with
// a reason when the queue does not have it.
func testConsumeBatch(t *testing.T, q notify.Queue, name func(string) string) {
	bc, ok := q.(notify.BatchConsumer)
	if !ok {
		t.Skipf("%T is not a notify.BatchConsumer: batch consumption not checked (the Notifier consumes one task at a time)", q)
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, q notify.Queue, bc notify.BatchConsumer, queue string)
	}{
		{"AcknowledgedTogether", testBatchAcks},
		{"RetriesPerTask", testBatchRetries},
		{"InterruptedBatchRedelivered", testBatchInterrupted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, q, bc, name(tc.name)) })
	}
}

// consumeBatch starts ConsumeBatch in a goroutine; the consumer is stopped
// at the end of the test if the test did not stop it.
func consumeBatch(t *testing.T, bc notify.BatchConsumer, queue string, size int, h notify.BatchHandler) *consumer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := &consumer{cancel: cancel, done: make(chan error, 1)}
	go func() { c.done <- bc.ConsumeBatch(ctx, queue, size, h) }()
	t.Cleanup(func() { c.stop(t) })
	return c
}

// batchLog collects the batches a batch handler saw.
type batchLog struct {
	mu      sync.Mutex
	batches [][]notify.Task
	count   map[uuid.UUID]int
}

func newBatchLog() *batchLog { return &batchLog{count: map[uuid.UUID]int{}} }

func (r *batchLog) record(tasks []notify.Task) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches = append(r.batches, append([]notify.Task(nil), tasks...))
	for _, t := range tasks {
		r.count[t.NotificationID]++
	}
}

// deliveries returns how many times each notification's task was handed
// over.
func (r *batchLog) deliveries() map[uuid.UUID]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[uuid.UUID]int, len(r.count))
	for id, n := range r.count {
		out[id] = n
	}
	return out
}

// total returns how many tasks were handed over in all.
func (r *batchLog) total() int {
	n := 0
	for _, c := range r.deliveries() {
		n += c
	}
	return n
}

// waitTotal waits until n tasks were handed over in all, failing the test
// after timeout.
func (r *batchLog) waitTotal(t *testing.T, n int, timeout time.Duration, what string) {
	t.Helper()
	require.Eventuallyf(t, func() bool { return r.total() >= n }, timeout, 10*time.Millisecond,
		"%s: %d of %d tasks handed over", what, r.total(), n)
}

func testBatchAcks(t *testing.T, q notify.Queue, bc notify.BatchConsumer, queue string) {
	const total, size = 40, 8
	tasks := make(map[uuid.UUID]notify.Task, total)
	for range total {
		task := newTask("deliver_sms")
		tasks[task.NotificationID] = task
		require.NoError(t, q.Enqueue(t.Context(), queue, task))
	}
	rec := newBatchLog()
	consumeBatch(t, bc, queue, size, func(_ context.Context, got []notify.Task) []error {
		rec.record(got)
		return make([]error, len(got))
	})
	rec.waitTotal(t, total, deliveryTimeout, "every task")
	time.Sleep(quiet)

	rec.mu.Lock()
	defer rec.mu.Unlock()
	largest := 0
	for _, b := range rec.batches {
		assert.NotEmpty(t, b, "an empty batch was handed over")
		assert.LessOrEqual(t, len(b), size, "a batch holds at most the size asked for")
		largest = max(largest, len(b))
		for _, got := range b {
			want, ok := tasks[got.NotificationID]
			if assert.True(t, ok, "unknown task %s", got.NotificationID) {
				assert.Equal(t, want.Name, got.Name)
				assert.Equal(t, want.Payload, got.Payload)
			}
			assert.Equal(t, 1, got.Attempt, "first delivery is attempt 1")
			assert.NotEmpty(t, got.ID)
		}
	}
	assert.Greater(t, largest, 1, "tasks waiting together are handed over together")
	assert.Len(t, rec.count, total)
	for id, n := range rec.count {
		assert.Equal(t, 1, n, "task %s handed over %d times: an acknowledged task came back", id, n)
	}
}

func testBatchRetries(t *testing.T, q notify.Queue, bc notify.BatchConsumer, queue string) {
	// Task i: i%3 == 0 fails once (retried), i%3 == 1 fails permanently (not
	// retried), i%3 == 2 succeeds.
	const total = 12
	role := map[uuid.UUID]int{}
	for i := range total {
		task := newTask("deliver_sms")
		role[task.NotificationID] = i % 3
		require.NoError(t, q.Enqueue(t.Context(), queue, task))
	}
	rec := newBatchLog()
	var mu sync.Mutex
	attempts := map[uuid.UUID][]int{}
	consumeBatch(t, bc, queue, total, func(_ context.Context, got []notify.Task) []error {
		rec.record(got)
		errs := make([]error, len(got))
		mu.Lock()
		defer mu.Unlock()
		for i, task := range got {
			attempts[task.NotificationID] = append(attempts[task.NotificationID], task.Attempt)
			switch role[task.NotificationID] {
			case 0:
				if task.Attempt < 2 {
					errs[i] = fmt.Errorf("attempt %d: provider unavailable", task.Attempt)
				}
			case 1:
				errs[i] = notify.Permanent(errors.New("bad recipient"))
			}
		}
		return errs
	})
	rec.waitTotal(t, total+total/3, deliveryTimeout, "every task, and the retries")
	time.Sleep(quiet)

	mu.Lock()
	defer mu.Unlock()
	for id, r := range role {
		switch r {
		case 0:
			assert.Equal(t, []int{1, 2}, attempts[id], "a failed task of a batch is retried on its own")
		default:
			assert.Equal(t, []int{1}, attempts[id], "a task acknowledged or failed permanently in a batch is not delivered again (role %d)", r)
		}
	}
}

func testBatchInterrupted(t *testing.T, q notify.Queue, bc notify.BatchConsumer, queue string) {
	const total = 5
	want := map[uuid.UUID]bool{}
	for range total {
		task := newTask("deliver_sms")
		want[task.NotificationID] = true
		require.NoError(t, q.Enqueue(t.Context(), queue, task))
	}
	started := make(chan int, 16)
	cancelled := make(chan bool, 16)
	first := consumeBatch(t, bc, queue, total, func(hctx context.Context, got []notify.Task) []error {
		started <- len(got)
		select {
		case <-hctx.Done():
			cancelled <- true
			return everyTaskFails(len(got), hctx.Err())
		case <-time.After(redeliveryTimeout):
			cancelled <- false
			return everyTaskFails(len(got), errors.New("handler context never cancelled"))
		}
	})
	select {
	case <-started:
	case <-time.After(deliveryTimeout):
		require.FailNow(t, "no batch handed to the first consumer")
	}
	first.stop(t)
	select {
	case ok := <-cancelled:
		assert.True(t, ok, "the batch handler's context was not cancelled with the consumer's")
	default:
		assert.Fail(t, "ConsumeBatch returned before its handler did")
	}

	// Every task, whether in the interrupted batch or still waiting, is
	// delivered again later (at once, or after the visibility timeout).
	rec := newBatchLog()
	consumeBatch(t, bc, queue, total, func(_ context.Context, got []notify.Task) []error {
		rec.record(got)
		return make([]error, len(got))
	})
	rec.waitTotal(t, total, redeliveryTimeout, "redelivery to a later consumer")
	for id := range want {
		assert.Positive(t, rec.deliveries()[id], "task %s not delivered again", id)
	}
}

// everyTaskFails returns n copies of err.
func everyTaskFails(n int, err error) []error {
	errs := make([]error, n)
	for i := range errs {
		errs[i] = err
	}
	return errs
}
