package httpapi

// Provider webhooks: delivery receipts and inbound text messages, mounted
// from Options.Webhooks. Each notify.Webhook brings its route, its
// authentication and its parser; this file authenticates the request,
// answers errors in upstream's v1 shape, applies the receipts with
// Notifier.ApplyReceipt, stores inbound messages with Notifier.ReceiveSMS
// and answers. Metrics use the module name "receipts" and the webhook's
// name.
//
// Authentication: a webhook without credentials answers 404, as if it did
// not exist, so that nobody can move a notification's status on a
// deployment that did not ask for it. With credentials, a request without
// any gets 401 and one with wrong ones 403.
//
// Answers: 200 when the receipts were applied, and also when one was
// ignored because the notification's status is already final (a provider
// must not retry it); 400 with upstream's messages for malformed
// callbacks; 404 when no notification matches (the id or the provider
// reference), or the one that does was sent by another provider; 503
// when it is not recorded as sent yet and 500 when the store fails, so
// that the provider retries.

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// webhookRoutes mounts the webhooks of Options.Webhooks. A webhook whose
// route is incomplete, or overlaps a route already mounted, is a
// programming error: New panics, as http.ServeMux does for conflicting
// patterns, rather than serve a deployment that silently lost a route.
func (h *Handler) webhookRoutes() {
	for _, p := range h.opts.Webhooks {
		for _, wh := range p.Webhooks() {
			if wh.Method == "" || wh.Path == "" || wh.Parse == nil {
				panic(fmt.Sprintf("httpapi: webhook %q of %q needs Method, Path and Parse", wh.Name, wh.Provider))
			}
			pattern := wh.Method + " " + wh.Path
			if other := h.routeFor(wh.Method, wh.Path); other != "" {
				panic(fmt.Sprintf("httpapi: webhook %q of %q overlaps the route %q", pattern, wh.Provider, other))
			}
			h.handle(pattern, "receipts", wh.Name, false, func(w http.ResponseWriter, r *http.Request, _ *notify.Caller) {
				h.serveWebhook(w, r, wh)
			})
		}
	}
}

// wildcard is a path wildcard of a ServeMux pattern.
var wildcard = regexp.MustCompile(`\{[^}]*\}`)

// routeFor is the pattern already mounted that a request for path would
// reach (wildcards taken as a segment of their own), "" when none.
func (h *Handler) routeFor(method, path string) string {
	r := &http.Request{Method: method, Header: http.Header{},
		URL: &url.URL{Path: wildcard.ReplaceAllString(path, "x")}}
	_, pattern := h.mux.Handler(r)
	return pattern
}

// serveWebhook authenticates, parses and acts on one webhook request.
func (h *Handler) serveWebhook(w http.ResponseWriter, r *http.Request, wh notify.Webhook) {
	if !h.authenticate(w, r, wh) {
		return
	}
	log := h.log.With(slog.String("provider", wh.Provider), slog.String("request_id", infoOf(r.Context()).id))
	res, err := wh.Parse(r, log)
	if err != nil {
		h.webhookError(w, r, err)
		return
	}
	for i, rc := range res.Receipts {
		if i < len(res.Receipts)-1 {
			// Several receipts in one request: answer for the last only.
			if err := h.n.ApplyReceipt(r.Context(), rc); err != nil && !errors.Is(err, notify.ErrNotFound) {
				h.writeError(w, r, err)
				return
			}
			continue
		}
		if !h.apply(w, r, rc) {
			return
		}
	}
	if res.Inbound != nil {
		m := *res.Inbound
		if m.Provider == "" {
			m.Provider = wh.Provider
		}
		if !h.receive(w, r, m) {
			return
		}
	}
	for _, c := range res.Complaints {
		if c.Provider == "" {
			c.Provider = wh.Provider
		}
		if !h.complain(w, r, c) {
			return
		}
	}
	switch reply := res.Reply.(type) {
	case nil:
		body := map[string]string{"result": "success"}
		if res.Message != "" {
			body["message"] = res.Message
		}
		writeJSON(w, http.StatusOK, body)
	case string:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, reply)
	default:
		writeJSON(w, http.StatusOK, reply)
	}
}

