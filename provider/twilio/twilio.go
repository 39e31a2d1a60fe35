// Package twilio sends text messages through Twilio's Programmable
// Messaging REST API and reads its status callbacks.
//
// Send posts to {BaseURL}/2010-04-01/Accounts/{AccountSID}/Messages.json
// with HTTP basic auth (account SID and auth token) and returns the
// message's "sid" as the provider reference. A network error, a 429 or a
// 5xx answer is retryable; any other 4xx is permanent (notify.Permanent).
//
// When Options.StatusCallbackURL is set, every message asks Twilio to post
// its status changes to that URL followed by "/" and the notification id;
// ParseStatusCallback maps such a callback to a notify.Receipt and
// ValidSignature checks its X-Twilio-Signature. Provider.Webhooks (or
// Receiver, without sending) gives an HTTP server (httpapi) the route,
// StatusCallbackPath.
package twilio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/notifykit/notify"
)

// Name is the provider's name in sent_by, receipts and metrics.
const Name = "twilio"

// DefaultBaseURL is Twilio's API.
const DefaultBaseURL = "https://api.twilio.com"

// DefaultTimeout bounds one API call when Options.HTTPClient is nil.
const DefaultTimeout = 30 * time.Second

// Options configure a Provider.
type Options struct {
	// AccountSID and AuthToken authenticate with Twilio (required). The
	// token is never logged nor put in an error.
	AccountSID string
	AuthToken  string
	// MessagingServiceSID, when set, sends through that messaging service
	// (Twilio picks the sender) and From is not sent.
	MessagingServiceSID string
	// From, when set, is the sender of every message (a number the account
	// owns). When empty the message's own sender (the service's SMS sender)
	// is used, which Twilio accepts only where alphanumeric senders are.
	From string
	// StatusCallbackURL, when set, is where Twilio posts status changes:
	// the notification id is appended as a last path segment, e.g.
	// https://notify.example/notifications/sms/twilio/{id}.
	StatusCallbackURL string
	// BaseURL is the API's base URL (DefaultBaseURL); tests point it at a
	// fake.
	BaseURL string
	// HTTPClient sends the requests (a client with DefaultTimeout).
	HTTPClient *http.Client
	// Logger receives debug lines about sends (slog.Default()).
	Logger *slog.Logger
}

// Provider sends SMS through Twilio. It is safe for concurrent use.
type Provider struct {
	opts     Options
	endpoint string
	client   *http.Client
	log      *slog.Logger
}

var (
	_ notify.Provider        = (*Provider)(nil)
	_ notify.WebhookProvider = (*Provider)(nil)
)

// New returns a Provider, or an error when AccountSID or AuthToken is
// missing or BaseURL or StatusCallbackURL does not parse.
func New(opts Options) (*Provider, error) {
	if opts.AccountSID == "" || opts.AuthToken == "" {
		return nil, errors.New("twilio: AccountSID and AuthToken are required")
	}
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultBaseURL
	}
	base, err := url.Parse(opts.BaseURL)
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("twilio: BaseURL %q is not an absolute URL", opts.BaseURL)
	}
	if opts.StatusCallbackURL != "" {
		cb, err := url.Parse(opts.StatusCallbackURL)
		if err != nil || cb.Scheme == "" || cb.Host == "" {
			return nil, fmt.Errorf("twilio: StatusCallbackURL %q is not an absolute URL", opts.StatusCallbackURL)
		}
	}
	p := &Provider{opts: opts, client: opts.HTTPClient, log: opts.Logger}
	if p.client == nil {
		p.client = &http.Client{Timeout: DefaultTimeout}
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	p.endpoint = strings.TrimRight(opts.BaseURL, "/") + "/2010-04-01/Accounts/" + url.PathEscape(opts.AccountSID) + "/Messages.json"
	return p, nil
}

// Name returns "twilio".
func (p *Provider) Name() string { return Name }

// Type returns notify.SMS.
func (p *Provider) Type() notify.NotificationType { return notify.SMS }

// CallbackURL returns the status callback URL of a notification, or "" when
// Options.StatusCallbackURL is not set.
func (p *Provider) CallbackURL(m notify.Message) string {
	if p.opts.StatusCallbackURL == "" {
		return ""
	}
	return strings.TrimRight(p.opts.StatusCallbackURL, "/") + "/" + m.NotificationID.String()
}

