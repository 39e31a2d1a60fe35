package httpapi

import (
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// The admin API: upstream's internal /service routes, which its admin app
// calls, mounted when Options.AdminSecret is set (every path answers 404
// otherwise). Requests authenticate with a bearer JWT whose iss is
// notify.AdminClientID ("notify-admin"), HS256-signed with the admin
// secret, iat within 30 seconds (notify.NewAdminToken makes one). Answers
// and errors have upstream's non-v2 shapes: {"data": ...} and
// {"result": "error", "message": "..." or {field: [messages]}}.
//
//	GET  /service                                     list services
//	POST /service                                     create a service (201)
//	GET  /service/{id}                                one service
//	POST /service/{id}                                change a service
//	POST /service/{id}/archive                        archive a service (204)
//	POST /service/{id}/api-key                        create a key (201; the secret, once)
//	GET  /service/{id}/api-keys[/{key_id}]            keys, without secrets
//	POST /service/{id}/api-key/revoke/{key_id}        revoke a key (202)
//	GET  /service/{id}/template                       templates
//	POST /service/{id}/template                       create a template (201)
//	GET  /service/{id}/template/{template_id}         one template
//	POST /service/{id}/template/{template_id}         new version; {"archived": true} archives
//	GET  /service/{id}/guest-list                     guest list
//	PUT  /service/{id}/guest-list                     replace the guest list (204)
//	GET  /service/{id}/team-members                   team members (notify's own route)
//	POST /service/{id}/team-members                   add one (201)
//	POST /service/{id}/team-members/remove            remove one (204)
//	GET  /service/{id}/statistics                     counts: today_only, limit_days
//	GET  /service/{id}/notifications                  notifications, upstream's filters
//	GET  /service/{id}/data-retention                 retention per type
//	POST /service/{id}/data-retention                 set a type's retention (201)
//	POST /service/{id}/data-retention/{retention_id}  change it (204)

// adminRoutes mounts the admin API when it has a secret.
func (h *Handler) adminRoutes() {
	if len(h.opts.AdminSecret) == 0 {
		return
	}
	for _, r := range []struct {
		pattern, name string
		fn            http.HandlerFunc
	}{
		{"GET /service", "get_services", h.adminListServices},
		{"POST /service", "create_service", h.adminCreateService},
		{"GET /service/{service_id}", "get_service_by_id", h.adminGetService},
		{"POST /service/{service_id}", "update_service", h.adminUpdateService},
		{"POST /service/{service_id}/archive", "archive_service", h.adminArchiveService},
		{"POST /service/{service_id}/api-key", "create_api_key", h.adminCreateAPIKey},
		{"GET /service/{service_id}/api-keys", "get_api_keys", h.adminListAPIKeys},
		{"GET /service/{service_id}/api-keys/{key_id}", "get_api_keys", h.adminListAPIKeys},
		{"POST /service/{service_id}/api-key/revoke/{key_id}", "revoke_api_key", h.adminRevokeAPIKey},
		{"GET /service/{service_id}/template", "get_all_templates_for_service", h.adminListTemplates},
		{"POST /service/{service_id}/template", "create_template", h.adminCreateTemplate},
		{"GET /service/{service_id}/template/{template_id}", "get_template_by_id_and_service_id", h.adminGetTemplate},
		{"POST /service/{service_id}/template/{template_id}", "update_template", h.adminUpdateTemplate},
		{"GET /service/{service_id}/guest-list", "get_guest_list", h.adminGetGuestList},
		{"PUT /service/{service_id}/guest-list", "update_guest_list", h.adminPutGuestList},
		{"GET /service/{service_id}/team-members", "get_team_members", h.adminListTeam},
		{"POST /service/{service_id}/team-members", "add_team_member", h.adminAddTeamMember},
		{"POST /service/{service_id}/team-members/remove", "remove_team_member", h.adminRemoveTeamMember},
		{"GET /service/{service_id}/statistics", "get_service_notification_statistics", h.adminStatistics},
		{"GET /service/{service_id}/notifications", "get_all_notifications_for_service", h.adminNotifications},
		{"GET /service/{service_id}/data-retention", "get_data_retention_for_service", h.adminListRetention},
		{"POST /service/{service_id}/data-retention", "create_service_data_retention", h.adminCreateRetention},
		{"POST /service/{service_id}/data-retention/{retention_id}", "modify_service_data_retention", h.adminUpdateRetention},
	} {
		h.adminHandle(r.pattern, r.name, r.fn)
	}
}

// adminHandle registers fn under pattern behind the admin authentication;
// name labels the request in logs and metrics (module "service").
func (h *Handler) adminHandle(pattern, name string, fn http.HandlerFunc) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		info := infoOf(r.Context())
		info.module, info.handler = "service", name
		if err := h.n.AuthenticateAdmin(r.Header.Get("Authorization"), h.opts.AdminSecret); err != nil {
			h.writeError(w, r, err)
			return
		}
		info.serviceID = notify.AdminClientID
		fn(w, r)
	})
}

