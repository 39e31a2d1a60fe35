// Package memqueue is an in-process notify.Queue: the queue of unit tests,
// examples and single-process programs. Tasks live in memory only, so they
// are lost when the process stops; the Notifier's sweeper re-enqueues
// notifications whose tasks were lost.
//
// Each named queue is a FIFO of ready tasks plus a set of tasks waiting for
// a retry; a task waiting for its backoff never blocks the tasks behind it.
// A failed task is retried with Options.Backoff until Options.MaxAttempts
// deliveries have failed, then it joins the dead letters; a task whose
// handler fails with notify.ErrPermanent joins them at once.
package memqueue

import (
	"container/heap"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/internal/backoff"
)

// Defaults of Options.
const (
	// DefaultWorkers is the default of Options.Workers.
	DefaultWorkers = 4
	// DefaultMaxAttempts is the default of Options.MaxAttempts.
	DefaultMaxAttempts = 10
	// DefaultBackoffBase is the first retry delay of DefaultBackoff.
	DefaultBackoffBase = backoff.Base
	// DefaultBackoffMax caps the delays of DefaultBackoff.
	DefaultBackoffMax = backoff.Max
)

// Options configures a Queue. Zero values select the defaults.
type Options struct {
	// Workers is how many handlers each Consume call runs at once
	// (default 4).
	Workers int
	// Backoff returns how long a task waits after its attempt-th delivery
	// failed (attempt is 1 after the first failure). Default: DefaultBackoff.
	Backoff func(attempt int) time.Duration
	// MaxAttempts is how many deliveries a task gets; after the last one
	// fails it goes to the dead letters (default 10).
	MaxAttempts int
}

// DefaultBackoff doubles the delay from one second at each attempt, caps it
// at five minutes, and spreads it by ±10% so that retries do not come in
// waves. The Redis queue (queue/redisqueue) waits the same.
func DefaultBackoff(attempt int) time.Duration { return backoff.Default(attempt) }

// Queue is an in-process notify.Queue. The zero value is not usable; call
// New.
type Queue struct {
	opts   Options
	mu     sync.Mutex
	lines  map[string]*queueLine
	dead   []notify.Task
	closed bool
	done   chan struct{} // closed by Close
}

var _ notify.Queue = (*Queue)(nil)

// item is a task with its delivery state.
type item struct {
	task notify.Task
	// attempts counts the deliveries so far.
	attempts int
	// readyAt is when a task waiting for a retry may run again.
	readyAt time.Time
}

// queueLine is one named queue.
type queueLine struct {
	ready   []*item
	delayed delayHeap
	// wake is closed (and replaced) whenever the queueLine changes, to wake the
	// workers waiting on it.
	wake chan struct{}
}

// New returns an empty Queue configured by opts.
func New(opts Options) *Queue {
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers
	}
	if opts.Backoff == nil {
		opts.Backoff = DefaultBackoff
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	return &Queue{opts: opts, lines: map[string]*queueLine{}, done: make(chan struct{})}
}

// line returns the named queueLine, creating it. q.mu must be held.
func (q *Queue) line(name string) *queueLine {
	l, ok := q.lines[name]
	if !ok {
		l = &queueLine{wake: make(chan struct{})}
		q.lines[name] = l
	}
	return l
}

// signal wakes the workers waiting on l. q.mu must be held.
func (l *queueLine) signal() {
	close(l.wake)
	l.wake = make(chan struct{})
}

// Enqueue adds t to the named queue. It fills t.ID when it is empty and
// t.EnqueuedAt when it is zero; t.Attempt is ignored. After Close it
// returns an error wrapping notify.ErrClosed.
func (q *Queue) Enqueue(ctx context.Context, queue string, t notify.Task) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memqueue: enqueue on %s: %w", queue, err)
	}
	if t.ID == "" {
		t.ID = uuid.NewString()
	}
	if t.EnqueuedAt.IsZero() {
		t.EnqueuedAt = time.Now().UTC()
	}
	t.Attempt = 0
	t.Payload = slices.Clone(t.Payload)

	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return fmt.Errorf("memqueue: enqueue on %s: %w", queue, notify.ErrClosed)
	}
	l := q.line(queue)
	l.ready = append(l.ready, &item{task: t})
	l.signal()
	return nil
}