// authenticate checks the credentials of a webhook request. It writes the
// refusal and returns false when the request may not go on.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request, wh notify.Webhook) bool {
	if wh.Verify != nil {
		err := wh.Verify(r, h.publicURL(r))
		switch {
		case err == nil:
			return true
		case errors.Is(err, notify.ErrWebhookUnauthorized):
			h.refuse(w, r, wh.Provider, notify.ErrWebhookUnauthorized)
		case errors.Is(err, notify.ErrWebhookForbidden):
			h.refuse(w, r, wh.Provider, notify.ErrWebhookForbidden)
		default:
			h.webhookError(w, r, err)
		}
		return false
	}
	a := wh.Auth
	if a.IsZero() {
		h.writeError(w, r, errURLNotFound)
		return false
	}
	if user, pass, ok := r.BasicAuth(); ok && a.Username != "" {
		if secretEqual(user, a.Username) && secretEqual(pass, a.Password) {
			return true
		}
		h.refuse(w, r, wh.Provider, notify.ErrWebhookForbidden)
		return false
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && a.Token != "" {
		if secretEqual(strings.TrimSpace(tok), a.Token) {
			return true
		}
		h.refuse(w, r, wh.Provider, notify.ErrWebhookForbidden)
		return false
	}
	if r.Header.Get("Authorization") != "" {
		h.refuse(w, r, wh.Provider, notify.ErrWebhookForbidden)
		return false
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="notify receipts"`)
	h.refuse(w, r, wh.Provider, notify.ErrWebhookUnauthorized)
	return false
}

func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, provider string, err *notify.Error) {
	h.log.WarnContext(r.Context(), "receipt refused: bad credentials", slog.String("provider", provider),
		slog.String("request_id", infoOf(r.Context()).id), slog.Int("status", err.Status))
	h.writeError(w, r, err)
}

func secretEqual(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// webhookError answers the error of a webhook's parser: a malformed
// request is 400 {"result": "error", "message": ...} (a list when fields
// are missing), a body over the limit 413, anything else as writeError
// does.
func (h *Handler) webhookError(w http.ResponseWriter, r *http.Request, err error) {
	var bad *notify.WebhookError
	switch {
	case errors.As(err, &bad):
		var msg any = bad.Message
		if len(bad.Missing) > 0 {
			msg = bad.Messages()
		}
		writeJSON(w, http.StatusBadRequest, V1ErrorBody{Result: "error", Message: msg})
	case isMaxBytes(err):
		h.writeError(w, r, errTooLarge)
	default:
		h.writeError(w, r, err)
	}
}

// errReceiptTooEarly answers a receipt about a notification not yet
// recorded as sent: 503, so that the provider sends it again.
var errReceiptTooEarly = &notify.Error{Name: "ServiceUnavailable", Status: http.StatusServiceUnavailable,
	Message: "The notification is not recorded as sent yet: send the receipt again later"}

// apply applies a receipt. It answers 404 when no notification of the
// receipt's provider matches, 503 when the notification is not recorded
// as sent yet and 500 on a store failure, and returns false then; on
// success it only logs, and the caller answers.
func (h *Handler) apply(w http.ResponseWriter, r *http.Request, rc notify.Receipt) bool {
	log := h.log.With(slog.String("provider", rc.Provider), slog.String("request_id", infoOf(r.Context()).id),
		slog.String("provider_status", rc.ProviderStatus), slog.String("status", string(rc.Status)))
	if rc.NotificationID != uuid.Nil {
		log = log.With(slog.String("notification_id", rc.NotificationID.String()))
	} else {
		log = log.With(slog.String("reference", rc.ProviderReference))
	}
	err := h.n.ApplyReceipt(r.Context(), rc)
	switch {
	case errors.Is(err, notify.ErrNotSentYet):
		log.InfoContext(r.Context(), "receipt before the send was recorded: the provider is asked to send it again")
		w.Header().Set("Retry-After", "5")
		h.writeError(w, r, errReceiptTooEarly)
		return false
	case errors.Is(err, notify.ErrNotFound):
		log.WarnContext(r.Context(), "receipt for an unknown notification")
		h.writeError(w, r, notify.ErrNoResult)
		return false
	case err != nil:
		h.writeError(w, r, err)
		return false
	}
	log.InfoContext(r.Context(), "receipt processed")
	return true
}

// publicURL is the URL the provider called, for signatures: the API's
// root (Options.BaseURL) and the request URI below it.
func (h *Handler) publicURL(r *http.Request) string {
	return strings.TrimSuffix(h.urlRoot(r), "/") + r.URL.RequestURI()
}

func (h *Handler) incr(name string) {
	if h.opts.Stats != nil {
		h.opts.Stats.Incr(name)
	}
}

// receive stores an inbound message, its numbers normalised, for the
// service of Options.InboundNumbers or, failing that, of the Store's
// inbound numbers. A message to a number no service owns is logged,
// counted as failed and dropped (the provider gets its success answer:
// the mapping is our problem and it must not retry). On a store failure
// it answers 500 (the provider retries) and returns false.
func (h *Handler) receive(w http.ResponseWriter, r *http.Request, m notify.InboundSMS) bool {
	number := m.NotifyNumber
	m.NotifyNumber = normaliseNumber(number)
	m.ServiceID = h.inbound[m.NotifyNumber] // uuid.Nil: the Notifier looks it up
	saved, err := h.n.ReceiveInboundSMS(r.Context(), m)
	if errors.Is(err, notify.ErrUnknownInboundNumber) {
		h.log.ErrorContext(r.Context(), "inbound number not associated with a service",
			slog.String("provider", m.Provider), slog.String("number", m.NotifyNumber))
		h.incr("inbound." + m.Provider + ".failed")
		return true
	}
	if err != nil {
		h.incr("inbound." + m.Provider + ".failed")
		h.writeError(w, r, err)
		return false
	}
	h.incr("inbound." + m.Provider + ".successful")
	h.log.InfoContext(r.Context(), "inbound SMS received", slog.String("provider", m.Provider),
		slog.String("service_id", saved.ServiceID.String()), slog.String("inbound_sms_id", saved.ID.String()))
	return true
}

// complain records a complaint. One about a notification nobody knows is
// answered 404, as receipts are; a Store that keeps no complaints has the
// complaint logged and acknowledged. On any other failure it answers 500
// (the provider retries; a complaint recorded already is not recorded
// twice) and returns false.
func (h *Handler) complain(w http.ResponseWriter, r *http.Request, c notify.ComplaintReport) bool {
	_, err := h.n.ReceiveComplaint(r.Context(), c)
	switch {
	case err == nil:
		return true
	case errors.Is(err, notify.ErrUnsupported):
		h.log.WarnContext(r.Context(), "complaint dropped: the store keeps no complaints", slog.String("provider", c.Provider))
		return true
	case errors.Is(err, notify.ErrNotFound):
		h.writeError(w, r, notify.ErrNoResult)
		return false
	default:
		h.writeError(w, r, err)
		return false
	}
}

// normaliseNumber is a phone number in E.164 without "+" when it parses,
// else its digits (short codes such as 40604).
func normaliseNumber(s string) string {
	if p, err := notify.ParsePhoneNumber(s); err == nil {
		return p.Normalised
	}
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// inboundNumbers normalises the keys of Options.InboundNumbers.
func inboundNumbers(in map[string]uuid.UUID) map[string]uuid.UUID {
	out := make(map[string]uuid.UUID, len(in))
	for k, v := range in {
		out[normaliseNumber(k)] = v
	}
	return out
}