// pathID reads a UUID path value; one that is not a UUID is upstream's
// 404 (its routes take <uuid:...>).
func (h *Handler) pathID(w http.ResponseWriter, r *http.Request, name string) (uuid.UUID, bool) {
	id, ok := notify.ParseUUID(r.PathValue(name))
	if !ok {
		h.writeError(w, r, errURLNotFound)
	}
	return id, ok
}

// body reads the request body, answering the error itself.
func (h *Handler) body(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := readBody(r)
	if err != nil {
		h.writeError(w, r, err)
		return nil, false
	}
	return b, true
}

// answer writes v with status, or err when it is not nil.
func (h *Handler) answer(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if v == nil {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, status, v)
}

// Data wraps an admin answer: {"data": ...}.
type Data struct {
	Data any `json:"data"`
}

// GET /service
func (h *Handler) adminListServices(w http.ResponseWriter, r *http.Request) {
	list, err := h.n.ListServices(r.Context())
	out := make([]ServiceJSON, len(list))
	for i := range list {
		out[i] = serviceJSON(&list[i])
	}
	h.answer(w, r, http.StatusOK, Data{out}, err)
}

// POST /service
func (h *Handler) adminCreateService(w http.ResponseWriter, r *http.Request) {
	b, ok := h.body(w, r)
	if !ok {
		return
	}
	s, err := notify.DecodeCreateService(b)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	svc, err := h.n.CreateService(r.Context(), s)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, Data{serviceJSON(svc)})
}

// GET /service/{service_id}
func (h *Handler) adminGetService(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r, "service_id")
	if !ok {
		return
	}
	svc, err := h.n.GetService(r.Context(), id)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, Data{serviceJSON(svc)})
}

// POST /service/{service_id}
func (h *Handler) adminUpdateService(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r, "service_id")
	if !ok {
		return
	}
	b, ok := h.body(w, r)
	if !ok {
		return
	}
	u, err := notify.DecodeServiceUpdate(b)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	svc, err := h.n.UpdateService(r.Context(), id, u)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, Data{serviceJSON(svc)})
}

// POST /service/{service_id}/archive
func (h *Handler) adminArchiveService(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r, "service_id")
	if !ok {
		return
	}
	h.answer(w, r, http.StatusNoContent, nil, h.n.ArchiveService(r.Context(), id))
}

// CreatedKey is the 201 body of POST /service/{id}/api-key: data is the
// secret, as upstream answers; key is the whole key string
// {name}-{service_id}-{secret} that clients take. Neither is shown again.
type CreatedKey struct {
	Data string `json:"data"`
	Key  string `json:"key"`
}

// POST /service/{service_id}/api-key
func (h *Handler) adminCreateAPIKey(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r, "service_id")
	if !ok {
		return
	}
	b, ok := h.body(w, r)
	if !ok {
		return
	}
	name, keyType, err := notify.DecodeCreateAPIKey(b)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	k, err := h.n.IssueAPIKey(r.Context(), id, name, keyType)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, CreatedKey{Data: k.Secret, Key: notify.FormatKey(notify.SafeKeyName(k.Name), id, k.Secret)})
}