// Consume runs h on tasks of the named queue with Options.Workers handlers
// at once, until ctx is done or the Queue is closed; it then waits for the
// running handlers and returns nil. Handlers get ctx itself. A handler that
// returns an error after ctx was cancelled has its task put back at the
// head of the queue, without backoff, for a later consumer. Consume on a
// closed Queue returns an error wrapping notify.ErrClosed.
func (q *Queue) Consume(ctx context.Context, queue string, h notify.Handler) error {
	q.mu.Lock()
	closed := q.closed
	q.mu.Unlock()
	if closed {
		return fmt.Errorf("memqueue: consume %s: %w", queue, notify.ErrClosed)
	}
	var wg sync.WaitGroup
	for range q.opts.Workers {
		wg.Go(func() {
			for {
				it, ok := q.next(ctx, queue)
				if !ok {
					return
				}
				q.finish(ctx, queue, it, run(ctx, h, it))
			}
		})
	}
	wg.Wait()
	return nil
}

// run calls h on a copy of the item's task, turning a panic into an error.
func run(ctx context.Context, h notify.Handler, it *item) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("memqueue: handler panicked: %v", r)
		}
	}()
	t := it.task
	t.Attempt = it.attempts
	t.Payload = slices.Clone(t.Payload)
	return h(ctx, t)
}

// next waits for a ready task of the named queue and takes it; it reports
// false when ctx is done or the Queue is closed.
func (q *Queue) next(ctx context.Context, queue string) (*item, bool) {
	for {
		if ctx.Err() != nil {
			return nil, false
		}
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return nil, false
		}
		l := q.line(queue)
		now := time.Now()
		for len(l.delayed) > 0 && !l.delayed[0].readyAt.After(now) {
			l.ready = append(l.ready, heap.Pop(&l.delayed).(*item))
		}
		if len(l.ready) > 0 {
			it := l.ready[0]
			l.ready[0] = nil
			l.ready = l.ready[1:]
			it.attempts++
			q.mu.Unlock()
			return it, true
		}
		wake := l.wake
		var timer *time.Timer
		var fire <-chan time.Time
		if len(l.delayed) > 0 {
			timer = time.NewTimer(l.delayed[0].readyAt.Sub(now))
			fire = timer.C
		}
		q.mu.Unlock()

		select {
		case <-ctx.Done():
		case <-q.done:
		case <-wake:
		case <-fire:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// finish acknowledges, retries, requeues or dead-letters a delivered item
// according to its handler's error.
func (q *Queue) finish(ctx context.Context, queue string, it *item, err error) {
	if err == nil {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	l := q.line(queue)
	switch {
	case notify.IsPermanent(err):
		q.deadLetter(it)
	case ctx.Err() != nil:
		// Interrupted by the consumer's shutdown: deliver again soon.
		l.ready = slices.Insert(l.ready, 0, it)
		l.signal()
	case it.attempts >= q.opts.MaxAttempts:
		q.deadLetter(it)
	default:
		it.readyAt = time.Now().Add(max(q.opts.Backoff(it.attempts), 0))
		heap.Push(&l.delayed, it)
		l.signal()
	}
}

// deadLetter records it as given up. q.mu must be held.
func (q *Queue) deadLetter(it *item) {
	t := it.task
	t.Attempt = it.attempts
	q.dead = append(q.dead, t)
}

// DeadLetters returns the tasks given up on, oldest first, each with the
// Attempt of its last delivery.
func (q *Queue) DeadLetters() []notify.Task {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]notify.Task, len(q.dead))
	for i, t := range q.dead {
		t.Payload = slices.Clone(t.Payload)
		out[i] = t
	}
	return out
}

// Len returns the number of tasks waiting in the named queue: ready ones
// and those waiting for a retry, not those being handled.
func (q *Queue) Len(queue string) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	l, ok := q.lines[queue]
	if !ok {
		return 0
	}
	return len(l.ready) + len(l.delayed)
}

// Close stops the Queue: Enqueue and Consume return errors wrapping
// notify.ErrClosed from now on, and running Consume calls stop taking tasks
// and return once their in-flight handlers have finished (Close does not
// wait for them, and does not cancel the handlers). Waiting tasks are
// dropped. Closing twice is not an error.
func (q *Queue) Close() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		close(q.done)
	}
	return nil
}

// delayHeap orders items waiting for a retry by readyAt.
type delayHeap []*item

func (h delayHeap) Len() int           { return len(h) }
func (h delayHeap) Less(i, j int) bool { return h[i].readyAt.Before(h[j].readyAt) }
func (h delayHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *delayHeap) Push(x any)        { *h = append(*h, x.(*item)) }
func (h *delayHeap) Pop() any {
	old := *h
	n := len(old)
	it := old[n-1]
	old[n-1] = nil
	*h = old[:n-1]
	return it
}
