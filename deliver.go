package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Task names.
const (
	TaskDeliverSMS     = "deliver_sms"
	TaskDeliverEmail   = "deliver_email"
	TaskSandboxReceipt = "sandbox_receipt"
)

// providersFor returns the providers to try for a notification, in order:
// the sandbox alone for simulated ones and for channels without a real
// provider, else the channel's pool (weighted choice, then failover).
func (n *Notifier) providersFor(nt *Notification) ([]Provider, *providerPool) {
	if nt.Queue == QueueResearchMode || nt.KeyType == KeyTypeSimulate {
		return []Provider{n.sandbox}, nil
	}
	if pool := n.pools[nt.Type]; pool != nil {
		return pool.order(), pool
	}
	return []Provider{n.sandbox}, nil
}

// Deliver is the worker's handler for a delivery task. It claims the
// notification with a lease (a duplicate task, or one for a notification no
// longer created, does nothing), builds the message, hands it to the
// provider and records status sending (sent for international SMS) only
// after the provider accepted. A provider error releases the claim and
// returns the error so the queue retries with backoff; a permanent error, or
// one on the notification's last attempt (MaxDeliveryAttempts claims,
// whichever tasks made them), makes the notification technical-failure.
func (n *Notifier) Deliver(ctx context.Context, t Task) error {
	return n.deliver(ctx, []Task{t})[0]
}

// claim takes the lease of one notification. A notification that is not
// claimable (already sent, or claimed by another worker) or absent gives
// neither a notification nor an error: the task has nothing to do.
func (n *Notifier) claim(ctx context.Context, id uuid.UUID, now time.Time) (*Notification, error) {
	nt, err := n.store.ClaimNotification(ctx, id, now, now.Add(n.cfg.ClaimLease))
	switch {
	case errors.Is(err, ErrConflict):
		n.log.DebugContext(ctx, "deliver: not claimable (already sent or claimed)", slog.String("notification_id", id.String()))
		return nil, nil
	case errors.Is(err, ErrNotFound):
		n.log.WarnContext(ctx, "deliver: no such notification", slog.String("notification_id", id.String()))
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("notify: deliver %s: claim: %w", id, err)
	}
	return nt, nil
}

// prepare builds the message of a claimed notification and reports whether
// it can be sent. When it cannot, a permanent cause fails the notification
// and a passing one releases the claim and retries the task.
func (n *Notifier) prepare(ctx context.Context, d *delivery, lk *lookups) bool {
	msg, err := n.message(ctx, d.nt, lk)
	if err != nil {
		if IsPermanent(err) {
			d.log.ErrorContext(ctx, "deliver: cannot build message", slog.Any("error", err))
			d.err = n.failDelivery(ctx, d.nt, err)
			return false
		}
		n.release(ctx, d.nt.ID)
		d.err = fmt.Errorf("notify: deliver %s: %w", d.nt.ID, err)
		return false
	}
	d.msg = msg
	return true
}

// callProviders hands a claimed notification's message to its providers.
// On success it sets what to record: status sending (sent for
// international SMS), sent_at, sent_by, the billable units and the
// provider's reference. A provider error releases the claim and retries the
// task; a permanent one, or one on the notification's last attempt
// (MaxDeliveryAttempts claims, whichever tasks made them), makes the
// notification technical-failure.
func (n *Notifier) callProviders(ctx context.Context, d *delivery) {
	nt := d.nt
	candidates, pool := n.providersFor(nt)
	var failed func(Provider)
	if pool != nil {
		failed = pool.failed
	}
	// The provider calls must end before the lease does, or another worker
	// could take the notification over and send it too.
	sendCtx, cancelSend := context.WithDeadline(ctx, nt.ClaimedUntil.Add(-n.cfg.ClaimLease/10))
	p, ref, err := sendVia(sendCtx, candidates, func(p Provider) (string, error) { return p.Send(sendCtx, d.msg) }, failed)
	cancelSend()
	if err != nil {
		// Attempts are counted on the notification (each claim adds one),
		// so tasks queued again by the sweeper share one budget.
		if IsPermanent(err) || nt.DeliveryAttempts >= n.cfg.MaxDeliveryAttempts {
			d.log.WarnContext(ctx, "deliver: provider failed for good", slog.String("provider", p.Name()), slog.Any("error", err))
			d.err = n.failDelivery(ctx, nt, err)
			return
		}
		d.log.InfoContext(ctx, "deliver: provider failed; will retry", slog.String("provider", p.Name()), slog.Any("error", err))
		n.release(ctx, nt.ID)
		d.err = fmt.Errorf("notify: deliver %s via %s: %w", nt.ID, p.Name(), err)
		return
	}

	sentAt := n.now()
	status := StatusSending
	if nt.Type == SMS && nt.International {
		status = StatusSent
	}
	units := d.msg.Fragments
	d.p, d.ref = p, ref
	d.upd = NotificationUpdate{Status: status, SentAt: &sentAt, SentBy: p.Name(), BillableUnits: &units,
		ProviderReference: ref, UpdatedAt: sentAt}
}