// GET /service/{service_id}/api-keys[/{key_id}]
func (h *Handler) adminListAPIKeys(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r, "service_id")
	if !ok {
		return
	}
	var keyID *uuid.UUID
	if r.PathValue("key_id") != "" {
		kid, ok := h.pathID(w, r, "key_id")
		if !ok {
			return
		}
		keyID = &kid
	}
	keys, err := h.n.ListAPIKeys(r.Context(), id)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	out := []APIKeyJSON{}
	for i := range keys {
		if keyID == nil || keys[i].ID == *keyID {
			out = append(out, apiKeyJSON(&keys[i]))
		}
	}
	if keyID != nil && len(out) == 0 {
		h.writeError(w, r, &notify.Error{Name: notify.NameNoResultFound, Status: http.StatusNotFound,
			Message: "API key not found for id: " + id.String()})
		return
	}
	writeJSON(w, http.StatusOK, APIKeys{APIKeys: out})
}

// POST /service/{service_id}/api-key/revoke/{key_id}
func (h *Handler) adminRevokeAPIKey(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r, "service_id")
	if !ok {
		return
	}
	keyID, ok := h.pathID(w, r, "key_id")
	if !ok {
		return
	}
	h.answer(w, r, http.StatusAccepted, struct{}{}, h.n.RevokeServiceAPIKey(r.Context(), id, keyID))
}

// GET /service/{service_id}/template
func (h *Handler) adminListTemplates(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r, "service_id")
	if !ok {
		return
	}
	list, err := h.n.ServiceTemplates(r.Context(), id)
	out := make([]AdminTemplateJSON, len(list))
	for i := range list {
		out[i] = adminTemplateJSON(&list[i])
	}
	h.answer(w, r, http.StatusOK, Data{out}, err)
}

// POST /service/{service_id}/template
func (h *Handler) adminCreateTemplate(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r, "service_id")
	if !ok {
		return
	}
	b, ok := h.body(w, r)
	if !ok {
		return
	}
	t, err := notify.DecodeCreateTemplate(id, b)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	created, err := h.n.AddTemplate(r.Context(), t)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, Data{adminTemplateJSON(created)})
}

// GET /service/{service_id}/template/{template_id}
func (h *Handler) adminGetTemplate(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r, "service_id")
	if !ok {
		return
	}
	tid, ok := h.pathID(w, r, "template_id")
	if !ok {
		return
	}
	t, err := h.n.ServiceTemplate(r.Context(), id, tid)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, Data{adminTemplateJSON(t)})
}

// POST /service/{service_id}/template/{template_id}
func (h *Handler) adminUpdateTemplate(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r, "service_id")
	if !ok {
		return
	}
	tid, ok := h.pathID(w, r, "template_id")
	if !ok {
		return
	}
	b, ok := h.body(w, r)
	if !ok {
		return
	}
	u, err := notify.DecodeTemplateUpdate(b)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	t, err := h.n.EditTemplate(r.Context(), id, tid, u)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, Data{adminTemplateJSON(t)})
}

// GET /service/{service_id}/guest-list
func (h *Handler) adminGetGuestList(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r, "service_id")
	if !ok {
		return
	}
	list, err := h.n.GuestList(r.Context(), id)
	h.answer(w, r, http.StatusOK, guestListJSON(list), err)
}

// PUT /service/{service_id}/guest-list
func (h *Handler) adminPutGuestList(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r, "service_id")
	if !ok {
		return
	}
	b, ok := h.body(w, r)
	if !ok {
		return
	}
	recipients, err := notify.DecodeGuestList(b)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.answer(w, r, http.StatusNoContent, nil, h.n.ReplaceGuestList(r.Context(), id, recipients))
}

// GET /service/{service_id}/team-members
func (h *Handler) adminListTeam(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r, "service_id")
	if !ok {
		return
	}
	team, err := h.n.TeamMembers(r.Context(), id)
	out := make([]TeamMemberJSON, len(team))
	for i, m := range team {
		out[i] = TeamMemberJSON{EmailAddress: m.EmailAddress, MobileNumber: m.MobileNumber}
	}
	h.answer(w, r, http.StatusOK, Data{out}, err)
}

