package httpapi_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
	"github.com/notifykit/notify/notifytest"
	"github.com/notifykit/notify/provider/firetext"
	"github.com/notifykit/notify/provider/mmg"
	"github.com/notifykit/notify/provider/ses"
	"github.com/notifykit/notify/provider/twilio"
)

// sink is a service's callback endpoint: it records the requests it gets.
type sink struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []map[string]any
	raw  []string
	auth []string
	path []string
}

func newSink(t *testing.T) *sink {
	s := &sink{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var m map[string]any
		if json.Unmarshal(body, &m) != nil || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.got, s.raw = append(s.got, m), append(s.raw, string(body))
		s.auth, s.path = append(s.auth, r.Header.Get("Authorization")), append(s.path, r.URL.Path)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *sink) wait(t *testing.T, n int) []map[string]any {
	t.Helper()
	require.Eventually(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.got) >= n
	}, 10*time.Second, 5*time.Millisecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.got...)
}

// callbackEnv is a Notifier with running workers (callbacks are allowed to
// reach the sink on loopback) behind a handler with the webhooks of SES,
// MMG and Firetext and the admin API.
type callbackEnv struct {
	env   *notifytest.Env
	h     http.Handler
	svc   *notify.Service
	stats *stats
	logs  *syncBuffer
	sink  *sink
}

func newCallbackEnv(t *testing.T) *callbackEnv {
	t.Helper()
	e := &callbackEnv{stats: &stats{counts: map[string]int{}}, logs: &syncBuffer{}, sink: newSink(t)}
	logger := slog.New(slog.NewJSONHandler(e.logs, nil))
	e.env = notifytest.New(t, notifytest.WithConfig(func(c *notify.Config) {
		c.AllowInsecureCallbacks = true
		c.Logger = logger
	}))
	e.env.Start()
	e.svc = e.env.Service(t, notify.Service{Name: "Callbacks"})
	e.h = httpapi.New(e.env.Notifier, httpapi.Options{Logger: logger, Stats: e.stats, AdminSecret: adminSecret,
		Webhooks: []notify.WebhookProvider{
			&mmg.Receiver{Auth: notify.WebhookAuth{Username: mmgUser, Password: mmgPass}},
			&firetext.Receiver{Auth: notify.WebhookAuth{Token: firetextToken}},
			&ses.Receiver{Auth: notify.WebhookAuth{Username: sesUser, Password: sesPass}},
		}})
	return e
}

// An SES complaint about an email records a complaint and POSTs upstream's
// complaint callback to the service; the email stays delivered, and SNS
// sending the same complaint again changes nothing.
func TestSESComplaintCallback(t *testing.T) {
	t.Parallel()
	e := newCallbackEnv(t)
	n := e.env.Notifier
	_, err := n.SetCallback(ctx, e.svc.ID, notify.CallbackComplaint, notify.CallbackChange{URL: e.sink.srv.URL + "/complaints", BearerToken: "complaint-token-123"})
	require.NoError(t, err)

	ref, sesID := "client-ref-7", "0102018e5a1b2c3d-ses-message-id"
	now := time.Now().UTC()
	nt := &notify.Notification{ID: uuid.New(), ServiceID: e.svc.ID, TemplateID: uuid.New(), TemplateVersion: 1,
		KeyType: notify.KeyTypeLive, Type: notify.Email, To: "Someone@Example.com", NormalisedTo: "someone@example.com",
		ClientReference: &ref, Status: notify.StatusCreated, CreatedAt: now}
	require.NoError(t, e.env.Store.CreateNotification(ctx, nt))
	_, err = e.env.Store.TransitionNotification(ctx, nt.ID, []notify.Status{notify.StatusCreated}, notify.NotificationUpdate{
		Status: notify.StatusDelivered, SentAt: &now, SentBy: "ses", ProviderReference: sesID, UpdatedAt: now})
	require.NoError(t, err)

	event := sesEvent("Complaint", sesID, `"complaint":{"feedbackId":"feedback-42","complaintFeedbackType":"abuse",`+
		`"timestamp":"2026-01-02T03:05:06.789Z","complainedRecipients":[{"emailAddress":"someone@example.com"}]}`)
	auth, notif := basic(sesUser, sesPass), header("X-Amz-Sns-Message-Type", "Notification")
	res := post(t, e.h, "/notifications/email/ses", snsBody(t, event), auth, notif)
	require.Equal(t, http.StatusOK, res.status, string(res.raw))
	assert.Equal(t, map[string]any{"result": "success", "message": "SES-SNS callback succeeded"}, res.body)

	complaints, err := n.Complaints(ctx, e.svc.ID)
	require.NoError(t, err)
	require.Len(t, complaints, 1)
	c := complaints[0]
	assert.Equal(t, nt.ID, c.NotificationID)
	assert.Equal(t, "feedback-42", c.SESFeedbackID)
	assert.Equal(t, "abuse", c.ComplaintType)
	assert.Equal(t, time.Date(2026, 1, 2, 3, 5, 6, 789000000, time.UTC), c.ComplaintDate)

	got := e.sink.wait(t, 1)
	assert.Equal(t, map[string]any{
		"notification_id": nt.ID.String(),
		"complaint_id":    c.ID.String(),
		"reference":       "client-ref-7",
		"to":              "Someone@Example.com",
		"complaint_date":  "2026-01-02T03:05:06.789000Z",
	}, got[0], "upstream's payload, exactly")
	assert.Equal(t, "Bearer complaint-token-123", e.sink.auth[0])
	assert.Equal(t, "/complaints", e.sink.path[0])
	assert.Equal(t, notify.StatusDelivered, e.env.Get(t, nt.ID).Status, "a complaint keeps delivered")

	// SNS delivers at least once: the same complaint again is acknowledged
	// and neither recorded nor sent twice.
	res = post(t, e.h, "/notifications/email/ses", snsBody(t, event), auth, notif)
	require.Equal(t, http.StatusOK, res.status)
	complaints, err = n.Complaints(ctx, e.svc.ID)
	require.NoError(t, err)
	assert.Len(t, complaints, 1)
	time.Sleep(100 * time.Millisecond)
	assert.Len(t, e.sink.wait(t, 1), 1)

	// A complaint about an unknown message is 404, like its receipt.
	res = post(t, e.h, "/notifications/email/ses", snsBody(t, sesEvent("Complaint", "unknown-id", `"complaint":{"feedbackId":"f-2"}`)), auth, notif)
	assert.Equal(t, http.StatusNotFound, res.status)
	assert.NotContains(t, e.logs.String(), "complaint-token-123", "tokens are never logged")
}

