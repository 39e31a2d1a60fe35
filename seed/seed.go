// Package seed reads and applies seed files: JSON documents that describe
// services with their team, guest list, API keys (with known secrets),
// templates and received text messages, so that a Notifier starts with
// the services its callers expect. cmd/notifyd loads one with -seed FILE;
// tests and programs that embed a Notifier can load one with Read or Parse
// and Apply.
//
// A seed file looks like this:
//
//	{"services": [{
//	  "id": "2ef392a9-d69e-4560-b9b5-27321ec76628", "name": "Passports", "restricted": true,
//	  "message_limit": 50, "rate_limit": 3000,
//	  "sms_message_limit": 50, "email_message_limit": 50, "international_sms_message_limit": 100,
//	  "research_mode": false,
//	  "permissions": ["sms", "email", "international_sms", "sms_to_uk_landlines"],
//	  "team_members": [{"email_address": "me@example.gov.uk", "mobile_number": "07700 900123"}],
//	  "guest_list": ["guest@example.gov.uk", "07700 900456"],
//	  "api_keys": [{"id": "4be73d68-8abc-402f-993b-397f27c08df3", "name": "backend", "key_type": "normal",
//	                "secret": "578f95c2-7724-4b29-8c1d-bc34219c0062", "revoked_at": null}],
//	  "templates": [{"id": "beb97f53-b4d3-46e4-ba41-506a2a9a18ee", "type": "sms", "name": "Code",
//	                 "subject": "", "content": "Your code is ((code))", "process_type": "normal"}],
//	  "received_text_messages": [{"id": "57135b4e-86e6-4535-855d-552e3000707a", "notify_number": "07700900999",
//	                              "user_number": "447700900123", "content": "Hi", "created_at": "2026-01-01T10:00:00Z"}],
//	  "sms_senders": [{"id": "0b0e7a36-4a6f-4e43-9d3e-1c2f5a9d8e11", "sms_sender": "GOVUK", "is_default": true}],
//	  "email_reply_to": [{"id": "5d2c8e1a-7f3b-4c9d-8a6e-2b1f0c3d4e5f", "email_address": "help@example.gov.uk",
//	                      "is_default": true}]
//	}]}
//
// Every service needs an id and a name; every key an id, a name, a
// key_type and a secret; every template an id, a name and a type; every
// received text an id. The rest is optional, with these defaults:
// restricted true (trial mode); the daily limits sms_message_limit,
// email_message_limit and international_sms_message_limit, those of the
// service's mode (a trial service 50 text messages, 50 emails and 100
// text messages abroad a day; a live one 250,000, 250,000 and 100);
// message_limit, the seed's single daily total (used with
// notify.TotalDailyLimit), 50, and when given it also sets every
// per-channel limit left out; permissions ["sms", "email"] (the others
// are "international_sms" and "sms_to_uk_landlines"); process_type
// "normal" (the other is "priority"); rate_limit 3000 (requests a
// minute per key type).
// key_type is "normal" (live), "team" or "test"; a template's type is "sms"
// or "email"; the secret must be a UUID string, and the key string callers
// use is {name}-{service_id}-{secret} (here
// backend-2ef392a9-d69e-4560-b9b5-27321ec76628-578f95c2-7724-4b29-8c1d-bc34219c0062).
// Unknown fields and data after the document are refused, so that a typo
// does not go unnoticed.
//
// Applying a file is idempotent: what is missing is created, a service
// whose settings differ is updated, a template whose name, subject,
// content or process_type differ gets a new version, and a key listed with
// revoked_at is revoked. Keys are otherwise never changed (a secret cannot
// be). Applying the same file twice changes nothing, and several processes
// may apply the same file at the same moment on an empty database: each
// takes whatever another created first.
//
// sms_senders and email_reply_to are the service's SMS senders and email
// reply-to addresses: each needs an id; a sender is up to 11 letters,
// digits and spaces or a phone number, an address a valid email address
// (listed once). At most one of a list is is_default; when none is, the
// first is the default. A listed one whose value or default differs is
// updated; one the file does not list is left as it is; an archived one
// cannot come back under its id. Without sms_senders a service sends from
// its sms_sender setting (or the default sender, "notify"); without
// email_reply_to its emails have no Reply-To.
//
// received_text_messages is an extension of GOV.UK Notify's data: it gives
// GET /v2/received-text-messages something to return without an inbound
// SMS provider. Seeded messages are stored as they are: they are not sent
// to the service's inbound_sms callback.
//
// A service may also list its callbacks and inbound numbers:
//
//	"callbacks": [{"type": "delivery_status", "url": "https://example.com/status", "bearer_token": "at-least-10-chars"},
//	              {"type": "complaint", "url": "https://example.com/complaints", "bearer_token": "..."},
//	              {"type": "inbound_sms", "url": "https://example.com/texts", "bearer_token": "..."}],
//	"inbound_numbers": ["07700900999"]
//
// A callback's type is one of those three, once each; its url must be
// https (http too when the Notifier allows insecure callbacks) and its
// bearer_token at least 10 characters; both are sealed at rest. A
// callback listed with a new url or token replaces the service's; one not
// listed is left as it is. An inbound number (any form: 07700900999,
// +447700900999; a short code) belongs to one service: text messages to
// it are stored for the service and sent to its inbound_sms callback, and
// it becomes the service's SMS sender when the service has none.
package seed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// File is a seed file: services with their team, guest list, API keys
// (with given secrets), templates and received text messages. Applying it
// is idempotent: a second Apply changes nothing. A File marshalled with
// encoding/json leaves out the optional fields it does not set, and Parse
// reads it back unchanged.
type File struct {
	Services []Service `json:"services"`
}

