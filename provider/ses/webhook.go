package ses

import (
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/notifykit/notify"
)

// ReceiptPath is the route SNS posts SES notifications to.
const ReceiptPath = "/notifications/email/ses"

// Receiver serves the SES receipt webhook without sending: for a server
// that receives the notifications of mail sent elsewhere, or that has no
// AWS credentials. Requests must carry Auth (basic auth in the
// subscription URL, or a bearer token); with no credentials the route
// answers 404.
//
// The webhook takes what SNS posts to an HTTP(S) subscription, with its
// x-amz-sns-message-type header. A Notification's SES event becomes a
// receipt (see ParseNotification), and a Complaint also a complaint record
// sent to the service's complaint callback (see ParseComplaint), answered {"result": "success",
// "message": "SES-SNS callback succeeded"}; an event that is not a receipt
// is acknowledged as ignored. A SubscriptionConfirmation is logged with
// its SubscribeURL, which an operator visits to confirm: the server
// fetches nothing.
type Receiver struct {
	Auth notify.WebhookAuth
}

var _ notify.WebhookProvider = (*Receiver)(nil)

// Webhooks returns the SNS webhook.
func (rc *Receiver) Webhooks() []notify.Webhook {
	return []notify.Webhook{{Method: http.MethodPost, Path: ReceiptPath, Name: "sns_callback_handler",
		Provider: Name, Auth: rc.Auth, Parse: parseSNSCallback}}
}

// Webhooks returns the SNS webhook, authenticated with
// Options.ReceiptAuth (see Receiver).
func (p *Provider) Webhooks() []notify.Webhook {
	return (&Receiver{Auth: p.opts.ReceiptAuth}).Webhooks()
}

func parseSNSCallback(r *http.Request, log *slog.Logger) (notify.WebhookResult, error) {
	switch r.Header.Get("X-Amz-Sns-Message-Type") {
	case SNSNotification, SNSSubscriptionConfirmation, SNSUnsubscribeConfirmation:
	default:
		return notify.WebhookResult{}, &notify.WebhookError{Message: "SES-SNS callback failed: invalid message type"}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return notify.WebhookResult{}, &notify.WebhookError{Message: "SES-SNS callback failed: invalid JSON given", Err: err}
	}
	msg, err := ParseSNS(body)
	if err != nil {
		return notify.WebhookResult{}, &notify.WebhookError{Message: "SES-SNS callback failed: invalid JSON given", Err: err}
	}
	switch msg.Type {
	case SNSSubscriptionConfirmation, SNSUnsubscribeConfirmation:
		log.WarnContext(r.Context(), "SES-SNS "+msg.Type+": visit SubscribeURL to confirm the subscription",
			slog.String("topic_arn", msg.TopicArn), slog.String("subscribe_url", msg.SubscribeURL))
		return notify.WebhookResult{Message: "SES-SNS " + msg.Type + " logged"}, nil
	}
	receipts, err := ParseNotification(body)
	if errors.Is(err, ErrNotAReceipt) {
		return notify.WebhookResult{Message: "SES-SNS callback ignored"}, nil
	}
	if err != nil {
		log.WarnContext(r.Context(), "SES-SNS callback failed", slog.Any("error", err))
		return notify.WebhookResult{}, &notify.WebhookError{Message: "SES-SNS callback failed", Err: err}
	}
	res := notify.WebhookResult{Receipts: receipts, Message: "SES-SNS callback succeeded"}
	complaint, err := ParseComplaint(body)
	if err != nil {
		return notify.WebhookResult{}, &notify.WebhookError{Message: "SES-SNS callback failed", Err: err}
	}
	if complaint != nil {
		res.Complaints = []notify.ComplaintReport{*complaint}
	}
	return res, nil
}
