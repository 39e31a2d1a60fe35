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
		fn            adminFunc
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

// adminRequest is what an admin route gets: the request, its path ids
// (already UUIDs) and its body.
type adminRequest struct {
	r    *http.Request
	ids  map[string]uuid.UUID
	body []byte
}

// id returns the path id name.
func (a adminRequest) id(name string) uuid.UUID { return a.ids[name] }

// adminFunc serves an admin route: the status and body of the answer (a
// nil body writes none), or a refusal.
type adminFunc func(a adminRequest) (int, any, error)

// adminHandle registers fn under pattern behind the admin authentication;
// name labels the request in logs and metrics (module "service"). Path
// ids that are not UUIDs are upstream's 404 (its routes take
// <uuid:...>); the body is read for every method but GET.
func (h *Handler) adminHandle(pattern, name string, fn adminFunc) {
	names := wildcard.FindAllString(pattern, -1) // receipts.go
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		info := infoOf(r.Context())
		info.module, info.handler = "service", name
		if err := h.n.AuthenticateAdmin(r.Header.Get("Authorization"), h.opts.AdminSecret); err != nil {
			h.writeError(w, r, err)
			return
		}
		info.serviceID = notify.AdminClientID
		a := adminRequest{r: r, ids: map[string]uuid.UUID{}}
		for _, m := range names {
			name := m[1 : len(m)-1]
			id, ok := notify.ParseUUID(r.PathValue(name))
			if !ok {
				h.writeError(w, r, errURLNotFound)
				return
			}
			a.ids[name] = id
		}
		if r.Method != http.MethodGet {
			b, err := readBody(r)
			if err != nil {
				h.writeError(w, r, err)
				return
			}
			a.body = b
		}
		status, v, err := fn(a)
		switch {
		case err != nil:
			h.writeError(w, r, err)
		case v == nil:
			w.WriteHeader(status)
		default:
			writeJSON(w, status, v)
		}
	})
}

// Data wraps an admin answer: {"data": ...}.
type Data struct {
	Data any `json:"data"`
}

// mapped applies f to each of list.
func mapped[T, U any](list []T, f func(*T) U) []U {
	out := make([]U, len(list))
	for i := range list {
		out[i] = f(&list[i])
	}
	return out
}

// GET /service
func (h *Handler) adminListServices(a adminRequest) (int, any, error) {
	list, err := h.n.ListServices(a.r.Context())
	return http.StatusOK, Data{mapped(list, serviceJSON)}, err
}

// POST /service
func (h *Handler) adminCreateService(a adminRequest) (int, any, error) {
	s, err := notify.DecodeCreateService(a.body)
	if err != nil {
		return 0, nil, err
	}
	svc, err := h.n.CreateService(a.r.Context(), s)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, Data{serviceJSON(svc)}, nil
}

