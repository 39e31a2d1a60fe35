package notify

// Batched delivery: the optional Queue and Store abilities that let workers
// claim, record and acknowledge many notifications at once, and the
// delivery pipeline that Deliver (one task) and DeliverBatch (many) share.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Defaults of batched delivery.
const (
	// DefaultDeliveryBatchSize is the default of RunOptions.BatchSize.
	DefaultDeliveryBatchSize = 64
	// DefaultDeliveryConcurrency is the default of
	// Config.DeliveryConcurrency.
	DefaultDeliveryConcurrency = 32
)

// BatchHandler processes tasks handed over together. It returns one error
// per task, in the order of tasks: nil acknowledges the task; an error asks
// the queue to retry it later with backoff, unless it wraps ErrPermanent, in
// which case the queue drops it (or dead-letters it) at once. A result of
// another length fails every task of the batch.
type BatchHandler func(ctx context.Context, tasks []Task) []error

// BatchConsumer is an optional Queue ability: handing tasks over in
// batches, so that a handler can claim, record and acknowledge them
// together. Run uses it for the delivery queues when the Queue has it.
// queue/queuetest checks it when a Queue has it.
type BatchConsumer interface {
	// ConsumeBatch is Consume with up to max tasks per call of h (fewer
	// when fewer are waiting: it never waits to fill a batch). Each task is
	// settled by its own result exactly as Consume settles a task by its
	// handler's error, with the same attempts, backoff, dead letters,
	// visibility timeout and redelivery; only the calls are shared.
	ConsumeBatch(ctx context.Context, queue string, max int, h BatchHandler) error
}

// BatchClaimer is an optional Store ability: taking the delivery leases of
// many notifications in one atomic step. store/storetest checks it when a
// Store has it.
type BatchClaimer interface {
	// ClaimNotifications claims, in one atomic conditional update, every
	// notification of ids that ClaimNotification would claim at now: those
	// in StatusCreated whose ClaimedUntil is nil or not after now. Each
	// gets ClaimedUntil until and one more DeliveryAttempts. It returns the
	// claimed notifications in any order; the ids it did not claim (not
	// claimable, unknown, or given twice) are simply absent. An error means
	// that nothing was claimed.
	ClaimNotifications(ctx context.Context, ids []uuid.UUID, now, until time.Time) ([]*Notification, error)
}

// NotificationTransition is one conditional transition of a batch: Update
// applies to notification ID only if its status is one of From.
type NotificationTransition struct {
	ID     uuid.UUID
	From   []Status
	Update NotificationUpdate
}

// BatchTransitioner is an optional Store ability: many conditional
// transitions, each with its own values, in one statement or one
// transaction. store/storetest checks it when a Store has it.
type BatchTransitioner interface {
	// TransitionNotifications applies each transition as
	// TransitionNotification would (the same conditions, the same fields,
	// the lease cleared) and returns, for each, in order, the updated
	// notification or an error: wrapping ErrConflict when the status was
	// not in From, ErrNotFound when the notification is absent, or the
	// store's failure. Transitions of one notification apply in the order
	// given. Each transition is atomic; the batch as a whole need not be.
	TransitionNotifications(ctx context.Context, ts []NotificationTransition) ([]*Notification, []error)
}

// DeliverBatch is Deliver for many tasks at once, with one result per task
// in the order of tasks. The claims and the records of accepted sends each
// take one call when the Store is a BatchClaimer and a BatchTransitioner
// (one call per notification otherwise, which is as few statements for a
// lone task); a sandbox send's simulated receipt is recorded in the same
// transition as the send. The provider calls run concurrently,
// Config.DeliveryConcurrency at most.
// Every rule of Deliver holds for each notification on its own.
func (n *Notifier) DeliverBatch(ctx context.Context, tasks []Task) []error {
	return n.deliver(ctx, tasks)
}