// A text message to a service's inbound number is stored for it, read
// through GET /v2/received-text-messages and POSTed to its inbound_sms
// callback with upstream's payload; one to a number nobody has is
// acknowledged, counted and dropped.
func TestInboundSMSCallback(t *testing.T) {
	t.Parallel()
	e := newCallbackEnv(t)
	n := e.env.Notifier
	admin := adminHook(t)

	// Configured over the admin API, on upstream's routes.
	user := uuid.NewString()
	res := post(t, e.h, "/service/"+e.svc.ID.String()+"/inbound-api",
		map[string]any{"url": e.sink.srv.URL + "/texts", "bearer_token": "inbound-token-123", "updated_by_id": user}, admin)
	require.Equal(t, http.StatusCreated, res.status, string(res.raw))
	res = post(t, e.h, "/inbound-number/service/"+e.svc.ID.String(), map[string]any{"number": "07700 900999"}, admin)
	require.Equal(t, http.StatusCreated, res.status, string(res.raw))
	assert.Equal(t, "447700900999", res.body["data"].(map[string]any)["number"])

	res = post(t, e.h, "/notifications/sms/receive/mmg", map[string]any{"MSISDN": "07700900123", "Number": "447700900999",
		"Message": "Yes%20please", "ID": "mmg-1"}, basic(mmgUser, mmgPass))
	require.Equal(t, http.StatusOK, res.status, string(res.raw))
	assert.Equal(t, "RECEIVED", string(res.raw))

	list, err := n.Store().ListInboundSMS(ctx, e.svc.ID, nil, 0)
	require.NoError(t, err)
	require.Len(t, list, 1)
	m := list[0]
	assert.Equal(t, "Yes please", m.Content)
	assert.Equal(t, "mmg", m.Provider)

	caller := e.env.Key(t, e.svc, notify.KeyTypeLive)
	texts, err := n.ReceivedTexts(ctx, caller, nil)
	require.NoError(t, err)
	require.Len(t, texts, 1, "GET /v2/received-text-messages returns it")
	assert.Equal(t, m.ID, texts[0].ID)

	got := e.sink.wait(t, 1)
	assert.Equal(t, map[string]any{
		"id":                 m.ID.String(),
		"source_number":      "447700900123",
		"destination_number": "447700900999",
		"message":            "Yes please",
		"date_received":      m.CreatedAt.UTC().Format(notify.TimeFormat),
	}, got[0], "upstream's payload, exactly")
	assert.Equal(t, "Bearer inbound-token-123", e.sink.auth[0])

	// Unknown destination: acknowledged, counted, not stored, no callback.
	res = post(t, e.h, "/notifications/sms/receive/firetext", url.Values{"source": {"447700900123"},
		"destination": {"447700900111"}, "message": {"Hello?"}}, bearer(firetextToken))
	assert.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, 1, e.stats.count("inbound.firetext.failed"))
	assert.Equal(t, 1, e.stats.count("inbound.mmg.successful"))
	list, err = n.Store().ListInboundSMS(ctx, e.svc.ID, nil, 0)
	require.NoError(t, err)
	assert.Len(t, list, 1)
	time.Sleep(100 * time.Millisecond)
	assert.Len(t, e.sink.wait(t, 1), 1)
	assert.Contains(t, e.logs.String(), "inbound number not associated with a service")
	assert.NotContains(t, e.logs.String(), "inbound-token-123", "tokens are never logged")

	// The inbound number became the service's default SMS sender, linked
	// to the number: it had none.
	senders, err := n.ListSMSSenders(ctx, e.svc.ID)
	require.NoError(t, err)
	require.Len(t, senders, 1)
	assert.Equal(t, "447700900999", senders[0].SMSSender)
	assert.True(t, senders[0].IsDefault)
	assert.NotNil(t, senders[0].InboundNumberID)
}

