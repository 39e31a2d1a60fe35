package httpapi_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
	"github.com/notifykit/notify/provider/sandbox"
	"github.com/notifykit/notify/store/memstore"
)

// newSendersEnv is newAdminEnv on a live service whose notifications the
// returned sandbox records as a provider would receive them.
func newSendersEnv(t *testing.T) (*env, *sandbox.Sandbox) {
	t.Helper()
	sb := sandbox.New(sandbox.Options{})
	e := &env{store: &hookStore{Store: memstore.New()}, queue: &recordingQueue{},
		stats: &stats{counts: map[string]int{}}, logs: &syncBuffer{}, keys: map[notify.KeyType]*notify.APIKey{}}
	logger := slog.New(slog.NewJSONHandler(e.logs, nil))
	n, err := notify.New(notify.Config{Store: e.store, Queue: e.queue, Sandbox: sb,
		SecretKey: []byte("httpapi tests: a 32-byte secret key"), Logger: logger})
	require.NoError(t, err)
	e.n = n
	e.handler = httpapi.New(n, httpapi.Options{Logger: logger, Stats: e.stats, AdminSecret: adminSecret})
	e.svc, err = n.CreateService(ctx, notify.Service{Name: "Senders", Restricted: false})
	require.NoError(t, err)
	e.keys[notify.KeyTypeLive], err = n.CreateAPIKey(ctx, e.svc.ID, "live", notify.KeyTypeLive)
	require.NoError(t, err)
	e.sms, err = n.CreateTemplate(ctx, notify.Template{ServiceID: e.svc.ID, Type: notify.SMS, Name: "Code", Content: "Your code is ((code))"})
	require.NoError(t, err)
	e.email, err = n.CreateTemplate(ctx, notify.Template{ServiceID: e.svc.ID, Type: notify.Email, Name: "Hi", Subject: "Hi", Content: "Hello"})
	require.NoError(t, err)
	return e, sb
}