// POST /service/{service_id}/team-members
func (h *Handler) adminAddTeamMember(w http.ResponseWriter, r *http.Request) {
	h.teamMember(w, r, func(m notify.TeamMember) (int, any, error) {
		err := h.n.AddServiceTeamMember(r.Context(), m)
		return http.StatusCreated, Data{TeamMemberJSON{EmailAddress: m.EmailAddress, MobileNumber: m.MobileNumber}}, err
	})
}

// POST /service/{service_id}/team-members/remove
func (h *Handler) adminRemoveTeamMember(w http.ResponseWriter, r *http.Request) {
	h.teamMember(w, r, func(m notify.TeamMember) (int, any, error) {
		return http.StatusNoContent, nil, h.n.RemoveTeamMember(r.Context(), m)
	})
}

// teamMember reads a team member from the body and answers what do does
// with it.
func (h *Handler) teamMember(w http.ResponseWriter, r *http.Request, do func(notify.TeamMember) (int, any, error)) {
	id, ok := h.pathID(w, r, "service_id")
	if !ok {
		return
	}
	b, ok := h.body(w, r)
	if !ok {
		return
	}
	m, err := notify.DecodeTeamMember(id, b)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	status, v, err := do(m)
	h.answer(w, r, status, v, err)
}

// GET /service/{service_id}/statistics
func (h *Handler) adminStatistics(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r, "service_id")
	if !ok {
		return
	}
	days := 7
	if v := r.URL.Query().Get("limit_days"); v != "" {
		d, err := strconv.Atoi(v)
		if err != nil || d < 0 {
			h.writeError(w, r, notify.ValidationError("limit_days", notify.MsgNotInteger))
			return
		}
		days = d
	}
	if r.URL.Query().Get("today_only") == "True" {
		days = 0
	}
	st, err := h.n.Statistics(r.Context(), id, days)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, Data{statisticsJSON(st)})
}

// GET /service/{service_id}/notifications
func (h *Handler) adminNotifications(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r, "service_id")
	if !ok {
		return
	}
	q, err := notify.DecodeAdminListQuery(r.URL.Query())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	page, more, err := h.n.ServiceNotifications(r.Context(), id, q)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	out, err := h.adminNotificationsJSON(r, id, page)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	size := q.PageSize
	if size == 0 {
		size = notify.DefaultAdminPageSize
	}
	writeJSON(w, http.StatusOK, AdminNotificationsPage{Notifications: out, PageSize: size,
		Links: pageLinks(r, max(q.Page, 1), more)})
}

// GET /service/{service_id}/data-retention
func (h *Handler) adminListRetention(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r, "service_id")
	if !ok {
		return
	}
	list, err := h.n.DataRetention(r.Context(), id)
	out := make([]DataRetentionJSON, len(list))
	for i := range list {
		out[i] = dataRetentionJSON(&list[i])
	}
	h.answer(w, r, http.StatusOK, out, err)
}

// POST /service/{service_id}/data-retention
func (h *Handler) adminCreateRetention(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r, "service_id")
	if !ok {
		return
	}
	b, ok := h.body(w, r)
	if !ok {
		return
	}
	typ, days, err := notify.DecodeDataRetention(b, true)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	dr, err := h.n.CreateDataRetention(r.Context(), id, typ, days)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, RetentionResult{Result: dataRetentionJSON(dr)})
}

// POST /service/{service_id}/data-retention/{retention_id}
func (h *Handler) adminUpdateRetention(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r, "service_id")
	if !ok {
		return
	}
	rid, ok := h.pathID(w, r, "retention_id")
	if !ok {
		return
	}
	b, ok := h.body(w, r)
	if !ok {
		return
	}
	_, days, err := notify.DecodeDataRetention(b, false)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.answer(w, r, http.StatusNoContent, nil, h.n.UpdateDataRetention(r.Context(), id, rid, days))
}
