package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// SandboxName is the provider name of the sandbox (sent_by, metrics).
const SandboxName = "sandbox"

// SimulatedStatus is the status a fake receipt gives a simulated
// notification, as upstream's test keys do: SMS to numbers ending 7700900003 is a
// temporary failure and 7700900002 a permanent one; email to
// temp-fail@simulator.notify and perm-fail@simulator.notify likewise;
// everything else is delivered.
func SimulatedStatus(typ NotificationType, to string) Status {
	if typ == SMS {
		switch {
		case strings.HasSuffix(to, "7700900003"):
			return StatusTemporaryFailure
		case strings.HasSuffix(to, "7700900002"):
			return StatusPermanentFailure
		}
		return StatusDelivered
	}
	switch strings.ToLower(to) {
	case "temp-fail@simulator.notify":
		return StatusTemporaryFailure
	case "perm-fail@simulator.notify":
		return StatusPermanentFailure
	}
	return StatusDelivered
}

// builtinSandbox is the Sandbox when none is configured: it sends nothing
// and simulates receipts.
type builtinSandbox struct{}

func (builtinSandbox) Name() string           { return SandboxName }
func (builtinSandbox) Type() NotificationType { return "" }
func (builtinSandbox) Send(ctx context.Context, m Message) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return uuid.NewString(), nil
}
func (builtinSandbox) SimulateReceipt(m Message, ref string) Receipt {
	return Receipt{Provider: SandboxName, NotificationID: m.NotificationID, ProviderReference: ref,
		Status: SimulatedStatus(m.Type, m.To)}
}

type receiptPayload struct {
	Provider string `json:"provider"`
	Status   Status `json:"status"`
	Ref      string `json:"ref,omitempty"`
}

// simulateReceipt applies a fake receipt through the normal receipt path
// (ApplyReceipt) right after the send was recorded. If that fails (the
// store is briefly away) it is queued on the research-mode queue to be
// applied later, so a simulated notification does not stay sending.
func (n *Notifier) simulateReceipt(ctx context.Context, r Receipt) {
	if err := n.ApplyReceipt(ctx, r); err != nil {
		n.receiptNotApplied(ctx, r, err)
	}
}

// receiptNotApplied queues a fake receipt that could not be applied (err)
// on the research-mode queue, to be applied later.
func (n *Notifier) receiptNotApplied(ctx context.Context, r Receipt, err error) {
	n.log.WarnContext(ctx, "sandbox receipt: apply failed; queuing it", slog.String("notification_id", r.NotificationID.String()), slog.Any("error", err))
	payload, _ := json.Marshal(receiptPayload{Provider: r.Provider, Status: r.Status, Ref: r.ProviderReference})
	if err := n.queue.Enqueue(ctx, QueueResearchMode, Task{Name: TaskSandboxReceipt, NotificationID: r.NotificationID, Payload: payload}); err != nil {
		n.log.ErrorContext(ctx, "sandbox receipt: lost (apply and enqueue failed)", slog.String("notification_id", r.NotificationID.String()), slog.Any("error", err))
	}
}

// ErrNotSentYet is wrapped by the error of ApplyReceipt for a receipt
// about a notification not yet recorded as sent (still created): one that
// overtook the worker recording the send, or a forgery. The provider
// should send it again later; httpapi answers 503 so that it does.
var ErrNotSentYet = errors.New("notify: the notification is not recorded as sent yet")

// ApplyReceipt applies a delivery receipt: the notification's status changes
// only while it is sending, pending or sent, and only when the receipt's
// provider is the one that sent it (sent_by), of the notification's
// channel; a receipt for a notification in a final status is ignored
// (nil). An unknown notification, or one another provider sent, is an
// error wrapping ErrNotFound; one not yet recorded as sent (created), an
// error wrapping ErrNotSentYet.
func (n *Notifier) ApplyReceipt(ctx context.Context, r Receipt) error {
	var nt *Notification
	var err error
	if r.NotificationID != uuid.Nil {
		nt, err = n.store.GetNotification(ctx, r.NotificationID)
	} else {
		nt, err = n.store.FindNotificationByProviderReference(ctx, r.Provider, r.ProviderReference)
	}
	if err != nil {
		return fmt.Errorf("notify: receipt from %s: %w", r.Provider, err)
	}
	if err := n.receiptFor(ctx, r, nt); err != nil {
		return err
	}
	if !slices.Contains(ReceiptableStatuses, nt.Status) {
		n.log.InfoContext(ctx, "receipt ignored: notification already final",
			slog.String("notification_id", nt.ID.String()), slog.String("status", string(nt.Status)), slog.String("receipt_status", string(r.Status)))
		return nil
	}
	status, from := r.Status, ReceiptableStatuses
	if r.TemporaryIfPending && status == StatusPermanentFailure && nt.Status == StatusPending {
		// Only while it is still pending: one conditional update decides.
		status, from = StatusTemporaryFailure, []Status{StatusPending}
	}
	now := n.now()
	updated, err := n.store.TransitionNotification(ctx, nt.ID, from, NotificationUpdate{Status: status, UpdatedAt: now})
	if errors.Is(err, ErrConflict) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("notify: receipt from %s for %s: %w", r.Provider, nt.ID, err)
	}
	n.queueServiceCallback(ctx, updated)
	n.countReceipt(r.Provider, status, now, updated)
	return nil
}

// receiptFor checks that r may move nt: nt was handed to a provider
// (created is not), by r's provider, and that provider sends nt's type.
func (n *Notifier) receiptFor(ctx context.Context, r Receipt, nt *Notification) error {
	err := n.receiptFits(r, nt)
	if err != nil && !errors.Is(err, ErrNotSentYet) {
		n.log.WarnContext(ctx, "receipt ignored: another provider sent the notification",
			slog.String("notification_id", nt.ID.String()), slog.String("provider", r.Provider),
			slog.String("sent_by", nt.SentBy), slog.String("type", string(nt.Type)))
	}
	return err
}

// receiptFits is receiptFor without the log: whether r may move nt.
func (n *Notifier) receiptFits(r Receipt, nt *Notification) error {
	if nt.Status == StatusCreated {
		return fmt.Errorf("notify: receipt from %s for %s: %w", r.Provider, nt.ID, ErrNotSentYet)
	}
	fits := nt.SentBy == r.Provider
	if fits {
		for _, p := range n.cfg.Providers {
			if p.Name() == r.Provider && p.Type() != nt.Type {
				fits = false
			}
		}
	}
	if !fits {
		return fmt.Errorf("notify: receipt from %s for %s, a %s sent by %q: %w", r.Provider, nt.ID, nt.Type, nt.SentBy, ErrNotFound)
	}
	return nil
}

// countReceipt records the metrics of a receipt from provider that gave nt
// status at now: callback.{provider}.{status}, and the time since the send.
func (n *Notifier) countReceipt(provider string, status Status, now time.Time, nt *Notification) {
	n.stats.Incr("callback." + provider + "." + string(status))
	if nt.SentAt != nil {
		n.stats.Timing("callback."+provider+"."+string(status)+".elapsed-time", now.Sub(*nt.SentAt))
	}
}
