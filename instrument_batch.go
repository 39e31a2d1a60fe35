package notify

import (
	"context"
	"time"
)

// The metrics wrappers of InstrumentStore and InstrumentQueue have a fixed
// method set, so they hide BatchCreator and BatchEnqueuer. The Notifier
// finds the abilities behind its own wrappers and instruments them here:
// a batch is counted and timed under dao.create_notifications, and each
// of its notifications under dao.create_notification with the batch's
// time, as if it had been created alone, so the count and latency of
// creates keep their meaning; each task of a batch is counted under
// queue.enqueue.{queue} (plus queue.enqueue.{queue}.error when it fails)
// with the batch timed under queue.enqueue_batch.

// Metric names of the batch calls.
const (
	daoCreateNotifications = "dao.create_notifications"
	queueEnqueueBatch      = "queue.enqueue_batch"
)

// batchCreatorOf returns the BatchCreator of s, looking behind the
// Notifier's own metrics wrapper (and only that one: another decorator
// that hides the ability is respected).
func batchCreatorOf(s Store) (BatchCreator, bool) {
	var w *instrStore
	switch x := s.(type) {
	case BatchCreator:
		return x, true
	case *instrStore:
		w = x
	case *instrClosingStore:
		w = x.instrStore
	default:
		return nil, false
	}
	inner, ok := batchCreatorOf(w.inner)
	if !ok {
		return nil, false
	}
	return instrBatchCreator{inner: inner, stats: w.stats}, true
}

// instrBatchCreator is an instrumented BatchCreator.
type instrBatchCreator struct {
	inner BatchCreator
	stats Stats
}

// CreateNotifications calls the wrapped store's CreateNotifications.
func (b instrBatchCreator) CreateNotifications(ctx context.Context, ns []*Notification) []error {
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

// batchEnqueuerOf returns the BatchEnqueuer of q, looking behind the
// Notifier's own metrics wrapper only.
func batchEnqueuerOf(q Queue) (BatchEnqueuer, bool) {
	var w *instrQueue
	switch x := q.(type) {
	case BatchEnqueuer:
		return x, true
	case *instrQueue:
		w = x
	case *instrClosingQueue:
		w = x.instrQueue
	default:
		return nil, false
	}
	inner, ok := batchEnqueuerOf(w.inner)
	if !ok {
		return nil, false
	}
	return instrBatchEnqueuer{inner: inner, stats: w.stats}, true
}

// instrBatchEnqueuer is an instrumented BatchEnqueuer.
type instrBatchEnqueuer struct {
	inner BatchEnqueuer
	stats Stats
}

// EnqueueBatch calls the wrapped queue's EnqueueBatch.
func (b instrBatchEnqueuer) EnqueueBatch(ctx context.Context, tasks []QueuedTask) []error {
	start := time.Now()
	errs := b.inner.EnqueueBatch(ctx, tasks)
	b.stats.Timing(queueEnqueueBatch, time.Since(start))
	for i, t := range tasks {
		metric := "queue.enqueue." + instrOrUnnamed(t.Queue)
		b.stats.Incr(metric)
		if i < len(errs) && errs[i] != nil {
			b.stats.Incr(metric + ".error")
		}
	}
	return errs
}
