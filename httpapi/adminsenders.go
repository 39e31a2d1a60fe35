package httpapi

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// The admin API's routes for SMS senders and email reply-to addresses, on
// upstream's paths and with its answers (bare objects and lists for SMS
// senders; {"data": ...} for reply-to changes), behind the admin
// authentication of admin.go:
//
//	GET  /service/{id}/sms-sender                         live SMS senders, the default first
//	POST /service/{id}/sms-sender                         add one (201)
//	GET  /service/{id}/sms-sender/{sms_sender_id}         one
//	POST /service/{id}/sms-sender/{sms_sender_id}         change its sender and is_default
//	POST /service/{id}/sms-sender/{sms_sender_id}/archive archive it
//	GET  /service/{id}/email-reply-to                     live reply-to addresses, the default first
//	POST /service/{id}/email-reply-to                     add one (201; 409 if in use)
//	GET  /service/{id}/email-reply-to/{reply_to_id}       one
//	POST /service/{id}/email-reply-to/{reply_to_id}       change its address and is_default
//	POST /service/{id}/email-reply-to/{reply_to_id}/archive archive it

// adminSenderRoutes mounts the sender routes when the admin API is on.
func (h *Handler) adminSenderRoutes() {
	if len(h.opts.AdminSecret) == 0 {
		return
	}
	for _, r := range []struct {
		pattern, name string
		fn            adminFunc
	}{
		{"GET /service/{service_id}/sms-sender", "get_service_sms_senders_for_service", h.adminListSMSSenders},
		{"POST /service/{service_id}/sms-sender", "add_service_sms_sender", h.adminAddSMSSender},
		{"GET /service/{service_id}/sms-sender/{sms_sender_id}", "get_service_sms_sender_by_id", h.adminGetSMSSender},
		{"POST /service/{service_id}/sms-sender/{sms_sender_id}", "update_service_sms_sender", h.adminUpdateSMSSender},
		{"POST /service/{service_id}/sms-sender/{sms_sender_id}/archive", "delete_service_sms_sender", h.adminArchiveSMSSender},
		{"GET /service/{service_id}/email-reply-to", "get_email_reply_to_addresses", h.adminListReplyTo},
		{"POST /service/{service_id}/email-reply-to", "add_service_reply_to_email_address", h.adminAddReplyTo},
		{"GET /service/{service_id}/email-reply-to/{reply_to_id}", "get_email_reply_to_address", h.adminGetReplyTo},
		{"POST /service/{service_id}/email-reply-to/{reply_to_id}", "update_service_reply_to_email_address", h.adminUpdateReplyTo},
		{"POST /service/{service_id}/email-reply-to/{reply_to_id}/archive", "delete_service_reply_to_email_address", h.adminArchiveReplyTo},
	} {
		h.adminHandle(r.pattern, r.name, r.fn)
	}
}

// SMSSenderJSON is an SMS sender (upstream's ServiceSmsSender.serialize).
type SMSSenderJSON struct {
	ID              uuid.UUID  `json:"id"`
	SMSSender       string     `json:"sms_sender"`
	ServiceID       uuid.UUID  `json:"service_id"`
	IsDefault       bool       `json:"is_default"`
	Archived        bool       `json:"archived"`
	InboundNumberID *uuid.UUID `json:"inbound_number_id"`
	CreatedAt       string     `json:"created_at"`
	UpdatedAt       *string    `json:"updated_at"`
}

func smsSenderJSON(s *notify.SMSSender) SMSSenderJSON {
	return SMSSenderJSON{ID: s.ID, SMSSender: s.SMSSender, ServiceID: s.ServiceID, IsDefault: s.IsDefault,
		Archived: s.Archived, InboundNumberID: s.InboundNumberID, CreatedAt: formatTime(s.CreatedAt),
		UpdatedAt: formatTimePtr(s.UpdatedAt)}
}

// EmailReplyToJSON is an email reply-to address (upstream's
// ServiceEmailReplyTo.serialize).
type EmailReplyToJSON struct {
	ID           uuid.UUID `json:"id"`
	ServiceID    uuid.UUID `json:"service_id"`
	EmailAddress string    `json:"email_address"`
	IsDefault    bool      `json:"is_default"`
	Archived     bool      `json:"archived"`
	CreatedAt    string    `json:"created_at"`
	UpdatedAt    *string   `json:"updated_at"`
}

func replyToJSON(r *notify.EmailReplyTo) EmailReplyToJSON {
	return EmailReplyToJSON{ID: r.ID, ServiceID: r.ServiceID, EmailAddress: r.EmailAddress, IsDefault: r.IsDefault,
		Archived: r.Archived, CreatedAt: formatTime(r.CreatedAt), UpdatedAt: formatTimePtr(r.UpdatedAt)}
}

