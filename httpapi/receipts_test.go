package httpapi_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
	"github.com/notifykit/notify/provider/firetext"
	"github.com/notifykit/notify/provider/mmg"
	"github.com/notifykit/notify/provider/ses"
	"github.com/notifykit/notify/provider/twilio"
)

const (
	mmgUser, mmgPass = "mmg", "mmg-secret-1"
	firetextToken    = "firetext-token-2"
	sesUser, sesPass = "sns", "sns-secret-3"
	twilioToken      = "twilio-auth-token-4"
	publicURL        = "https://notify.example"
	inboundNumber    = "07700 900 001"
)

// receiptEnv is an env whose handler has every provider webhook enabled.
type receiptEnv struct {
	*env
	h http.Handler
}

func newReceiptEnv(t *testing.T) *receiptEnv {
	t.Helper()
	e := newEnv(t, notify.Service{})
	logger := slog.New(slog.NewJSONHandler(e.logs, nil))
	h := httpapi.New(e.n, httpapi.Options{Logger: logger, Stats: e.stats, PublicURL: publicURL,
		Webhooks: []notify.WebhookProvider{
			&mmg.Receiver{Auth: notify.WebhookAuth{Username: mmgUser, Password: mmgPass}},
			&firetext.Receiver{Auth: notify.WebhookAuth{Token: firetextToken}},
			&ses.Receiver{Auth: notify.WebhookAuth{Username: sesUser, Password: sesPass}},
			&twilio.Receiver{AuthToken: twilioToken},
		},
		InboundNumbers: map[string]uuid.UUID{inboundNumber: e.svc.ID, "40604": e.svc.ID},
	})
	return &receiptEnv{env: e, h: h}
}

// notification stores an SMS or email notification that a provider has
// (status sending unless told), with provider reference ref.
func (e *receiptEnv) notification(t *testing.T, typ notify.NotificationType, provider, ref string, status notify.Status) uuid.UUID {
	t.Helper()
	now := time.Now().UTC()
	n := &notify.Notification{ID: uuid.New(), ServiceID: e.svc.ID, TemplateID: e.sms.ID, TemplateVersion: 1,
		APIKeyID: e.keys[notify.KeyTypeLive].ID, KeyType: notify.KeyTypeLive, Type: typ, To: "07700 900123",
		NormalisedTo: "447700900123", Status: notify.StatusCreated, CreatedAt: now}
	require.NoError(t, e.store.CreateNotification(ctx, n))
	sent := now
	_, err := e.store.TransitionNotification(ctx, n.ID, []notify.Status{notify.StatusCreated},
		notify.NotificationUpdate{Status: notify.StatusSending, SentAt: &sent, SentBy: provider, ProviderReference: ref, UpdatedAt: now})
	require.NoError(t, err)
	if status != notify.StatusSending {
		_, err = e.store.TransitionNotification(ctx, n.ID, []notify.Status{notify.StatusSending},
			notify.NotificationUpdate{Status: status, UpdatedAt: now})
		require.NoError(t, err)
	}
	return n.ID
}

func (e *receiptEnv) status(t *testing.T, id uuid.UUID) notify.Status {
	t.Helper()
	n, err := e.store.GetNotification(ctx, id)
	require.NoError(t, err)
	return n.Status
}

type hook func(*http.Request)

func basic(user, pass string) hook { return func(r *http.Request) { r.SetBasicAuth(user, pass) } }
func bearer(tok string) hook {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}
func header(k, v string) hook { return func(r *http.Request) { r.Header.Set(k, v) } }

// post sends body (a url.Values is sent as a form, a string or []byte as
// is, anything else as JSON).
func post(t *testing.T, h http.Handler, path string, body any, hooks ...hook) response {
	t.Helper()
	var raw []byte
	ct := "application/json"
	switch b := body.(type) {
	case url.Values:
		raw, ct = []byte(b.Encode()), "application/x-www-form-urlencoded"
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		raw, err = json.Marshal(b)
		require.NoError(t, err)
	}
	req := httptest.NewRequest(http.MethodPost, "http://api.test"+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", ct)
	for _, f := range hooks {
		f(req)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), raw: rec.Body.Bytes()}
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		require.NoError(t, json.Unmarshal(res.raw, &res.body), "body: %s", res.raw)
	}
	return res
}

