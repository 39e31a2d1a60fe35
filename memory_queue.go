// The in-process Queue: the default of a Notifier built without one.

package notify

import (
	"container/heap"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Defaults of MemoryQueueOptions.
const (
	// DefaultQueueWorkers is the default of MemoryQueueOptions.Workers.
	DefaultQueueWorkers = 4
	// DefaultQueueMaxAttempts is the default of MemoryQueueOptions.MaxAttempts.
	DefaultQueueMaxAttempts = 10
	// DefaultQueueBackoffBase is the first retry delay of DefaultQueueBackoff.
	DefaultQueueBackoffBase = time.Second
	// DefaultQueueBackoffMax caps the delays of DefaultQueueBackoff.
	DefaultQueueBackoffMax = 5 * time.Minute
)

// MemoryQueueOptions configures a MemoryQueue. Zero values select the defaults.
type MemoryQueueOptions struct {
	// Workers is how many handlers each Consume call runs at once
	// (default 4).
	Workers int
	// Backoff returns how long a task waits after its attempt-th delivery
	// failed (attempt is 1 after the first failure). Default: DefaultQueueBackoff.
	Backoff func(attempt int) time.Duration
	// MaxAttempts is how many deliveries a task gets; after the last one
	// fails it goes to the dead letters (default 10).
	MaxAttempts int
}

// DefaultQueueBackoff doubles the delay from one second at each attempt, caps it
// at five minutes, and spreads it by ±10% so that retries do not come in
// waves.
func DefaultQueueBackoff(attempt int) time.Duration {
	attempt = max(attempt, 1)
	d := DefaultQueueBackoffMax
	if attempt <= 20 {
		d = min(DefaultQueueBackoffBase<<(attempt-1), DefaultQueueBackoffMax)
	}
	jitter := time.Duration(rand.Int64N(int64(d/5)+1)) - d/10
	return min(d+jitter, DefaultQueueBackoffMax)
}

// MemoryQueue is an in-process Queue. The zero value is not usable; call
// NewMemoryQueue.
type MemoryQueue struct {
	opts   MemoryQueueOptions
	mu     sync.Mutex
	lines  map[string]*queueLine
	dead   []Task
	closed bool
	done   chan struct{} // closed by Close
}

var _ Queue = (*MemoryQueue)(nil)

// queueItem is a task with its delivery state.
type queueItem struct {
	task Task
	// attempts counts the deliveries so far.
	attempts int
	// readyAt is when a task waiting for a retry may queueRun again.
	readyAt time.Time
}

// queueLine is one named queue.
type queueLine struct {
	ready   []*queueItem
	delayed queueDelayHeap
	// wake is closed (and replaced) whenever the queueLine changes, to wake the
	// workers waiting on it.
	wake chan struct{}
}

// NewMemoryQueue returns an empty MemoryQueue configured by opts.
func NewMemoryQueue(opts MemoryQueueOptions) *MemoryQueue {
	if opts.Workers <= 0 {
		opts.Workers = DefaultQueueWorkers
	}
	if opts.Backoff == nil {
		opts.Backoff = DefaultQueueBackoff
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultQueueMaxAttempts
	}
	return &MemoryQueue{opts: opts, lines: map[string]*queueLine{}, done: make(chan struct{})}
}

// queueLine returns the named queueLine, creating it. q.mu must be held.
func (q *MemoryQueue) line(name string) *queueLine {
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
// returns an error wrapping ErrClosed.
func (q *MemoryQueue) Enqueue(ctx context.Context, queue string, t Task) error {
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
		return fmt.Errorf("memqueue: enqueue on %s: %w", queue, ErrClosed)
	}
	l := q.line(queue)
	l.ready = append(l.ready, &queueItem{task: t})
	l.signal()
	return nil
}

// Consume runs h on tasks of the named queue with MemoryQueueOptions.Workers handlers
// at once, until ctx is done or the MemoryQueue is closed; it then waits for the
// running handlers and returns nil. Handlers get ctx itself. A handler that
// returns an error after ctx was cancelled has its task put back at the
// head of the queue, without backoff, for a later consumer. Consume on a
// closed MemoryQueue returns an error wrapping ErrClosed.
func (q *MemoryQueue) Consume(ctx context.Context, queue string, h Handler) error {
	q.mu.Lock()
	closed := q.closed
	q.mu.Unlock()
	if closed {
		return fmt.Errorf("memqueue: consume %s: %w", queue, ErrClosed)
	}
	var wg sync.WaitGroup
	for range q.opts.Workers {
		wg.Go(func() {
			for {
				it, ok := q.next(ctx, queue)
				if !ok {
					return
				}
				q.finish(ctx, queue, it, queueRun(ctx, h, it))
			}
		})
	}
	wg.Wait()
	return nil
}

// queueRun calls h on a copy of the queueItem's task, turning a panic into an error.
func queueRun(ctx context.Context, h Handler, it *queueItem) (err error) {
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
// false when ctx is done or the MemoryQueue is closed.
func (q *MemoryQueue) next(ctx context.Context, queue string) (*queueItem, bool) {
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
			l.ready = append(l.ready, heap.Pop(&l.delayed).(*queueItem))
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

// finish acknowledges, retries, requeues or dead-letters a delivered queueItem
// according to its handler's error.
func (q *MemoryQueue) finish(ctx context.Context, queue string, it *queueItem, err error) {
	if err == nil {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	l := q.line(queue)
	switch {
	case IsPermanent(err):
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
func (q *MemoryQueue) deadLetter(it *queueItem) {
	t := it.task
	t.Attempt = it.attempts
	q.dead = append(q.dead, t)
}

// DeadLetters returns the tasks given up on, oldest first, each with the
// Attempt of its last delivery.
func (q *MemoryQueue) DeadLetters() []Task {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]Task, len(q.dead))
	for i, t := range q.dead {
		t.Payload = slices.Clone(t.Payload)
		out[i] = t
	}
	return out
}

// Len returns the number of tasks waiting in the named queue: ready ones
// and those waiting for a retry, not those being handled.
func (q *MemoryQueue) Len(queue string) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	l, ok := q.lines[queue]
	if !ok {
		return 0
	}
	return len(l.ready) + len(l.delayed)
}

// Close stops the MemoryQueue: Enqueue and Consume return errors wrapping
// ErrClosed from now on, and running Consume calls stop taking tasks
// and return once their in-flight handlers have finished (Close does not
// wait for them, and does not cancel the handlers). Waiting tasks are
// dropped. Closing twice is not an error.
func (q *MemoryQueue) Close() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		close(q.done)
	}
	return nil
}

// queueDelayHeap orders items waiting for a retry by readyAt.
type queueDelayHeap []*queueItem

func (h queueDelayHeap) Len() int           { return len(h) }
func (h queueDelayHeap) Less(i, j int) bool { return h[i].readyAt.Before(h[j].readyAt) }
func (h queueDelayHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *queueDelayHeap) Push(x any)        { *h = append(*h, x.(*queueItem)) }
func (h *queueDelayHeap) Pop() any {
	old := *h
	n := len(old)
	it := old[n-1]
	old[n-1] = nil
	*h = old[:n-1]
	return it
}