// answer is the status and body of a sender read or write, or its error.
func answer[T, U any](status int, v *T, err error, shape func(*T) U, wrap bool) (int, any, error) {
	if err != nil {
		return 0, nil, err
	}
	if wrap {
		return status, Data{shape(v)}, nil
	}
	return status, shape(v), nil
}

// GET /service/{service_id}/sms-sender
func (h *Handler) adminListSMSSenders(a adminRequest) (int, any, error) {
	list, err := h.n.ListSMSSenders(a.r.Context(), a.id("service_id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, mapped(list, smsSenderJSON), nil
}

// POST /service/{service_id}/sms-sender
func (h *Handler) adminAddSMSSender(a adminRequest) (int, any, error) {
	sender, isDefault, err := notify.DecodeSMSSenderRequest(a.body)
	if err != nil {
		return 0, nil, err
	}
	s, err := h.n.AddSMSSender(a.r.Context(), notify.SMSSender{ServiceID: a.id("service_id"), SMSSender: sender, IsDefault: isDefault})
	return answer(http.StatusCreated, s, err, smsSenderJSON, false)
}

// GET /service/{service_id}/sms-sender/{sms_sender_id}
func (h *Handler) adminGetSMSSender(a adminRequest) (int, any, error) {
	s, err := h.n.GetSMSSender(a.r.Context(), a.id("service_id"), a.id("sms_sender_id"))
	return answer(http.StatusOK, s, err, smsSenderJSON, false)
}

// POST /service/{service_id}/sms-sender/{sms_sender_id}
func (h *Handler) adminUpdateSMSSender(a adminRequest) (int, any, error) {
	sender, isDefault, err := notify.DecodeSMSSenderRequest(a.body)
	if err != nil {
		return 0, nil, err
	}
	s, err := h.n.UpdateSMSSender(a.r.Context(), a.id("service_id"), a.id("sms_sender_id"), sender, isDefault)
	return answer(http.StatusOK, s, err, smsSenderJSON, false)
}

// POST /service/{service_id}/sms-sender/{sms_sender_id}/archive
func (h *Handler) adminArchiveSMSSender(a adminRequest) (int, any, error) {
	s, err := h.n.ArchiveSMSSender(a.r.Context(), a.id("service_id"), a.id("sms_sender_id"))
	return answer(http.StatusOK, s, err, smsSenderJSON, true)
}

// GET /service/{service_id}/email-reply-to
func (h *Handler) adminListReplyTo(a adminRequest) (int, any, error) {
	list, err := h.n.ListEmailReplyTo(a.r.Context(), a.id("service_id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, mapped(list, replyToJSON), nil
}

// POST /service/{service_id}/email-reply-to
func (h *Handler) adminAddReplyTo(a adminRequest) (int, any, error) {
	address, isDefault, err := notify.DecodeEmailReplyToRequest(a.body)
	if err != nil {
		return 0, nil, err
	}
	r, err := h.n.AddEmailReplyTo(a.r.Context(), notify.EmailReplyTo{ServiceID: a.id("service_id"), EmailAddress: address, IsDefault: isDefault})
	return answer(http.StatusCreated, r, err, replyToJSON, true)
}

// GET /service/{service_id}/email-reply-to/{reply_to_id}
func (h *Handler) adminGetReplyTo(a adminRequest) (int, any, error) {
	r, err := h.n.GetEmailReplyTo(a.r.Context(), a.id("service_id"), a.id("reply_to_id"))
	return answer(http.StatusOK, r, err, replyToJSON, false)
}

// POST /service/{service_id}/email-reply-to/{reply_to_id}
func (h *Handler) adminUpdateReplyTo(a adminRequest) (int, any, error) {
	address, isDefault, err := notify.DecodeEmailReplyToRequest(a.body)
	if err != nil {
		return 0, nil, err
	}
	r, err := h.n.UpdateEmailReplyTo(a.r.Context(), a.id("service_id"), a.id("reply_to_id"), address, isDefault)
	return answer(http.StatusOK, r, err, replyToJSON, true)
}

// POST /service/{service_id}/email-reply-to/{reply_to_id}/archive
func (h *Handler) adminArchiveReplyTo(a adminRequest) (int, any, error) {
	r, err := h.n.ArchiveEmailReplyTo(a.r.Context(), a.id("service_id"), a.id("reply_to_id"))
	return answer(http.StatusOK, r, err, replyToJSON, true)
}
