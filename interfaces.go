package notify

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Store is the system of record. Every method is safe for concurrent use,
// honours ctx (a cancelled context returns an error wrapping ctx.Err()), and
// wraps its failures with %w. Lookups that find nothing return an error
// wrapping ErrNotFound; creating something whose id exists returns an error
// wrapping ErrDuplicate and changes nothing. Values passed in are copied: a
// Store never keeps a caller's pointer, and callers may modify what a Store
// returns.
//
// store/storetest checks every clause of this contract.
type Store interface {
	// Ping reports whether the store answers.
	Ping(ctx context.Context) error

	// CreateService inserts a service.
	CreateService(ctx context.Context, s *Service) error
	// GetService returns a service by id.
	GetService(ctx context.Context, id uuid.UUID) (*Service, error)
	// UpdateService replaces a service's fields (by id).
	UpdateService(ctx context.Context, s *Service) error

	// AddTeamMember adds a team member to a service.
	AddTeamMember(ctx context.Context, m TeamMember) error
	// ListTeamMembers returns a service's team members.
	ListTeamMembers(ctx context.Context, serviceID uuid.UUID) ([]TeamMember, error)
	// AddGuestListEntry adds a recipient to a service's guest list. Adding
	// the same recipient twice is not an error and keeps one entry.
	AddGuestListEntry(ctx context.Context, e GuestListEntry) error
	// ListGuestList returns a service's guest list.
	ListGuestList(ctx context.Context, serviceID uuid.UUID) ([]GuestListEntry, error)

	// CreateAPIKey inserts a key. Only EncryptedSecret is persisted; Secret
	// is always empty here.
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// ListAPIKeys returns every key of a service, revoked ones included,
	// oldest first.
	ListAPIKeys(ctx context.Context, serviceID uuid.UUID) ([]APIKey, error)
	// RevokeAPIKey sets a key's expiry date if it has none.
	RevokeAPIKey(ctx context.Context, serviceID, keyID uuid.UUID, at time.Time) error

	// CreateTemplate inserts version 1 of a template (t.Version is set to 1)
	// and records it in the template history.
	CreateTemplate(ctx context.Context, t *Template) error
	// UpdateTemplate stores a new version of an existing template: the
	// version becomes the previous one plus one (written back to t) and the
	// history keeps every earlier version.
	UpdateTemplate(ctx context.Context, t *Template) error
	// GetTemplate returns the current version of a service's template.
	GetTemplate(ctx context.Context, serviceID, id uuid.UUID) (*Template, error)
	// GetTemplateVersion returns one version from the history.
	GetTemplateVersion(ctx context.Context, serviceID, id uuid.UUID, version int) (*Template, error)
	// ListTemplates returns the current versions of a service's templates
	// that are not archived, of type typ when typ is not empty, ordered by
	// name then id.
	ListTemplates(ctx context.Context, serviceID uuid.UUID, typ NotificationType) ([]Template, error)

	// CreateNotification inserts a notification in one atomic step.
	CreateNotification(ctx context.Context, n *Notification) error
	// GetNotification returns a notification by id, whatever its service.
	GetNotification(ctx context.Context, id uuid.UUID) (*Notification, error)
	// ListNotifications returns notifications matching f, newest first.
	ListNotifications(ctx context.Context, f NotificationFilter) ([]Notification, error)
	// CountNotifications counts a service's notifications created at or after
	// since that were not simulated: key type not KeyTypeSimulate and queue
	// not QueueResearchMode (research-mode services). This backs the daily
	// limit.
	CountNotifications(ctx context.Context, serviceID uuid.UUID, since time.Time) (int, error)
	// ClaimNotification takes the delivery lease of a notification: in one
	// atomic conditional update it sets ClaimedUntil to until and adds one to
	// DeliveryAttempts, but only if the status is StatusCreated and
	// ClaimedUntil is nil or not after now. It
	// returns the claimed notification, or an error wrapping ErrConflict when
	// the notification is not claimable (and ErrNotFound when it is absent).
	ClaimNotification(ctx context.Context, id uuid.UUID, now, until time.Time) (*Notification, error)
	// ReleaseNotification clears the lease of a notification still in
	// StatusCreated so that a retry can claim it at once.
	ReleaseNotification(ctx context.Context, id uuid.UUID) error
	// TransitionNotification applies u in one atomic conditional update, only
	// if the current status is one of from, and clears the lease. It returns
	// the updated notification, or an error wrapping ErrConflict if the
	// status was not in from.
	TransitionNotification(ctx context.Context, id uuid.UUID, from []Status, u NotificationUpdate) (*Notification, error)
	// FindNotificationByProviderReference returns the notification a provider
	// knows by ref (for receipts that do not carry our id).
	FindNotificationByProviderReference(ctx context.Context, provider, ref string) (*Notification, error)
	// ListSweepable returns up to limit notifications still in StatusCreated,
	// created before createdBefore, whose lease is absent or not after now,
	// oldest first.
	ListSweepable(ctx context.Context, createdBefore, now time.Time, limit int) ([]Notification, error)

	// ListInProgress returns up to limit notifications in StatusSending or
	// StatusPending that were handed to a provider (SentAt) before
	// sentBefore, sent by sentBy when it is not empty, oldest sent first.
	// It backs the recovery of lost fake receipts and the timeout of
	// notifications that never got a receipt.
	ListInProgress(ctx context.Context, sentBy string, sentBefore time.Time, limit int) ([]Notification, error)

	// CreateInboundSMS stores a received text message.
	CreateInboundSMS(ctx context.Context, m *InboundSMS) error
	// ListInboundSMS returns a service's received messages newest first,
	// strictly older than olderThan when it is not nil (an unknown id, or
	// another service's message, gives none), at most limit (0: no cap).
	ListInboundSMS(ctx context.Context, serviceID uuid.UUID, olderThan *uuid.UUID, limit int) ([]InboundSMS, error)

	// LoadOrStoreSetting returns the value stored under name, or stores value
	// and returns it when there is none. It is atomic across processes that
	// share the store.
	LoadOrStoreSetting(ctx context.Context, name, value string) (string, error)
}