var success = map[string]any{"result": "success"}

func TestMMGReceipt(t *testing.T) {
	t.Parallel()
	e := newReceiptEnv(t)
	auth := basic(mmgUser, mmgPass)
	cases := []struct {
		status any
		want   notify.Status
	}{
		{"2", notify.StatusPermanentFailure},
		{3, notify.StatusDelivered},
		{"3", notify.StatusDelivered},
		{"4", notify.StatusTemporaryFailure},
		{5, notify.StatusPermanentFailure},
		{"1", notify.StatusTechnicalFailure},
		{"elephant", notify.StatusTechnicalFailure},
	}
	for _, c := range cases {
		id := e.notification(t, notify.SMS, "mmg", "", notify.StatusSending)
		res := post(t, e.h, "/notifications/sms/mmg", map[string]any{"status": c.status, "CID": id.String(),
			"substatus": 5, "MSISDN": "447700900123", "reference": "mmg-ref"}, auth)
		assert.Equal(t, http.StatusOK, res.status, "%v: %s", c.status, res.raw)
		assert.Equal(t, success, res.body)
		assert.Equal(t, c.want, e.status(t, id), "status %v", c.status)
	}
	assert.Contains(t, e.logs.String(), "MMG callback failed: status elephant not found.")
	assert.Equal(t, len(cases), e.stats.count("POST.receipts.process_mmg_response.200"))

	t.Run("missing fields", func(t *testing.T) {
		for _, c := range []struct {
			body any
			msgs []any
		}{
			{map[string]any{"CID": uuid.NewString()}, []any{"MMG callback failed: status missing"}},
			{map[string]any{"status": "3"}, []any{"MMG callback failed: CID missing"}},
			{map[string]any{"status": "", "CID": nil}, []any{"MMG callback failed: status missing", "MMG callback failed: CID missing"}},
			{map[string]any{}, []any{"MMG callback failed: status missing", "MMG callback failed: CID missing"}},
		} {
			res := post(t, e.h, "/notifications/sms/mmg", c.body, auth)
			assert.Equal(t, http.StatusBadRequest, res.status)
			assert.Equal(t, map[string]any{"result": "error", "message": c.msgs}, res.body)
		}
	})
	t.Run("invalid JSON", func(t *testing.T) {
		res := post(t, e.h, "/notifications/sms/mmg", "FOOO", auth)
		assert.Equal(t, http.StatusBadRequest, res.status)
		assert.Equal(t, v1err("Invalid JSON supplied in POST data"), res.body)
	})
	t.Run("unknown notification", func(t *testing.T) {
		res := post(t, e.h, "/notifications/sms/mmg", map[string]any{"status": "3", "CID": uuid.NewString()}, auth)
		assert.Equal(t, http.StatusNotFound, res.status)
		assert.Equal(t, v1err("No result found"), res.body)
	})
	t.Run("final status is kept", func(t *testing.T) {
		id := e.notification(t, notify.SMS, "mmg", "", notify.StatusDelivered)
		res := post(t, e.h, "/notifications/sms/mmg", map[string]any{"status": "2", "CID": id.String()}, auth)
		assert.Equal(t, http.StatusOK, res.status, "a receipt for a final notification is acknowledged")
		assert.Equal(t, notify.StatusDelivered, e.status(t, id))
	})
}

