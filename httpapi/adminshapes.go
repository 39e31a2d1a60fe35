package httpapi

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// ServiceJSON is a service in the admin API, with upstream's keys where it
// has them (active is the opposite of archived).
type ServiceJSON struct {
	ID           uuid.UUID `json:"id"`
	Name         string    `json:"name"`
	Active       bool      `json:"active"`
	Restricted   bool      `json:"restricted"`
	ResearchMode bool      `json:"research_mode"`
	MessageLimit int       `json:"message_limit"`
	RateLimit    int       `json:"rate_limit"`
	// The per-channel daily limits in force (the mode's default when the
	// service sets none).
	SMSMessageLimit              int      `json:"sms_message_limit"`
	EmailMessageLimit            int      `json:"email_message_limit"`
	InternationalSMSMessageLimit int      `json:"international_sms_message_limit"`
	Permissions                  []string `json:"permissions"`
	PrefixSMS                    bool     `json:"prefix_sms"`
	SMSSender                    string   `json:"sms_sender"`
	EmailFrom                    string   `json:"email_from"`
	DataRetentionDays            int      `json:"data_retention_days"`
	// ContactLink is shown to the recipients of files sent by email;
	// null when the service has none (and cannot send files).
	ContactLink *string `json:"contact_link"`
	CreatedAt   string  `json:"created_at"`
	UpdatedAt   string  `json:"updated_at"`
}

func serviceJSON(s *notify.Service) ServiceJSON {
	perms := make([]string, len(s.Permissions))
	for i, p := range s.Permissions {
		perms[i] = string(p)
	}
	return ServiceJSON{ID: s.ID, Name: s.Name, Active: !s.Archived, Restricted: s.Restricted,
		ResearchMode: s.ResearchMode, MessageLimit: s.MessageLimit, RateLimit: s.RateLimit, Permissions: perms,
		SMSMessageLimit: s.DailyLimit(notify.DailyLimitSMS), EmailMessageLimit: s.DailyLimit(notify.DailyLimitEmail),
		InternationalSMSMessageLimit: s.DailyLimit(notify.DailyLimitInternationalSMS),
		PrefixSMS:                    s.PrefixSMS, SMSSender: s.SMSSender, EmailFrom: s.EmailFrom, DataRetentionDays: s.DataRetentionDays,
		ContactLink: contactLinkJSON(s.ContactLink), CreatedAt: formatTime(s.CreatedAt), UpdatedAt: formatTime(s.UpdatedAt)}
}

// contactLinkJSON is a contact link in the admin API: null for none.
func contactLinkJSON(link string) *string {
	if link == "" {
		return nil
	}
	return &link
}

// APIKeyJSON is a key in GET /service/{id}/api-keys, never with its
// secret.
type APIKeyJSON struct {
	ID         uuid.UUID `json:"id"`
	Name       string    `json:"name"`
	KeyType    string    `json:"key_type"`
	ServiceID  uuid.UUID `json:"service_id"`
	ExpiryDate *string   `json:"expiry_date"`
	CreatedAt  string    `json:"created_at"`
}

// APIKeys is the body of GET /service/{id}/api-keys (upstream's key name).
type APIKeys struct {
	APIKeys []APIKeyJSON `json:"apiKeys"`
}

func apiKeyJSON(k *notify.APIKey) APIKeyJSON {
	return APIKeyJSON{ID: k.ID, Name: k.Name, KeyType: string(k.KeyType), ServiceID: k.ServiceID,
		ExpiryDate: formatTimePtr(k.ExpiryDate), CreatedAt: formatTime(k.CreatedAt)}
}

// AdminTemplateJSON is a template in the admin API (upstream's
// TemplateSchema keys).
type AdminTemplateJSON struct {
	ID           uuid.UUID `json:"id"`
	Name         string    `json:"name"`
	TemplateType string    `json:"template_type"`
	Content      string    `json:"content"`
	Subject      *string   `json:"subject"`
	Version      int       `json:"version"`
	Archived     bool      `json:"archived"`
	ProcessType  string    `json:"process_type"`
	CreatedBy    string    `json:"created_by"`
	Service      uuid.UUID `json:"service"`
	CreatedAt    string    `json:"created_at"`
	UpdatedAt    *string   `json:"updated_at"`
}

