package twilio

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/internal/smsreceipt"
)

// StatusCallbackPath is the route of status callbacks: point
// Options.StatusCallbackURL at it without the last segment, e.g.
// https://notify.example/notifications/sms/twilio.
const StatusCallbackPath = "/notifications/sms/twilio/{notification_id}"

// Receiver serves Twilio's status callbacks, and the text messages its
// numbers receive, without sending: for a server whose messages another
// process sends. Requests must carry a valid
// X-Twilio-Signature made with AuthToken (401 without one, 403 when it is
// wrong); with no AuthToken the route answers 404.
//
// The notification id is the callback URL's last segment (404 when it is
// not one); the form maps with ParseStatusCallback. A status that changes
// nothing is acknowledged; a malformed callback gets 400 "Twilio callback
// failed: ...".
type Receiver struct {
	AuthToken string
}

var _ notify.WebhookProvider = (*Receiver)(nil)

// Webhooks returns the status callback webhook and the webhook of
// received text messages (InboundPath).
func (rc *Receiver) Webhooks() []notify.Webhook {
	wh := notify.Webhook{Method: http.MethodPost, Path: StatusCallbackPath, Name: "process_twilio_response",
		Provider: Name, Parse: parseStatusCallback}
	if token := rc.AuthToken; token != "" {
		wh.Verify = func(r *http.Request, url string) error { return verify(token, r, url) }
	}
	return []notify.Webhook{wh, inboundWebhook(rc.AuthToken)}
}

// Webhooks returns the status callback webhook, its signatures checked
// with Options.AuthToken (see Receiver).
func (p *Provider) Webhooks() []notify.Webhook {
	return (&Receiver{AuthToken: p.opts.AuthToken}).Webhooks()
}

// verify checks the X-Twilio-Signature of a form post to url. The form is
// read first: the signature covers it.
func verify(token string, r *http.Request, url string) error {
	if _, err := smsreceipt.ReadForm(r); err != nil {
		return err
	}
	sig := r.Header.Get("X-Twilio-Signature")
	if sig == "" {
		return notify.ErrWebhookUnauthorized
	}
	if !ValidSignature(token, url, r.PostForm, sig) {
		return notify.ErrWebhookForbidden
	}
	return nil
}

func parseStatusCallback(r *http.Request, _ *slog.Logger) (notify.WebhookResult, error) {
	form, err := smsreceipt.ReadForm(r)
	if err != nil {
		return notify.WebhookResult{}, err
	}
	id, err := uuid.Parse(r.PathValue("notification_id"))
	if err != nil {
		return notify.WebhookResult{}, notify.ErrNoResult
	}
	rc, err := ParseStatusCallback(form)
	if errors.Is(err, ErrNoStatusChange) {
		return notify.WebhookResult{}, nil
	}
	if err != nil {
		return notify.WebhookResult{}, &notify.WebhookError{
			Message: "Twilio callback failed: " + strings.TrimPrefix(err.Error(), "twilio: "), Err: err}
	}
	rc.NotificationID = id
	return notify.WebhookResult{Receipts: []notify.Receipt{rc}}, nil
}