// Task is a unit of work on a queue.
type Task struct {
	// ID identifies the task; queues fill it when empty.
	ID string
	// Name says what to do: "deliver_sms", "deliver_email", "sandbox_receipt"...
	Name           string
	NotificationID uuid.UUID
	// Payload carries extra data for tasks that need it.
	Payload []byte
	// Attempt is set by the queue when it hands the task to a handler: 1 for
	// the first delivery, 2 for the first retry, and so on.
	Attempt int
	// EnqueuedAt is set by the queue when the task is first enqueued.
	EnqueuedAt time.Time
}

// Handler processes a task. A nil error acknowledges it; an error asks the
// queue to retry it later with backoff, unless it wraps ErrPermanent, in
// which case the queue drops it (or dead-letters it) at once.
type Handler func(ctx context.Context, t Task) error

// Queue moves tasks to workers with at-least-once delivery: a task is
// delivered again if its handler fails, and may be delivered twice in rare
// cases (a consumer that dies mid-task), so handlers must be idempotent.
// Methods are safe for concurrent use.
//
// queue/queuetest checks every clause of this contract.
type Queue interface {
	// Enqueue adds t to the named queue. When it returns nil, the task is
	// stored as durably as the queue allows.
	Enqueue(ctx context.Context, queue string, t Task) error
	// Consume runs h on tasks from the named queue until ctx is done, then
	// waits for running handlers to return and returns nil. Handlers receive
	// a context that is cancelled when ctx is; a task whose handler did not
	// finish is delivered again later. Several Consume calls may run at once.
	Consume(ctx context.Context, queue string, h Handler) error
}

