package httpapi

// Provider webhooks (SPEC B7.2–B7.4, B10): delivery receipts from MMG,
// Firetext, SES (through SNS) and Twilio, and inbound text messages from
// MMG and Firetext. Each endpoint authenticates the provider, decodes its
// format, maps it with the provider's package (internal/smsreceipt,
// provider/ses, provider/twilio) and calls Notifier.ApplyReceipt or
// Notifier.ReceiveSMS. Metrics use the module name "receipts".
//
// Authentication: an endpoint whose provider has no entry in
// Options.Receipts answers 404, as if it did not exist, so that nobody can
// move a notification's status on a deployment that did not ask for it.
// With an entry, a request without credentials gets 401 and one with
// wrong credentials 403.
//
// Answers: 200 when the receipt was applied, and also when it was ignored
// because the notification's status is already final (a provider must not
// retry it); 400 with upstream's messages for malformed callbacks; 404 when
// no notification matches (the id or the provider reference); 500 when the
// store fails, so that the provider retries.

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/internal/smsreceipt"
	"github.com/notifykit/notify/provider/ses"
	"github.com/notifykit/notify/provider/twilio"
)

// Provider keys of Options.Receipts.
const (
	ReceiptMMG      = "mmg"
	ReceiptFiretext = "firetext"
	ReceiptSES      = "ses"
	ReceiptTwilio   = "twilio"
)

// ReceiptAuth is how one provider authenticates its webhooks. For MMG,
// Firetext and SES, a request is accepted with HTTP basic auth matching
// Username and Password (SNS sends it when the subscription URL is
// https://user:password@host/...), or with "Authorization: Bearer <Token>".
// For Twilio, Token is the account's auth token and the request must carry
// a valid X-Twilio-Signature.
type ReceiptAuth struct {
	Username string
	Password string
	Token    string
}

func (a ReceiptAuth) configured() bool { return a.Username != "" || a.Token != "" }

// Errors of the webhooks.
var (
	errReceiptUnauthorized = &notify.Error{Name: notify.NameAuth, Status: http.StatusUnauthorized,
		Message: "Unauthorized: provider credentials are required"}
	errReceiptForbidden = &notify.Error{Name: notify.NameAuth, Status: http.StatusForbidden,
		Message: "Forbidden: invalid provider credentials"}
)

func (h *Handler) receiptRoutes() {
	h.handle("POST /notifications/sms/mmg", "receipts", "process_mmg_response", false, h.mmgReceipt)
	h.handle("POST /notifications/sms/firetext", "receipts", "process_firetext_response", false, h.firetextReceipt)
	h.handle("POST /notifications/email/ses", "receipts", "sns_callback_handler", false, h.sesReceipt)
	h.handle("POST /notifications/sms/twilio/{notification_id}", "receipts", "process_twilio_response", false, h.twilioReceipt)
	h.handle("POST /notifications/sms/receive/mmg", "receipts", "receive_mmg_sms", false, h.mmgInbound)
	h.handle("POST /notifications/sms/receive/firetext", "receipts", "receive_firetext_sms", false, h.firetextInbound)
}

