package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"

	"github.com/notifykit/notify"
)

// TestReceiptsMoveOnlyTheirProvidersNotifications: a receipt applies to a
// notification its provider sent, of its channel, once the send is
// recorded; any other is refused and changes nothing.
func TestReceiptsMoveOnlyTheirProvidersNotifications(t *testing.T) {
	t.Parallel()
	e := newReceiptEnv(t)
	mmgAuth := basic(mmgUser, mmgPass)
	tests := []struct {
		name   string
		typ    notify.NotificationType
		sentBy string
		status notify.Status
		code   int
		want   notify.Status
	}{
		{name: "MMG's own SMS", typ: notify.SMS, sentBy: "mmg", status: notify.StatusSending, code: http.StatusOK, want: notify.StatusDelivered},
		{name: "an email", typ: notify.Email, sentBy: "ses", status: notify.StatusSending, code: http.StatusNotFound, want: notify.StatusSending},
		{name: "Firetext's SMS", typ: notify.SMS, sentBy: "firetext", status: notify.StatusSending, code: http.StatusNotFound, want: notify.StatusSending},
		{name: "the sandbox's SMS", typ: notify.SMS, sentBy: notify.SandboxName, status: notify.StatusPending, code: http.StatusNotFound, want: notify.StatusPending},
		{name: "not sent yet", typ: notify.SMS, status: notify.StatusCreated, code: http.StatusServiceUnavailable, want: notify.StatusCreated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var id uuid.UUID
			if tc.status == notify.StatusCreated {
				id = e.created(t)
			} else {
				id = e.notification(t, tc.typ, tc.sentBy, "", tc.status)
			}
			res := post(t, e.h, "/notifications/sms/mmg", map[string]any{"status": "3", "CID": id.String()}, mmgAuth)
			assert.Equal(t, tc.code, res.status, "%s", res.raw)
			assert.Equal(t, tc.want, e.status(t, id))
			if tc.code == http.StatusServiceUnavailable {
				assert.Equal(t, "5", res.header.Get("Retry-After"))
			}
		})
	}
}

// created stores an SMS notification not yet handed to a provider.
func (e *receiptEnv) created(t *testing.T) uuid.UUID {
	t.Helper()
	res := e.do(t, http.MethodPost, "/v2/notifications/sms", map[string]any{"phone_number": teamPhone,
		"template_id": e.sms.ID.String(), "personalisation": map[string]any{"name": "Jo", "code": "1"}}, e.keys[notify.KeyTypeLive])
	if !assert.Equal(t, http.StatusCreated, res.status, "%s", res.raw) {
		t.FailNow()
	}
	return uuid.MustParse(res.body["id"].(string))
}
