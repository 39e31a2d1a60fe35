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
//
// A Queue has the batch abilities notify.BatchEnqueuer and
// notify.BatchConsumer: the Notifier queues the tasks of a group commit
// under one lock, and its workers take the delivery tasks that are waiting
// in batches (ConsumeBatch), each task still settled on its own.
package memqueue

import (
	"container/heap"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/internal/backoff"
	"github.com/notifykit/notify/internal/queueing"
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
	// Workers is how many handlers each Consume or ConsumeBatch call runs
	// at once (default 4).
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

var (
	_ notify.Queue         = (*Queue)(nil)
	_ notify.BatchEnqueuer = (*Queue)(nil)
	_ notify.BatchConsumer = (*Queue)(nil)
)

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
	if errs := q.enqueue(ctx, []notify.QueuedTask{{Queue: queue, Task: t}}); errs != nil {
		return errs[0]
	}
	return nil
}

// EnqueueBatch adds every task to its queue as Enqueue does, all under one
// lock: a consumer sees the tasks of one queue in the order given. A
// memory queue fails only as a whole (a done ctx, a closed Queue): then
// every task fails with the same error and none is added.
func (q *Queue) EnqueueBatch(ctx context.Context, tasks []notify.QueuedTask) []error {
	if len(tasks) == 0 {
		return nil
	}
	return q.enqueue(ctx, tasks)
}

// enqueue adds tasks to their queues and wakes their consumers. It returns
// nil, or one error per task when it failed.
func (q *Queue) enqueue(ctx context.Context, tasks []notify.QueuedTask) []error {
	fail := func(err error) []error {
		errs := make([]error, len(tasks))
		for i, qt := range tasks {
			errs[i] = fmt.Errorf("memqueue: enqueue on %s: %w", qt.Queue, err)
		}
		return errs
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	now := time.Now().UTC()
	items := make([]*item, len(tasks))
	for i, qt := range tasks {
		t := queueing.Stamp(qt.Task, now)
		t.Attempt = 0
		t.Payload = slices.Clone(t.Payload)
		items[i] = &item{task: t}
	}

	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return fail(notify.ErrClosed)
	}
	var woken []*queueLine // a batch names few queues
	for i, qt := range tasks {
		l := q.line(qt.Queue)
		l.ready = append(l.ready, items[i])
		if !slices.Contains(woken, l) {
			woken = append(woken, l)
		}
	}
	for _, l := range woken {
		l.signal()
	}
	return nil
}

// Consume runs h on tasks of the named queue with Options.Workers handlers
// at once, until ctx is done or the Queue is closed; it then waits for the
// running handlers and returns nil. Handlers get ctx itself. A handler that
// returns an error after ctx was cancelled has its task put back at the
// head of the queue, without backoff, for a later consumer. Consume on a
// closed Queue returns an error wrapping notify.ErrClosed.
func (q *Queue) Consume(ctx context.Context, queue string, h notify.Handler) error {
	return q.serve(ctx, queue, "consume", 1, func(its []*item) []error {
		return []error{run(ctx, h, its[0])}
	})
}

// ConsumeBatch is Consume with up to size ready tasks per call of h: each
// of the Options.Workers handlers takes what is ready, never waiting to
// fill a batch. Each task is settled by its own result as Consume settles
// a task by its handler's error (acknowledged, retried after the backoff,
// dead-lettered, or put back at the head of the queue when ctx was
// cancelled), and counts its attempts on its own. A handler that panics,
// or returns a result of another length than its tasks, fails every task
// of its batch. A size below 1 is taken as 1.
func (q *Queue) ConsumeBatch(ctx context.Context, queue string, size int, h notify.BatchHandler) error {
	return q.serve(ctx, queue, "consume batch", max(size, 1), func(its []*item) []error {
		return runBatch(ctx, h, its)
	})
}

// serve runs Options.Workers loops, each taking up to size ready tasks of
// the named queue, handing them to handle and settling each by its result,
// until ctx is done or the Queue is closed; then it waits for the loops.
func (q *Queue) serve(ctx context.Context, queue, op string, size int, handle func([]*item) []error) error {
	q.mu.Lock()
	closed := q.closed
	q.mu.Unlock()
	if closed {
		return fmt.Errorf("memqueue: %s %s: %w", op, queue, notify.ErrClosed)
	}
	var wg sync.WaitGroup
	for range q.opts.Workers {
		wg.Go(func() {
			for {
				its, ok := q.next(ctx, queue, size)
				if !ok {
					return
				}
				q.finish(ctx, queue, its, handle(its))
			}
		})
	}
	wg.Wait()
	return nil
}

// handed returns the copy of the item's task that a handler gets.
func (it *item) handed() notify.Task {
	t := it.task
	t.Attempt = it.attempts
	t.Payload = slices.Clone(t.Payload)
	return t
}

// run calls h on the item's task, turning a panic into an error.
func run(ctx context.Context, h notify.Handler, it *item) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("memqueue: handler panicked: %v", r)
		}
	}()
	return h(ctx, it.handed())
}

// runBatch calls h on the items' tasks and returns one error per item.
func runBatch(ctx context.Context, h notify.BatchHandler, its []*item) []error {
	tasks := make([]notify.Task, len(its))
	for i, it := range its {
		tasks[i] = it.handed()
	}
	return queueing.RunBatch(ctx, "memqueue", h, tasks)
}

// next waits for ready tasks of the named queue and takes up to size of
// them, oldest first; it reports false when ctx is done or the Queue is
// closed.
func (q *Queue) next(ctx context.Context, queue string, size int) ([]*item, bool) {
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
			n := min(size, len(l.ready))
			its := slices.Clone(l.ready[:n])
			clear(l.ready[:n])
			l.ready = l.ready[n:]
			for _, it := range its {
				it.attempts++
			}
			q.mu.Unlock()
			return its, true
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

// finish acknowledges, retries, requeues or dead-letters delivered items,
// each according to its own handler result errs[i]. Items put back because
// ctx was cancelled go back at the head of the queue in their order.
func (q *Queue) finish(ctx context.Context, queue string, its []*item, errs []error) {
	if !slices.ContainsFunc(errs, func(err error) bool { return err != nil }) {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	l := q.line(queue)
	var back []*item
	for i, it := range its {
		switch err := errs[i]; {
		case err == nil:
		case notify.IsPermanent(err):
			q.deadLetter(it)
		case ctx.Err() != nil:
			// Interrupted by the consumer's shutdown: deliver again soon.
			back = append(back, it)
		case it.attempts >= q.opts.MaxAttempts:
			q.deadLetter(it)
		default:
			it.readyAt = time.Now().Add(max(q.opts.Backoff(it.attempts), 0))
			heap.Push(&l.delayed, it)
		}
	}
	l.ready = slices.Insert(l.ready, 0, back...)
	l.signal()
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
