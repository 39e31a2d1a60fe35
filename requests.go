package notify

import (
	"time"

	"github.com/google/uuid"
)

// This file holds the requests of the Go API. The JSON decoders that build
// them from request bodies are in requests_json.go, the query decoders in
// requests_query.go, and the rules all of them apply in validation.go.

// SMSRequest is a POST /v2/notifications/sms body.
type SMSRequest struct {
	// PhoneNumber is the recipient as supplied (it passed the constructor
	// stage of the phone rules; service permissions are checked later).
	PhoneNumber string
	TemplateID  uuid.UUID
	// Personalisation holds the values as encoding/json decodes them
	// (float64 numbers, []any, map[string]any), or nil when absent.
	Personalisation map[string]any
	// Reference is the caller's reference, or nil when absent.
	Reference *string
	// ScheduledFor is validated (within the next 24 hours), then ignored by
	// the Notifier. Nil when absent or null.
	ScheduledFor *time.Time
	// SMSSenderID selects one of the service's SMS senders, or nil.
	SMSSenderID *uuid.UUID
	// IdempotencyKey, when not empty, makes a retry safe: the same key
	// with the same request within IdempotencyKeyTTL returns the first
	// notification instead of sending again (see idempotency.go). It is
	// not part of the request compared.
	IdempotencyKey string
}

// EmailRequest is a POST /v2/notifications/email body.
type EmailRequest struct {
	// EmailAddress is the recipient as supplied (it passed the email rules).
	EmailAddress string
	TemplateID   uuid.UUID
	// Personalisation holds the values as encoding/json decodes them, or
	// nil when absent.
	Personalisation map[string]any
	// Reference is the caller's reference, or nil when absent.
	Reference *string
	// ScheduledFor is validated, then ignored. Nil when absent or null.
	ScheduledFor *time.Time
	// EmailReplyToID selects one of the service's reply-to addresses, or nil.
	EmailReplyToID *uuid.UUID
	// OneClickUnsubscribeURL is an https URL, or nil.
	OneClickUnsubscribeURL *string
	// SanitiseContentFor lists personalisation keys to sanitise; nil when
	// absent or null.
	SanitiseContentFor []string
	// IdempotencyKey is SMSRequest.IdempotencyKey for email.
	IdempotencyKey string
}

// V1SendRequest is a v1 POST /notifications/{sms,email} body:
// {"to", "template", "personalisation"}. Unknown fields are ignored.
type V1SendRequest struct {
	To              string
	TemplateID      uuid.UUID
	Personalisation map[string]any
}

// ListQuery is the query of GET /v2/notifications.
type ListQuery struct {
	// TemplateTypes filters by channel; empty means all.
	TemplateTypes []NotificationType
	// Statuses are filter values (see ExpandStatusFilter); empty means all.
	Statuses []Status
	// Reference matches the client reference exactly, when not nil.
	Reference *string
	// OlderThan pages: only notifications older than this one.
	OlderThan *uuid.UUID
	// IncludeJobs includes notifications created from CSV jobs.
	IncludeJobs bool
	// JobID keeps only one job's notifications, when not nil.
	JobID *uuid.UUID
}

// ParseUUID parses s as upstream's UUID checks accept it, in the canonical
// 8-4-4-4-12 hexadecimal form, upper or lower case. Surrounding whitespace,
// braces, a urn:uuid: prefix or a missing hyphen make it fail.
func ParseUUID(s string) (uuid.UUID, bool) {
	if len(s) != 36 {
		return uuid.Nil, false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return uuid.Nil, false
			}
		default:
			if !isUUIDHex(c) {
				return uuid.Nil, false
			}
		}
	}
	u, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, false
	}
	return u, true
}

func isUUIDHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}
