// Package mmg reads the webhooks of MMG, a UK SMS aggregator: its delivery
// receipts (POST /notifications/sms/mmg) and the text messages it receives
// for a service (POST /notifications/sms/receive/mmg). There is no sending
// client here: Receiver gives an HTTP server (httpapi) the two routes.
//
// A receipt is JSON with status and CID (the notification id MMG was given
// as its reference), and optional substatus, deliverytime, MSISDN and
// reference. MMG's status maps as upstream's:
//
//	2, 5   permanent-failure
//	3      delivered
//	4      temporary-failure
//	other  technical-failure, logged as "MMG callback failed: status 9 not found."
//
// An inbound message is JSON with MSISDN (the sender), Number (the
// service's number), Message (URL-encoded, "+" for spaces) and ID; MMG
// expects the plain-text answer "RECEIVED".
package mmg

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/internal/smsreceipt"
)

// Name is the provider's name in sent_by, receipts and metrics.
const Name = "mmg"

// Routes of the webhooks.
const (
	ReceiptPath = "/notifications/sms/mmg"
	InboundPath = "/notifications/sms/receive/mmg"
)

// Receiver serves MMG's webhooks. Both accept requests carrying Auth; with
// no credentials they answer 404.
type Receiver struct {
	Auth notify.WebhookAuth
}

var _ notify.WebhookProvider = (*Receiver)(nil)

// Webhooks returns the receipt and inbound webhooks.
func (rc *Receiver) Webhooks() []notify.Webhook {
	return []notify.Webhook{
		{Method: http.MethodPost, Path: ReceiptPath, Name: "process_mmg_response", Provider: Name, Auth: rc.Auth, Parse: parseReceipt},
		{Method: http.MethodPost, Path: InboundPath, Name: "receive_mmg_sms", Provider: Name, Auth: rc.Auth, Parse: parseInbound},
	}
}

// Status maps MMG's status: 2 and 5 permanent-failure, 3 delivered, 4
// temporary-failure; ok is false for any other value, which upstream
// records as technical-failure.
func Status(status string) (s notify.Status, ok bool) {
	switch strings.TrimSpace(status) {
	case "2", "5":
		return notify.StatusPermanentFailure, true
	case "3":
		return notify.StatusDelivered, true
	case "4":
		return notify.StatusTemporaryFailure, true
	}
	return notify.StatusTechnicalFailure, false
}

// Receipt builds the receipt of an MMG callback: cid is Notify's reference
// (the notification id). An unknown status gives a technical-failure
// receipt and an *smsreceipt.UnknownStatusError for the log: the receipt
// is still applied, as upstream does.
func Receipt(status, cid, substatus string) (notify.Receipt, error) {
	s, ok := Status(status)
	r := smsreceipt.Identify(notify.Receipt{Provider: Name, Status: s, ProviderStatus: smsreceipt.JoinStatus(status, substatus)}, cid)
	if !ok {
		return r, &smsreceipt.UnknownStatusError{Client: "MMG", Status: status}
	}
	return r, nil
}

func parseReceipt(r *http.Request, log *slog.Logger) (notify.WebhookResult, error) {
	get, err := smsreceipt.JSONFields(r, "MMG callback failed:", "status", "CID")
	if err != nil {
		return notify.WebhookResult{}, err
	}
	rc, err := Receipt(get("status"), get("CID"), get("substatus"))
	if err != nil {
		log.ErrorContext(r.Context(), err.Error(), slog.String("reference", get("CID")))
	}
	return notify.WebhookResult{Receipts: []notify.Receipt{rc}}, nil
}

func parseInbound(r *http.Request, _ *slog.Logger) (notify.WebhookResult, error) {
	get, err := smsreceipt.JSONFields(r, "MMG inbound SMS failed:", "MSISDN", "Number")
	if err != nil {
		return notify.WebhookResult{}, err
	}
	content := get("Message")
	if u, err := url.QueryUnescape(content); err == nil {
		content = u
	}
	return notify.WebhookResult{
		Inbound: &notify.InboundSMS{NotifyNumber: get("Number"), UserNumber: get("MSISDN"), Content: content, Provider: Name},
		Reply:   "RECEIVED",
	}, nil
}
