// Package memqueue is an in-process notify.Queue: the default queue of a
// Notifier built without one, and the queue of unit tests. Tasks live in
// memory only, so they are lost when the process stops; the Notifier's
// sweeper re-enqueues notifications whose tasks were lost.
//
// Each named queue is a FIFO of ready tasks plus a set of tasks waiting for
// a retry; a task waiting for its backoff never blocks the tasks behind it.
// A failed task is retried with Options.Backoff until Options.MaxAttempts
// deliveries have failed, then it joins the dead letters; a task whose
// handler fails with notify.ErrPermanent joins them at once.
//
// The implementation is notify.MemoryQueue, so that notify.New can default
// to it without importing this package.
package memqueue

import (
	"time"

	"github.com/notifykit/notify"
)

const (
	// DefaultWorkers is the default of Options.Workers.
	DefaultWorkers = notify.DefaultQueueWorkers
	// DefaultMaxAttempts is the default of Options.MaxAttempts.
	DefaultMaxAttempts = notify.DefaultQueueMaxAttempts
	// DefaultBackoffBase is the first retry delay of DefaultBackoff.
	DefaultBackoffBase = notify.DefaultQueueBackoffBase
	// DefaultBackoffMax caps the delays of DefaultBackoff.
	DefaultBackoffMax = notify.DefaultQueueBackoffMax
)

// Options configures a Queue. Zero values select the defaults.
type Options = notify.MemoryQueueOptions

// Queue is an in-process notify.Queue. The zero value is not usable; call
// New.
type Queue = notify.MemoryQueue

// DefaultBackoff doubles the delay from one second at each attempt, caps it
// at five minutes, and spreads it by ±10% so that retries do not come in
// waves.
func DefaultBackoff(attempt int) time.Duration { return notify.DefaultQueueBackoff(attempt) }

// New returns a Queue.
func New(opts Options) *Queue { return notify.NewMemoryQueue(opts) }
