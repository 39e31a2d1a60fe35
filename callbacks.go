package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// TaskServiceCallback is the task that POSTs a notification's status to its
// service's callback URL, as upstream sends it, on the service-callbacks queue.
const TaskServiceCallback = "send_delivery_status"

// TimeFormat is the timestamp format of the API and of callbacks:
// microseconds, UTC, with a Z.
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// DefaultCallbackTimeout bounds one delivery-status callback request.
const DefaultCallbackTimeout = 5 * time.Second

// CallbackPayload is the body of a delivery-status callback, in upstream's
// shape.
type CallbackPayload struct {
	ID               uuid.UUID        `json:"id"`
	Reference        *string          `json:"reference"`
	To               string           `json:"to"`
	Status           Status           `json:"status"`
	CreatedAt        string           `json:"created_at"`
	CompletedAt      *string          `json:"completed_at"`
	SentAt           *string          `json:"sent_at"`
	NotificationType NotificationType `json:"notification_type"`
	TemplateID       uuid.UUID        `json:"template_id"`
	TemplateVersion  int              `json:"template_version"`
}

// NewCallbackPayload builds the callback body of a notification.
func NewCallbackPayload(nt *Notification) CallbackPayload {
	format := func(t *time.Time) *string {
		if t == nil {
			return nil
		}
		s := t.UTC().Format(TimeFormat)
		return &s
	}
	return CallbackPayload{
		ID: nt.ID, Reference: nt.ClientReference, To: nt.To, Status: nt.Status,
		CreatedAt: nt.CreatedAt.UTC().Format(TimeFormat), CompletedAt: format(nt.UpdatedAt),
		SentAt: format(nt.SentAt), NotificationType: nt.Type, TemplateID: nt.TemplateID,
		TemplateVersion: nt.TemplateVersion,
	}
}

// SetServiceCallback registers (or, with an empty url, removes) the URL a
// service's delivery statuses are POSTed to, with the bearer token sent in
// the Authorization header. The URL and the token are stored sealed, like
// API key secrets (ServiceCallbackURL reads the URL back). The URL must be absolute https (http too with
// Config.AllowInsecureCallbacks) and, when its host is an IP address, a
// public one; the token must be at least 10 characters, as upstream
// requires.
func (n *Notifier) SetServiceCallback(ctx context.Context, serviceID uuid.UUID, callbackURL, token string) error {
	if callbackURL != "" {
		if err := checkCallbackURL(callbackURL, n.cfg.AllowInsecureCallbacks); err != nil {
			return err
		}
		if len(token) < 10 {
			return errors.New("notify: the callback bearer token must be at least 10 characters")
		}
	} else {
		token = ""
	}
	// Read-modify-write: read past the read cache so that a change made
	// by another process within its TTL is not overwritten.
	svc, err := uncached(n.store).GetService(ctx, serviceID)
	if err != nil {
		return fmt.Errorf("notify: set service callback: %w", err)
	}
	sealedURL, err := n.secrets.sealText(ctx, callbackURL)
	if err != nil {
		return err
	}
	sealedToken, err := n.secrets.sealText(ctx, token)
	if err != nil {
		return err
	}
	svc.CallbackURL, svc.CallbackToken, svc.UpdatedAt = sealedURL, sealedToken, n.now()
	if err := n.store.UpdateService(ctx, svc); err != nil {
		return fmt.Errorf("notify: set service callback: %w", err)
	}
	return nil
}

// queueServiceCallback queues the delivery-status callback of a
// notification whose service has a callback URL. Pending is not reported
// (upstream stores it silently). Failures are logged: the status itself is
// recorded already.
func (n *Notifier) queueServiceCallback(ctx context.Context, nt *Notification) {
	if nt.Status == StatusPending {
		return
	}
	svc, err := n.store.GetService(ctx, nt.ServiceID)
	if err != nil {
		n.log.WarnContext(ctx, "service callback: cannot load service", slog.String("notification_id", nt.ID.String()), slog.Any("error", err))
		return
	}
	n.queueCallbackFor(ctx, nt, svc)
}

// queueCallbackFor is queueServiceCallback for a caller that has read the
// notification's service already. The callback is queued only when the
// service has a delivery_status callback (or Service.CallbackURL).
func (n *Notifier) queueCallbackFor(ctx context.Context, nt *Notification, svc *Service) {
	if nt.Status == StatusPending {
		return
	}
	// When the callback cannot be read, the task is queued all the same:
	// it reads it again, and does nothing if there is none.
	if _, ok, err := n.callbackTargetOf(ctx, svc, CallbackDeliveryStatus); err == nil && !ok {
		return
	}
	if err := n.enqueueDetached(ctx, QueueServiceCallbacks, Task{Name: TaskServiceCallback, NotificationID: nt.ID}); err != nil {
		n.log.WarnContext(ctx, "service callback: enqueue failed", slog.String("notification_id", nt.ID.String()), slog.Any("error", err))
	}
}

