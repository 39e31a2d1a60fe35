package notify

import (
	"log/slog"
	"net/http"
	"strings"
)

// WebhookProvider is implemented by providers, or standalone values, that
// providers call back over HTTP: delivery receipts, inbound text messages.
// An HTTP server mounts the routes Webhooks returns (httpapi does, from
// its Options.Webhooks), so the server needs no code, and no import, per
// provider.
type WebhookProvider interface {
	// Webhooks returns the provider's endpoints. It is called once, when
	// the server is built.
	Webhooks() []Webhook
}

// Webhook is one HTTP endpoint a provider calls. The provider says where it
// is, how its requests are authenticated and how to read them; the server
// does the rest: it authenticates, answers errors in its own shapes,
// applies receipts and stores inbound messages through the Notifier, and
// logs and counts the request.
//
// A webhook with neither Auth nor Verify is disabled: it answers 404, as
// if it did not exist, so that nobody can move a notification's status on
// a deployment that did not ask for it.
type Webhook struct {
	// Method and Path are the route, in net/http.ServeMux syntax: Path may
	// hold wildcards, which Parse reads with r.PathValue, e.g.
	// "/notifications/sms/twilio/{notification_id}".
	Method string
	Path   string
	// Name labels the requests in logs and metrics, as a route's handler
	// name ("process_mmg_response").
	Name string
	// Provider names the provider in logs and in the inbound metrics
	// ("mmg").
	Provider string
	// Auth is the shared secret every request must carry, checked before
	// Parse. Ignored when Verify is set.
	Auth WebhookAuth
	// Verify, when set, authenticates requests instead of Auth, for
	// providers that sign their calls. url is the URL the provider called:
	// the server's public scheme and host, and the request URI. It returns
	// nil, ErrWebhookUnauthorized when the request carries no credentials,
	// ErrWebhookForbidden when they are wrong, or any error Parse may
	// return (a body it could not read).
	Verify func(r *http.Request, url string) error
	// Parse reads an authenticated request. log carries the request's
	// id and the provider, for what only the provider can explain (an
	// unknown status, a subscription to confirm). Its error decides the
	// answer: a *WebhookError is a malformed request (400), a *Error is
	// answered as such (ErrNoResult: 404), a body over the server's limit
	// (*http.MaxBytesError) is 413 and anything else is an internal error.
	Parse func(r *http.Request, log *slog.Logger) (WebhookResult, error)
}

// WebhookAuth is a shared secret: a request is accepted with HTTP basic
// auth matching Username and Password (SNS sends it when the subscription
// URL is https://user:password@host/...), or with "Authorization: Bearer
// <Token>". The server compares them in constant time and never logs them.
// The zero value accepts nothing.
type WebhookAuth struct {
	Username string
	Password string
	Token    string
}

// IsZero reports whether a has no credentials, which disables a webhook.
func (a WebhookAuth) IsZero() bool { return a.Username == "" && a.Token == "" }

// The refusals of a webhook request, returned by Webhook.Verify.
var (
	// ErrWebhookUnauthorized is a request without credentials (401).
	ErrWebhookUnauthorized = &Error{Name: NameAuth, Status: http.StatusUnauthorized,
		Message: "Unauthorized: provider credentials are required"}
	// ErrWebhookForbidden is a request with wrong credentials (403).
	ErrWebhookForbidden = &Error{Name: NameAuth, Status: http.StatusForbidden,
		Message: "Forbidden: invalid provider credentials"}
)

// WebhookResult is what a webhook request asks the server to do. A result
// with nothing to apply (a status that changes nothing, an event that is
// not a receipt) is acknowledged all the same, so that the provider does
// not retry it.
type WebhookResult struct {
	// Receipts are applied in order with Notifier.ApplyReceipt. The answer
	// is about the last one: 404 when no notification matches it, 200 when
	// it was applied or ignored because the notification's status is
	// already final.
	Receipts []Receipt
	// Inbound, when set, is a text message received. The server normalises
	// both numbers, finds the service that owns NotifyNumber (its static
	// map, then the Store's inbound numbers), and stores it with
	// Notifier.ReceiveInboundSMS, which sends it to the service's
	// inbound_sms callback. A message to a number no service owns is
	// acknowledged, logged, counted (inbound.{provider}.failed) and
	// dropped. An empty Provider is the webhook's.
	Inbound *InboundSMS
	// Complaints are recorded, after the receipts, with
	// Notifier.ReceiveComplaint, which sends each to its service's
	// complaint callback. An empty Provider is the webhook's.
	Complaints []ComplaintReport
	// Message, when set, is the "message" of the success answer,
	// {"result": "success", "message": Message}.
	Message string
	// Reply, when set, is the success answer instead of {"result":
	// "success"}, for providers that expect their own: a string is sent as
	// text/plain, any other value as JSON.
	Reply any
}

// WebhookError is a malformed webhook request. The server answers 400 with
// upstream's body, {"result": "error", "message": Message}; when Missing
// is set, the message is a list with one "<Message> <field> missing" per
// missing required field, e.g. "MMG callback failed: status missing".
type WebhookError struct {
	Message string
	Missing []string
	// Err is the cause, for logs; it does not change the answer.
	Err error
}

// Error describes the refusal.
func (e *WebhookError) Error() string {
	msg := e.Message
	if len(e.Missing) > 0 {
		msg += " " + strings.Join(e.Missing, ", ") + " missing"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *WebhookError) Unwrap() error { return e.Err }

// Messages returns the messages of the answer, one per missing field, or
// Message alone.
func (e *WebhookError) Messages() []string {
	if len(e.Missing) == 0 {
		return []string{e.Message}
	}
	out := make([]string, len(e.Missing))
	for i, f := range e.Missing {
		out[i] = e.Message + " " + f + " missing"
	}
	return out
}