// sentRecorded handles the outcome err of recording an accepted send and
// reports whether it was recorded. A conflict means the notification left
// created first (recordSentLate); any other failure ends the task, since
// trying it again could only send the message twice.
func (n *Notifier) sentRecorded(ctx context.Context, d *delivery, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, ErrConflict):
		d.err = n.recordSentLate(ctx, d.log, d.nt.ID, d.upd)
	default:
		d.log.ErrorContext(ctx, "deliver: sent, but the status could not be recorded", slog.Any("error", err))
		d.err = Permanent(fmt.Errorf("notify: deliver %s: record sent: %w", d.nt.ID, err))
	}
	return false
}

// recordSentTimeout bounds how long a worker keeps trying to record a send
// the provider accepted.
const recordSentTimeout = 30 * time.Second

// recordSentLate handles a send whose notification left created before it
// was recorded: another worker took it over after an expired lease (a
// receipt cannot come first any more: receipts wait until the send is
// recorded, see ErrNotSentYet). The send's details
// (sent_at, sent_by, billable units, the provider's reference) are still
// written, keeping whatever status the notification has now.
func (n *Notifier) recordSentLate(ctx context.Context, log *slog.Logger, id uuid.UUID, upd NotificationUpdate) error {
	cur, err := n.store.GetNotification(ctx, id)
	if err != nil {
		return fmt.Errorf("notify: deliver %s: record sent: %w", id, err)
	}
	if cur.SentAt != nil {
		log.WarnContext(ctx, "deliver: sent, but another worker recorded the notification first (lease expired?)")
		return nil
	}
	upd.Status = cur.Status
	if _, err := n.store.TransitionNotification(ctx, id, []Status{cur.Status}, upd); err != nil && !errors.Is(err, ErrConflict) {
		return fmt.Errorf("notify: deliver %s: record sent: %w", id, err)
	}
	return nil
}

// recordSent records the providers' acceptances (each from created only),
// in one call when the Store is a BatchTransitioner, and returns, per
// transition, the updated notification or the error. It tries those that
// failed for another reason than a conflict a few times: the messages are
// already with the providers, so giving up here would risk duplicate sends
// once the leases expire.
func (n *Notifier) recordSent(ctx context.Context, ts []NotificationTransition) ([]*Notification, []error) {
	out, errs := make([]*Notification, len(ts)), make([]error, len(ts))
	todo := make([]int, len(ts))
	for i := range todo {
		todo[i] = i
	}
	for i := 0; ; i++ {
		batch := make([]NotificationTransition, len(todo))
		for j, k := range todo {
			batch[j] = ts[k]
		}
		updated, got := n.transitionAll(ctx, batch)
		var again []int
		for j, k := range todo {
			out[k], errs[k] = updated[j], got[j]
			if got[j] != nil && !errors.Is(got[j], ErrConflict) {
				again = append(again, k)
			}
		}
		if len(again) == 0 {
			return out, errs
		}
		todo = again
		select {
		case <-ctx.Done():
			return out, errs
		case <-time.After(min(time.Duration(100*(i+1))*time.Millisecond, 2*time.Second)):
		}
	}
}

func (n *Notifier) timeTotal(nt *Notification, sentAt time.Time) {
	d := sentAt.Sub(nt.CreatedAt)
	typ := string(nt.Type)
	n.stats.Timing(typ+".total-time", d)
	if nt.KeyType == KeyTypeSimulate {
		n.stats.Timing(typ+".test-key.total-time", d)
	} else {
		n.stats.Timing(typ+".live-key.total-time", d)
	}
}

func (n *Notifier) release(ctx context.Context, id uuid.UUID) {
	if err := n.store.ReleaseNotification(ctx, id); err != nil {
		n.log.WarnContext(ctx, "deliver: release claim failed; the lease will expire", slog.String("notification_id", id.String()), slog.Any("error", err))
	}
}