func adminTemplateJSON(t *notify.Template) AdminTemplateJSON {
	out := AdminTemplateJSON{ID: t.ID, Name: t.Name, TemplateType: string(t.Type), Content: t.Content,
		Version: t.Version, Archived: t.Archived, ProcessType: string(t.ProcessType), CreatedBy: t.CreatedBy,
		Service: t.ServiceID, CreatedAt: formatTime(t.CreatedAt), UpdatedAt: formatTimePtr(t.UpdatedAt)}
	if t.Type != notify.SMS {
		subject := t.Subject
		out.Subject = &subject
	}
	return out
}

// GuestListJSON is the body of GET /service/{id}/guest-list and of its
// PUT.
type GuestListJSON struct {
	EmailAddresses []string `json:"email_addresses"`
	PhoneNumbers   []string `json:"phone_numbers"`
}

func guestListJSON(list []notify.GuestListEntry) GuestListJSON {
	out := GuestListJSON{EmailAddresses: []string{}, PhoneNumbers: []string{}}
	for _, g := range list {
		if _, err := notify.ValidateEmail(g.Recipient); err == nil {
			out.EmailAddresses = append(out.EmailAddresses, g.Recipient)
		} else {
			out.PhoneNumbers = append(out.PhoneNumbers, g.Recipient)
		}
	}
	return out
}

// TeamMemberJSON is a team member in the admin API.
type TeamMemberJSON struct {
	EmailAddress string `json:"email_address"`
	MobileNumber string `json:"mobile_number"`
}

// ChannelStatisticsJSON is upstream's summary of one channel.
type ChannelStatisticsJSON struct {
	Requested int `json:"requested"`
	Delivered int `json:"delivered"`
	Failed    int `json:"failed"`
}

func statisticsJSON(st *notify.ServiceStatistics) map[string]ChannelStatisticsJSON {
	return map[string]ChannelStatisticsJSON{
		"sms":    {Requested: st.SMS.Requested, Delivered: st.SMS.Delivered, Failed: st.SMS.Failed},
		"email":  {Requested: st.Email.Requested, Delivered: st.Email.Delivered, Failed: st.Email.Failed},
		"letter": {},
	}
}

// AdminTemplateRef is the template of a notification in the admin API.
type AdminTemplateRef struct {
	ID           uuid.UUID `json:"id"`
	Version      int       `json:"version"`
	Name         string    `json:"name"`
	TemplateType string    `json:"template_type"`
	Content      string    `json:"content"`
	Subject      *string   `json:"subject"`
}

// AdminNotificationJSON is a notification in GET
// /service/{id}/notifications (the columns of upstream's
// notification_with_template_schema that notify keeps).
type AdminNotificationJSON struct {
	ID               uuid.UUID        `json:"id"`
	To               string           `json:"to"`
	NormalisedTo     string           `json:"normalised_to"`
	JobRowNumber     *int             `json:"job_row_number"`
	Service          uuid.UUID        `json:"service"`
	Template         AdminTemplateRef `json:"template"`
	APIKey           *uuid.UUID       `json:"api_key"`
	KeyType          string           `json:"key_type"`
	NotificationType string           `json:"notification_type"`
	Status           string           `json:"status"`
	Reference        *string          `json:"reference"`
	ClientReference  *string          `json:"client_reference"`
	Body             string           `json:"body"`
	Subject          *string          `json:"subject"`
	BillableUnits    int              `json:"billable_units"`
	International    bool             `json:"international"`
	PhonePrefix      *string          `json:"phone_prefix"`
	RateMultiplier   *float64         `json:"rate_multiplier"`
	SentBy           *string          `json:"sent_by"`
	SentAt           *string          `json:"sent_at"`
	CreatedAt        string           `json:"created_at"`
	UpdatedAt        *string          `json:"updated_at"`
}

// AdminNotificationsPage is the body of GET /service/{id}/notifications.
type AdminNotificationsPage struct {
	Notifications []AdminNotificationJSON `json:"notifications"`
	PageSize      int                     `json:"page_size"`
	Links         PageLinks               `json:"links"`
}

