// Package smsreceipt maps the delivery receipts of the SMS aggregators that
// have no provider package here (MMG and Firetext, SPEC B7.2–B7.3) to
// notify receipts. The HTTP layer decodes; the mapping lives here.
package smsreceipt

import (
	"strings"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// Provider names, as in sent_by and the callback.{provider}.{status}
// metrics.
const (
	MMG      = "mmg"
	Firetext = "firetext"
)

// UnknownStatusError is the error MMGReceipt and FiretextReceipt return,
// beside a technical-failure receipt, for a status outside upstream's
// table. Its text is upstream's: "MMG callback failed: status 9 not found."
type UnknownStatusError struct {
	// Client is upstream's client name: "MMG" or "Firetext".
	Client string
	Status string
}

// Error returns upstream's message.
func (e *UnknownStatusError) Error() string {
	return e.Client + " callback failed: status " + e.Status + " not found."
}

// MMGStatus maps MMG's status (SPEC B7.2): 2 and 5 permanent-failure, 3
// delivered, 4 temporary-failure; ok is false for any other value, which
// upstream records as technical-failure.
func MMGStatus(status string) (s notify.Status, ok bool) {
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

// MMGReceipt builds the receipt of an MMG callback: cid is Notify's
// reference (our notification id). An unknown status gives a
// technical-failure receipt and an *UnknownStatusError for the log: the
// receipt is still applied, as upstream does.
func MMGReceipt(status, cid, substatus string) (notify.Receipt, error) {
	s, ok := MMGStatus(status)
	r := identify(notify.Receipt{Provider: MMG, Status: s, ProviderStatus: joinStatus(status, substatus)}, cid)
	if !ok {
		return r, &UnknownStatusError{Client: "MMG", Status: status}
	}
	return r, nil
}

// firetextCodes refines Firetext's status 1 (SPEC B7.3): true is
// temporary, false permanent.
var firetextCodes = map[string]bool{
	"000": true, "101": false, "102": true, "103": true, "104": true,
	"201": false, "301": false, "302": true, "401": false, "900": true,
}

// FiretextStatus maps Firetext's status and code (SPEC B7.3): 0 delivered,
// 2 pending, 1 a failure refined by code (temporary or permanent). For
// status 1 without a known code the status is permanent-failure and
// temporaryIfPending is true: it becomes temporary-failure when the
// notification is pending. Any other status is technical-failure with ok
// false.
func FiretextStatus(status, code string) (s notify.Status, temporaryIfPending, ok bool) {
	switch strings.TrimSpace(status) {
	case "0":
		return notify.StatusDelivered, false, true
	case "2":
		return notify.StatusPending, false, true
	case "1":
		temp, known := firetextCodes[strings.TrimSpace(code)]
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

// FiretextReceipt builds the receipt of a Firetext callback: reference is
// our notification id. An unknown status gives a technical-failure receipt
// and an *UnknownStatusError for the log.
func FiretextReceipt(status, reference, code string) (notify.Receipt, error) {
	s, tip, ok := FiretextStatus(status, code)
	r := identify(notify.Receipt{Provider: Firetext, Status: s, TemporaryIfPending: tip,
		ProviderStatus: joinStatus(status, code)}, reference)
	if !ok {
		return r, &UnknownStatusError{Client: "Firetext", Status: status}
	}
	return r, nil
}

// identify sets the notification id when ref is one, else the provider
// reference.
func identify(r notify.Receipt, ref string) notify.Receipt {
	ref = strings.TrimSpace(ref)
	if id, err := uuid.Parse(ref); err == nil {
		r.NotificationID = id
	}
	r.ProviderReference = ref
	return r
}

func joinStatus(status, detail string) string {
	if detail == "" {
		return status
	}
	return status + "/" + detail
}