// failDelivery marks a notification technical-failure and acknowledges the
// task.
func (n *Notifier) failDelivery(ctx context.Context, nt *Notification, cause error) error {
	now := n.now()
	updated, err := n.store.TransitionNotification(ctx, nt.ID, []Status{StatusCreated},
		NotificationUpdate{Status: StatusTechnicalFailure, UpdatedAt: now})
	if errors.Is(err, ErrConflict) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("notify: deliver %s: record technical-failure after %v: %w", nt.ID, cause, err)
	}
	n.queueServiceCallback(ctx, updated)
	return nil
}

// message builds what the provider receives, reading the service and the
// template through lk.
func (n *Notifier) message(ctx context.Context, nt *Notification, lk *lookups) (Message, error) {
	svc, err := lk.service(ctx, nt.ServiceID)
	if errors.Is(err, ErrNotFound) {
		return Message{}, Permanent(fmt.Errorf("service %s not found", nt.ServiceID))
	}
	if err != nil {
		return Message{}, fmt.Errorf("load service: %w", err)
	}
	if svc.Archived {
		return Message{}, Permanent(fmt.Errorf("service %s is archived", svc.ID))
	}
	m := Message{
		NotificationID: nt.ID, ServiceID: nt.ServiceID, Type: nt.Type, To: nt.NormalisedTo,
		Body: nt.Body, Subject: nt.Subject, From: nt.From, ReplyTo: nt.ReplyTo,
		International: nt.International,
	}
	if nt.UnsubscribeURL != nil {
		m.UnsubscribeURL = *nt.UnsubscribeURL
	}
	if nt.Type == SMS {
		if svc.PrefixSMS {
			m.Body = RenderSMS(svc.Name, nil, "") + ": " + nt.Body
		}
		m.Fragments = SMSFragmentCount(m.Body)
		return m, nil
	}
	m.FromName = svc.Name
	tpl, err := lk.template(ctx, nt.ServiceID, nt.TemplateID, nt.TemplateVersion)
	switch {
	case errors.Is(err, ErrNotFound):
		return Message{}, Permanent(fmt.Errorf("template %s version %d not found", nt.TemplateID, nt.TemplateVersion))
	case err != nil:
		return Message{}, fmt.Errorf("load template: %w", err)
	}
	m.HTMLBody = RenderEmailHTML(tpl.Content, nt.Personalisation)
	m.Body = RenderEmailPlainText(tpl.Content, nt.Personalisation)
	return m, nil
}

// Sweep queues again notifications still created after SweepAfter whose
// lease is absent or expired: those whose enqueue failed, whose task was
// lost, or whose worker died. It returns how many it queued (at most
// SweepBatch). Several sweepers may run at once: a duplicate task does
// nothing.
func (n *Notifier) Sweep(ctx context.Context) (int, error) {
	now := n.now()
	list, err := n.store.ListSweepable(ctx, now.Add(-n.cfg.SweepAfter), now, n.cfg.SweepBatch)
	if err != nil {
		return 0, fmt.Errorf("notify: sweep: %w", err)
	}
	queued := 0
	var errs []error
	for i := range list {
		nt := &list[i]
		q := nt.Queue
		if q == "" {
			q = QueueSendSMS
			if nt.Type == Email {
				q = QueueSendEmail
			}
		}
		if err := n.queue.Enqueue(ctx, q, Task{Name: deliverTaskName(nt.Type), NotificationID: nt.ID}); err != nil {
			// The queue is probably down: the next sweep tries again.
			errs = append(errs, fmt.Errorf("notify: sweep: enqueue %s: %w", nt.ID, err))
			break
		}
		queued++
	}
	if queued > 0 {
		n.log.InfoContext(ctx, "sweep: queued notifications again", slog.Int("count", queued))
	}
	errs = append(errs, n.sweepInProgress(ctx, now))
	errs = append(errs, n.sweepJobs(ctx, now))
	return queued, errors.Join(errs...)
}