// Cache holds the daily counters (one a service, limit and UTC day; see
// DailyChannelCacheKey). Values are integers. Every method is safe for
// concurrent use; a failing Cache never fails a request: the Notifier
// falls back to the Store.
//
// cache/cachetest checks every clause of this contract.
type Cache interface {
	// Get returns the counter at key, or an error wrapping ErrCacheMiss.
	Get(ctx context.Context, key string) (int64, error)
	// Set stores value at key, expiring after ttl (0: never).
	Set(ctx context.Context, key string, value int64, ttl time.Duration) error
	// Incr adds one to an existing counter and returns the new value. A key
	// that does not exist is not created: Incr returns an error wrapping
	// ErrCacheMiss. Concurrent increments are never lost.
	Incr(ctx context.Context, key string) (int64, error)
}

// LimitCache is an optional Cache ability that makes the daily limit exact
// under concurrency, across every process sharing the cache: just before a
// notification is persisted the Notifier reserves its place with
// IncrBelow, so two requests can never both take the last one.
// cache/cachetest checks it when a Cache has it.
type LimitCache interface {
	// IncrBelow adds one to the existing counter at key only if its value
	// is below limit, atomically, and returns the resulting value and
	// whether it added. A missing key is not created: the error wraps
	// ErrCacheMiss.
	IncrBelow(ctx context.Context, key string, limit int64) (int64, bool, error)
	// SetIfAbsent stores value at key, expiring after ttl, only if the key
	// does not exist, atomically, and reports whether it stored it. The
	// Notifier seeds a missing counter from the Store with it, so a slow
	// request never overwrites places other requests reserved meanwhile.
	SetIfAbsent(ctx context.Context, key string, value int64, ttl time.Duration) (bool, error)
}

// Message is what the Notifier hands a Provider.
type Message struct {
	NotificationID uuid.UUID
	ServiceID      uuid.UUID
	Type           NotificationType
	// To is the normalised recipient (E.164 without "+", or a lower-cased
	// email address).
	To string
	// Body is the text to send: the SMS text with any service prefix, or the
	// plain-text email body.
	Body string
	// HTMLBody is the HTML alternative of an email.
	HTMLBody string
	Subject  string
	// From is the SMS sender or the email From address.
	From string
	// FromName is the display name of an email's sender (the service name).
	FromName       string
	ReplyTo        string
	UnsubscribeURL string
	International  bool
	// Fragments is the SMS fragment count (billable units).
	Fragments int
}

// Provider sends messages of one channel. Send must be safe for concurrent
// use. Its error decides retries: one wrapping ErrPermanent is never
// retried; any other is retried with backoff.
//
// provider/providertest checks the contract.
type Provider interface {
	// Name identifies the provider in sent_by and metrics ("sandbox", "ses"...).
	Name() string
	// Type is the channel the provider sends.
	Type() NotificationType
	// Send hands m to the provider and returns the provider's reference for
	// it (its message id), used to match receipts.
	Send(ctx context.Context, m Message) (ref string, err error)
}

// ReceiptSimulator is implemented by providers that fake delivery receipts
// (the sandbox). After the send is recorded, the Notifier asks for the
// receipt and applies it as a receipt is applied (ApplyReceipt's rules;
// a batch of deliveries applies its receipts in one conditional update).
type ReceiptSimulator interface {
	SimulateReceipt(m Message, ref string) Receipt
}

// Stats receives metrics. Implementations must be safe for concurrent use
// and must never block for long or fail: metrics are best effort.
type Stats interface {
	// Incr adds one to the counter name.
	Incr(name string)
	// Timing records a duration under name.
	Timing(name string, d time.Duration)
}

// Gauger is an optional Stats ability: setting a gauge.
type Gauger interface {
	Gauge(name string, value float64)
}

// DiscardStats is a Stats that records nothing.
type DiscardStats struct{}

// Incr does nothing.
func (DiscardStats) Incr(string) {}

// Timing does nothing.
func (DiscardStats) Timing(string, time.Duration) {}

var _ Stats = DiscardStats{}