// authenticate checks the shared-secret credentials of provider. It
// writes the refusal and returns false when the request may not go on.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request, provider string) bool {
	a, ok := h.opts.Receipts[provider]
	if !ok || !a.configured() {
		h.writeError(w, r, errURLNotFound)
		return false
	}
	if user, pass, ok := r.BasicAuth(); ok && a.Username != "" {
		if secretEqual(user, a.Username) && secretEqual(pass, a.Password) {
			return true
		}
		h.refuse(w, r, provider, errReceiptForbidden)
		return false
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && a.Token != "" {
		if secretEqual(strings.TrimSpace(tok), a.Token) {
			return true
		}
		h.refuse(w, r, provider, errReceiptForbidden)
		return false
	}
	if r.Header.Get("Authorization") != "" {
		h.refuse(w, r, provider, errReceiptForbidden)
		return false
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="notify receipts"`)
	h.refuse(w, r, provider, errReceiptUnauthorized)
	return false
}

func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, provider string, err *notify.Error) {
	h.log.WarnContext(r.Context(), "receipt refused: bad credentials", slog.String("provider", provider),
		slog.String("request_id", infoOf(r.Context()).id), slog.Int("status", err.Status))
	h.writeError(w, r, err)
}

func secretEqual(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// callbackFailed answers upstream's 400 for missing fields:
// {"result": "error", "message": ["MMG callback failed: status missing"]}.
func callbackFailed(w http.ResponseWriter, client string, missing []string) {
	msgs := make([]string, len(missing))
	for i, f := range missing {
		msgs[i] = client + " callback failed: " + f + " missing"
	}
	writeJSON(w, http.StatusBadRequest, V1ErrorBody{Result: "error", Message: msgs})
}

// badRequest answers {"result": "error", "message": msg} with 400.
func badRequest(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusBadRequest, V1ErrorBody{Result: "error", Message: msg})
}

// apply applies a receipt and answers: 200 {"result": "success"} (plus
// message when given), 404 when no notification matches, 500 on a store
// failure.
func (h *Handler) apply(w http.ResponseWriter, r *http.Request, rc notify.Receipt, message string) bool {
	log := h.log.With(slog.String("provider", rc.Provider), slog.String("request_id", infoOf(r.Context()).id),
		slog.String("provider_status", rc.ProviderStatus), slog.String("status", string(rc.Status)))
	if rc.NotificationID != uuid.Nil {
		log = log.With(slog.String("notification_id", rc.NotificationID.String()))
	} else {
		log = log.With(slog.String("reference", rc.ProviderReference))
	}
	err := h.n.ApplyReceipt(r.Context(), rc)
	switch {
	case errors.Is(err, notify.ErrNotFound):
		log.WarnContext(r.Context(), "receipt for an unknown notification")
		h.writeError(w, r, notify.ErrNoResult)
		return false
	case err != nil:
		h.writeError(w, r, err)
		return false
	}
	log.InfoContext(r.Context(), "receipt processed")
	if message == "" {
		writeJSON(w, http.StatusOK, map[string]string{"result": "success"})
	} else {
		writeJSON(w, http.StatusOK, map[string]string{"result": "success", "message": message})
	}
	return true
}

// jsonField returns a JSON value as upstream's str(value) would, "" for
// a missing or null one.
func jsonField(data map[string]any, key string) string {
	switch v := data[key].(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "True"
		}
		return "False"
	default:
		raw, _ := json.Marshal(v)
		return string(raw)
	}
}

// readJSON decodes a JSON object body, numbers kept as written.
func readJSON(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		if isMaxBytes(err) {
			writeJSON(w, http.StatusRequestEntityTooLarge, V1Error(errTooLarge))
			return nil, false
		}
		badRequest(w, notify.MsgInvalidJSON)
		return nil, false
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var data map[string]any
	if err := dec.Decode(&data); err != nil || data == nil {
		badRequest(w, notify.MsgInvalidJSON)
		return nil, false
	}
	return data, true
}

// readForm parses a form body (or query).
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if err := r.ParseForm(); err != nil {
		if isMaxBytes(err) {
			writeJSON(w, http.StatusRequestEntityTooLarge, V1Error(errTooLarge))
			return nil, false
		}
		badRequest(w, "Invalid form data supplied in POST data")
		return nil, false
	}
	return r.Form, true
}

// missing lists the fields of fields that are empty.
func missing(get func(string) string, fields ...string) []string {
	var out []string
	for _, f := range fields {
		if get(f) == "" {
			out = append(out, f)
		}
	}
	return out
}

// mmgReceipt is POST /notifications/sms/mmg (SPEC B7.2): JSON with status
// and CID (our notification id).
func (h *Handler) mmgReceipt(w http.ResponseWriter, r *http.Request, _ *notify.Caller) {
	if !h.authenticate(w, r, ReceiptMMG) {
		return
	}
	data, ok := readJSON(w, r)
	if !ok {
		return
	}
	get := func(k string) string { return jsonField(data, k) }
	if m := missing(get, "status", "CID"); len(m) > 0 {
		callbackFailed(w, "MMG", m)
		return
	}
	rc, err := smsreceipt.MMGReceipt(get("status"), get("CID"), get("substatus"))
	if err != nil {
		h.log.ErrorContext(r.Context(), err.Error(), slog.String("provider", ReceiptMMG), slog.String("reference", get("CID")))
	}
	h.apply(w, r, rc, "")
}

// firetextReceipt is POST /notifications/sms/firetext (SPEC B7.3): a form
// with status, reference (our notification id) and optional code.
func (h *Handler) firetextReceipt(w http.ResponseWriter, r *http.Request, _ *notify.Caller) {
	if !h.authenticate(w, r, ReceiptFiretext) {
		return
	}
	form, ok := readForm(w, r)
	if !ok {
		return
	}
	if m := missing(form.Get, "status", "reference"); len(m) > 0 {
		callbackFailed(w, "Firetext", m)
		return
	}
	rc, err := smsreceipt.FiretextReceipt(form.Get("status"), form.Get("reference"), form.Get("code"))
	if err != nil {
		h.log.ErrorContext(r.Context(), err.Error(), slog.String("provider", ReceiptFiretext), slog.String("reference", form.Get("reference")))
	}
	h.apply(w, r, rc, "")
}

// sesReceipt is POST /notifications/email/ses (SPEC B7.4): an SNS message.
// A subscription confirmation is logged with its SubscribeURL, which an
// operator visits to confirm: this server fetches nothing.
func (h *Handler) sesReceipt(w http.ResponseWriter, r *http.Request, _ *notify.Caller) {
	if !h.authenticate(w, r, ReceiptSES) {
		return
	}
	switch r.Header.Get("X-Amz-Sns-Message-Type") {
	case ses.SNSNotification, ses.SNSSubscriptionConfirmation, ses.SNSUnsubscribeConfirmation:
	default:
		badRequest(w, "SES-SNS callback failed: invalid message type")
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		badRequest(w, "SES-SNS callback failed: invalid JSON given")
		return
	}
	msg, err := ses.ParseSNS(body)
	if err != nil {
		badRequest(w, "SES-SNS callback failed: invalid JSON given")
		return
	}
	switch msg.Type {
	case ses.SNSSubscriptionConfirmation, ses.SNSUnsubscribeConfirmation:
		h.log.WarnContext(r.Context(), "SES-SNS "+msg.Type+": visit SubscribeURL to confirm the subscription",
			slog.String("topic_arn", msg.TopicArn), slog.String("subscribe_url", msg.SubscribeURL))
		writeJSON(w, http.StatusOK, map[string]string{"result": "success", "message": "SES-SNS " + msg.Type + " logged"})
		return
	}
	receipts, err := ses.ParseNotification(body)
	if errors.Is(err, ses.ErrNotAReceipt) {
		writeJSON(w, http.StatusOK, map[string]string{"result": "success", "message": "SES-SNS callback ignored"})
		return
	}
	if err != nil {
		h.log.WarnContext(r.Context(), "SES-SNS callback failed", slog.Any("error", err))
		badRequest(w, "SES-SNS callback failed")
		return
	}
	for i, rc := range receipts {
		if i < len(receipts)-1 {
			// Several receipts in one message: answer for the last only.
			if err := h.n.ApplyReceipt(r.Context(), rc); err != nil && !errors.Is(err, notify.ErrNotFound) {
				h.writeError(w, r, err)
				return
			}
			continue
		}
		h.apply(w, r, rc, "SES-SNS callback succeeded")
	}
}

// twilioReceipt is POST /notifications/sms/twilio/{notification_id}: a
// status callback, authenticated by its X-Twilio-Signature.
func (h *Handler) twilioReceipt(w http.ResponseWriter, r *http.Request, _ *notify.Caller) {
	a, ok := h.opts.Receipts[ReceiptTwilio]
	if !ok || a.Token == "" {
		h.writeError(w, r, errURLNotFound)
		return
	}
	form, ok := readForm(w, r)
	if !ok {
		return
	}
	sig := r.Header.Get("X-Twilio-Signature")
	if sig == "" {
		h.refuse(w, r, ReceiptTwilio, errReceiptUnauthorized)
		return
	}
	if !twilio.ValidSignature(a.Token, h.publicURL(r), r.PostForm, sig) {
		h.refuse(w, r, ReceiptTwilio, errReceiptForbidden)
		return
	}
	id, err := uuid.Parse(r.PathValue("notification_id"))
	if err != nil {
		h.writeError(w, r, notify.ErrNoResult)
		return
	}
	rc, err := twilio.ParseStatusCallback(form)
	if errors.Is(err, twilio.ErrNoStatusChange) {
		writeJSON(w, http.StatusOK, map[string]string{"result": "success"})
		return
	}
	if err != nil {
		badRequest(w, "Twilio callback failed: "+strings.TrimPrefix(err.Error(), "twilio: "))
		return
	}
	rc.NotificationID = id
	h.apply(w, r, rc, "")
}

// publicURL is the URL the provider called, for signatures:
// Options.PublicURL (or the request's scheme and host) and the request
// URI.
func (h *Handler) publicURL(r *http.Request) string {
	base := strings.TrimRight(h.opts.PublicURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		if p := r.Header.Get("X-Forwarded-Proto"); h.opts.TrustForwardedProto && (p == "https" || p == "http") {
			scheme = p
		}
		base = scheme + "://" + r.Host
	}
	return base + r.URL.RequestURI()
}

// inboundService finds the service of an inbound number; ok is false (and
// the miss logged and counted) when none has it.
func (h *Handler) inboundService(r *http.Request, provider, number string) (uuid.UUID, string, bool) {
	norm := normaliseNumber(number)
	id, ok := h.inbound[norm]
	if !ok {
		h.log.ErrorContext(r.Context(), "inbound number not associated with a service",
			slog.String("provider", provider), slog.String("number", number))
		h.incr("inbound." + provider + ".failed")
		return uuid.Nil, norm, false
	}
	return id, norm, true
}

func (h *Handler) incr(name string) {
	if h.opts.Stats != nil {
		h.opts.Stats.Incr(name)
	}
}

// mmgInbound is POST /notifications/sms/receive/mmg: JSON with MSISDN (the
// sender), Number (ours), Message (URL-encoded, "+" for spaces) and ID.
// An unknown number is answered 200 "RECEIVED", as upstream: the mapping
// is our problem and MMG must not retry.
func (h *Handler) mmgInbound(w http.ResponseWriter, r *http.Request, _ *notify.Caller) {
	if !h.authenticate(w, r, ReceiptMMG) {
		return
	}
	data, ok := readJSON(w, r)
	if !ok {
		return
	}
	get := func(k string) string { return jsonField(data, k) }
	if m := missing(get, "MSISDN", "Number"); len(m) > 0 {
		writeJSON(w, http.StatusBadRequest, V1ErrorBody{Result: "error", Message: inboundMissing("MMG", m)})
		return
	}
	done := func() {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "RECEIVED")
	}
	svc, notifyNumber, ok := h.inboundService(r, ReceiptMMG, get("Number"))
	if !ok {
		done()
		return
	}
	content := get("Message")
	if u, err := url.QueryUnescape(content); err == nil {
		content = u
	}
	if !h.receive(w, r, notify.InboundSMS{ServiceID: svc, NotifyNumber: notifyNumber,
		UserNumber: normaliseNumber(get("MSISDN")), Content: content, Provider: ReceiptMMG}) {
		return
	}
	done()
}

// firetextInbound is POST /notifications/sms/receive/firetext: a form with
// source (the sender), destination (ours), message and time. An unknown
// number is answered 200 {"status": "ok"}, as upstream.
func (h *Handler) firetextInbound(w http.ResponseWriter, r *http.Request, _ *notify.Caller) {
	if !h.authenticate(w, r, ReceiptFiretext) {
		return
	}
	form, ok := readForm(w, r)
	if !ok {
		return
	}
	if m := missing(form.Get, "source", "destination"); len(m) > 0 {
		writeJSON(w, http.StatusBadRequest, V1ErrorBody{Result: "error", Message: inboundMissing("Firetext", m)})
		return
	}
	svc, notifyNumber, ok := h.inboundService(r, ReceiptFiretext, form.Get("destination"))
	if ok && !h.receive(w, r, notify.InboundSMS{ServiceID: svc, NotifyNumber: notifyNumber,
		UserNumber: normaliseNumber(form.Get("source")), Content: form.Get("message"), Provider: ReceiptFiretext}) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func inboundMissing(client string, fields []string) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = client + " inbound SMS failed: " + f + " missing"
	}
	return out
}

// receive stores an inbound message; on failure it answers 500 (the
// provider retries) and returns false.
func (h *Handler) receive(w http.ResponseWriter, r *http.Request, m notify.InboundSMS) bool {
	saved, err := h.n.ReceiveSMS(r.Context(), m)
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
