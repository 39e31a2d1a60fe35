// Package firetext reads the webhooks of Firetext, a UK SMS aggregator:
// its delivery receipts (POST /notifications/sms/firetext) and the text
// messages it receives for a service (POST
// /notifications/sms/receive/firetext). There is no sending client here:
// Receiver gives an HTTP server (httpapi) the two routes.
//
// A receipt is a form with status, reference (the notification id) and
// optional code and time. Firetext's status maps as upstream's: 0
// delivered, 2 pending, 1 a failure that code refines:
//
//	000, 102, 103, 104, 302, 900   temporary-failure
//	101, 201, 301, 401             permanent-failure
//	none or another                permanent-failure, temporary-failure when the notification is pending
//
// Any other status is technical-failure, logged as "Firetext callback
// failed: status 9 not found.". A pending receipt is stored but does not
// trigger the service's delivery-status callback.
//
// An inbound message is a form with source (the sender), destination (the
// service's number), message and time; Firetext expects {"status": "ok"}.
package firetext

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/internal/smsreceipt"
)

// Name is the provider's name in sent_by, receipts and metrics.
const Name = "firetext"

// Routes of the webhooks.
const (
	ReceiptPath = "/notifications/sms/firetext"
	InboundPath = "/notifications/sms/receive/firetext"
)

// Receiver serves Firetext's webhooks. Both accept requests carrying Auth;
// with no credentials they answer 404.
type Receiver struct {
	Auth notify.WebhookAuth
}

var _ notify.WebhookProvider = (*Receiver)(nil)

// Webhooks returns the receipt and inbound webhooks.
func (rc *Receiver) Webhooks() []notify.Webhook {
	return []notify.Webhook{
		{Method: http.MethodPost, Path: ReceiptPath, Name: "process_firetext_response", Provider: Name, Auth: rc.Auth, Parse: parseReceipt},
		{Method: http.MethodPost, Path: InboundPath, Name: "receive_firetext_sms", Provider: Name, Auth: rc.Auth, Parse: parseInbound},
	}
}

// codes refines status 1: true is temporary, false permanent.
var codes = map[string]bool{
	"000": true, "101": false, "102": true, "103": true, "104": true,
	"201": false, "301": false, "302": true, "401": false, "900": true,
}

// Status maps Firetext's status and code: 0 delivered, 2 pending, 1 a
// failure refined by code (temporary or permanent). For status 1 without a
// known code the status is permanent-failure and temporaryIfPending is
// true: it becomes temporary-failure when the notification is pending. Any
// other status is technical-failure with ok false.
func Status(status, code string) (s notify.Status, temporaryIfPending, ok bool) {
	switch strings.TrimSpace(status) {
	case "0":
		return notify.StatusDelivered, false, true
	case "2":
		return notify.StatusPending, false, true
	case "1":
		temp, known := codes[strings.TrimSpace(code)]
		switch {
		case !known:
			return notify.StatusPermanentFailure, true, true
		case temp:
			return notify.StatusTemporaryFailure, false, true
		default:
			return notify.StatusPermanentFailure, false, true
		}
	}
	return notify.StatusTechnicalFailure, false, false
}

// Receipt builds the receipt of a Firetext callback: reference is the
// notification id. An unknown status gives a technical-failure receipt
// and an *smsreceipt.UnknownStatusError for the log.
func Receipt(status, reference, code string) (notify.Receipt, error) {
	s, tip, ok := Status(status, code)
	r := smsreceipt.Identify(notify.Receipt{Provider: Name, Status: s, TemporaryIfPending: tip,
		ProviderStatus: smsreceipt.JoinStatus(status, code)}, reference)
	if !ok {
		return r, &smsreceipt.UnknownStatusError{Client: "Firetext", Status: status}
	}
	return r, nil
}

func parseReceipt(r *http.Request, log *slog.Logger) (notify.WebhookResult, error) {
	get, err := smsreceipt.FormFields(r, "Firetext callback failed:", "status", "reference")
	if err != nil {
		return notify.WebhookResult{}, err
	}
	rc, err := Receipt(get("status"), get("reference"), get("code"))
	if err != nil {
		log.ErrorContext(r.Context(), err.Error(), slog.String("reference", get("reference")))
	}
	return notify.WebhookResult{Receipts: []notify.Receipt{rc}}, nil
}

func parseInbound(r *http.Request, _ *slog.Logger) (notify.WebhookResult, error) {
	get, err := smsreceipt.FormFields(r, "Firetext inbound SMS failed:", "source", "destination")
	if err != nil {
		return notify.WebhookResult{}, err
	}
	return notify.WebhookResult{
		Inbound: &notify.InboundSMS{NotifyNumber: get("destination"), UserNumber: get("source"),
			Content: get("message"), Provider: Name},
		Reply: map[string]string{"status": "ok"},
	}, nil
}