// HandleBatch runs tasks of any queue the Notifier consumes, with one
// result per task: the delivery tasks together through DeliverBatch, the
// others one by one through Handle, beside them.
func (n *Notifier) HandleBatch(ctx context.Context, tasks []Task) []error {
	errs := make([]error, len(tasks))
	var deliveries, others []int
	for i, t := range tasks {
		if t.Name == TaskDeliverSMS || t.Name == TaskDeliverEmail {
			deliveries = append(deliveries, i)
		} else {
			others = append(others, i)
		}
	}
	var wg sync.WaitGroup
	if len(others) > 0 {
		wg.Go(func() {
			n.concurrently(len(others), func(j int) { errs[others[j]] = n.Handle(ctx, tasks[others[j]]) })
		})
	}
	if len(deliveries) > 0 {
		batch := make([]Task, len(deliveries))
		for j, i := range deliveries {
			batch[j] = tasks[i]
		}
		for j, err := range n.DeliverBatch(ctx, batch) {
			errs[deliveries[j]] = err
		}
	}
	wg.Wait()
	return errs
}

// consume serves one queue until ctx is done: a delivery queue in batches
// of up to batchSize tasks when the Queue is a BatchConsumer and batchSize
// is above one, any other one task at a time.
func (n *Notifier) consume(ctx context.Context, queue string, batchSize int) error {
	if batchSize == 0 {
		batchSize = DefaultDeliveryBatchSize
	}
	if batchSize > 1 && slices.Contains(DeliveryQueues, queue) {
		if bc, ok := queueAs[BatchConsumer](n.queue); ok {
			return bc.ConsumeBatch(ctx, queue, batchSize, n.HandleBatch)
		}
	}
	return n.queue.Consume(ctx, queue, n.Handle)
}

// delivery is one task on its way through a delivery attempt.
type delivery struct {
	task Task
	// nt is the claimed notification; nil when the task has nothing to do.
	nt  *Notification
	log *slog.Logger
	msg Message
	// p accepted the message under reference ref (nil: not sent); upd
	// records it.
	p   Provider
	ref string
	upd NotificationUpdate
	// err is the task's result.
	err error
}

// deliver runs the delivery steps of deliver.go over tasks, each step for
// every notification before the next step: claim, build the messages, call
// the providers, record the accepted sends, apply simulated receipts.
func (n *Notifier) deliver(ctx context.Context, tasks []Task) []error {
	ds := make([]*delivery, len(tasks))
	for i, t := range tasks {
		ds[i] = &delivery{task: t}
	}
	lk := newLookups(n.store)
	var ready []*delivery
	for _, d := range n.claimAll(ctx, ds) {
		d.log = n.log.With(slog.String("notification_id", d.nt.ID.String()), slog.Int("attempt", d.nt.DeliveryAttempts))
		if n.prepare(ctx, d, lk) {
			ready = append(ready, d)
		}
	}
	n.concurrently(len(ready), func(i int) { n.callProviders(ctx, ready[i]) })
	var sent []*delivery
	for _, d := range ready {
		if d.p != nil {
			sent = append(sent, d)
		}
	}
	if len(sent) > 0 {
		// The messages are with the providers now: record them even if the
		// worker is shutting down (ctx cancelled), or they would be sent
		// again.
		rctx, cancel := n.recordSentContext(ctx)
		defer cancel()
		n.recordSends(rctx, sent, lk)
	}
	errs := make([]error, len(ds))
	for i, d := range ds {
		errs[i] = d.err
	}
	return errs
}

// claimAll claims the notifications of ds, in one call when the Store is a
// BatchClaimer, and returns the deliveries that hold a claim. A task whose
// notification is not claimable has nothing to do; one whose claim failed
// gets the error, to be retried.
func (n *Notifier) claimAll(ctx context.Context, ds []*delivery) []*delivery {
	now := n.now()
	bc := n.claimer
	if bc == nil || len(ds) < 2 {
		n.concurrently(len(ds), func(i int) { ds[i].nt, ds[i].err = n.claim(ctx, ds[i].task.NotificationID, now) })
		return claimed(ds)
	}
	ids := make([]uuid.UUID, len(ds))
	for i, d := range ds {
		ids[i] = d.task.NotificationID
	}
	list, err := bc.ClaimNotifications(ctx, ids, now, now.Add(n.cfg.ClaimLease))
	if err != nil {
		for _, d := range ds {
			d.err = fmt.Errorf("notify: deliver %s: claim: %w", d.task.NotificationID, err)
		}
		return nil
	}
	byID := make(map[uuid.UUID]*Notification, len(list))
	for _, nt := range list {
		byID[nt.ID] = nt
	}
	for _, d := range ds {
		id := d.task.NotificationID
		// A notification named by two tasks goes to the first one.
		if d.nt = byID[id]; d.nt != nil {
			delete(byID, id)
			continue
		}
		n.log.DebugContext(ctx, "deliver: not claimable (already sent, claimed or absent)", slog.String("notification_id", id.String()))
	}
	return claimed(ds)
}

