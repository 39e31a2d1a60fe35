package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Group commit: concurrent sends hand their notifications to a committer,
// which stores them in batches through the Store's BatchCreator and queues
// their delivery tasks together. See GroupCommit for the rules.

// committer coalesces the notifications of concurrent sends.
type committer struct {
	n        *Notifier
	creator  BatchCreator
	enqueuer BatchEnqueuer // nil: tasks are queued one by one
	// limits reserves the daily places of a batch in one call; nil: each
	// send reserves its own before handing its row over.
	limits BatchLimitCache
	// admit takes the rate-limit tokens and daily places of the rows that
	// hand their limits over (commitRow.admit) in one call; nil: sends
	// check their limits themselves.
	admit BatchAdmitter
	// throttled are the callers admit refused lately, admitFailed until
	// when (Unix nanoseconds) sends check their limits first because an
	// admission failed (limits_admit.go).
	throttled   throttledCallers
	admitFailed atomic.Int64
	maxBatch    int
	inFlight    int
	timeout     time.Duration

	mu      sync.Mutex
	pending []*commitRow // waiting for a commit, oldest first
	running int          // commits running

	runs sync.WaitGroup // the goroutines running commits, for Close
}

// States of a commitRow. The send and the committer move a row on with
// compare-and-swap, so exactly one of them finishes it.
const (
	rowPending   int32 = iota // waiting in committer.pending
	rowTaken                  // in a commit
	rowAnswered               // the committer handed the send its result
	rowAbandoned              // the send's context ended first
)

// commitRow is one send's notification on its way to the Store.
type commitRow struct {
	ctx      context.Context // the send's context, for the values it carries
	c        *Caller
	nt       *Notification
	reserved bool // the send holds a daily-limit place (IncrBelow)
	// admit: the send has not checked its limits; the committer takes its
	// token and place (admitRows).
	admit bool
	state atomic.Int32
	done  chan error // receives the result once; buffered
	// refused is the send's answer when reserving its places refused it
	// (or the Store could not count): the row is not stored.
	refused error
}

// startGroupCommit sets up group commit when the Store can store batches
// and Config.GroupCommit does not disable it.
func (n *Notifier) startGroupCommit() {
	gc := n.cfg.GroupCommit // validated and defaulted with the Config
	creator, ok := storeAs[BatchCreator](n.store)
	if gc.Disabled || !ok {
		return
	}
	enqueuer, _ := queueAs[BatchEnqueuer](n.queue)
	n.commit = &committer{n: n, creator: creator, enqueuer: enqueuer, limits: limitsOf(n.cache),
		admit: admitterOf(n.cache), maxBatch: gc.MaxBatch, inFlight: gc.InFlight, timeout: gc.Timeout}
}

// persistAndQueue is the end of a send under group commit: it hands nt to
// the committer and waits for its own notification's result. reserved says
// whether the send holds a daily-limit place for it, admit whether the
// committer takes its limits with the row (see admitWithRow).
//
// When ctx ends first the send returns an error wrapping ctx.Err(). If the
// notification was not yet in a commit it is dropped and its place given
// back; if it was, the commit finishes without the send: a stored
// notification is still queued (and the sweeper would queue it anyway).
func (m *committer) persistAndQueue(ctx context.Context, c *Caller, nt *Notification, reserved, admit bool) (*Notification, error) {
	if err := ctx.Err(); err != nil {
		m.n.releaseDailySlot(ctx, c, nt, reserved)
		return nil, fmt.Errorf("notify: send: persist notification: %w", err)
	}
	r := &commitRow{ctx: ctx, c: c, nt: nt, reserved: reserved, admit: admit, done: make(chan error, 1)}
	m.add(r)
	select {
	case err := <-r.done:
		if admit && handedBack(err) {
			return m.admitAgain(ctx, c, nt, err)
		}
		return m.answer(ctx, r, err)
	case <-ctx.Done():
	}
	if r.state.CompareAndSwap(rowPending, rowAbandoned) {
		m.n.releaseDailySlot(ctx, c, nt, reserved)
		return nil, fmt.Errorf("notify: send: persist notification: %w", ctx.Err())
	}
	if r.state.CompareAndSwap(rowTaken, rowAbandoned) {
		return nil, fmt.Errorf("notify: send: persist notification: %w", ctx.Err())
	}
	// Answered meanwhile: the result is there.
	return m.answer(ctx, r, <-r.done)
}

// answer finishes a send the committer answered.
func (m *committer) answer(ctx context.Context, r *commitRow, err error) (*Notification, error) {
	if handedBack(r.refused) {
		// Handed back to a send that has gone.
		return nil, fmt.Errorf("notify: send: persist notification: %w", context.Cause(ctx))
	}
	if r.refused != nil {
		return nil, r.refused
	}
	if err != nil {
		return nil, fmt.Errorf("notify: send: persist notification: %w", err)
	}
	if !r.reserved {
		m.n.countPersisted(ctx, r.c, r.nt)
	}
	return r.nt, nil
}

