package ses

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/notifykit/notify"
)

// SNS message types (the x-amz-sns-message-type header and the Type
// field).
const (
	SNSNotification             = "Notification"
	SNSSubscriptionConfirmation = "SubscriptionConfirmation"
	SNSUnsubscribeConfirmation  = "UnsubscribeConfirmation"
)

// SNSMessage is the envelope SNS posts to an HTTP(S) subscription.
type SNSMessage struct {
	Type         string `json:"Type"`
	MessageID    string `json:"MessageId"`
	TopicArn     string `json:"TopicArn"`
	Subject      string `json:"Subject,omitempty"`
	Message      string `json:"Message"`
	Timestamp    string `json:"Timestamp"`
	SubscribeURL string `json:"SubscribeURL,omitempty"`
	Token        string `json:"Token,omitempty"`
}

// ParseSNS decodes an SNS envelope. Its Type must be one of SNS's three.
func ParseSNS(body []byte) (*SNSMessage, error) {
	var m SNSMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("ses: SNS message: %w", err)
	}
	switch m.Type {
	case SNSNotification, SNSSubscriptionConfirmation, SNSUnsubscribeConfirmation:
		return &m, nil
	}
	return nil, fmt.Errorf("ses: SNS message: unknown Type %q", m.Type)
}

// ErrNotAReceipt is returned by ParseNotification for SES events that say
// nothing about delivery (Send, Open, Click, DeliveryDelay...): there is
// nothing to apply.
var ErrNotAReceipt = errors.New("ses: event is not a delivery receipt")

// event is the part of an SES notification (or event-publishing record)
// that matters here.
type event struct {
	NotificationType string `json:"notificationType"`
	EventType        string `json:"eventType"`
	Mail             struct {
		MessageID string `json:"messageId"`
		Timestamp string `json:"timestamp"`
	} `json:"mail"`
	Bounce *struct {
		BounceType    string `json:"bounceType"`
		BounceSubType string `json:"bounceSubType"`
		Timestamp     string `json:"timestamp"`
	} `json:"bounce"`
	Complaint *struct {
		ComplaintFeedbackType string `json:"complaintFeedbackType"`
		Timestamp             string `json:"timestamp"`
	} `json:"complaint"`
	Delivery *struct {
		Timestamp string `json:"timestamp"`
	} `json:"delivery"`
}

// ParseNotification maps an SES notification to receipts,
// matched by mail.messageId (the provider reference) for Provider "ses".
// body is what SNS posts (the envelope, whose Message holds the SES
// event) or, with raw message delivery, the SES event itself; both the
// notification format (notificationType) and the event-publishing one
// (eventType) are read.
//
//	Delivery                                  delivered
//	Bounce, bounceType Permanent              permanent-failure
//	Bounce, any other bounceType              temporary-failure (Transient, Undetermined...)
//	Complaint                                 delivered
//
// A complaint proves the message arrived; SES sends one only after a
// delivery, whose receipt has normally made the notification delivered
// already, and receipts never change a final status, so a complaint keeps
// the delivered status, as upstream does. Only a complaint that overtakes its
// delivery moves the notification, to delivered. The complaint itself is
// read by ParseComplaint. Other event types give ErrNotAReceipt.
func ParseNotification(body []byte) ([]notify.Receipt, error) {
	raw := body
	var env SNSMessage
	if err := json.Unmarshal(body, &env); err == nil && env.Type != "" {
		if env.Type != SNSNotification {
			return nil, fmt.Errorf("ses: SNS %s is not a notification: %w", env.Type, ErrNotAReceipt)
		}
		raw = []byte(env.Message)
	}
	var e event
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, fmt.Errorf("ses: notification: %w", err)
	}
	kind := e.NotificationType
	if kind == "" {
		kind = e.EventType
	}
	ref := strings.TrimSpace(e.Mail.MessageID)
	if kind == "" {
		return nil, errors.New("ses: notification without notificationType")
	}
	r := notify.Receipt{Provider: Name, ProviderReference: ref, ProviderStatus: kind}
	var at string
	switch kind {
	case "Delivery":
		r.Status = notify.StatusDelivered
		if e.Delivery != nil {
			at = e.Delivery.Timestamp
		}
	case "Bounce":
		if e.Bounce == nil {
			return nil, errors.New("ses: Bounce notification without bounce")
		}
		r.Status = notify.StatusTemporaryFailure
		if e.Bounce.BounceType == "Permanent" {
			r.Status = notify.StatusPermanentFailure
		}
		r.ProviderStatus = "Bounce/" + e.Bounce.BounceType
		if e.Bounce.BounceSubType != "" {
			r.ProviderStatus += "/" + e.Bounce.BounceSubType
		}
		at = e.Bounce.Timestamp
	case "Complaint":
		r.Status = notify.StatusDelivered
		if e.Complaint != nil {
			if e.Complaint.ComplaintFeedbackType != "" {
				r.ProviderStatus += "/" + e.Complaint.ComplaintFeedbackType
			}
			at = e.Complaint.Timestamp
		}
	default:
		return nil, fmt.Errorf("ses: %s event: %w", kind, ErrNotAReceipt)
	}
	if ref == "" {
		return nil, fmt.Errorf("ses: %s notification without mail.messageId", kind)
	}
	if t, err := time.Parse(time.RFC3339Nano, at); err == nil {
		r.At = t.UTC()
	}
	return []notify.Receipt{r}, nil
}
