package queuetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

// testEnqueueBatch checks notify.BatchEnqueuer, for queues that have it:
// tasks of one batch reach their own queues, each once, as Enqueue would
// deliver them.
func testEnqueueBatch(t *testing.T, q notify.Queue, name func(string) string) {
	be, ok := q.(notify.BatchEnqueuer)
	if !ok {
		t.Skip("the queue is not a notify.BatchEnqueuer: the Notifier enqueues tasks one at a time")
	}
	ctx := t.Context()
	assert.Nil(t, be.EnqueueBatch(ctx, nil), "an empty batch")
	assert.Nil(t, be.EnqueueBatch(ctx, []notify.QueuedTask{}), "an empty batch")

	sms, email := name("batch-sms"), name("batch-email")
	given := newTask("deliver_sms")
	given.ID = "given-" + uuid.NewString()
	batch := []notify.QueuedTask{
		{Queue: sms, Task: newTask("deliver_sms")},
		{Queue: email, Task: newTask("deliver_email")},
		{Queue: sms, Task: given},
		{Queue: email, Task: newTask("deliver_email")},
		{Queue: sms, Task: newTask("deliver_sms")},
	}
	want := map[string]map[uuid.UUID]notify.Task{sms: {}, email: {}}
	for _, qt := range batch {
		want[qt.Queue][qt.Task.NotificationID] = qt.Task
	}
	before := time.Now()
	require.Nil(t, be.EnqueueBatch(ctx, batch))
	after := time.Now()

	ids := map[string]bool{}
	for queue, tasks := range want {
		rec := newRecorder()
		consume(t, q, queue, func(_ context.Context, got notify.Task) error {
			rec.record(got)
			return nil
		})
		for range tasks {
			got := rec.wait(t, deliveryTimeout, "batch task on "+queue)
			task, ok := tasks[got.NotificationID]
			require.True(t, ok, "task of notification %s delivered on the wrong queue %s", got.NotificationID, queue)
			assert.Equal(t, 1, got.Attempt)
			assert.Equal(t, task.Name, got.Name)
			assert.Equal(t, task.Payload, got.Payload)
			if task.ID != "" {
				assert.Equal(t, task.ID, got.ID, "a given ID is kept")
			}
			assert.NotEmpty(t, got.ID, "the queue fills an empty ID")
			assert.False(t, ids[got.ID], "task ID %s given twice", got.ID)
			ids[got.ID] = true
			assert.False(t, got.EnqueuedAt.Before(before.Add(-5*time.Second)), "EnqueuedAt %v before EnqueueBatch", got.EnqueuedAt)
			assert.False(t, got.EnqueuedAt.After(after.Add(5*time.Second)), "EnqueuedAt %v after EnqueueBatch", got.EnqueuedAt)
		}
		time.Sleep(quiet)
		assert.Len(t, rec.seen(), len(tasks), "queue %s: a task was delivered twice or strayed in", queue)
	}

	t.Run("cancelled context", func(t *testing.T) {
		cancelled, cancel := context.WithCancel(t.Context())
		cancel()
		queue := name("batch-cancelled")
		errs := be.EnqueueBatch(cancelled, []notify.QueuedTask{
			{Queue: queue, Task: newTask("deliver_sms")},
			{Queue: queue, Task: newTask("deliver_sms")},
		})
		require.Len(t, errs, 2, "a failed batch reports one error per task")
		for _, err := range errs {
			assert.ErrorIs(t, err, context.Canceled)
		}
		rec := newRecorder()
		consume(t, q, queue, func(_ context.Context, got notify.Task) error {
			rec.record(got)
			return nil
		})
		time.Sleep(quiet)
		assert.Empty(t, rec.seen(), "a task enqueued under a cancelled context was delivered")
	})
}