// claimed returns the deliveries that hold a claim.
func claimed(ds []*delivery) []*delivery {
	var out []*delivery
	for _, d := range ds {
		if d.nt != nil {
			out = append(out, d)
		}
	}
	return out
}

// recordSends records the sends the providers accepted, in one call when
// the Store is a BatchTransitioner, then applies the simulated receipts of
// the sandbox's sends. A simulated receipt that ApplyReceipt would apply
// right after the send is recorded goes into the same transition as the
// send (created straight to the receipt's status, with the send's
// details), so that such a notification costs one write instead of two;
// the others are applied after, as ApplyReceipt would.
func (n *Notifier) recordSends(ctx context.Context, sent []*delivery, lk *lookups) {
	now := n.now()
	ts := make([]NotificationTransition, len(sent))
	// The simulated receipt of each send whose provider simulates one,
	// asked for once; fused says it goes into the send's transition.
	sims := make([]*Receipt, len(sent))
	fused := make([]bool, len(sent))
	for i, d := range sent {
		upd := d.upd
		if sim, ok := d.p.(ReceiptSimulator); ok {
			r := sim.SimulateReceipt(d.msg, d.ref)
			sims[i] = &r
			if n.fusable(d, r) {
				fused[i] = true
				upd.Status, upd.UpdatedAt = r.Status, now
			}
		}
		ts[i] = NotificationTransition{ID: d.nt.ID, From: []Status{StatusCreated}, Update: upd}
	}
	var receipts []Receipt
	updated, errs := n.recordSent(ctx, ts)
	for i, err := range errs {
		d := sent[i]
		if !n.sentRecorded(ctx, d, err) {
			continue
		}
		n.timeTotal(d.nt, *d.upd.SentAt)
		switch {
		case fused[i]:
			n.receiptApplied(ctx, *sims[i], now, updated[i], lk)
		case sims[i] != nil:
			receipts = append(receipts, *sims[i])
		}
	}
	n.applySimulatedReceipts(ctx, receipts, lk)
}

// fusable reports whether r, the simulated receipt of d's send, can be
// recorded with the send in one transition: the receipt names the
// notification, needs no look-up of its current status, and would be
// accepted from the provider that sent it (see receiptFor).
func (n *Notifier) fusable(d *delivery, r Receipt) bool {
	if r.NotificationID != d.nt.ID || r.TemporaryIfPending || r.Provider == "" || !r.Status.Final() {
		return false
	}
	after := *d.nt
	after.Status, after.SentBy = d.upd.Status, d.upd.SentBy
	return slices.Contains(ReceiptableStatuses, after.Status) && n.receiptFits(r, &after) == nil
}

// receiptApplied does what follows an applied receipt r that gave nt its
// status at now: the service's callback and the receipt's metrics.
func (n *Notifier) receiptApplied(ctx context.Context, r Receipt, now time.Time, nt *Notification, lk *lookups) {
	if svc, err := lk.service(ctx, nt.ServiceID); err == nil {
		n.queueCallbackFor(ctx, nt, svc)
	} else {
		n.queueServiceCallback(ctx, nt) // reads it again, or logs why not
	}
	n.countReceipt(r.Provider, r.Status, now, nt)
}