// sweepInProgress recovers notifications that were handed to a provider
// but never got a receipt: the sandbox's (its fake receipt was lost with a
// worker that died between recording the send and applying the receipt) get
// their receipt again after SweepAfter, and any still sending or pending
// after SendingTimeout becomes temporary-failure, as upstream's nightly task
// does.
func (n *Notifier) sweepInProgress(ctx context.Context, now time.Time) error {
	var errs []error
	if sim, ok := n.sandbox.(ReceiptSimulator); ok {
		stuck, err := n.store.ListInProgress(ctx, n.sandbox.Name(), now.Add(-n.cfg.SweepAfter), n.cfg.SweepBatch)
		if err != nil {
			errs = append(errs, fmt.Errorf("notify: sweep: %w", err))
		}
		for i := range stuck {
			nt := &stuck[i]
			r := sim.SimulateReceipt(Message{NotificationID: nt.ID, Type: nt.Type, To: nt.NormalisedTo}, nt.ProviderReference)
			if err := n.ApplyReceipt(ctx, r); err != nil {
				errs = append(errs, fmt.Errorf("notify: sweep: sandbox receipt for %s: %w", nt.ID, err))
			}
		}
		if len(stuck) > 0 {
			n.log.InfoContext(ctx, "sweep: applied lost sandbox receipts", slog.Int("count", len(stuck)))
		}
	}
	old, err := n.store.ListInProgress(ctx, "", now.Add(-n.cfg.SendingTimeout), n.cfg.SweepBatch)
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("notify: sweep: %w", err))...)
	}
	for i := range old {
		updated, err := n.store.TransitionNotification(ctx, old[i].ID, []Status{StatusSending, StatusPending},
			NotificationUpdate{Status: StatusTemporaryFailure, UpdatedAt: now})
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("notify: sweep: time out %s: %w", old[i].ID, err))
			continue
		}
		n.queueServiceCallback(ctx, updated)
	}
	if len(old) > 0 {
		n.log.InfoContext(ctx, "sweep: timed out notifications without a receipt", slog.Int("count", len(old)))
	}
	return errors.Join(errs...)
}

// Handle runs one task of any queue the Notifier consumes.
func (n *Notifier) Handle(ctx context.Context, t Task) error {
	switch t.Name {
	case TaskDeliverSMS, TaskDeliverEmail:
		return n.Deliver(ctx, t)
	case TaskServiceCallback:
		return n.sendServiceCallback(ctx, t)
	case TaskProcessJob:
		return n.processJob(ctx, t)
	case TaskComplaintCallback:
		return n.sendComplaintCallback(ctx, t)
	case TaskInboundSMSCallback:
		return n.sendInboundCallback(ctx, t)
	case TaskSandboxReceipt:
		var p receiptPayload
		if err := json.Unmarshal(t.Payload, &p); err != nil {
			return Permanent(fmt.Errorf("notify: sandbox receipt payload: %w", err))
		}
		err := n.ApplyReceipt(ctx, Receipt{Provider: p.Provider, NotificationID: t.NotificationID, ProviderReference: p.Ref, Status: p.Status})
		if errors.Is(err, ErrNotFound) {
			return Permanent(err)
		}
		return err
	default:
		return Permanent(fmt.Errorf("notify: unknown task %q", t.Name))
	}
}

// RunOptions tunes Run.
type RunOptions struct {
	// Queues to consume (DeliveryQueues, service-callbacks and process-job
	// when empty).
	Queues []string
	// NoSweeper disables the periodic Sweep.
	NoSweeper bool
	// SweepInterval is the time between sweeps (SweepAfter/2, at least 1s).
	SweepInterval time.Duration
	// BatchSize is the most delivery tasks handled together when the Queue
	// is a BatchConsumer (0: DefaultDeliveryBatchSize); 1, or less, hands
	// them over one at a time.
	BatchSize int
}

// Run consumes the delivery queues and sweeps until ctx is done, then waits
// for in-flight work and returns.
func (n *Notifier) Run(ctx context.Context) error { return n.RunWith(ctx, RunOptions{}) }

// RunWith is Run with options. Close stops it as if ctx had ended; after
// Close it fails at once.
func (n *Notifier) RunWith(ctx context.Context, o RunOptions) error {
	ctx, done, err := n.life.startRun(ctx)
	if err != nil {
		return err
	}
	defer done()
	queues := o.Queues
	if len(queues) == 0 {
		queues = append(slices.Clone(DeliveryQueues), QueueServiceCallbacks, QueueProcessJob)
	}
	// A consumer that stops on its own (its queue closed or failed) stops
	// the whole run, so that the caller sees it rather than a queue that is
	// silently no longer served.
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	errs := make([]error, len(queues))
	for i, q := range queues {
		wg.Go(func() {
			err := n.consume(ctx, q, o.BatchSize)
			if ctx.Err() == nil {
				if err == nil {
					err = errors.New("returned before the run ended")
				}
				errs[i] = fmt.Errorf("notify: consume %s: %w", q, err)
				stop()
			}
		})
	}
	if !o.NoSweeper {
		interval := o.SweepInterval
		if interval <= 0 {
			interval = max(n.cfg.SweepAfter/2, time.Second)
		}
		wg.Go(func() {
			tick := time.NewTicker(interval)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
					if _, err := n.Sweep(ctx); err != nil && ctx.Err() == nil {
						n.log.ErrorContext(ctx, "sweep failed", slog.Any("error", err))
					}
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