func TestFiretextReceipt(t *testing.T) {
	t.Parallel()
	e := newReceiptEnv(t)
	auth := bearer(firetextToken)
	cases := []struct {
		name       string
		status     string
		code       string
		from, want notify.Status
	}{
		{"delivered", "0", "", notify.StatusSending, notify.StatusDelivered},
		{"pending", "2", "", notify.StatusSending, notify.StatusPending},
		{"failure without code while sending", "1", "", notify.StatusSending, notify.StatusPermanentFailure},
		{"failure without code while pending", "1", "", notify.StatusPending, notify.StatusTemporaryFailure},
		{"failure with an unknown code while pending", "1", "999", notify.StatusPending, notify.StatusTemporaryFailure},
		{"101 permanent", "1", "101", notify.StatusPending, notify.StatusPermanentFailure},
		{"102 temporary", "1", "102", notify.StatusSending, notify.StatusTemporaryFailure},
		{"401 permanent", "1", "401", notify.StatusSending, notify.StatusPermanentFailure},
		{"900 temporary", "1", "900", notify.StatusSending, notify.StatusTemporaryFailure},
		{"delivered after pending", "0", "", notify.StatusPending, notify.StatusDelivered},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := e.notification(t, notify.SMS, "firetext", "", c.from)
			form := url.Values{"status": {c.status}, "reference": {id.String()}, "mobile": {"447700900123"}, "time": {"2026-01-02 03:04:05"}}
			if c.code != "" {
				form.Set("code", c.code)
			}
			res := post(t, e.h, "/notifications/sms/firetext", form, auth)
			assert.Equal(t, http.StatusOK, res.status, "%s", res.raw)
			assert.Equal(t, success, res.body)
			assert.Equal(t, c.want, e.status(t, id))
		})
	}
	t.Run("missing fields", func(t *testing.T) {
		res := post(t, e.h, "/notifications/sms/firetext", url.Values{"code": {"101"}}, auth)
		assert.Equal(t, http.StatusBadRequest, res.status)
		assert.Equal(t, map[string]any{"result": "error", "message": []any{
			"Firetext callback failed: status missing", "Firetext callback failed: reference missing"}}, res.body)
		res = post(t, e.h, "/notifications/sms/firetext", url.Values{"status": {"0"}}, auth)
		assert.Equal(t, map[string]any{"result": "error", "message": []any{"Firetext callback failed: reference missing"}}, res.body)
	})
}

// snsBody wraps an SES event in an SNS notification.
func snsBody(t *testing.T, event string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]string{"Type": "Notification", "MessageId": uuid.NewString(),
		"TopicArn": "arn:aws:sns:eu-west-2:123456789012:ses", "Message": event, "Timestamp": "2026-01-02T03:04:05.000Z"})
	require.NoError(t, err)
	return b
}

func sesEvent(kind, ref, extra string) string {
	s := `{"notificationType":"` + kind + `","mail":{"messageId":"` + ref + `","timestamp":"2026-01-02T03:04:00.000Z"}`
	if extra != "" {
		s += "," + extra
	}
	return s + "}"
}