// apiError is Twilio's error body.
type apiError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

// Error is a refusal from Twilio's API.
type Error struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is Twilio's error code (21211 invalid 'To' number...), 0 when
	// the body had none.
	Code int
	// Message is Twilio's message, or the start of the body.
	Message string
}

// Error describes the refusal.
func (e *Error) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("twilio: HTTP %d: error %d: %s", e.StatusCode, e.Code, e.Message)
	}
	return fmt.Sprintf("twilio: HTTP %d: %s", e.StatusCode, e.Message)
}

// Retryable reports whether trying again later may succeed (429 and 5xx).
func (e *Error) Retryable() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// Send sends m and returns Twilio's message sid.
func (p *Provider) Send(ctx context.Context, m notify.Message) (string, error) {
	form := url.Values{}
	form.Set("To", "+"+strings.TrimPrefix(m.To, "+"))
	form.Set("Body", m.Body)
	switch {
	case p.opts.MessagingServiceSID != "":
		form.Set("MessagingServiceSid", p.opts.MessagingServiceSID)
	case p.opts.From != "":
		form.Set("From", p.opts.From)
	default:
		form.Set("From", m.From)
	}
	if cb := p.CallbackURL(m); cb != "" {
		form.Set("StatusCallback", cb)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", notify.Permanent(fmt.Errorf("twilio: build request: %w", err))
	}
	req.SetBasicAuth(p.opts.AccountSID, p.opts.AuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	start := time.Now()
	res, err := p.client.Do(req)
	if err != nil {
		p.log.DebugContext(ctx, "twilio: request failed", slog.String("notification_id", m.NotificationID.String()), slog.Any("error", err))
		return "", fmt.Errorf("twilio: send %s: %w", m.NotificationID, err)
	}
	defer func() { _ = res.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("twilio: send %s: read answer: %w", m.NotificationID, err)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		e := &Error{StatusCode: res.StatusCode}
		var ae apiError
		if json.Unmarshal(body, &ae) == nil && (ae.Code != 0 || ae.Message != "") {
			e.Code, e.Message = ae.Code, ae.Message
		} else {
			e.Message = strings.TrimSpace(string(body[:min(len(body), 200)]))
		}
		p.log.DebugContext(ctx, "twilio: refused", slog.String("notification_id", m.NotificationID.String()),
			slog.Int("status", res.StatusCode), slog.Int("code", e.Code))
		err := fmt.Errorf("twilio: send %s: %w", m.NotificationID, e)
		if e.Retryable() {
			return "", err
		}
		return "", notify.Permanent(err)
	}
	var ok struct {
		SID    string `json:"sid"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal(body, &ok); err != nil || ok.SID == "" {
		// Accepted, but without a sid we cannot match receipts; the
		// message may have gone, so this is left to the retry policy.
		return "", fmt.Errorf("twilio: send %s: HTTP %d without a message sid", m.NotificationID, res.StatusCode)
	}
	p.log.DebugContext(ctx, "twilio: accepted", slog.String("notification_id", m.NotificationID.String()),
		slog.String("sid", ok.SID), slog.String("status", ok.Status), slog.Duration("duration", time.Since(start)))
	return ok.SID, nil
}

// ErrNoStatusChange is returned, with a receipt, by ParseStatusCallback for
// a status that says nothing new (queued, accepted, scheduled, sending):
// the notification is already sending, so the receipt need not be
// applied.
var ErrNoStatusChange = errors.New("twilio: status callback changes nothing")

// permanentCodes are Twilio error codes that mean the number cannot
// receive messages: 21211 invalid 'To', 21214 not reachable, 21612 and
// 21614 not a mobile, 30004 blocked, 30005 unknown handset, 30006 landline
// or unreachable carrier.
var permanentCodes = map[string]bool{
	"21211": true, "21214": true, "21612": true, "21614": true,
	"30004": true, "30005": true, "30006": true,
}

// Status maps a Twilio message status (and its ErrorCode) to a notify
// status. The mapping:
//
//	queued, accepted, scheduled, sending  sending (no change: ok is false)
//	sent                                  pending: the carrier has it, a delivery report may follow
//	delivered, read                       delivered
//	undelivered                           temporary-failure (phone off, out of coverage...),
//	                                      permanent-failure for codes meaning the number cannot receive
//	failed                                technical-failure (Twilio could not send it: queue
//	                                      overflow, account suspended...), permanent-failure for
//	                                      codes meaning the number cannot receive
//	canceled                              technical-failure
//
// "sent" is not notify's "sent" (which is kept for international
// messages without receipts): Twilio reports "sent" on the way to
// "delivered", as Firetext reports pending. ok is false for statuses
// that change nothing and for unknown ones (known then says which).
func Status(status, errorCode string) (s notify.Status, ok, known bool) {
	switch strings.ToLower(strings.TrimSpace(status)) {
	case "queued", "accepted", "scheduled", "sending":
		return notify.StatusSending, false, true
	case "sent":
		return notify.StatusPending, true, true
	case "delivered", "read":
		return notify.StatusDelivered, true, true
	case "undelivered":
		if permanentCodes[strings.TrimSpace(errorCode)] {
			return notify.StatusPermanentFailure, true, true
		}
		return notify.StatusTemporaryFailure, true, true
	case "failed":
		if permanentCodes[strings.TrimSpace(errorCode)] {
			return notify.StatusPermanentFailure, true, true
		}
		return notify.StatusTechnicalFailure, true, true
	case "canceled":
		return notify.StatusTechnicalFailure, true, true
	}
	return "", false, false
}

// ParseStatusCallback maps the form of a status callback (MessageSid,
// MessageStatus, ErrorCode) to a receipt for Provider "twilio" with
// ProviderReference the message sid. A callback without MessageSid or
// MessageStatus, or with an unknown status, is an error; a status that
// changes nothing returns the receipt and ErrNoStatusChange. The caller
// sets NotificationID from the callback URL when it has one.
func ParseStatusCallback(form url.Values) (notify.Receipt, error) {
	sid := strings.TrimSpace(form.Get("MessageSid"))
	if sid == "" {
		sid = strings.TrimSpace(form.Get("SmsSid"))
	}
	raw := form.Get("MessageStatus")
	if raw == "" {
		raw = form.Get("SmsStatus")
	}
	switch {
	case sid == "":
		return notify.Receipt{}, errors.New("twilio: status callback without MessageSid")
	case raw == "":
		return notify.Receipt{}, errors.New("twilio: status callback without MessageStatus")
	}
	code := form.Get("ErrorCode")
	s, ok, known := Status(raw, code)
	if !known {
		return notify.Receipt{}, fmt.Errorf("twilio: status callback: unknown MessageStatus %q", raw)
	}
	ps := raw
	if code != "" {
		ps += "/" + code
	}
	r := notify.Receipt{Provider: Name, ProviderReference: sid, Status: s, ProviderStatus: ps}
	if !ok {
		return r, ErrNoStatusChange
	}
	return r, nil
}

// Signature returns the X-Twilio-Signature Twilio computes for a form post
// to fullURL: base64 of HMAC-SHA1, keyed with the auth token, of the URL
// followed by every parameter name and value, sorted by name.
func Signature(authToken, fullURL string, form url.Values) string {
	return sign(authToken, fullURL, form)
}

// ValidSignature reports whether signature is Twilio's for a form post to
// fullURL (the URL exactly as Twilio requested it, query included). As
// Twilio's own libraries do, it also accepts the URL with the default
// port added or removed. The comparison takes constant time.
func ValidSignature(authToken, fullURL string, form url.Values, signature string) bool {
	if authToken == "" || signature == "" {
		return false
	}
	for _, u := range urlVariants(fullURL) {
		if equal(sign(authToken, u, form), signature) {
			return true
		}
	}
	return false
}

// urlVariants is u, and u with its default port toggled.
func urlVariants(u string) []string {
	out := []string{u}
	pu, err := url.Parse(u)
	if err != nil {
		return out
	}
	def := map[string]string{"https": "443", "http": "80"}[pu.Scheme]
	if def == "" {
		return out
	}
	if pu.Port() == "" {
		pu.Host += ":" + def
		out = append(out, pu.String())
	} else if pu.Port() == def {
		pu.Host = pu.Hostname()
		out = append(out, pu.String())
	}
	return out
}
