package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// TestOlderThanIsScopedToTheCaller: older_than with another service's
// notification or received message is as an unknown id: an empty page,
// not the caller's items older than a foreign timestamp.
func TestOlderThanIsScopedToTheCaller(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{Restricted: true})
	live := e.keys[notify.KeyTypeLive]
	e.sendSMS(t, live, teamPhone, "mine")

	other, err := e.n.CreateService(ctx, notify.Service{Name: "Other"})
	require.NoError(t, err)
	otherKey, err := e.n.CreateAPIKey(ctx, other.ID, "other", notify.KeyTypeLive)
	require.NoError(t, err)
	tpl, err := e.n.CreateTemplate(ctx, notify.Template{ServiceID: other.ID, Type: notify.SMS, Name: "T", Content: "Hi"})
	require.NoError(t, err)
	res := e.do(t, http.MethodPost, "/v2/notifications/sms", map[string]any{"phone_number": "07700 900456",
		"template_id": tpl.ID.String()}, otherKey)
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	foreign := res.body["id"].(string)
	_, err = e.n.ReceiveSMS(ctx, notify.InboundSMS{ServiceID: e.svc.ID, NotifyNumber: "447700900002",
		UserNumber: "447700900123", Content: "mine", Provider: "mmg", CreatedAt: time.Now().Add(-time.Hour)})
	require.NoError(t, err)
	msg, err := e.n.ReceiveSMS(ctx, notify.InboundSMS{ServiceID: other.ID, NotifyNumber: "447700900001",
		UserNumber: "447700900123", Content: "theirs", Provider: "mmg"})
	require.NoError(t, err)

	res = e.do(t, http.MethodGet, "/v2/notifications?older_than="+foreign, nil, live)
	require.Equal(t, http.StatusOK, res.status)
	assert.Empty(t, res.body["notifications"])
	res = e.do(t, http.MethodGet, "/v2/received-text-messages?older_than="+msg.ID.String(), nil, live)
	require.Equal(t, http.StatusOK, res.status)
	assert.Empty(t, res.body["received_text_messages"])

	res = e.do(t, http.MethodGet, "/v2/notifications", nil, live)
	assert.Len(t, res.body["notifications"], 1, "without older_than the caller's own are listed")
}