func TestSESReceipt(t *testing.T) {
	t.Parallel()
	e := newReceiptEnv(t)
	auth := basic(sesUser, sesPass)
	notif := header("X-Amz-Sns-Message-Type", "Notification")
	cases := []struct {
		name       string
		kind       string
		extra      string
		from, want notify.Status
	}{
		{"delivery", "Delivery", `"delivery":{"timestamp":"2026-01-02T03:04:05.000Z"}`, notify.StatusSending, notify.StatusDelivered},
		{"permanent bounce", "Bounce", `"bounce":{"bounceType":"Permanent","bounceSubType":"General"}`, notify.StatusSending, notify.StatusPermanentFailure},
		{"transient bounce", "Bounce", `"bounce":{"bounceType":"Transient","bounceSubType":"MailboxFull"}`, notify.StatusSending, notify.StatusTemporaryFailure},
		{"undetermined bounce", "Bounce", `"bounce":{"bounceType":"Undetermined"}`, notify.StatusSending, notify.StatusTemporaryFailure},
		{"complaint keeps delivered", "Complaint", `"complaint":{"complaintFeedbackType":"abuse"}`, notify.StatusDelivered, notify.StatusDelivered},
		{"complaint keeps a bounce", "Complaint", `"complaint":{}`, notify.StatusPermanentFailure, notify.StatusPermanentFailure},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ref := "0102018c-" + uuid.NewString() + "-000000"
			id := e.notification(t, notify.Email, "ses", ref, c.from)
			res := post(t, e.h, "/notifications/email/ses", snsBody(t, sesEvent(c.kind, ref, c.extra)), auth, notif)
			assert.Equal(t, http.StatusOK, res.status, "%s", res.raw)
			assert.Equal(t, map[string]any{"result": "success", "message": "SES-SNS callback succeeded"}, res.body)
			assert.Equal(t, c.want, e.status(t, id))
		})
	}
	t.Run("a reference another provider gave does not match", func(t *testing.T) {
		ref := "shared-ref"
		id := e.notification(t, notify.Email, "smtp", ref, notify.StatusSending)
		res := post(t, e.h, "/notifications/email/ses", snsBody(t, sesEvent("Delivery", ref, "")), auth, notif)
		assert.Equal(t, http.StatusNotFound, res.status)
		assert.Equal(t, notify.StatusSending, e.status(t, id))
	})
	t.Run("events that are not receipts are acknowledged", func(t *testing.T) {
		res := post(t, e.h, "/notifications/email/ses", snsBody(t, sesEvent("Open", "x", "")), auth, notif)
		assert.Equal(t, http.StatusOK, res.status)
	})
	t.Run("errors", func(t *testing.T) {
		res := post(t, e.h, "/notifications/email/ses", snsBody(t, sesEvent("Delivery", "x", "")), auth, header("X-Amz-Sns-Message-Type", "foo"))
		assert.Equal(t, http.StatusBadRequest, res.status)
		assert.Equal(t, v1err("SES-SNS callback failed: invalid message type"), res.body)
		res = post(t, e.h, "/notifications/email/ses", snsBody(t, sesEvent("Delivery", "x", "")), auth)
		assert.Equal(t, v1err("SES-SNS callback failed: invalid message type"), res.body, "the header is required")
		res = post(t, e.h, "/notifications/email/ses", "FOOO", auth, notif)
		assert.Equal(t, http.StatusBadRequest, res.status)
		assert.Equal(t, v1err("SES-SNS callback failed: invalid JSON given"), res.body)
		res = post(t, e.h, "/notifications/email/ses", snsBody(t, "FOOO"), auth, notif)
		assert.Equal(t, http.StatusBadRequest, res.status)
		assert.Equal(t, v1err("SES-SNS callback failed"), res.body)
	})
	t.Run("subscription confirmation is logged, not fetched", func(t *testing.T) {
		var fetched atomic.Bool
		srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { fetched.Store(true) }))
		t.Cleanup(srv.Close)
		sub := srv.URL + "/?Action=ConfirmSubscription&Token=abc"
		body, err := json.Marshal(map[string]string{"Type": "SubscriptionConfirmation", "SubscribeURL": sub, "Token": "abc",
			"TopicArn": "arn:aws:sns:eu-west-2:123456789012:ses", "Message": "You have chosen to subscribe"})
		require.NoError(t, err)
		res := post(t, e.h, "/notifications/email/ses", body, auth, header("X-Amz-Sns-Message-Type", "SubscriptionConfirmation"))
		assert.Equal(t, http.StatusOK, res.status)
		assert.Contains(t, e.logs.String(), sub)
		assert.False(t, fetched.Load(), "the SubscribeURL is for an operator to visit")
	})
}

// twilioPost signs form for path as Twilio would.
func twilioPost(t *testing.T, h http.Handler, path string, form url.Values, token string) response {
	t.Helper()
	sig := twilio.Signature(token, publicURL+path, form)
	return post(t, h, path, form, header("X-Twilio-Signature", sig))
}