// Service is one service of a seed file, with what belongs to it.
type Service struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
	// Restricted is trial mode; absent means true, as for new services.
	Restricted *bool `json:"restricted,omitzero"`
	// MessageLimit is the daily total of the TotalDailyLimit model; 0
	// means notify.DefaultMessageLimit. When given, it also sets every
	// per-channel limit the service leaves out.
	MessageLimit int `json:"message_limit,omitzero"`
	// RateLimit is requests a minute per key type; 0 means
	// notify.DefaultRateLimit.
	RateLimit    int  `json:"rate_limit,omitzero"`
	ResearchMode bool `json:"research_mode,omitzero"`
	// SMSMessageLimit, EmailMessageLimit and InternationalSMSMessageLimit
	// are the per-channel daily limits; 0 (absent) means message_limit
	// when that is given, else the default of the service's mode
	// (notify.Service.DailyLimit).
	SMSMessageLimit              int `json:"sms_message_limit,omitzero"`
	EmailMessageLimit            int `json:"email_message_limit,omitzero"`
	InternationalSMSMessageLimit int `json:"international_sms_message_limit,omitzero"`
	// Permissions default to sending SMS and email when absent.
	Permissions []notify.Permission `json:"permissions,omitzero"`
	TeamMembers []TeamMember        `json:"team_members,omitzero"`
	GuestList   []string            `json:"guest_list,omitzero"`
	APIKeys     []APIKey            `json:"api_keys,omitzero"`
	Templates   []Template          `json:"templates,omitzero"`
	// ReceivedTexts are text messages the service has received (an
	// extension of the seed format, for GET /v2/received-text-messages).
	ReceivedTexts []ReceivedText `json:"received_text_messages,omitzero"`

	// ContactLink is where recipients of files sent by email can contact
	// the service (a URL, an email address or a phone number); without it
	// the service cannot send files.
	ContactLink string `json:"contact_link,omitzero"`
	// SMSSenders and EmailReplyTo are the service's SMS senders and email
	// reply-to addresses (senders.go).
	SMSSenders   []SMSSender    `json:"sms_senders,omitzero"`
	EmailReplyTo []EmailReplyTo `json:"email_reply_to,omitzero"`
	// Callbacks are the service's callbacks, at most one per type.
	Callbacks []Callback `json:"callbacks,omitzero"`
	// InboundNumbers are the numbers that receive the service's text
	// messages (any form; normalised); each belongs to one service.
	InboundNumbers []string `json:"inbound_numbers,omitzero"`
}

// Callback is a service callback: where notifications of one type are
// POSTed, with "Authorization: Bearer <bearer_token>".
type Callback struct {
	// Type is "delivery_status", "complaint" or "inbound_sms".
	Type        notify.CallbackType `json:"type"`
	URL         string              `json:"url"`
	BearerToken string              `json:"bearer_token"`
}

// ReceivedText is a text message the service received. Without
// created_at it is stamped with the time it is applied.
type ReceivedText struct {
	ID           uuid.UUID  `json:"id"`
	NotifyNumber string     `json:"notify_number"`
	UserNumber   string     `json:"user_number"`
	Content      string     `json:"content"`
	CreatedAt    *time.Time `json:"created_at,omitzero"`
}

// TeamMember is a team member of a seeded service: a trial service may
// send to its team.
type TeamMember struct {
	EmailAddress string `json:"email_address"`
	MobileNumber string `json:"mobile_number"`
}

// APIKey is an API key with a known secret; the key string is
// {name}-{service_id}-{secret}. A key given RevokedAt is stored revoked,
// or revoked if it exists already.
type APIKey struct {
	ID        uuid.UUID      `json:"id"`
	Name      string         `json:"name"`
	KeyType   notify.KeyType `json:"key_type"`
	Secret    string         `json:"secret"`
	RevokedAt *time.Time     `json:"revoked_at,omitzero"`
}

// Template is a template; when its name, subject, content or process type
// changes between two applies, the second stores a new version. Its type
// cannot change.
type Template struct {
	ID          uuid.UUID               `json:"id"`
	Type        notify.NotificationType `json:"type"`
	Name        string                  `json:"name"`
	Subject     string                  `json:"subject,omitzero"`
	Content     string                  `json:"content"`
	ProcessType notify.ProcessType      `json:"process_type,omitzero"`
}