// enqueueDetached queues a task that follows something already stored (a
// notification, a job, a status, a received text message, a complaint).
// The caller going away must not lose it: the request's cancellation does
// not reach the queue, which gets ten seconds of its own (detached).
func (n *Notifier) enqueueDetached(ctx context.Context, queue string, t Task) error {
	qctx, cancel := detached(ctx)
	defer cancel()
	return n.queue.Enqueue(qctx, queue, t)
}

// sendServiceCallback POSTs the notification's current status to its
// service's delivery_status callback (see postCallback).
func (n *Notifier) sendServiceCallback(ctx context.Context, t Task) error {
	nt, err := n.store.GetNotification(ctx, t.NotificationID)
	if errors.Is(err, ErrNotFound) {
		return Permanent(fmt.Errorf("notify: service callback: %w", err))
	}
	if err != nil {
		return fmt.Errorf("notify: service callback: %w", err)
	}
	svc, err := n.store.GetService(ctx, nt.ServiceID)
	if err != nil {
		return fmt.Errorf("notify: service callback: %w", err)
	}
	target, ok, err := n.callbackTargetOf(ctx, svc, CallbackDeliveryStatus)
	if err != nil {
		return fmt.Errorf("notify: service callback: %w", err)
	}
	if !ok {
		return nil
	}
	return n.postCallback(ctx, "service callback", nt.ID, target, NewCallbackPayload(nt))
}

// postCallback POSTs payload as JSON to target with its bearer token. what
// and id name the callback in errors and logs (never the token, nor
// credentials in the URL). Network errors, 429 and 5xx are retried; other
// answers, redirects included (they are not followed), are final, and so
// is a URL that is not https, or whose host is not public, unless
// Config.AllowInsecureCallbacks.
func (n *Notifier) postCallback(ctx context.Context, what string, id uuid.UUID, target callbackTarget, payload any) error {
	callbackURL, _, err := n.secrets.openText(ctx, target.url)
	if err != nil {
		return Permanent(fmt.Errorf("notify: %s for %s: URL: %w", what, id, err))
	}
	if err := checkCallbackURL(callbackURL, n.cfg.AllowInsecureCallbacks); err != nil {
		return Permanent(fmt.Errorf("notify: %s for %s: %w", what, id, err))
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return Permanent(err)
	}
	reqCtx, cancel := context.WithTimeout(ctx, DefaultCallbackTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(reqCtx, http.MethodPost, callbackURL, bytes.NewReader(body))
	if err != nil {
		return Permanent(fmt.Errorf("notify: %s for %s: %w", what, id, err))
	}
	req.Header.Set("Content-Type", "application/json")
	token, _, err := n.secrets.openText(ctx, target.token)
	if err != nil {
		return Permanent(fmt.Errorf("notify: %s for %s: %w", what, id, err))
	}
	req.Header.Set("Authorization", "Bearer "+token)
	where := redactedURL(callbackURL)
	res, err := n.cfg.CallbackClient.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		if errors.Is(err, ErrCallbackAddress) {
			return Permanent(fmt.Errorf("notify: %s for %s to %s: %w", what, id, where, err))
		}
		return fmt.Errorf("notify: %s for %s to %s: %w", what, id, where, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	_ = res.Body.Close()
	n.stats.Incr("service-callback." + strconv.Itoa(res.StatusCode))
	switch {
	case res.StatusCode < 300:
		return nil
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
		return fmt.Errorf("notify: %s for %s: %s answered %d", what, id, where, res.StatusCode)
	default:
		n.log.WarnContext(ctx, what+" refused; not retried", slog.String("id", id.String()), slog.Int("status", res.StatusCode))
		return Permanent(fmt.Errorf("notify: %s for %s: %s answered %d", what, id, where, res.StatusCode))
	}
}

// ServiceCallbackURL returns a service's callback URL in clear ("" when
// it has none): the Store keeps it sealed.
func (n *Notifier) ServiceCallbackURL(ctx context.Context, serviceID uuid.UUID) (string, error) {
	svc, err := n.store.GetService(ctx, serviceID)
	if err != nil {
		return "", fmt.Errorf("notify: service callback URL: %w", err)
	}
	u, _, err := n.secrets.openText(ctx, svc.CallbackURL)
	if err != nil {
		return "", fmt.Errorf("notify: service callback URL of %s: %w", serviceID, err)
	}
	return u, nil
}

// redactedURL is a callback URL fit for logs: scheme, host and path, with
// no user information or query (either may carry credentials).
func redactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}
