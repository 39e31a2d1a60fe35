package httpapi

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// readBody reads the request body; a body over the limit is errTooLarge and
// a broken one is upstream's invalid-JSON refusal.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		if isMaxBytes(err) {
			return nil, errTooLarge
		}
		return nil, errInvalidJSON
	}
	return b, nil
}

// pathUUID reads the path's id; one that is not a UUID is upstream's 400
// ValidationError "{field} is not a valid UUID".
func pathUUID(r *http.Request, field string) (uuid.UUID, error) {
	id, ok := notify.ParseUUID(r.PathValue("id"))
	if !ok {
		return uuid.Nil, notify.ValidationError("", field+" is not a valid UUID")
	}
	return id, nil
}

// POST /v2/notifications/{type}
func (h *Handler) postNotification(w http.ResponseWriter, r *http.Request, c *notify.Caller) {
	typ := r.PathValue("type")
	info := infoOf(r.Context())
	switch notify.NotificationType(typ) {
	case notify.SMS, notify.Email, notify.Letter:
		info.handler = "post_" + typ + "_notification"
	default:
		info.handler = "post_notification"
		h.writeError(w, r, errURLNotFound)
		return
	}
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
	nt, replayed, err := h.n.SendJSONIdempotent(r.Context(), c, notify.NotificationType(typ), body, key)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	markReplayed(w, replayed)
	writeJSON(w, http.StatusCreated, h.postResponse(r, nt))
}

// GET /v2/notifications/{id}
func (h *Handler) getNotification(w http.ResponseWriter, r *http.Request, c *notify.Caller) {
	id, err := pathUUID(r, "notification_id")
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	nt, err := h.n.Get(r.Context(), c, id)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.notificationJSON(h.urlRoot(r), nt))
}

// GET /v2/notifications
func (h *Handler) getNotifications(w http.ResponseWriter, r *http.Request, c *notify.Caller) {
	q, err := notify.DecodeListQuery(r.URL.Query())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	list, err := h.n.List(r.Context(), c, q)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	root := h.urlRoot(r)
	page := NotificationsPage{Notifications: make([]NotificationJSON, len(list))}
	for i := range list {
		page.Notifications[i] = h.notificationJSON(root, &list[i])
	}
	var last *uuid.UUID
	if len(list) > 0 {
		last = &list[len(list)-1].ID
	}
	page.Links = h.links(r, last)
	writeJSON(w, http.StatusOK, page)
}

// GET /v2/template/{id}
func (h *Handler) getTemplate(w http.ResponseWriter, r *http.Request, c *notify.Caller) {
	id, err := pathUUID(r, "id")
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	t, err := h.n.Template(r.Context(), c, id)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, templateJSON(t))
}

// GET /v2/template/{id}/version/{version}
//
// Upstream's route reads the version as a whole number: any other
// version is an unknown URL, and version 0 fails its request schema
// (a version is at least 1).
func (h *Handler) getTemplateVersion(w http.ResponseWriter, r *http.Request, c *notify.Caller) {
	raw := r.PathValue("version")
	if raw == "" || strings.Trim(raw, "0123456789") != "" {
		h.writeError(w, r, errURLNotFound)
		return
	}
	id, err := pathUUID(r, "id")
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	version, err := strconv.Atoi(raw)
	if err != nil {
		// More digits than an int holds: no template has that version.
		h.writeError(w, r, notify.ErrNoResult)
		return
	}
	if version == 0 {
		h.writeError(w, r, notify.ValidationError("", "version 0 is less than the minimum of 1"))
		return
	}
	t, err := h.n.TemplateVersion(r.Context(), c, id, version)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, templateJSON(t))
}

// GET /v2/templates
func (h *Handler) getTemplates(w http.ResponseWriter, r *http.Request, c *notify.Caller) {
	typ, err := notify.DecodeTemplatesQuery(r.URL.Query())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	list, err := h.n.Templates(r.Context(), c, typ)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	page := TemplatesPage{Templates: make([]TemplateJSON, len(list))}
	for i := range list {
		page.Templates[i] = templateJSON(&list[i])
	}
	writeJSON(w, http.StatusOK, page)
}

// POST /v2/template/{id}/preview
func (h *Handler) postTemplatePreview(w http.ResponseWriter, r *http.Request, c *notify.Caller) {
	body, err := readBody(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	id, values, err := previewRequest(r, body)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	p, err := h.n.PreviewTemplate(r.Context(), c, id, values)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	out := PreviewJSON{ID: p.Template.ID, Type: string(p.Template.Type), Version: p.Template.Version, Body: p.Body}
	if p.Template.Type != notify.SMS {
		html, subject := p.HTML, p.Subject
		out.HTML, out.Subject = &html, &subject
	}
	writeJSON(w, http.StatusOK, out)
}

// GET /v2/received-text-messages
func (h *Handler) getReceivedTexts(w http.ResponseWriter, r *http.Request, c *notify.Caller) {
	olderThan, err := notify.DecodeReceivedTextsQuery(r.URL.Query())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	list, err := h.n.ReceivedTexts(r.Context(), c, olderThan)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	page := ReceivedTextsPage{ReceivedTextMessages: make([]ReceivedTextJSON, len(list))}
	for i, m := range list {
		page.ReceivedTextMessages[i] = ReceivedTextJSON{ID: m.ID, CreatedAt: formatTime(m.CreatedAt),
			ServiceID: m.ServiceID, NotifyNumber: m.NotifyNumber, UserNumber: m.UserNumber, Content: m.Content}
	}
	var last *uuid.UUID
	if len(list) > 0 {
		last = &list[len(list)-1].ID
	}
	page.Links = h.receivedTextsLinks(r, last)
	writeJSON(w, http.StatusOK, page)
}