func adminHook(t *testing.T) hook {
	t.Helper()
	tok, err := notify.NewAdminToken(adminSecret, time.Now())
	require.NoError(t, err)
	return bearer(tok)
}

// The admin callback routes validate as upstream's schema does and answer
// its shapes; tokens are never answered.
func TestAdminCallbackRoutes(t *testing.T) {
	t.Parallel()
	e := newCallbackEnv(t)
	admin := adminHook(t)
	base := "/service/" + e.svc.ID.String() + "/delivery-receipt-api"
	user := uuid.NewString()

	res := post(t, e.h, base, map[string]any{"url": "ftp://example.com", "bearer_token": "tiny-tok"}, admin)
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.JSONEq(t, `{"status_code": 400, "errors": [
		{"error": "ValidationError", "message": "url is not a valid https url"},
		{"error": "ValidationError", "message": "bearer_token is too short"},
		{"error": "ValidationError", "message": "updated_by_id is a required property"}]}`, string(res.raw))
	assert.NotContains(t, string(res.raw), "tiny-tok", "the token is not repeated")
	res = post(t, e.h, base, map[string]any{"url": "https://example.com", "bearer_token": "0123456789", "updated_by_id": user,
		"callback_type": "inbound_sms"}, admin)
	assert.JSONEq(t, `{"status_code": 400, "errors": [{"error": "ValidationError",
		"message": "callback_type inbound_sms is not one of [delivery_status, complaint]"}]}`, string(res.raw))

	res = post(t, e.h, base, map[string]any{"url": "https://example.com/status", "bearer_token": "0123456789", "updated_by_id": user}, admin)
	require.Equal(t, http.StatusCreated, res.status, string(res.raw))
	data := res.body["data"].(map[string]any)
	id := data["id"].(string)
	assert.Equal(t, "delivery_status", data["callback_type"])
	assert.Equal(t, "https://example.com/status", data["url"])
	assert.Equal(t, user, data["updated_by_id"])
	assert.Nil(t, data["updated_at"])
	assert.NotContains(t, string(res.raw), "0123456789")

	res = post(t, e.h, base, map[string]any{"url": "https://example.com/other", "bearer_token": "0123456789", "updated_by_id": user}, admin)
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.JSONEq(t, `{"result": "error", "message": {"name": ["You can only have one URL and bearer token for your service."]}}`, string(res.raw))

	res = post(t, e.h, base, map[string]any{"url": "https://example.com/complaints", "bearer_token": "0123456789",
		"updated_by_id": user, "callback_type": "complaint"}, admin)
	require.Equal(t, http.StatusCreated, res.status, string(res.raw))
	complaintID := res.body["data"].(map[string]any)["id"].(string)

	res = post(t, e.h, base+"/"+id, map[string]any{"url": "https://example.com/new", "updated_by_id": user}, admin)
	require.Equal(t, http.StatusOK, res.status, string(res.raw))
	assert.Equal(t, "https://example.com/new", res.body["data"].(map[string]any)["url"])
	assert.NotNil(t, res.body["data"].(map[string]any)["updated_at"])

	// The inbound route does not reach the other types.
	inbound := "/service/" + e.svc.ID.String() + "/inbound-api/"
	res = post(t, e.h, inbound+id, map[string]any{"updated_by_id": user}, admin)
	assert.Equal(t, http.StatusNotFound, res.status)

	cb, err := e.env.Notifier.Callback(ctx, e.svc.ID, notify.CallbackComplaint)
	require.NoError(t, err)
	assert.Equal(t, complaintID, cb.ID.String())
	assert.Equal(t, "https://example.com/complaints", cb.URL)
}