// GET /service/{service_id}
func (h *Handler) adminGetService(a adminRequest) (int, any, error) {
	svc, err := h.n.GetService(a.r.Context(), a.id("service_id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, Data{serviceJSON(svc)}, nil
}

// POST /service/{service_id}
func (h *Handler) adminUpdateService(a adminRequest) (int, any, error) {
	u, err := notify.DecodeServiceUpdate(a.body)
	if err != nil {
		return 0, nil, err
	}
	svc, err := h.n.UpdateService(a.r.Context(), a.id("service_id"), u)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, Data{serviceJSON(svc)}, nil
}

// POST /service/{service_id}/archive
func (h *Handler) adminArchiveService(a adminRequest) (int, any, error) {
	return http.StatusNoContent, nil, h.n.ArchiveService(a.r.Context(), a.id("service_id"))
}

// CreatedKey is the 201 body of POST /service/{id}/api-key: data is the
// secret, as upstream answers; key is the whole key string
// {name}-{service_id}-{secret} that clients take. Neither is shown again.
type CreatedKey struct {
	Data string `json:"data"`
	Key  string `json:"key"`
}

// POST /service/{service_id}/api-key
func (h *Handler) adminCreateAPIKey(a adminRequest) (int, any, error) {
	name, keyType, err := notify.DecodeCreateAPIKey(a.body)
	if err != nil {
		return 0, nil, err
	}
	id := a.id("service_id")
	k, err := h.n.IssueAPIKey(a.r.Context(), id, name, keyType)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, CreatedKey{Data: k.Secret, Key: notify.FormatKey(notify.SafeKeyName(k.Name), id, k.Secret)}, nil
}

// GET /service/{service_id}/api-keys[/{key_id}]
func (h *Handler) adminListAPIKeys(a adminRequest) (int, any, error) {
	id := a.id("service_id")
	keys, err := h.n.ListAPIKeys(a.r.Context(), id)
	if err != nil {
		return 0, nil, err
	}
	keyID, one := a.ids["key_id"]
	out := []APIKeyJSON{}
	for i := range keys {
		if !one || keys[i].ID == keyID {
			out = append(out, apiKeyJSON(&keys[i]))
		}
	}
	if one && len(out) == 0 {
		return 0, nil, &notify.Error{Name: notify.NameNoResultFound, Status: http.StatusNotFound,
			Message: "API key not found for id: " + id.String()}
	}
	return http.StatusOK, APIKeys{APIKeys: out}, nil
}

// POST /service/{service_id}/api-key/revoke/{key_id}
func (h *Handler) adminRevokeAPIKey(a adminRequest) (int, any, error) {
	return http.StatusAccepted, struct{}{}, h.n.RevokeServiceAPIKey(a.r.Context(), a.id("service_id"), a.id("key_id"))
}

// GET /service/{service_id}/template
func (h *Handler) adminListTemplates(a adminRequest) (int, any, error) {
	list, err := h.n.ServiceTemplates(a.r.Context(), a.id("service_id"))
	return http.StatusOK, Data{mapped(list, adminTemplateJSON)}, err
}

// templateAnswer shapes a template, or passes err on.
func templateAnswer(status int, t *notify.Template, err error) (int, any, error) {
	if err != nil {
		return 0, nil, err
	}
	return status, Data{adminTemplateJSON(t)}, nil
}

// POST /service/{service_id}/template
func (h *Handler) adminCreateTemplate(a adminRequest) (int, any, error) {
	t, err := notify.DecodeCreateTemplate(a.id("service_id"), a.body)
	if err != nil {
		return 0, nil, err
	}
	created, err := h.n.AddTemplate(a.r.Context(), t)
	return templateAnswer(http.StatusCreated, created, err)
}

// GET /service/{service_id}/template/{template_id}
func (h *Handler) adminGetTemplate(a adminRequest) (int, any, error) {
	t, err := h.n.ServiceTemplate(a.r.Context(), a.id("service_id"), a.id("template_id"))
	return templateAnswer(http.StatusOK, t, err)
}

// POST /service/{service_id}/template/{template_id}
func (h *Handler) adminUpdateTemplate(a adminRequest) (int, any, error) {
	u, err := notify.DecodeTemplateUpdate(a.body)
	if err != nil {
		return 0, nil, err
	}
	t, err := h.n.EditTemplate(a.r.Context(), a.id("service_id"), a.id("template_id"), u)
	return templateAnswer(http.StatusOK, t, err)
}

// GET /service/{service_id}/guest-list
func (h *Handler) adminGetGuestList(a adminRequest) (int, any, error) {
	list, err := h.n.GuestList(a.r.Context(), a.id("service_id"))
	return http.StatusOK, guestListJSON(list), err
}

// PUT /service/{service_id}/guest-list
func (h *Handler) adminPutGuestList(a adminRequest) (int, any, error) {
	recipients, err := notify.DecodeGuestList(a.body)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, h.n.ReplaceGuestList(a.r.Context(), a.id("service_id"), recipients)
}

func teamMemberJSON(m *notify.TeamMember) TeamMemberJSON {
	return TeamMemberJSON{EmailAddress: m.EmailAddress, MobileNumber: m.MobileNumber}
}

// GET /service/{service_id}/team-members
func (h *Handler) adminListTeam(a adminRequest) (int, any, error) {
	team, err := h.n.TeamMembers(a.r.Context(), a.id("service_id"))
	return http.StatusOK, Data{mapped(team, teamMemberJSON)}, err
}

// POST /service/{service_id}/team-members
func (h *Handler) adminAddTeamMember(a adminRequest) (int, any, error) {
	m, err := notify.DecodeTeamMember(a.id("service_id"), a.body)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, Data{teamMemberJSON(&m)}, h.n.AddServiceTeamMember(a.r.Context(), m)
}

// POST /service/{service_id}/team-members/remove
func (h *Handler) adminRemoveTeamMember(a adminRequest) (int, any, error) {
	m, err := notify.DecodeTeamMember(a.id("service_id"), a.body)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, h.n.RemoveTeamMember(a.r.Context(), m)
}

// GET /service/{service_id}/statistics
func (h *Handler) adminStatistics(a adminRequest) (int, any, error) {
	q := a.r.URL.Query()
	days := 7
	if v := q.Get("limit_days"); v != "" {
		d, err := strconv.Atoi(v)
		if err != nil || d < 0 {
			return 0, nil, notify.ValidationError("limit_days", notify.MsgNotInteger)
		}
		days = d
	}
	if q.Get("today_only") == "True" {
		days = 0
	}
	st, err := h.n.Statistics(a.r.Context(), a.id("service_id"), days)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, Data{statisticsJSON(st)}, nil
}

// GET /service/{service_id}/notifications
func (h *Handler) adminNotifications(a adminRequest) (int, any, error) {
	q, err := notify.DecodeAdminListQuery(a.r.URL.Query())
	if err != nil {
		return 0, nil, err
	}
	id := a.id("service_id")
	page, more, err := h.n.ServiceNotifications(a.r.Context(), id, q)
	if err != nil {
		return 0, nil, err
	}
	out, err := h.adminNotificationsJSON(a.r, id, page)
	if err != nil {
		return 0, nil, err
	}
	size := q.PageSize
	if size == 0 {
		size = notify.DefaultAdminPageSize
	}
	return http.StatusOK, AdminNotificationsPage{Notifications: out, PageSize: size,
		Links: pageLinks(a.r, max(q.Page, 1), more)}, nil
}

// GET /service/{service_id}/data-retention
func (h *Handler) adminListRetention(a adminRequest) (int, any, error) {
	list, err := h.n.DataRetention(a.r.Context(), a.id("service_id"))
	return http.StatusOK, mapped(list, dataRetentionJSON), err
}

// POST /service/{service_id}/data-retention
func (h *Handler) adminCreateRetention(a adminRequest) (int, any, error) {
	typ, days, err := notify.DecodeDataRetention(a.body, true)
	if err != nil {
		return 0, nil, err
	}
	dr, err := h.n.CreateDataRetention(a.r.Context(), a.id("service_id"), typ, days)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, RetentionResult{Result: dataRetentionJSON(dr)}, nil
}

// POST /service/{service_id}/data-retention/{retention_id}
func (h *Handler) adminUpdateRetention(a adminRequest) (int, any, error) {
	_, days, err := notify.DecodeDataRetention(a.body, false)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, h.n.UpdateDataRetention(a.r.Context(), a.id("service_id"), a.id("retention_id"), days)
}
