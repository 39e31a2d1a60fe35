// Metrics wrappers: the seed's statsd decorator (SPEC A8).

package notify

import (
	"context"
	"time"
)

// InstrumentQueue returns q with every Enqueue counted and timed under
// queue.enqueue.{queue} (plus queue.enqueue.{queue}.error when it fails),
// and every task handled through Consume counted and timed under
// tasks.{task name} (plus tasks.{task name}.error when the handler fails).
// The result has a Close() error method when q has one, and
// Unwrap() Queue. A nil q gives nil; a nil stats records nothing.
func InstrumentQueue(q Queue, stats Stats) Queue {
	if q == nil {
		return nil
	}
	if stats == nil {
		stats = DiscardStats{}
	}
	w := &instrQueue{inner: q, stats: stats}
	if c, ok := q.(instrCloser); ok {
		return &instrClosingQueue{instrQueue: w, instrCloser: c}
	}
	return w
}

// queue is the instrumented Queue.
type instrQueue struct {
	inner Queue
	stats Stats
}

var _ Queue = (*instrQueue)(nil)

// closingQueue is the instrumented Queue of a queue that has Close.
type instrClosingQueue struct {
	*instrQueue
	instrCloser
}

// Unwrap returns the wrapped queue.
func (q *instrQueue) Unwrap() Queue { return q.inner }

// Enqueue calls the wrapped queue's Enqueue.
func (q *instrQueue) Enqueue(ctx context.Context, name string, t Task) error {
	metric := "queue.enqueue." + instrOrUnnamed(name)
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
func (q *instrQueue) Consume(ctx context.Context, name string, h Handler) error {
	if h == nil {
		return q.inner.Consume(ctx, name, h)
	}
	return q.inner.Consume(ctx, name, q.handler(h))
}

// handler returns h counted and timed under tasks.{task name}.
func (q *instrQueue) handler(h Handler) Handler {
	return func(ctx context.Context, t Task) error {
		metric := "tasks." + instrOrUnnamed(t.Name)
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
func instrOrUnnamed(name string) string {
	if name == "" {
		return "unnamed"
	}
	return name
}
