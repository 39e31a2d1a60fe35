package twilio

import (
	"log/slog"
	"net/http"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/internal/smsreceipt"
)

// InboundPath is the route Twilio posts text messages received on a
// number to: set it, with the server's public URL, as the number's "A
// message comes in" webhook (HTTP POST). Requests are signed like status
// callbacks.
const InboundPath = "/notifications/sms/receive/twilio"

// inboundWebhook is the webhook of received text messages: From, To and
// Body of Twilio's form. The server stores the message for the service
// that has the To number and sends it to its inbound_sms callback. The
// answer is empty, so that Twilio sends no reply.
func inboundWebhook(token string) notify.Webhook {
	wh := notify.Webhook{Method: http.MethodPost, Path: InboundPath, Name: "receive_twilio_sms",
		Provider: Name, Parse: parseInbound}
	if token != "" {
		wh.Verify = func(r *http.Request, url string) error { return verify(token, r, url) }
	}
	return wh
}

func parseInbound(r *http.Request, _ *slog.Logger) (notify.WebhookResult, error) {
	get, err := smsreceipt.FormFields(r, "Twilio inbound SMS failed:", "From", "To")
	if err != nil {
		return notify.WebhookResult{}, err
	}
	return notify.WebhookResult{
		Inbound: &notify.InboundSMS{NotifyNumber: get("To"), UserNumber: get("From"), Content: get("Body"), Provider: Name},
		Reply:   "",
	}, nil
}
