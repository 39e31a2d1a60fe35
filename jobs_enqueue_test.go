package notify_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
	"github.com/notifykit/notify/queue/memqueue"
)

var errBulkQueueDown = errors.New("queue down")

// failingBulkQueue refuses, while failing is set, every other task put on
// the bulk lane (the 1st, 3rd...); everything else goes to the memqueue.
type failingBulkQueue struct {
	*memqueue.Queue
	mu      sync.Mutex
	failing bool
	seen    int
}

func (q *failingBulkQueue) refuse(queue string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.failing || queue != notify.QueueBulkSMS {
		return false
	}
	q.seen++
	return q.seen%2 == 1
}

func (q *failingBulkQueue) setFailing(on bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.failing = on
}

func (q *failingBulkQueue) Enqueue(ctx context.Context, queue string, t notify.Task) error {
	if q.refuse(queue) {
		return errBulkQueueDown
	}
	return q.Queue.Enqueue(ctx, queue, t)
}

// oneByOneBulkQueue hides the memqueue's EnqueueBatch: tasks are queued one by one.
type oneByOneBulkQueue struct{ q *failingBulkQueue }

func (p oneByOneBulkQueue) Enqueue(ctx context.Context, queue string, t notify.Task) error {
	return p.q.Enqueue(ctx, queue, t)
}

func (p oneByOneBulkQueue) Consume(ctx context.Context, queue string, h notify.Handler) error {
	return p.q.Consume(ctx, queue, h)
}

// batchingBulkQueue queues in batches, with the same failures.
type batchingBulkQueue struct{ *failingBulkQueue }

func (b batchingBulkQueue) EnqueueBatch(ctx context.Context, tasks []notify.QueuedTask) []error {
	errs := make([]error, len(tasks))
	failed := false
	for i, t := range tasks {
		if errs[i] = b.Enqueue(ctx, t.Queue, t.Task); errs[i] != nil {
			failed = true
		}
	}
	if !failed {
		return nil
	}
	return errs
}

// A job's NotificationsSent counts the rows its start handed to the queue,
// not those whose enqueue failed; these stay created and Sweep queues them
// later, so every row is delivered.
func TestJobCountsOnlyTheRowsItQueued(t *testing.T) {
	for _, s := range jobStores() {
		for _, mode := range []string{"one by one", "batched"} {
			t.Run(s.name+"/"+mode, func(t *testing.T) {
				clk := newClock()
				fq := &failingBulkQueue{Queue: memqueue.New(memqueue.Options{Backoff: func(int) time.Duration { return 5 * time.Millisecond }})}
				t.Cleanup(func() { _ = fq.Close() })
				var q notify.Queue = oneByOneBulkQueue{fq}
				if mode == "batched" {
					q = batchingBulkQueue{fq}
				}
				b := newBulkEnv(t, notify.Service{}, onJobStore(s.open(t)), notifytest.Options{Config: func(c *notify.Config) {
					c.Clock = clk.now
					c.Queue = q
				}})
				ctx := t.Context()
				rows := [][]string{{"phone number", "name"},
					{"07700 900311", "A"}, {"07700 900312", "B"}, {"07700 900313", "C"}, {"07700 900314", "D"}, {"07700 900315", "E"}}
				at := clk.now().Add(time.Minute)
				job, err := b.env.Notifier.SendBulk(ctx, b.live, &notify.BulkRequest{Name: "j", TemplateID: b.sms.ID, Rows: rows, ScheduledFor: &at})
				require.NoError(t, err)

				fq.setFailing(true)
				clk.advance(time.Minute)
				_, err = b.env.Notifier.Sweep(ctx)
				require.NoError(t, err)
				fq.setFailing(false)
				j, err := b.env.Notifier.GetJob(ctx, b.live, job.ID)
				require.NoError(t, err)
				assert.Equal(t, notify.JobFinished, j.Status)
				assert.Equal(t, 2, fq.Len(notify.QueueBulkSMS), "3 of 5 enqueues failed")
				assert.Equal(t, 2, j.NotificationsSent, "only the rows queued were handed over")

				// The rows whose enqueue failed are still created: once they are
				// SweepAfter old, Sweep queues them and all five are delivered.
				b.env.Start()
				clk.advance(2 * time.Minute)
				_, err = b.env.Notifier.Sweep(ctx)
				require.NoError(t, err)
				require.Eventually(t, func() bool {
					j, err := b.env.Notifier.GetJob(ctx, b.live, job.ID)
					require.NoError(t, err)
					return len(j.Statistics) == 1 && j.Statistics[0] == notify.StatusCount{Status: notify.StatusDelivered, Count: 5}
				}, 10*time.Second, 20*time.Millisecond)
			})
		}
	}
}
