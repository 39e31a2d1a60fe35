package instrument

import (
	"context"
	"time"

	"github.com/notifykit/notify"
)

// Queue returns q with every Enqueue counted and timed under
// queue.enqueue.{queue} (plus queue.enqueue.{queue}.error when it fails),
// and every task handled through Consume counted and timed under
// tasks.{task name} (plus tasks.{task name}.error when the handler fails).
// The result has a Close() error method when q has one, and
// Unwrap() notify.Queue. A nil q gives nil; a nil stats records nothing.
func Queue(q notify.Queue, stats notify.Stats) notify.Queue {
	if q == nil {
		return nil
	}
	if stats == nil {
		stats = notify.DiscardStats{}
	}
	w := &queue{inner: q, stats: stats}
	if c, ok := q.(closer); ok {
		return &closingQueue{queue: w, closer: c}
	}
	return w
}

// queue is the instrumented Queue.
type queue struct {
	inner notify.Queue
	stats notify.Stats
}

var _ notify.Queue = (*queue)(nil)

// closingQueue is the instrumented Queue of a queue that has Close.
type closingQueue struct {
	*queue
	closer
}

// Unwrap returns the wrapped queue.
func (q *queue) Unwrap() notify.Queue { return q.inner }

// Enqueue calls the wrapped queue's Enqueue.
func (q *queue) Enqueue(ctx context.Context, name string, t notify.Task) error {
	metric := "queue.enqueue." + orUnnamed(name)
	start := time.Now()
	err := q.inner.Enqueue(ctx, name, t)
	q.stats.Incr(metric)
	q.stats.Timing(metric, time.Since(start))
	if err != nil {
		q.stats.Incr(metric + ".error")
	}
	return err
}

// Consume calls the wrapped queue's Consume with h instrumented.
func (q *queue) Consume(ctx context.Context, name string, h notify.Handler) error {
	if h == nil {
		return q.inner.Consume(ctx, name, h)
	}
	return q.inner.Consume(ctx, name, q.handler(h))
}

// handler returns h counted and timed under tasks.{task name}.
func (q *queue) handler(h notify.Handler) notify.Handler {
	return func(ctx context.Context, t notify.Task) error {
		metric := "tasks." + orUnnamed(t.Name)
		start := time.Now()
		err := h(ctx, t)
		q.stats.Incr(metric)
		q.stats.Timing(metric, time.Since(start))
		if err != nil {
			q.stats.Incr(metric + ".error")
		}
		return err
	}
}

// orUnnamed keeps an empty name from producing a metric name ending in a
// dot.
func orUnnamed(name string) string {
	if name == "" {
		return "unnamed"
	}
	return name
}