// applySimulatedReceipts applies fake receipts right after their sends were
// recorded, as ApplyReceipt would (only from a receiptable status; service
// callbacks and metrics for those applied), in one call when the Store is a
// BatchTransitioner. A receipt that cannot be applied is queued to be
// applied later.
func (n *Notifier) applySimulatedReceipts(ctx context.Context, receipts []Receipt, lk *lookups) {
	var batch []Receipt
	for _, r := range receipts {
		if r.NotificationID == uuid.Nil || r.TemporaryIfPending {
			// These need ApplyReceipt's look-up first.
			n.simulateReceipt(ctx, r)
			continue
		}
		batch = append(batch, r)
	}
	if len(batch) == 0 {
		return
	}
	now := n.now()
	ts := make([]NotificationTransition, len(batch))
	for i, r := range batch {
		ts[i] = NotificationTransition{ID: r.NotificationID, From: ReceiptableStatuses, Update: NotificationUpdate{Status: r.Status, UpdatedAt: now}}
	}
	updated, errs := n.transitionAll(ctx, ts)
	for i, r := range batch {
		switch err := errs[i]; {
		case errors.Is(err, ErrConflict):
			// Already final: the receipt is ignored.
		case err != nil:
			n.receiptNotApplied(ctx, r, fmt.Errorf("notify: receipt from %s for %s: %w", r.Provider, r.NotificationID, err))
		default:
			n.receiptApplied(ctx, r, now, updated[i], lk)
		}
	}
}

// transitionAll applies ts, in one call when the Store is a
// BatchTransitioner, and returns one result per transition.
func (n *Notifier) transitionAll(ctx context.Context, ts []NotificationTransition) ([]*Notification, []error) {
	if bt := n.transitioner; bt != nil && len(ts) > 1 {
		out, errs := bt.TransitionNotifications(ctx, ts)
		if len(out) == len(ts) && len(errs) == len(ts) {
			return out, errs
		}
		err := fmt.Errorf("notify: the store answered %d transitions with %d notifications and %d errors", len(ts), len(out), len(errs))
		return make([]*Notification, len(ts)), sameError(len(ts), err)
	}
	out, errs := make([]*Notification, len(ts)), make([]error, len(ts))
	n.concurrently(len(ts), func(i int) {
		out[i], errs[i] = n.store.TransitionNotification(ctx, ts[i].ID, ts[i].From, ts[i].Update)
	})
	return out, errs
}

// concurrently runs fn(0) … fn(count-1), Config.DeliveryConcurrency at a
// time, and returns when all have returned. A single call runs on the
// caller's goroutine.
func (n *Notifier) concurrently(count int, fn func(i int)) {
	if count == 1 {
		fn(0)
		return
	}
	slots := make(chan struct{}, n.cfg.DeliveryConcurrency)
	var wg sync.WaitGroup
	for i := range count {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			fn(i)
		})
	}
	wg.Wait()
}

// lookups holds the service and template reads of one delivery batch,
// whose notifications mostly share them. It is not safe for concurrent
// use.
type lookups struct {
	store     Store
	services  map[uuid.UUID]lookup[*Service]
	templates map[templateVersion]lookup[*Template]
}

// lookup is the answer to one read.
type lookup[T any] struct {
	v   T
	err error
}

// templateVersion identifies one version of a service's template.
type templateVersion struct {
	service, template uuid.UUID
	version           int
}

func newLookups(s Store) *lookups {
	return &lookups{store: s, services: map[uuid.UUID]lookup[*Service]{}, templates: map[templateVersion]lookup[*Template]{}}
}

// service returns a service, reading it once per batch.
func (lk *lookups) service(ctx context.Context, id uuid.UUID) (*Service, error) {
	l, ok := lk.services[id]
	if !ok {
		l.v, l.err = lk.store.GetService(ctx, id)
		lk.services[id] = l
	}
	return l.v, l.err
}

// template returns a template version, reading it once per batch.
func (lk *lookups) template(ctx context.Context, serviceID, id uuid.UUID, version int) (*Template, error) {
	key := templateVersion{serviceID, id, version}
	l, ok := lk.templates[key]
	if !ok {
		l.v, l.err = lk.store.GetTemplateVersion(ctx, serviceID, id, version)
		lk.templates[key] = l
	}
	return l.v, l.err
}