func TestTwilioReceipt(t *testing.T) {
	t.Parallel()
	e := newReceiptEnv(t)
	cases := []struct {
		status, code string
		want         notify.Status
	}{
		{"delivered", "", notify.StatusDelivered},
		{"sent", "", notify.StatusPending},
		{"queued", "", notify.StatusSending},
		{"undelivered", "30003", notify.StatusTemporaryFailure},
		{"undelivered", "30005", notify.StatusPermanentFailure},
		{"failed", "30001", notify.StatusTechnicalFailure},
	}
	for _, c := range cases {
		t.Run(c.status+c.code, func(t *testing.T) {
			sid := "SM" + strings.ReplaceAll(uuid.NewString(), "-", "")
			id := e.notification(t, notify.SMS, "twilio", sid, notify.StatusSending)
			form := url.Values{"MessageSid": {sid}, "MessageStatus": {c.status}, "AccountSid": {"AC1"}}
			if c.code != "" {
				form.Set("ErrorCode", c.code)
			}
			res := twilioPost(t, e.h, "/notifications/sms/twilio/"+id.String(), form, twilioToken)
			assert.Equal(t, http.StatusOK, res.status, "%s", res.raw)
			assert.Equal(t, c.want, e.status(t, id))
		})
	}
	id := e.notification(t, notify.SMS, "twilio", "SM1", notify.StatusSending)
	path := "/notifications/sms/twilio/" + id.String()
	form := url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"delivered"}}
	t.Run("wrong signature", func(t *testing.T) {
		res := twilioPost(t, e.h, path, form, "not-the-token")
		assert.Equal(t, http.StatusForbidden, res.status)
		forged := url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"failed"}}
		sig := twilio.Signature(twilioToken, publicURL+path, form)
		res = post(t, e.h, path, forged, header("X-Twilio-Signature", sig))
		assert.Equal(t, http.StatusForbidden, res.status, "the signature covers the parameters")
		other := e.notification(t, notify.SMS, "twilio", "SM2", notify.StatusSending)
		res = post(t, e.h, "/notifications/sms/twilio/"+other.String(), form, header("X-Twilio-Signature", sig))
		assert.Equal(t, http.StatusForbidden, res.status, "the signature covers the notification id in the URL")
		assert.Equal(t, notify.StatusSending, e.status(t, other))
	})
	t.Run("no signature", func(t *testing.T) {
		res := post(t, e.h, path, form)
		assert.Equal(t, http.StatusUnauthorized, res.status)
		assert.Equal(t, notify.StatusSending, e.status(t, id))
	})
	t.Run("malformed", func(t *testing.T) {
		res := twilioPost(t, e.h, path, url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"elephant"}}, twilioToken)
		assert.Equal(t, http.StatusBadRequest, res.status)
		assert.Equal(t, v1err(`Twilio callback failed: status callback: unknown MessageStatus "elephant"`), res.body)
	})
	t.Run("unknown notification", func(t *testing.T) {
		res := twilioPost(t, e.h, "/notifications/sms/twilio/"+uuid.NewString(), form, twilioToken)
		assert.Equal(t, http.StatusNotFound, res.status)
		res = twilioPost(t, e.h, "/notifications/sms/twilio/not-a-uuid", form, twilioToken)
		assert.Equal(t, http.StatusNotFound, res.status)
	})
}

