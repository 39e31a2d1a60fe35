package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

func formatTime(t time.Time) string { return t.UTC().Format(notify.TimeFormat) }

func formatTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := formatTime(*t)
	return &s
}

// urlRoot is the URL of the API's root for r, ending in "/" (Flask's
// url_root): Options.BaseURL, completed with the request's scheme and host
// when it has none. Every URL the API writes starts with it.
func (h *Handler) urlRoot(r *http.Request) string {
	return h.base.root(r, h.opts.TrustForwardedProto)
}

// TemplateRef is the template of a notification in v2 bodies.
type TemplateRef struct {
	ID      uuid.UUID `json:"id"`
	Version int       `json:"version"`
	URI     string    `json:"uri"`
}

// SMSContent is the content of a POST /v2/notifications/sms answer.
type SMSContent struct {
	Body       string `json:"body"`
	FromNumber string `json:"from_number"`
}

// EmailContent is the content of a POST /v2/notifications/email answer.
type EmailContent struct {
	FromEmail              string  `json:"from_email"`
	Body                   string  `json:"body"`
	Subject                string  `json:"subject"`
	OneClickUnsubscribeURL *string `json:"one_click_unsubscribe_url"`
}

// PostNotificationResponse is the 201 body of POST /v2/notifications/{type}
// in upstream's shape; Content is SMSContent or EmailContent.
type PostNotificationResponse struct {
	ID           uuid.UUID   `json:"id"`
	Reference    *string     `json:"reference"`
	Content      any         `json:"content"`
	URI          string      `json:"uri"`
	Template     TemplateRef `json:"template"`
	ScheduledFor *string     `json:"scheduled_for"`
	// SanitisedContent is on email answers only, as upstream's: an object
	// (a map[string]notify.SanitisedValue) of what sanitise_content_for
	// changed, {} when nothing did. Absent from SMS answers.
	SanitisedContent any `json:"sanitised_content,omitempty"`
}

func (h *Handler) postResponse(r *http.Request, nt *notify.Notification) PostNotificationResponse {
	root := h.urlRoot(r)
	resp := PostNotificationResponse{
		ID:        nt.ID,
		Reference: nt.ClientReference,
		URI:       root + "v2/notifications/" + nt.ID.String(),
		Template: TemplateRef{ID: nt.TemplateID, Version: nt.TemplateVersion,
			URI: root + "services/" + nt.ServiceID.String() + "/templates/" + nt.TemplateID.String()},
	}
	if nt.Type == notify.SMS {
		resp.Content = SMSContent{Body: nt.Body, FromNumber: nt.From}
	} else {
		resp.Content = EmailContent{FromEmail: nt.From, Body: nt.Body, Subject: nt.Subject,
			OneClickUnsubscribeURL: nt.UnsubscribeURL}
		sanitised := nt.SanitisedContent
		if sanitised == nil {
			sanitised = map[string]notify.SanitisedValue{}
		}
		resp.SanitisedContent = sanitised
	}
	return resp
}

// SMSCostDetails is cost_details of a text message.
type SMSCostDetails struct {
	BillableSMSFragments        int     `json:"billable_sms_fragments"`
	InternationalRateMultiplier float64 `json:"international_rate_multiplier"`
	SMSRate                     float64 `json:"sms_rate"`
}

// NotificationJSON is a notification in GET /v2/notifications[/{id}]
// in upstream's shape. Keys are always present; absent values are null.
type NotificationJSON struct {
	ID                     uuid.UUID   `json:"id"`
	Reference              *string     `json:"reference"`
	EmailAddress           *string     `json:"email_address"`
	PhoneNumber            *string     `json:"phone_number"`
	Line1                  *string     `json:"line_1"`
	Line2                  *string     `json:"line_2"`
	Line3                  *string     `json:"line_3"`
	Line4                  *string     `json:"line_4"`
	Line5                  *string     `json:"line_5"`
	Line6                  *string     `json:"line_6"`
	Postcode               *string     `json:"postcode"`
	Type                   string      `json:"type"`
	Status                 string      `json:"status"`
	Template               TemplateRef `json:"template"`
	Body                   string      `json:"body"`
	Subject                *string     `json:"subject"`
	CreatedAt              string      `json:"created_at"`
	CreatedByName          *string     `json:"created_by_name"`
	SentAt                 *string     `json:"sent_at"`
	CompletedAt            *string     `json:"completed_at"`
	ScheduledFor           *string     `json:"scheduled_for"`
	Postage                *string     `json:"postage"`
	OneClickUnsubscribeURL *string     `json:"one_click_unsubscribe_url"`
	IsCostDataReady        bool        `json:"is_cost_data_ready"`
	CostInPounds           *float64    `json:"cost_in_pounds"`
	// CostDetails is SMSCostDetails for a text message whose cost is
	// known, else {}.
	CostDetails any `json:"cost_details"`
}

