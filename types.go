package notify

import (
	"slices"
	"time"

	"github.com/google/uuid"
)

// KeyType is the type of an API key. The values are upstream's wire and
// database names.
type KeyType string

// The three API key types.
const (
	// KeyTypeLive ("live" in the docs) sends to anyone from a live service and
	// only to the team and guest list from a trial service.
	KeyTypeLive KeyType = "normal"
	// KeyTypeTeam sends only to team members and the guest list.
	KeyTypeTeam KeyType = "team"
	// KeyTypeSimulate ("test" in the docs) sends to anyone, really sends
	// nothing, is never counted, and gets fake delivery receipts.
	KeyTypeSimulate KeyType = "test"
)

// Valid reports whether k is one of the three key types.
func (k KeyType) Valid() bool {
	return k == KeyTypeLive || k == KeyTypeTeam || k == KeyTypeSimulate
}

// label is the upper-case name used in rate-limit messages (LIVE, TEAM, TEST).
func (k KeyType) label() string {
	switch k {
	case KeyTypeLive:
		return "LIVE"
	case KeyTypeTeam:
		return "TEAM"
	default:
		return "TEST"
	}
}

// NotificationType is the channel of a notification or template.
type NotificationType string

// Notification types. Letters exist only so that requests for them can be
// refused with upstream's message.
const (
	SMS    NotificationType = "sms"
	Email  NotificationType = "email"
	Letter NotificationType = "letter"
)

// Permission is a service permission.
type Permission string

// Service permissions.
const (
	PermissionSMS              Permission = "sms"
	PermissionEmail            Permission = "email"
	PermissionInternationalSMS Permission = "international_sms"
	PermissionUKLandlines      Permission = "sms_to_uk_landlines"
)

// ProcessType says which queue a template's notifications are delivered from.
type ProcessType string

// Process types.
const (
	ProcessNormal   ProcessType = "normal"
	ProcessPriority ProcessType = "priority"
)

// Status is a notification status, with GOV.UK Notify's names.
type Status string

// Notification statuses.
const (
	StatusCancelled         Status = "cancelled"
	StatusCreated           Status = "created"
	StatusSending           Status = "sending"
	StatusSent              Status = "sent"
	StatusDelivered         Status = "delivered"
	StatusPending           Status = "pending"
	StatusFailed            Status = "failed"
	StatusTechnicalFailure  Status = "technical-failure"
	StatusTemporaryFailure  Status = "temporary-failure"
	StatusPermanentFailure  Status = "permanent-failure"
	StatusPendingVirusCheck Status = "pending-virus-check"
	StatusValidationFailed  Status = "validation-failed"
	StatusVirusScanFailed   Status = "virus-scan-failed"
	StatusReturnedLetter    Status = "returned-letter"
	// StatusAccepted and StatusReceived are letter pseudo-statuses accepted
	// as list filters.
	StatusAccepted Status = "accepted"
	StatusReceived Status = "received"
)

// FilterStatuses lists, in upstream's order, every value the status filter of
// GET /v2/notifications accepts.
var FilterStatuses = []Status{
	StatusCancelled, StatusCreated, StatusSending, StatusSent, StatusDelivered, StatusPending,
	StatusFailed, StatusTechnicalFailure, StatusTemporaryFailure, StatusPermanentFailure,
	StatusPendingVirusCheck, StatusValidationFailed, StatusVirusScanFailed, StatusReturnedLetter,
	StatusAccepted, StatusReceived,
}

// ReceiptableStatuses are the statuses from which a delivery receipt may move
// a notification: those of a notification handed to a provider. Created is
// not one: a receipt cannot arrive before the send it is about is
// recorded.
var ReceiptableStatuses = []Status{StatusSending, StatusPending, StatusSent}

// Final reports whether s is a status a notification never leaves on its own.
func (s Status) Final() bool {
	switch s {
	case StatusSent, StatusDelivered, StatusFailed, StatusTechnicalFailure, StatusTemporaryFailure,
		StatusPermanentFailure, StatusReturnedLetter, StatusCancelled, StatusValidationFailed,
		StatusVirusScanFailed:
		return true
	}
	return false
}

// Completed reports whether s is in upstream's "completed" set, for which
// completed_at is shown.
func (s Status) Completed() bool { return s.Final() }