// add queues r and starts a commit if fewer than inFlight run.
func (m *committer) add(r *commitRow) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pending = append(m.pending, r)
	if m.running < m.inFlight {
		if batch := m.take(); len(batch) > 0 {
			m.running++
			m.runs.Go(func() { m.run(batch) })
		}
	}
}

// take removes up to maxBatch rows from pending, skipping abandoned ones,
// and marks them taken. m.mu is held.
func (m *committer) take() []*commitRow {
	var batch []*commitRow
	i := 0
	for ; i < len(m.pending) && len(batch) < m.maxBatch; i++ {
		if r := m.pending[i]; r.state.CompareAndSwap(rowPending, rowTaken) {
			batch = append(batch, r)
		}
	}
	rest := copy(m.pending, m.pending[i:])
	clear(m.pending[rest:])
	m.pending = m.pending[:rest]
	return batch
}

// run commits batch, then the batches that gathered meanwhile, until none
// is pending. The delivery tasks of one batch are queued, and its sends
// answered, while the next batch is being stored: the database and the
// queue work side by side, and tasks are still queued batch after batch.
func (m *committer) run(batch []*commitRow) {
	var finishing chan struct{} // closed when the previous batch's finish returns
	for {
		base, stored, errs := m.store(batch)
		if finishing != nil {
			<-finishing
			finishing = nil
		}
		m.mu.Lock()
		batch = m.take()
		if len(batch) == 0 {
			m.running--
		}
		m.mu.Unlock()
		if len(batch) == 0 {
			// Nothing gathered: no next batch to overlap with.
			if len(stored) > 0 {
				m.finish(base, stored, errs)
			}
			return
		}
		if len(stored) > 0 {
			done := make(chan struct{})
			finishing = done
			m.runs.Go(func() {
				defer close(done)
				m.finish(base, stored, errs)
			})
		}
	}
}

// store reserves the daily places of batch when the committer does, answers
// the rows refused, and stores the others: it returns the context the
// batch works under (detached from every send: one caller going away must
// not fail the others; the first send's context still lends its values),
// the rows it tried to store and one error per row.
func (m *committer) store(batch []*commitRow) (context.Context, []*commitRow, []error) {
	base := context.WithoutCancel(batch[0].ctx)
	if m.limits != nil {
		batch = m.reserveAll(base, batch)
		if len(batch) == 0 {
			return base, nil, nil
		}
	}
	return base, batch, m.create(base, batch)
}

// finish queues the delivery tasks of the rows stored, gives back the
// daily-limit places of the others, and answers the sends.
func (m *committer) finish(base context.Context, batch []*commitRow, errs []error) {
	m.enqueue(base, batch, errs)
	if m.limits != nil {
		m.releaseBatch(base, batch, errs)
	}
	for i, r := range batch {
		if errs[i] != nil && m.limits == nil {
			m.n.releaseDailySlot(base, r.c, r.nt, r.reserved)
		}
		if r.state.CompareAndSwap(rowTaken, rowAnswered) {
			r.done <- errs[i]
		} else if errs[i] == nil && !r.reserved {
			// The send has gone: count its notification for it.
			m.n.countPersisted(base, r.c, r.nt)
		}
	}
}

// reserveAll takes the daily places of batch within the commit timeout,
// answers the rows it refused and returns the others, to be stored.
func (m *committer) reserveAll(base context.Context, batch []*commitRow) []*commitRow {
	ctx, cancel := context.WithTimeout(base, m.timeout)
	if m.admit != nil {
		m.admitRows(ctx, batch)
	}
	m.reserveBatch(ctx, batch)
	cancel()
	refused := 0
	for _, r := range batch {
		if r.refused != nil {
			refused++
		}
	}
	if refused == 0 {
		return batch
	}
	kept := make([]*commitRow, 0, len(batch)-refused)
	for _, r := range batch {
		if r.refused == nil {
			kept = append(kept, r)
		} else if r.state.CompareAndSwap(rowTaken, rowAnswered) {
			r.done <- r.refused
		}
	}
	return kept
}