// Every webhook refuses requests without the provider's credentials, and
// does not exist when the provider is not configured.
func TestReceiptAuthentication(t *testing.T) {
	t.Parallel()
	e := newReceiptEnv(t)
	bare := httpapi.New(e.n, httpapi.Options{Logger: slog.New(slog.NewJSONHandler(e.logs, nil)),
		Webhooks: []notify.WebhookProvider{&mmg.Receiver{}, &firetext.Receiver{}, &ses.Receiver{}, &twilio.Receiver{}}})
	none := httpapi.New(e.n, httpapi.Options{Logger: slog.New(slog.NewJSONHandler(e.logs, nil))})
	id := e.notification(t, notify.SMS, "mmg", "", notify.StatusSending)
	mmg := map[string]any{"status": "2", "CID": id.String()}
	fire := url.Values{"status": {"1"}, "reference": {id.String()}, "code": {"101"}}
	sesBody := snsBody(t, sesEvent("Bounce", "x", `"bounce":{"bounceType":"Permanent"}`))
	inMMG := map[string]any{"MSISDN": "447700900123", "Number": inboundNumber, "Message": "hi"}
	inFire := url.Values{"source": {"447700900123"}, "destination": {inboundNumber}, "message": {"hi"}}
	snsHdr := header("X-Amz-Sns-Message-Type", "Notification")
	cases := []struct {
		name  string
		path  string
		body  any
		wrong []hook
	}{
		{"mmg", "/notifications/sms/mmg", mmg, []hook{basic(mmgUser, "wrong"), basic("other", mmgPass), bearer(mmgPass)}},
		{"firetext", "/notifications/sms/firetext", fire, []hook{bearer("wrong"), basic("firetext", firetextToken)}},
		{"ses", "/notifications/email/ses", sesBody, []hook{basic(sesUser, "wrong"), basic(mmgUser, mmgPass)}},
		{"mmg inbound", "/notifications/sms/receive/mmg", inMMG, []hook{basic(mmgUser, "wrong")}},
		{"firetext inbound", "/notifications/sms/receive/firetext", inFire, []hook{bearer("wrong")}},
		{"twilio", "/notifications/sms/twilio/" + id.String(), url.Values{"MessageSid": {"SM"}, "MessageStatus": {"failed"}},
			[]hook{header("X-Twilio-Signature", "AAAA"), header("X-Twilio-Signature", twilio.Signature(twilioToken, publicURL+"/other", nil))}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := post(t, e.h, c.path, c.body, snsHdr)
			if c.name == "twilio" {
				assert.Equal(t, http.StatusUnauthorized, res.status)
			} else {
				assert.Equal(t, http.StatusUnauthorized, res.status)
				assert.Equal(t, `Basic realm="notify receipts"`, res.header.Get("WWW-Authenticate"))
			}
			for i, h := range c.wrong {
				res := post(t, e.h, c.path, c.body, h, snsHdr)
				assert.Equal(t, http.StatusForbidden, res.status, "wrong credentials %d", i)
			}
			res = post(t, bare, c.path, c.body, basic(mmgUser, mmgPass), snsHdr)
			assert.Equal(t, http.StatusNotFound, res.status, "not configured: the endpoint does not exist")
			assert.Equal(t, v1err(notFound), res.body)
			res = post(t, none, c.path, c.body, basic(mmgUser, mmgPass), snsHdr)
			assert.Equal(t, http.StatusNotFound, res.status, "not mounted")
			assert.Equal(t, v1err(notFound), res.body)
		})
	}
	assert.Equal(t, notify.StatusSending, e.status(t, id), "no refused receipt changed the status")
	list, err := e.store.ListInboundSMS(ctx, e.svc.ID, nil, 0)
	require.NoError(t, err)
	assert.Empty(t, list, "no refused inbound message was stored")
	assert.NotContains(t, e.logs.String(), mmgPass)
	assert.NotContains(t, e.logs.String(), base64.StdEncoding.EncodeToString([]byte(mmgUser+":"+mmgPass)))
}