// ExpandStatusFilter turns filter values into stored statuses: failed means
// every failure, accepted means created and sending, received means delivered.
func ExpandStatusFilter(in []Status) []Status {
	var out []Status
	add := func(s ...Status) {
		for _, x := range s {
			if !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	for _, s := range in {
		switch s {
		case StatusFailed:
			add(StatusTechnicalFailure, StatusTemporaryFailure, StatusPermanentFailure,
				StatusValidationFailed, StatusVirusScanFailed, StatusFailed)
		case StatusAccepted:
			add(StatusCreated, StatusSending)
		case StatusReceived:
			add(StatusDelivered)
		default:
			add(s)
		}
	}
	return out
}

// Queue names (the seed's).
const (
	QueueSendSMS          = "send-sms"
	QueueSendEmail        = "send-email"
	QueuePriority         = "priority"
	QueueResearchMode     = "research-mode"
	QueueDBSMS            = "db-sms"
	QueueDBEmail          = "db-email"
	QueueProcessJob       = "process-job"
	QueueServiceCallbacks = "service-callbacks"
)

// DeliveryQueues are the queues whose tasks deliver notifications, in the
// order workers should prefer them.
// The bulk lane comes last, so that jobs never delay single sends.
var DeliveryQueues = []string{QueuePriority, QueueSendSMS, QueueSendEmail, QueueResearchMode, QueueBulkSMS, QueueBulkEmail}

// Service is a tenant that sends notifications.
type Service struct {
	ID   uuid.UUID
	Name string
	// Archived services cannot authenticate.
	Archived bool
	// Restricted is trial mode: live keys only reach the team and guest list.
	Restricted bool
	// MessageLimit is the daily total of notifications (all channels) of
	// the TotalDailyLimit model (Config.DailyLimitModel).
	MessageLimit int
	// SMSMessageLimit, EmailMessageLimit and InternationalSMSMessageLimit
	// are the daily limits per channel (sms_message_limit,
	// email_message_limit, international_sms_message_limit): how many text
	// messages, emails and text messages to numbers outside +44 the service
	// may send a day (UTC). A text message outside +44 counts against both
	// sms and international_sms. 0 takes the default of the service's mode
	// (see DailyLimit); to stop a channel, remove its permission.
	SMSMessageLimit              int
	EmailMessageLimit            int
	InternationalSMSMessageLimit int
	// ResearchMode treats every notification like a simulate-key one.
	ResearchMode bool
	Permissions  []Permission
	// PrefixSMS prefixes text messages with "{Name}: " when sent.
	PrefixSMS bool
	// SMSSender is the default SMS sender; empty means the configured default.
	SMSSender string
	// EmailFrom is the local part of the From address; empty means a
	// lower-cased, dotted form of the name.
	EmailFrom string
	// RateLimit is requests per 60 seconds per key type (0: the default 3000).
	RateLimit int
	// DataRetentionDays is how long notifications stay before they are
	// archived (0: 7 days).
	DataRetentionDays int
	// CallbackURL and CallbackToken receive delivery-status callbacks
	// while the service has no delivery_status ServiceCallback, which
	// takes precedence (servicecallbacks.go).
	CallbackURL   string
	CallbackToken string
	// ContactLink is where recipients of files sent by email can contact
	// the service (a URL, an email address or a phone number); a service
	// without one cannot send files by email.
	ContactLink string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Can reports whether the service has permission p.
func (s *Service) Can(p Permission) bool { return slices.Contains(s.Permissions, p) }

// TeamMember is a user of a service; trial services may send to them.
type TeamMember struct {
	ServiceID    uuid.UUID
	EmailAddress string
	MobileNumber string
}

// GuestListEntry is an extra recipient a trial service or a team key may
// send to: an email address or a phone number.
type GuestListEntry struct {
	ServiceID uuid.UUID
	Recipient string
}

// APIKey is a service's API key.
type APIKey struct {
	ID        uuid.UUID
	ServiceID uuid.UUID
	Name      string
	KeyType   KeyType
	// Secret is the plain secret (a UUID string). The Notifier fills it
	// after decrypting; it is never handed to a Store.
	Secret string
	// EncryptedSecret is what a Store persists: Secret sealed with AES-GCM.
	EncryptedSecret []byte
	// ExpiryDate is set when the key is revoked.
	ExpiryDate *time.Time
	CreatedAt  time.Time
}

// Revoked reports whether the key has been revoked.
func (k *APIKey) Revoked() bool { return k.ExpiryDate != nil }

// Template is a version of a service's message template.
type Template struct {
	ID          uuid.UUID
	ServiceID   uuid.UUID
	Type        NotificationType
	Name        string
	Subject     string
	Content     string
	ProcessType ProcessType
	Version     int
	Archived    bool
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   *time.Time
}

// Notification is one message to one recipient.
type Notification struct {
	ID              uuid.UUID
	ServiceID       uuid.UUID
	TemplateID      uuid.UUID
	TemplateVersion int
	APIKeyID        uuid.UUID
	KeyType         KeyType
	Type            NotificationType
	// To is the recipient as supplied, trimmed of surrounding whitespace.
	To string
	// NormalisedTo is E.164 without "+" for phones, lower case for emails.
	NormalisedTo string
	// ClientReference is the caller's reference, or nil.
	ClientReference *string
	Personalisation map[string]any
	// Body and Subject are the rendered content (without any SMS prefix).
	Body    string
	Subject string
	// From is the SMS sender or the email From address.
	From string
	// ReplyTo is the email reply-to address, if any.
	ReplyTo        string
	UnsubscribeURL *string
	Status         Status
	// Queue is the queue the notification is delivered from.
	Queue             string
	International     bool
	PhonePrefix       string
	RateMultiplier    float64
	BillableUnits     int
	SentBy            string
	SentAt            *time.Time
	ProviderReference string
	JobID             *uuid.UUID
	JobRowNumber      *int
	// ClaimedUntil is the delivery lease: while it is in the future, one
	// worker owns the delivery.
	ClaimedUntil *time.Time
	// DeliveryAttempts counts the delivery claims (ClaimNotification adds
	// one), whichever task or worker made them: it decides the last attempt.
	DeliveryAttempts int
	CreatedAt        time.Time
	UpdatedAt        *time.Time
	// SanitisedContent is set on the Notification an email send returns
	// (SendEmail, SendJSON): for each personalisation value that the
	// request's SanitiseContentFor changed, the value before and after,
	// keyed by personalisation key; empty, not nil, when nothing changed.
	// It is nil on text messages and on notifications read back: it is
	// an answer to the send, not stored.
	SanitisedContent map[string]SanitisedValue
}

// NotificationFilter selects notifications for List. Results are ordered
// newest first (created_at, then id, descending).
type NotificationFilter struct {
	ServiceID uuid.UUID
	// KeyType restricts to one key type when non-empty.
	KeyType KeyType
	Types   []NotificationType
	// Statuses are stored statuses (see ExpandStatusFilter).
	Statuses []Status
	// Reference, when non-nil, matches the client reference exactly.
	Reference *string
	// OlderThan, when non-nil, keeps notifications strictly older than that
	// notification (by created_at, then id). An unknown id, or the id of
	// another service's notification, gives no results.
	OlderThan *uuid.UUID
	// IncludeJobs includes notifications created from CSV jobs.
	IncludeJobs bool
	// JobID, when non-nil, keeps only that job's notifications (whatever
	// IncludeJobs says).
	JobID *uuid.UUID
	// Limit caps the result (0: no cap).
	Limit int
}

// NotificationUpdate is a status transition applied by Store.Transition.
type NotificationUpdate struct {
	Status            Status
	SentAt            *time.Time
	SentBy            string
	BillableUnits     *int
	ProviderReference string
	UpdatedAt         time.Time
}

// Receipt is a delivery receipt from a provider, already mapped to a status.
type Receipt struct {
	// Provider names the provider ("mmg", "firetext", "ses", "sandbox"...).
	Provider string
	// NotificationID identifies the notification; when it is uuid.Nil,
	// ProviderReference is used instead.
	NotificationID    uuid.UUID
	ProviderReference string
	Status            Status
	// ProviderStatus is the raw status, kept for logs.
	ProviderStatus string
	// TemporaryIfPending turns a permanent-failure into a temporary-failure
	// when the notification is pending (Firetext's rule for a failure
	// without a refining code).
	TemporaryIfPending bool
	At                 time.Time
}

// InboundSMS is a text message received on one of the service's numbers.
type InboundSMS struct {
	ID           uuid.UUID
	ServiceID    uuid.UUID
	NotifyNumber string
	UserNumber   string
	Content      string
	Provider     string
	CreatedAt    time.Time
}