// create stores the batch within the commit timeout and returns one error
// per row (nil: stored). When every row failed, the batch is retried row
// by row, so that one bad row fails alone, unless the store itself is
// down. A panicking store fails the batch instead of the process.
func (m *committer) create(base context.Context, batch []*commitRow) (errs []error) {
	ctx, cancel := context.WithTimeout(base, m.timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			m.n.log.ErrorContext(ctx, "group commit: the store panicked", slog.Any("panic", p),
				slog.String("stack", string(debug.Stack())))
			errs = sameError(len(batch), fmt.Errorf("notify: store batch: panic: %v", p))
		}
	}()
	ns := make([]*Notification, len(batch))
	for i, r := range batch {
		ns[i] = r.nt
	}
	errs = m.creator.CreateNotifications(ctx, ns)
	if errs == nil {
		return make([]error, len(batch))
	}
	if len(errs) != len(batch) {
		return sameError(len(batch), fmt.Errorf("notify: store batch: %d results for %d notifications", len(errs), len(batch)))
	}
	if len(batch) == 1 || !allFailed(errs) || !m.isolate(ctx, errs[0]) {
		return errs
	}
	m.n.log.WarnContext(ctx, "group commit: the batch failed as a whole; storing its notifications one by one",
		slog.Int("notifications", len(batch)), slog.Any("error", errs[0]))
	for i, nt := range ns {
		errs[i] = m.n.store.CreateNotification(ctx, nt)
	}
	return errs
}

// isolate decides whether a batch that failed as a whole is worth
// retrying row by row: yes when the error is one a single row causes (a
// duplicate, a missing service or template) or when the store still
// answers; no when time is up, the store is closed or it does not answer.
func (m *committer) isolate(ctx context.Context, err error) bool {
	switch {
	case errors.Is(err, ErrDuplicate), errors.Is(err, ErrNotFound):
		return true
	case ctx.Err() != nil, errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		errors.Is(err, ErrClosed):
		return false
	}
	return m.n.store.Ping(ctx) == nil
}

// sameError returns n copies of err.
func sameError(n int, err error) []error {
	errs := make([]error, n)
	for i := range errs {
		errs[i] = err
	}
	return errs
}

func allFailed(errs []error) bool {
	for _, err := range errs {
		if err == nil {
			return false
		}
	}
	return true
}

// enqueue queues the delivery tasks of the stored rows. Failures are
// logged and swallowed: the notifications stay created and Sweep queues
// them later.
func (m *committer) enqueue(base context.Context, batch []*commitRow, errs []error) {
	tasks := make([]QueuedTask, 0, len(batch))
	stored := make([]*Notification, 0, len(batch))
	for i, r := range batch {
		if errs[i] == nil {
			tasks = append(tasks, QueuedTask{Queue: r.nt.Queue,
				Task: Task{Name: deliverTaskName(r.nt.Type), NotificationID: r.nt.ID}})
			stored = append(stored, r.nt)
		}
	}
	if len(tasks) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(base, m.timeout)
	defer cancel()
	for i, err := range m.enqueueTasks(ctx, tasks) {
		if err != nil {
			m.n.log.WarnContext(ctx, "enqueue failed; the sweeper will queue the notification again",
				slog.String("notification_id", stored[i].ID.String()), slog.String("queue", stored[i].Queue),
				slog.Any("error", err))
		}
	}
}

// enqueueTasks queues tasks and returns one error per task. A panicking
// queue fails the tasks instead of the process.
func (m *committer) enqueueTasks(ctx context.Context, tasks []QueuedTask) (errs []error) {
	defer func() {
		if p := recover(); p != nil {
			m.n.log.ErrorContext(ctx, "group commit: the queue panicked", slog.Any("panic", p),
				slog.String("stack", string(debug.Stack())))
			errs = sameError(len(tasks), fmt.Errorf("notify: enqueue batch: panic: %v", p))
		}
	}()
	if m.enqueuer == nil {
		return m.enqueueEach(ctx, tasks)
	}
	errs = m.enqueuer.EnqueueBatch(ctx, tasks)
	switch {
	case errs == nil:
		return make([]error, len(tasks))
	case len(errs) != len(tasks):
		return sameError(len(tasks), fmt.Errorf("notify: enqueue batch: %d results for %d tasks", len(errs), len(tasks)))
	}
	return errs
}

// enqueueWorkers caps the Enqueue calls one batch makes at once on a
// Queue that is not a BatchEnqueuer.
const enqueueWorkers = 16

// enqueueEach queues tasks with Enqueue, a few at a time.
func (m *committer) enqueueEach(ctx context.Context, tasks []QueuedTask) []error {
	errs := make([]error, len(tasks))
	if len(tasks) == 1 {
		errs[0] = m.n.queue.Enqueue(ctx, tasks[0].Queue, tasks[0].Task)
		return errs
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(enqueueWorkers, len(tasks)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(tasks); i = int(next.Add(1) - 1) {
				errs[i] = m.n.queue.Enqueue(ctx, tasks[i].Queue, tasks[i].Task)
			}
		})
	}
	wg.Wait()
	return errs
}

// pendingRows reports how many sends wait for a commit (for tests).
func (m *committer) pendingRows() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.pending)
}