func TestInboundSMS(t *testing.T) {
	t.Parallel()
	e := newReceiptEnv(t)
	t.Run("mmg", func(t *testing.T) {
		res := post(t, e.h, "/notifications/sms/receive/mmg", map[string]any{"MSISDN": "447700900123", "Number": "447700900001",
			"Message": "Hello+there%21+%C2%A35", "ID": "mmg-1", "DateRecieved": "2026-01-02+03%3A04%3A05"}, basic(mmgUser, mmgPass))
		assert.Equal(t, http.StatusOK, res.status)
		assert.Equal(t, "RECEIVED", string(res.raw))
	})
	t.Run("firetext", func(t *testing.T) {
		res := post(t, e.h, "/notifications/sms/receive/firetext", url.Values{"source": {"07700900456"}, "destination": {"+44 7700 900001"},
			"message": {"Stop"}, "time": {"2026-01-02 03:04:05"}}, bearer(firetextToken))
		assert.Equal(t, http.StatusOK, res.status)
		assert.Equal(t, map[string]any{"status": "ok"}, res.body)
	})
	t.Run("short code", func(t *testing.T) {
		res := post(t, e.h, "/notifications/sms/receive/mmg", map[string]any{"MSISDN": "447700900789", "Number": "40604", "Message": "Yes"}, basic(mmgUser, mmgPass))
		assert.Equal(t, http.StatusOK, res.status)
	})
	list, err := e.store.ListInboundSMS(ctx, e.svc.ID, nil, 0)
	require.NoError(t, err)
	require.Len(t, list, 3)
	got := map[string]notify.InboundSMS{}
	for _, m := range list {
		got[m.Provider+"/"+m.Content] = m
	}
	m := got["mmg/Hello there! £5"]
	assert.Equal(t, "447700900123", m.UserNumber)
	assert.Equal(t, "447700900001", m.NotifyNumber)
	f := got["firetext/Stop"]
	assert.Equal(t, "447700900456", f.UserNumber, "normalised")
	assert.Equal(t, "447700900001", f.NotifyNumber)
	assert.Equal(t, "40604", got["mmg/Yes"].NotifyNumber)
	assert.Equal(t, 2, e.stats.count("inbound.mmg.successful"))
	assert.Equal(t, 1, e.stats.count("inbound.firetext.successful"))

	// The service reads them through the API.
	res := e.do(t, http.MethodGet, "/v2/received-text-messages", nil, e.keys[notify.KeyTypeLive])
	require.Equal(t, http.StatusOK, res.status)
	assert.Len(t, res.body["received_text_messages"], 3)

	t.Run("unknown number is acknowledged and dropped", func(t *testing.T) {
		res := post(t, e.h, "/notifications/sms/receive/mmg", map[string]any{"MSISDN": "447700900123", "Number": "447700900999", "Message": "x"}, basic(mmgUser, mmgPass))
		assert.Equal(t, http.StatusOK, res.status)
		assert.Equal(t, "RECEIVED", string(res.raw))
		res = post(t, e.h, "/notifications/sms/receive/firetext", url.Values{"source": {"447700900123"}, "destination": {"447700900999"}, "message": {"x"}}, bearer(firetextToken))
		assert.Equal(t, http.StatusOK, res.status)
		list, err := e.store.ListInboundSMS(ctx, e.svc.ID, nil, 0)
		require.NoError(t, err)
		assert.Len(t, list, 3)
		assert.Contains(t, e.logs.String(), "inbound number not associated with a service")
		assert.Equal(t, 1, e.stats.count("inbound.mmg.failed"))
		assert.Equal(t, 1, e.stats.count("inbound.firetext.failed"))
	})
	t.Run("missing fields", func(t *testing.T) {
		res := post(t, e.h, "/notifications/sms/receive/mmg", map[string]any{"Message": "x"}, basic(mmgUser, mmgPass))
		assert.Equal(t, http.StatusBadRequest, res.status)
		assert.Equal(t, map[string]any{"result": "error", "message": []any{"MMG inbound SMS failed: MSISDN missing", "MMG inbound SMS failed: Number missing"}}, res.body)
	})
}

// Without Options.PublicURL the signed URL is the request's own.
func TestTwilioSignatureURLFromRequest(t *testing.T) {
	t.Parallel()
	e := newReceiptEnv(t)
	h := httpapi.New(e.n, httpapi.Options{Logger: slog.New(slog.NewJSONHandler(e.logs, nil)),
		Webhooks: []notify.WebhookProvider{&twilio.Receiver{AuthToken: twilioToken}}})
	id := e.notification(t, notify.SMS, "twilio", "SM9", notify.StatusSending)
	path := "/notifications/sms/twilio/" + id.String()
	form := url.Values{"MessageSid": {"SM9"}, "MessageStatus": {"delivered"}}
	res := post(t, h, path, form, header("X-Twilio-Signature", twilio.Signature(twilioToken, publicURL+path, form)))
	assert.Equal(t, http.StatusForbidden, res.status, "signed for another host")
	res = post(t, h, path, form, header("X-Twilio-Signature", twilio.Signature(twilioToken, "http://api.test"+path, form)))
	assert.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, notify.StatusDelivered, e.status(t, id))
}