func TestSendersOverHTTP(t *testing.T) {
	e, sb := newSendersEnv(t)
	base := "/service/" + e.svc.ID.String()
	live := e.keys[notify.KeyTypeLive]

	// SMS senders: the first becomes the default.
	r := e.admin(t, "POST", base+"/sms-sender", map[string]any{"sms_sender": "GOVUK", "is_default": false})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	assert.Equal(t, true, r.body["is_default"])
	assert.Equal(t, "GOVUK", r.body["sms_sender"])
	assert.Nil(t, r.body["inbound_number_id"])
	defID := r.body["id"].(string)
	r = e.admin(t, "POST", base+"/sms-sender", map[string]any{"sms_sender": "07123123123", "is_default": false, "is_active": true})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	assert.Equal(t, false, r.body["is_default"])
	numberID := r.body["id"].(string)

	var list []map[string]any
	rawList := e.adminRaw(t, base+"/sms-sender")
	require.NoError(t, json.Unmarshal([]byte(rawList), &list))
	require.Len(t, list, 2)
	assert.Equal(t, defID, list[0]["id"], "the default first")

	// Refusals in upstream's words.
	r = e.admin(t, "POST", base+"/sms-sender/"+defID, map[string]any{"sms_sender": "GOVUK", "is_default": false})
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, v1err("You must have at least one SMS sender as the default"), r.body)
	r = e.admin(t, "POST", base+"/sms-sender/"+defID+"/archive", nil)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, v1err("You cannot delete a default sms sender"), r.body)
	r = e.admin(t, "POST", base+"/sms-sender", map[string]any{})
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, v1err(map[string]any{"sms_sender": []any{notify.MsgMissingField}, "is_default": []any{notify.MsgMissingField}}), r.body)
	r = e.admin(t, "POST", base+"/sms-sender", map[string]any{"sms_sender": "<script>", "is_default": true})
	assert.Equal(t, v1err(map[string]any{"sms_sender": []any{"Must be at most 11 letters, numbers and spaces, or a phone number."}}), r.body)
	assert.Equal(t, http.StatusNotFound, e.admin(t, "GET", base+"/sms-sender/"+uuid.NewString(), nil).status)
	assert.Equal(t, http.StatusNotFound, e.admin(t, "GET", base+"/sms-sender/not-a-uuid", nil).status)
	assert.Equal(t, http.StatusNotFound, e.admin(t, "GET", "/service/"+uuid.NewString()+"/sms-sender", nil).status)
	assert.Equal(t, http.StatusUnauthorized, e.doAuth(t, "GET", base+"/sms-sender", nil, "").status)

	// Reply-to addresses.
	r = e.admin(t, "POST", base+"/email-reply-to", map[string]any{"email_address": "help@example.gov.uk", "is_default": true})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	data := r.body["data"].(map[string]any)
	assert.Equal(t, true, data["is_default"])
	r = e.admin(t, "POST", base+"/email-reply-to", map[string]any{"email_address": "replies@example.gov.uk", "is_default": false})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	replyID := r.body["data"].(map[string]any)["id"].(string)
	r = e.admin(t, "POST", base+"/email-reply-to", map[string]any{"email_address": "help@example.gov.uk", "is_default": false})
	assert.Equal(t, http.StatusConflict, r.status)
	assert.Equal(t, v1err("Your service already uses ‘help@example.gov.uk’ as an email reply-to address."), r.body)
	r = e.admin(t, "POST", base+"/email-reply-to", map[string]any{"email_address": "a@example.com\r\nBcc: b@example.com", "is_default": false})
	assert.Equal(t, v1err(map[string]any{"email_address": []any{"Not a valid email address"}}), r.body)

	// Sends name a sender or take the default.
	r = e.do(t, "POST", "/v2/notifications/sms", map[string]any{"phone_number": "07700 900333", "template_id": e.sms.ID,
		"personalisation": map[string]any{"code": "1"}, "sms_sender_id": numberID}, live)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	assert.Equal(t, "447123123123", r.body["content"].(map[string]any)["from_number"])
	namedSMS := r.body["id"].(string)
	r = e.do(t, "POST", "/v2/notifications/sms", map[string]any{"phone_number": "07700 900334", "template_id": e.sms.ID,
		"personalisation": map[string]any{"code": "2"}}, live)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	assert.Equal(t, "GOVUK", r.body["content"].(map[string]any)["from_number"])
	defaultSMS := r.body["id"].(string)
	r = e.do(t, "POST", "/v2/notifications/email", map[string]any{"email_address": "someone@example.com", "template_id": e.email.ID,
		"email_reply_to_id": replyID}, live)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	namedEmail := r.body["id"].(string)
	r = e.do(t, "POST", "/v2/notifications/email", map[string]any{"email_address": "other@example.com", "template_id": e.email.ID}, live)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	defaultEmail := r.body["id"].(string)

	// Archived, unknown and another kind's ids keep upstream's refusal.
	r = e.admin(t, "POST", base+"/sms-sender/"+numberID+"/archive", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, true, r.body["data"].(map[string]any)["archived"])
	for _, id := range []string{numberID, uuid.NewString(), replyID} {
		r = e.do(t, "POST", "/v2/notifications/sms", map[string]any{"phone_number": "07700 900333", "template_id": e.sms.ID,
			"personalisation": map[string]any{"code": "1"}, "sms_sender_id": id}, live)
		assert.Equal(t, v2err(400, "BadRequestError", "sms_sender_id "+id+" does not exist in database for service id "+e.svc.ID.String()), r.body)
	}
	r = e.do(t, "POST", "/v2/notifications/email", map[string]any{"email_address": "someone@example.com", "template_id": e.email.ID,
		"email_reply_to_id": defID}, live)
	assert.Equal(t, v2err(400, "BadRequestError", "email_reply_to_id "+defID+" does not exist in database for service id "+e.svc.ID.String()), r.body)

	// What the provider received.
	e.deliverAll(t)
	got := map[string]notify.Message{}
	for _, s := range sb.Sent() {
		got[s.Message.NotificationID.String()] = s.Message
	}
	require.Len(t, got, 4)
	assert.Equal(t, "447123123123", got[namedSMS].From)
	assert.Equal(t, "GOVUK", got[defaultSMS].From)
	assert.Equal(t, "replies@example.gov.uk", got[namedEmail].ReplyTo)
	assert.Equal(t, "help@example.gov.uk", got[defaultEmail].ReplyTo)
}