// Read reads and checks the seed file at path. Unknown fields are refused
// so that a typo does not go unnoticed.
func Read(path string) (*File, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	return Parse(raw)
}

// Parse decodes and checks a seed document: one JSON object, with no
// unknown field and nothing after it.
func Parse(raw []byte) (*File, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("seed: unexpected data after the JSON document")
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	return &f, nil
}

// check refuses what Apply could not store: missing ids and names, unknown
// permissions, key types, template types and process types, secrets that
// are not UUIDs.
func (f *File) check() error {
	numbers := map[string]uuid.UUID{} // inbound number → service
	for i, svc := range f.Services {
		where := fmt.Sprintf("seed: services[%d]", i)
		if svc.ID == uuid.Nil {
			return fmt.Errorf("%s: id is required", where)
		}
		if strings.TrimSpace(svc.Name) == "" {
			return fmt.Errorf("%s: name is required", where)
		}
		for _, l := range []struct {
			name  string
			value int
		}{
			{"message_limit", svc.MessageLimit},
			{"sms_message_limit", svc.SMSMessageLimit},
			{"email_message_limit", svc.EmailMessageLimit},
			{"international_sms_message_limit", svc.InternationalSMSMessageLimit},
		} {
			if l.value < 0 {
				return fmt.Errorf("%s: %s must not be negative", where, l.name)
			}
		}
		if svc.RateLimit < 0 {
			return fmt.Errorf("%s: rate_limit must not be negative", where)
		}
		for _, p := range svc.Permissions {
			if !slices.Contains([]notify.Permission{notify.PermissionSMS, notify.PermissionEmail,
				notify.PermissionInternationalSMS, notify.PermissionUKLandlines}, p) {
				return fmt.Errorf("%s: unknown permission %q", where, p)
			}
		}
		for j, k := range svc.APIKeys {
			kw := fmt.Sprintf("%s.api_keys[%d]", where, j)
			if k.ID == uuid.Nil || strings.TrimSpace(k.Name) == "" {
				return fmt.Errorf("%s: id and name are required", kw)
			}
			if !k.KeyType.Valid() {
				return fmt.Errorf("%s: key_type %q is not normal, team or test", kw, k.KeyType)
			}
			if _, ok := notify.ParseUUID(k.Secret); !ok {
				return fmt.Errorf("%s: secret must be a UUID string", kw)
			}
		}
		if err := svc.checkSenders(where); err != nil {
			return err
		}
		for j, c := range svc.Callbacks {
			cw := fmt.Sprintf("%s.callbacks[%d]", where, j)
			if !c.Type.Valid() {
				return fmt.Errorf("%s: type %q is not delivery_status, complaint or inbound_sms", cw, c.Type)
			}
			if slices.ContainsFunc(svc.Callbacks[:j], func(o Callback) bool { return o.Type == c.Type }) {
				return fmt.Errorf("%s: a second %s callback", cw, c.Type)
			}
			if !strings.HasPrefix(c.URL, "http") {
				return fmt.Errorf("%s: url must be an absolute https URL", cw)
			}
			if len(c.BearerToken) < notify.MinCallbackTokenLength {
				return fmt.Errorf("%s: bearer_token must be at least %d characters", cw, notify.MinCallbackTokenLength)
			}
		}
		for j, num := range svc.InboundNumbers {
			norm := notify.NormaliseInboundNumber(num)
			if norm == "" {
				return fmt.Errorf("%s.inbound_numbers[%d]: %q is not a phone number or short code", where, j, num)
			}
			if owner, ok := numbers[norm]; ok && owner != svc.ID {
				return fmt.Errorf("%s.inbound_numbers[%d]: %s is also service %s's", where, j, num, owner)
			}
			numbers[norm] = svc.ID
		}
		if svc.ContactLink != "" {
			if err := notify.CheckContactLink(strings.TrimSpace(svc.ContactLink)); err != nil {
				return fmt.Errorf("%s: contact_link %q: %w", where, svc.ContactLink, err)
			}
		}
		for j, m := range svc.ReceivedTexts {
			if m.ID == uuid.Nil {
				return fmt.Errorf("%s.received_text_messages[%d]: id is required", where, j)
			}
		}
		for j, t := range svc.Templates {
			tw := fmt.Sprintf("%s.templates[%d]", where, j)
			if t.ID == uuid.Nil || strings.TrimSpace(t.Name) == "" {
				return fmt.Errorf("%s: id and name are required", tw)
			}
			if t.Type != notify.SMS && t.Type != notify.Email {
				return fmt.Errorf("%s: type %q is not sms or email", tw, t.Type)
			}
			if t.ProcessType != "" && t.ProcessType != notify.ProcessNormal && t.ProcessType != notify.ProcessPriority {
				return fmt.Errorf("%s: process_type %q is not normal or priority", tw, t.ProcessType)
			}
		}
	}
	return nil
}