// PageLinks are upstream's page-number links (relative).
type PageLinks struct {
	Prev string `json:"prev,omitempty"`
	Next string `json:"next,omitempty"`
}

// pageLinks links the pages before and after page, keeping the query.
func pageLinks(r *http.Request, page int, more bool) PageLinks {
	at := func(p int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(p))
		return r.URL.Path + "?" + q.Encode()
	}
	var l PageLinks
	if page > 1 {
		l.Prev = at(page - 1)
	}
	if more {
		l.Next = at(page + 1)
	}
	return l
}

func emptyNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// adminNotificationsJSON shapes a page of notifications with the version
// of the template each was sent with (read once per version).
func (h *Handler) adminNotificationsJSON(r *http.Request, serviceID uuid.UUID, list []notify.Notification) ([]AdminNotificationJSON, error) {
	type tv struct {
		id      uuid.UUID
		version int
	}
	templates := map[tv]*notify.Template{}
	out := make([]AdminNotificationJSON, len(list))
	for i := range list {
		nt := &list[i]
		k := tv{nt.TemplateID, nt.TemplateVersion}
		t, ok := templates[k]
		if !ok {
			var err error
			t, err = h.n.ServiceTemplateVersion(r.Context(), serviceID, nt.TemplateID, nt.TemplateVersion)
			if err != nil && !errors.Is(err, notify.ErrNoResult) {
				return nil, err
			}
			templates[k] = t
		}
		ref := AdminTemplateRef{ID: nt.TemplateID, Version: nt.TemplateVersion, TemplateType: string(nt.Type)}
		if t != nil {
			ref.Name, ref.Content = t.Name, t.Content
			if t.Type != notify.SMS {
				subject := t.Subject
				ref.Subject = &subject
			}
		}
		j := AdminNotificationJSON{ID: nt.ID, To: nt.To, NormalisedTo: nt.NormalisedTo, JobRowNumber: nt.JobRowNumber,
			Service: nt.ServiceID, Template: ref, KeyType: string(nt.KeyType), NotificationType: string(nt.Type),
			Status: string(nt.Status), Reference: emptyNil(nt.ProviderReference), ClientReference: nt.ClientReference,
			Body: nt.Body, BillableUnits: nt.BillableUnits, International: nt.International,
			PhonePrefix: emptyNil(nt.PhonePrefix), SentBy: emptyNil(nt.SentBy), SentAt: formatTimePtr(nt.SentAt),
			CreatedAt: formatTime(nt.CreatedAt), UpdatedAt: formatTimePtr(nt.UpdatedAt)}
		if nt.APIKeyID != uuid.Nil {
			id := nt.APIKeyID
			j.APIKey = &id
		}
		if nt.Type == notify.Email {
			subject := nt.Subject
			j.Subject = &subject
		}
		if nt.Type == notify.SMS {
			m := nt.RateMultiplier
			if m == 0 {
				m = 1
			}
			j.RateMultiplier = &m
		}
		out[i] = j
	}
	return out, nil
}

// DataRetentionJSON is a service's retention of one type (upstream's
// ServiceDataRetention.serialize).
type DataRetentionJSON struct {
	ID               uuid.UUID `json:"id"`
	ServiceID        uuid.UUID `json:"service_id"`
	NotificationType string    `json:"notification_type"`
	DaysOfRetention  int       `json:"days_of_retention"`
	CreatedAt        string    `json:"created_at"`
	UpdatedAt        *string   `json:"updated_at"`
}

// RetentionResult is the 201 body of POST /service/{id}/data-retention.
type RetentionResult struct {
	Result DataRetentionJSON `json:"result"`
}

func dataRetentionJSON(r *notify.DataRetention) DataRetentionJSON {
	return DataRetentionJSON{ID: r.ID, ServiceID: r.ServiceID, NotificationType: string(r.Type),
		DaysOfRetention: r.Days, CreatedAt: formatTime(r.CreatedAt), UpdatedAt: formatTimePtr(r.UpdatedAt)}
}
