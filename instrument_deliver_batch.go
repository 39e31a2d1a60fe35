// Metrics wrappers (the seed's statsd decorator) for the batch abilities of
// delivery.

package notify

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Metric names of the batch abilities' methods.
const (
	daoClaimNotifications      = "dao.claim_notifications"
	daoTransitionNotifications = "dao.transition_notifications"
)

// batchClaimerOf returns the BatchClaimer ability of s, looking through the
// Notifier's own metrics wrapper (whose calls it then counts and times
// under dao.claim_notifications).
func batchClaimerOf(s Store) (BatchClaimer, bool) {
	return storeAbility(s, func(w *instrStore, b BatchClaimer) BatchClaimer { return &instrBatchClaimer{w: w, inner: b} })
}

// batchTransitionerOf is batchClaimerOf for the BatchTransitioner ability
// (dao.transition_notifications).
func batchTransitionerOf(s Store) (BatchTransitioner, bool) {
	return storeAbility(s, func(w *instrStore, b BatchTransitioner) BatchTransitioner {
		return &instrBatchTransitioner{w: w, inner: b}
	})
}

// storeAbility returns the optional ability T of s. When s is the
// Notifier's metrics wrapper it looks at the wrapped store, and instrument
// gives the ability found there the wrapper's metrics. Other wrappers are
// not looked through: a wrapper that does not offer an ability hides it.
func storeAbility[T any](s Store, instrument func(w *instrStore, ability T) T) (T, bool) {
	if b, ok := s.(T); ok {
		return b, true
	}
	var w *instrStore
	switch x := s.(type) {
	case *instrStore:
		w = x
	case *instrClosingStore:
		w = x.instrStore
	default:
		var none T
		return none, false
	}
	b, ok := storeAbility(w.inner, instrument)
	if !ok {
		return b, false
	}
	return instrument(w, b), true
}

// instrBatchClaimer is the instrumented BatchClaimer of a wrapped store.
type instrBatchClaimer struct {
	w     *instrStore
	inner BatchClaimer
}

// ClaimNotifications calls the wrapped store's ClaimNotifications.
func (s *instrBatchClaimer) ClaimNotifications(ctx context.Context, ids []uuid.UUID, now, until time.Time) ([]*Notification, error) {
	defer s.w.done(daoClaimNotifications, time.Now())
	return s.inner.ClaimNotifications(ctx, ids, now, until)
}

// instrBatchTransitioner is the instrumented BatchTransitioner of a wrapped
// store.
type instrBatchTransitioner struct {
	w     *instrStore
	inner BatchTransitioner
}

// TransitionNotifications calls the wrapped store's
// TransitionNotifications.
func (s *instrBatchTransitioner) TransitionNotifications(ctx context.Context, ts []NotificationTransition) ([]*Notification, []error) {
	defer s.w.done(daoTransitionNotifications, time.Now())
	return s.inner.TransitionNotifications(ctx, ts)
}

// batchConsumerOf returns the BatchConsumer ability of q, looking through
// the Notifier's own metrics wrapper (whose batch handler then counts and
// times each task under tasks.{task name}, as Consume's does, with the
// time of its batch).
func batchConsumerOf(q Queue) (BatchConsumer, bool) {
	if b, ok := q.(BatchConsumer); ok {
		return b, true
	}
	var w *instrQueue
	switch x := q.(type) {
	case *instrQueue:
		w = x
	case *instrClosingQueue:
		w = x.instrQueue
	default:
		return nil, false
	}
	b, ok := batchConsumerOf(w.inner)
	if !ok {
		return nil, false
	}
	return &instrBatchConsumer{w: w, inner: b}, true
}

// instrBatchConsumer is the instrumented BatchConsumer of a wrapped queue.
type instrBatchConsumer struct {
	w     *instrQueue
	inner BatchConsumer
}

// ConsumeBatch calls the wrapped queue's ConsumeBatch with h instrumented.
func (q *instrBatchConsumer) ConsumeBatch(ctx context.Context, name string, max int, h BatchHandler) error {
	if h == nil {
		return q.inner.ConsumeBatch(ctx, name, max, h)
	}
	stats := q.w.stats
	return q.inner.ConsumeBatch(ctx, name, max, func(ctx context.Context, tasks []Task) []error {
		start := time.Now()
		errs := h(ctx, tasks)
		took := time.Since(start)
		for i, t := range tasks {
			metric := "tasks." + instrOrUnnamed(t.Name)
			stats.Incr(metric)
			stats.Timing(metric, took)
			if len(errs) != len(tasks) || errs[i] != nil {
				stats.Incr(metric + ".error")
			}
		}
		return errs
	})
}
