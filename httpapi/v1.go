package httpapi

import (
	"net/http"
	"net/url"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// V1SendData is the data of a v1 POST /notifications/{type} answer.
type V1SendData struct {
	Notification    V1ID    `json:"notification"`
	Body            string  `json:"body"`
	TemplateVersion int     `json:"template_version"`
	Subject         *string `json:"subject,omitempty"`
}

// V1ID is {"id": ...}.
type V1ID struct {
	ID uuid.UUID `json:"id"`
}

// V1Template is the template of a v1 notification.
type V1Template struct {
	ID           uuid.UUID `json:"id"`
	Version      int       `json:"version"`
	TemplateType string    `json:"template_type"`
}

// V1Notification is a notification in the v1 GET answers.
type V1Notification struct {
	ID               uuid.UUID      `json:"id"`
	To               string         `json:"to"`
	NotificationType string         `json:"notification_type"`
	Status           string         `json:"status"`
	Reference        *string        `json:"reference"`
	Template         V1Template     `json:"template"`
	TemplateVersion  int            `json:"template_version"`
	Body             string         `json:"body"`
	Subject          *string        `json:"subject"`
	ContentCharCount *int           `json:"content_char_count"`
	Personalisation  map[string]any `json:"personalisation"`
	Service          uuid.UUID      `json:"service"`
	APIKey           uuid.UUID      `json:"api_key"`
	KeyType          string         `json:"key_type"`
	Job              *uuid.UUID     `json:"job"`
	JobRowNumber     *int           `json:"job_row_number"`
	SentBy           *string        `json:"sent_by"`
	CreatedAt        string         `json:"created_at"`
	SentAt           *string        `json:"sent_at"`
	UpdatedAt        *string        `json:"updated_at"`
}

// V1NotificationsPage is the body of v1 GET /notifications.
type V1NotificationsPage struct {
	Notifications []V1Notification `json:"notifications"`
	PageSize      int              `json:"page_size"`
	Total         int              `json:"total"`
	Links         Links            `json:"links"`
}

func v1Notification(nt *notify.Notification) V1Notification {
	out := V1Notification{
		ID: nt.ID, To: nt.To, NotificationType: string(nt.Type), Status: string(nt.Status),
		Reference:       nt.ClientReference,
		Template:        V1Template{ID: nt.TemplateID, Version: nt.TemplateVersion, TemplateType: string(nt.Type)},
		TemplateVersion: nt.TemplateVersion, Body: nt.Body,
		Personalisation: nt.Personalisation,
		Service:         nt.ServiceID, APIKey: nt.APIKeyID, KeyType: string(nt.KeyType),
		Job: nt.JobID, JobRowNumber: nt.JobRowNumber,
		CreatedAt: formatTime(nt.CreatedAt), SentAt: formatTimePtr(nt.SentAt), UpdatedAt: formatTimePtr(nt.UpdatedAt),
	}
	if out.Personalisation == nil {
		out.Personalisation = map[string]any{}
	}
	if nt.SentBy != "" {
		s := nt.SentBy
		out.SentBy = &s
	}
	if nt.Type == notify.SMS {
		n := notify.SMSCharacterCount(nt.Body)
		out.ContentCharCount = &n
	} else {
		s := nt.Subject
		out.Subject = &s
	}
	return out
}

// POST /notifications/{type}, with an optional Idempotency-Key as the v2
// send routes take it.
func (h *Handler) postNotificationV1(w http.ResponseWriter, r *http.Request, c *notify.Caller) {
	body, err := readBody(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	key, err := idempotencyKey(r) // idempotency.go
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	nt, replayed, err := h.n.SendV1Idempotent(r.Context(), c, notify.NotificationType(r.PathValue("type")), body, key)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	markReplayed(w, replayed)
	data := V1SendData{Notification: V1ID{ID: nt.ID}, Body: nt.Body, TemplateVersion: nt.TemplateVersion}
	if nt.Type == notify.Email {
		s := nt.Subject
		data.Subject = &s
	}
	writeJSON(w, http.StatusCreated, map[string]any{"data": data})
}

// GET /notifications/{id}: an id that is not a UUID does not match the
// route (upstream's URL converter), so it is the app-level 404.
func (h *Handler) getNotificationV1(w http.ResponseWriter, r *http.Request, c *notify.Caller) {
	id, ok := notify.ParseUUID(r.PathValue("id"))
	if !ok {
		h.writeError(w, r, errURLNotFound)
		return
	}
	nt, err := h.n.Get(r.Context(), c, id)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"notification": v1Notification(nt)}})
}

// v1ListParams are the query parameters v1 GET /notifications reads;
// others (page, page_size...) are ignored.
var v1ListParams = []string{"template_type", "status", "reference", "older_than", "include_jobs"}

// GET /notifications
func (h *Handler) getNotificationsV1(w http.ResponseWriter, r *http.Request, c *notify.Caller) {
	all := r.URL.Query()
	q := url.Values{}
	for _, k := range v1ListParams {
		if v, ok := all[k]; ok {
			q[k] = v
		}
	}
	lq, err := notify.DecodeListQuery(q)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	list, err := h.n.List(r.Context(), c, lq)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	page := V1NotificationsPage{Notifications: make([]V1Notification, len(list)), Total: len(list),
		PageSize: h.n.PageSize()}
	for i := range list {
		page.Notifications[i] = v1Notification(&list[i])
	}
	var last *uuid.UUID
	if len(list) > 0 {
		last = &list[len(list)-1].ID
	}
	page.Links = h.links(r, last)
	writeJSON(w, http.StatusOK, page)
}