// Service.CallbackURL, the older single callback, keeps receiving
// delivery statuses until a delivery_status callback takes over; deleting
// that makes it apply again.
func TestDeliveryStatusCallbackPrecedence(t *testing.T) {
	t.Parallel()
	e := newCallbackEnv(t)
	n := e.env.Notifier
	legacy, current := newSink(t), newSink(t)
	require.NoError(t, n.SetServiceCallback(ctx, e.svc.ID, legacy.srv.URL+"/legacy", "legacy-token-123"))
	caller := e.env.Key(t, e.svc, notify.KeyTypeSimulate)
	tpl := e.env.Template(t, e.svc, notify.SMS, "", "Hello")
	send := func() uuid.UUID {
		nt, err := n.SendSMS(ctx, caller, &notify.SMSRequest{PhoneNumber: "07700900456", TemplateID: tpl.ID})
		require.NoError(t, err)
		e.env.WaitFinal(t, nt.ID)
		return nt.ID
	}
	first := send()
	assert.Equal(t, first.String(), legacy.wait(t, 1)[0]["id"])

	_, err := n.SetCallback(ctx, e.svc.ID, notify.CallbackDeliveryStatus, notify.CallbackChange{URL: current.srv.URL + "/status", BearerToken: "current-token-123"})
	require.NoError(t, err)
	second := send()
	assert.Equal(t, second.String(), current.wait(t, 1)[0]["id"])
	assert.Equal(t, "Bearer current-token-123", current.auth[0])

	require.NoError(t, n.DeleteCallback(ctx, e.svc.ID, notify.CallbackDeliveryStatus))
	third := send()
	got := legacy.wait(t, 2)
	assert.Equal(t, third.String(), got[1]["id"])
	assert.Len(t, current.wait(t, 1), 1)
}

func TestCallbackRequestMessages(t *testing.T) {
	t.Parallel()
	e := newCallbackEnv(t)
	n := e.env.Notifier
	cases := []struct {
		body   string
		create bool
		want   []string
	}{
		{`{}`, true, []string{"url is a required property", "bearer_token is a required property", "updated_by_id is a required property"}},
		{`{}`, false, []string{"updated_by_id is a required property"}},
		{`{"url": 1, "bearer_token": 2, "updated_by_id": 3}`, true, []string{notify.MsgCallbackURL, "bearer_token is not of type string", "updated_by_id is not a valid UUID"}},
		{`{"url": "ftp://example.com/x", "bearer_token": "0123456789", "updated_by_id": "nope"}`, true, []string{notify.MsgCallbackURL, "updated_by_id is not a valid UUID"}},
		{`{"url": null, "updated_by_id": "` + uuid.NewString() + `"}`, false, []string{notify.MsgCallbackURL}},
	}
	for _, c := range cases {
		_, err := n.DecodeCallbackRequest([]byte(c.body), c.create)
		var got []string
		for _, e := range notify.ErrorList(err) {
			got = append(got, e.Message)
		}
		assert.Equal(t, c.want, got, c.body)
	}
	_, err := n.DecodeCallbackRequest([]byte(`[]`), true)
	assert.Equal(t, []string{notify.MsgInvalidJSON}, func() (out []string) {
		for _, e := range notify.ErrorList(err) {
			out = append(out, e.Message)
		}
		return
	}())
	req, err := n.DecodeCallbackRequest([]byte(`{"url": "https://example.com", "bearer_token": "0123456789", "updated_by_id": "`+e.svc.ID.String()+`"}`), true)
	require.NoError(t, err)
	assert.Equal(t, "https://example.com", req.Change.URL)
	assert.Equal(t, e.svc.ID, *req.Change.UpdatedBy)
}

// Twilio posts the text messages its numbers receive, signed; the answer
// is empty so that Twilio replies nothing.
func TestTwilioInbound(t *testing.T) {
	t.Parallel()
	e := newReceiptEnv(t)
	form := url.Values{"MessageSid": {"SM9"}, "From": {"+447700900123"}, "To": {"+447700900001"}, "Body": {"Yes"}}
	sig := header("X-Twilio-Signature", twilio.Signature(twilioToken, publicURL+twilio.InboundPath, form))
	res := post(t, e.h, twilio.InboundPath, form, sig)
	require.Equal(t, http.StatusOK, res.status, string(res.raw))
	assert.Empty(t, res.raw)
	list, err := e.store.ListInboundSMS(ctx, e.svc.ID, nil, 0)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, "Yes", list[0].Content)
	assert.Equal(t, "twilio", list[0].Provider)
	res = post(t, e.h, twilio.InboundPath, form, header("X-Twilio-Signature", "forged"))
	assert.Equal(t, http.StatusForbidden, res.status)
}