func (h *Handler) notificationJSON(root string, nt *notify.Notification) NotificationJSON {
	to := nt.To
	out := NotificationJSON{
		ID:        nt.ID,
		Reference: nt.ClientReference,
		Type:      string(nt.Type),
		Status:    string(nt.Status),
		Template: TemplateRef{ID: nt.TemplateID, Version: nt.TemplateVersion,
			URI: root + "v2/template/" + nt.TemplateID.String() + "/version/" + strconv.Itoa(nt.TemplateVersion)},
		Body:        nt.Body,
		CreatedAt:   formatTime(nt.CreatedAt),
		SentAt:      formatTimePtr(nt.SentAt),
		CostDetails: struct{}{},
	}
	if nt.Status.Completed() {
		done := nt.UpdatedAt
		if done == nil {
			done = &nt.CreatedAt
		}
		out.CompletedAt = formatTimePtr(done)
	}
	switch nt.Type {
	case notify.SMS:
		out.PhoneNumber = &to
		// Upstream: an SMS's cost is not known while it is created and
		// not yet billed.
		out.IsCostDataReady = !(nt.Status == notify.StatusCreated && nt.BillableUnits == 0)
		if out.IsCostDataReady {
			mult := nt.RateMultiplier
			if mult == 0 {
				mult = 1
			}
			cost := float64(nt.BillableUnits) * mult * h.opts.SMSRate
			out.CostInPounds = &cost
			out.CostDetails = SMSCostDetails{BillableSMSFragments: nt.BillableUnits,
				InternationalRateMultiplier: mult, SMSRate: h.opts.SMSRate}
		}
	case notify.Email:
		out.EmailAddress = &to
		subject := nt.Subject
		out.Subject = &subject
		out.OneClickUnsubscribeURL = nt.UnsubscribeURL
		out.IsCostDataReady = true
		zero := 0.0
		out.CostInPounds = &zero
	}
	return out
}

// Links are the paging links of list answers.
type Links struct {
	Current string `json:"current"`
	Next    string `json:"next,omitempty"`
}

// links builds current (the request's own query) and, when last is not
// nil, next (the same with older_than=last).
func (h *Handler) links(r *http.Request, last *uuid.UUID) Links {
	base := h.urlRoot(r) + r.URL.Path[1:]
	q := r.URL.Query()
	l := Links{Current: withQuery(base, q)}
	if last != nil {
		q.Set("older_than", last.String())
		l.Next = withQuery(base, q)
	}
	return l
}

func withQuery(base string, q url.Values) string {
	if len(q) == 0 {
		return base
	}
	return base + "?" + q.Encode()
}

// NotificationsPage is the body of GET /v2/notifications.
type NotificationsPage struct {
	Notifications []NotificationJSON `json:"notifications"`
	Links         Links              `json:"links"`
}

// TemplateJSON is a template in GET /v2/template/{id}[/version/{n}] and
// GET /v2/templates.
type TemplateJSON struct {
	ID                 uuid.UUID       `json:"id"`
	Type               string          `json:"type"`
	CreatedAt          string          `json:"created_at"`
	UpdatedAt          *string         `json:"updated_at"`
	CreatedBy          string          `json:"created_by"`
	Version            int             `json:"version"`
	Body               string          `json:"body"`
	Subject            *string         `json:"subject"`
	Name               string          `json:"name"`
	Personalisation    Personalisation `json:"personalisation"`
	Postage            *string         `json:"postage"`
	LetterContactBlock *string         `json:"letter_contact_block"`
}

// Personalisation lists a template's placeholders; it encodes as
// {"name": {"required": true}, ...} in the template's order.
type Personalisation []string

// MarshalJSON writes the placeholders in order.
func (p Personalisation) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, name := range p {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(name)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteString(`:{"required":true}`)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func templateJSON(t *notify.Template) TemplateJSON {
	out := TemplateJSON{
		ID:        t.ID,
		Type:      string(t.Type),
		CreatedAt: formatTime(t.CreatedAt),
		UpdatedAt: formatTimePtr(t.UpdatedAt),
		CreatedBy: t.CreatedBy,
		Version:   t.Version,
		Body:      t.Content,
		Name:      t.Name,
		// With no values every placeholder is missing: this lists the
		// subject's then the body's, deduplicated as upstream does.
		Personalisation: Personalisation(notify.MissingPersonalisation(t.Subject, t.Content, nil)),
	}
	if t.Type != notify.SMS {
		s := t.Subject
		out.Subject = &s
	}
	return out
}

// TemplatesPage is the body of GET /v2/templates.
type TemplatesPage struct {
	Templates []TemplateJSON `json:"templates"`
}

// PreviewJSON is the body of POST /v2/template/{id}/preview.
type PreviewJSON struct {
	ID      uuid.UUID `json:"id"`
	Type    string    `json:"type"`
	Version int       `json:"version"`
	Body    string    `json:"body"`
	HTML    *string   `json:"html"`
	Subject *string   `json:"subject"`
	Postage *string   `json:"postage"`
}

// ReceivedTextJSON is one received text message.
type ReceivedTextJSON struct {
	ID           uuid.UUID `json:"id"`
	CreatedAt    string    `json:"created_at"`
	ServiceID    uuid.UUID `json:"service_id"`
	NotifyNumber string    `json:"notify_number"`
	UserNumber   string    `json:"user_number"`
	Content      string    `json:"content"`
}

// ReceivedTextsPage is the body of GET /v2/received-text-messages.
type ReceivedTextsPage struct {
	ReceivedTextMessages []ReceivedTextJSON `json:"received_text_messages"`
	Links                Links              `json:"links"`
}
