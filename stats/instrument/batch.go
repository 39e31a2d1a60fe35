package instrument

import (
	"context"
	"time"

	"github.com/notifykit/notify"
)

// Metric names of the batch abilities.
const (
	daoCreateNotifications = "dao.create_notifications"
	queueEnqueueBatch      = "queue.enqueue_batch"
)

// WrapBatchCreator returns b (the wrapped store's notify.BatchCreator, found
// by the Notifier through Unwrap) counted and timed: a batch under
// dao.create_notifications, and each of its notifications under
// dao.create_notification with the batch's time, as if it had been created
// alone, so the count and latency of creates keep their meaning.
func (s *store) WrapBatchCreator(b notify.BatchCreator) notify.BatchCreator {
	return batchCreator{inner: b, stats: s.stats}
}

// batchCreator is an instrumented notify.BatchCreator.
type batchCreator struct {
	inner notify.BatchCreator
	stats notify.Stats
}

// CreateNotifications calls the wrapped store's CreateNotifications.
func (b batchCreator) CreateNotifications(ctx context.Context, ns []*notify.Notification) []error {
	start := time.Now()
	errs := b.inner.CreateNotifications(ctx, ns)
	d := time.Since(start)
	b.stats.Incr(daoCreateNotifications)
	b.stats.Timing(daoCreateNotifications, d)
	for range ns {
		b.stats.Incr(daoCreateNotification)
		b.stats.Timing(daoCreateNotification, d)
	}
	return errs
}

// WrapBatchEnqueuer returns b (the wrapped queue's notify.BatchEnqueuer)
// with the batch timed under queue.enqueue_batch and each task counted
// under queue.enqueue.{queue} (plus queue.enqueue.{queue}.error when it
// fails), as Enqueue counts them.
func (q *queue) WrapBatchEnqueuer(b notify.BatchEnqueuer) notify.BatchEnqueuer {
	return batchEnqueuer{inner: b, stats: q.stats}
}

// batchEnqueuer is an instrumented notify.BatchEnqueuer.
type batchEnqueuer struct {
	inner notify.BatchEnqueuer
	stats notify.Stats
}

// EnqueueBatch calls the wrapped queue's EnqueueBatch.
func (b batchEnqueuer) EnqueueBatch(ctx context.Context, tasks []notify.QueuedTask) []error {
	start := time.Now()
	errs := b.inner.EnqueueBatch(ctx, tasks)
	b.stats.Timing(queueEnqueueBatch, time.Since(start))
	for i, t := range tasks {
		metric := "queue.enqueue." + orUnnamed(t.Queue)
		b.stats.Incr(metric)
		if i < len(errs) && errs[i] != nil {
			b.stats.Incr(metric + ".error")
		}
	}
	return errs
}
