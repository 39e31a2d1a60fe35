package ses

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/notifykit/notify"
)

// complaintEvent is the part of an SES Complaint notification that a
// complaint record keeps.
type complaintEvent struct {
	NotificationType string `json:"notificationType"`
	EventType        string `json:"eventType"`
	Mail             struct {
		MessageID string `json:"messageId"`
	} `json:"mail"`
	Complaint *struct {
		FeedbackID            string `json:"feedbackId"`
		ComplaintFeedbackType string `json:"complaintFeedbackType"`
		Timestamp             string `json:"timestamp"`
	} `json:"complaint"`
}

// ParseComplaint reads the complaint of an SES Complaint notification (in
// an SNS envelope or raw, like ParseNotification): the message it is
// about (mail.messageId), complaint.feedbackId, complaintFeedbackType and
// timestamp, as upstream records them. It returns nil, nil for any other
// event.
func ParseComplaint(body []byte) (*notify.ComplaintReport, error) {
	raw := body
	var env SNSMessage
	if err := json.Unmarshal(body, &env); err == nil && env.Type != "" {
		if env.Type != SNSNotification {
			return nil, nil
		}
		raw = []byte(env.Message)
	}
	var e complaintEvent
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, fmt.Errorf("ses: notification: %w", err)
	}
	if e.NotificationType != "Complaint" && e.EventType != "Complaint" {
		return nil, nil
	}
	ref := strings.TrimSpace(e.Mail.MessageID)
	if ref == "" {
		return nil, fmt.Errorf("ses: Complaint notification without mail.messageId")
	}
	c := &notify.ComplaintReport{Provider: Name, ProviderReference: ref}
	if e.Complaint != nil {
		c.FeedbackID, c.Type = e.Complaint.FeedbackID, e.Complaint.ComplaintFeedbackType
		if t, err := time.Parse(time.RFC3339Nano, e.Complaint.Timestamp); err == nil {
			c.Date = t.UTC()
		}
	}
	return c, nil
}
