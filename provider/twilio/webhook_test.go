package twilio_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/provider/twilio"
)

// callbackRequest is a status callback for notification id, signed for
// the URL callback/id with token (unsigned when token is empty).
func callbackRequest(id string, form url.Values, token string) (*http.Request, string) {
	u := callback + "/" + id
	r := httptest.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.SetPathValue("notification_id", id)
	if token != "" {
		r.Header.Set("X-Twilio-Signature", twilio.Signature(token, u, form))
	}
	return r, u
}

func TestWebhook(t *testing.T) {
	t.Parallel()
	p := newProvider(t, nil, nil)
	hooks := p.Webhooks()
	require.Len(t, hooks, 2)
	wh := hooks[0]
	assert.Equal(t, http.MethodPost, wh.Method)
	assert.Equal(t, twilio.StatusCallbackPath, wh.Path)
	assert.True(t, strings.HasPrefix(wh.Path, strings.TrimPrefix(callback, "https://notify.example")+"/"),
		"StatusCallbackURL points at the route")
	assert.Equal(t, "process_twilio_response", wh.Name)
	require.NotNil(t, wh.Verify, "the provider's auth token checks the signatures")
	log := slog.New(slog.DiscardHandler)
	id := uuid.New()

	t.Run("signature", func(t *testing.T) {
		form := cb("SM1", "delivered", "")
		r, u := callbackRequest(id.String(), form, authToken)
		require.NoError(t, wh.Verify(r, u))
		r, u = callbackRequest(id.String(), form, "")
		require.ErrorIs(t, wh.Verify(r, u), notify.ErrWebhookUnauthorized)
		r, u = callbackRequest(id.String(), form, "another token")
		require.ErrorIs(t, wh.Verify(r, u), notify.ErrWebhookForbidden)
		r, _ = callbackRequest(id.String(), form, authToken)
		require.ErrorIs(t, wh.Verify(r, "https://elsewhere.example/x"), notify.ErrWebhookForbidden)
	})
	t.Run("receipt for the notification in the URL", func(t *testing.T) {
		r, _ := callbackRequest(id.String(), cb("SM1", "undelivered", "30005"), "")
		res, err := wh.Parse(r, log)
		require.NoError(t, err)
		require.Len(t, res.Receipts, 1)
		assert.Equal(t, id, res.Receipts[0].NotificationID)
		assert.Equal(t, "SM1", res.Receipts[0].ProviderReference)
		assert.Equal(t, notify.StatusPermanentFailure, res.Receipts[0].Status)
	})
	t.Run("a status that changes nothing is acknowledged", func(t *testing.T) {
		r, _ := callbackRequest(id.String(), cb("SM1", "queued", ""), "")
		res, err := wh.Parse(r, log)
		require.NoError(t, err)
		assert.Equal(t, notify.WebhookResult{}, res)
	})
	t.Run("malformed", func(t *testing.T) {
		r, _ := callbackRequest(id.String(), cb("SM1", "elephant", ""), "")
		_, err := wh.Parse(r, log)
		var bad *notify.WebhookError
		require.ErrorAs(t, err, &bad)
		assert.Equal(t, `Twilio callback failed: status callback: unknown MessageStatus "elephant"`, bad.Message)
		r, _ = callbackRequest("not-a-uuid", cb("SM1", "delivered", ""), "")
		_, err = wh.Parse(r, log)
		require.ErrorIs(t, err, notify.ErrNoResult)
	})
}

// Without an auth token the webhook is disabled.
func TestReceiverWithoutToken(t *testing.T) {
	t.Parallel()
	wh := (&twilio.Receiver{}).Webhooks()[0]
	assert.Nil(t, wh.Verify)
	assert.True(t, wh.Auth.IsZero())
	assert.NotNil(t, (&twilio.Receiver{AuthToken: authToken}).Webhooks()[0].Verify)
}

// Text messages Twilio receives on a number are signed like status
// callbacks and become inbound messages; the answer is empty so that
// Twilio replies nothing.
func TestInboundWebhook(t *testing.T) {
	t.Parallel()
	wh := (&twilio.Receiver{AuthToken: authToken}).Webhooks()[1]
	assert.Equal(t, twilio.InboundPath, wh.Path)
	assert.Equal(t, "receive_twilio_sms", wh.Name)
	form := url.Values{"MessageSid": {"SM9"}, "From": {"+447700900123"}, "To": {"+447700900999"}, "Body": {"Yes please"}}
	u := "https://notify.example" + twilio.InboundPath
	req := func(form url.Values, sig string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if sig != "" {
			r.Header.Set("X-Twilio-Signature", sig)
		}
		return r
	}
	require.NoError(t, wh.Verify(req(form, twilio.Signature(authToken, u, form)), u))
	require.ErrorIs(t, wh.Verify(req(form, ""), u), notify.ErrWebhookUnauthorized)
	require.ErrorIs(t, wh.Verify(req(form, twilio.Signature("another token", u, form)), u), notify.ErrWebhookForbidden)

	res, err := wh.Parse(req(form, ""), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.NotNil(t, res.Inbound)
	assert.Equal(t, notify.InboundSMS{NotifyNumber: "+447700900999", UserNumber: "+447700900123", Content: "Yes please", Provider: "twilio"}, *res.Inbound)
	assert.Equal(t, "", res.Reply)

	_, err = wh.Parse(req(url.Values{"Body": {"x"}}, ""), slog.New(slog.DiscardHandler))
	var bad *notify.WebhookError
	require.ErrorAs(t, err, &bad)
	assert.Equal(t, []string{"Twilio inbound SMS failed: From missing", "Twilio inbound SMS failed: To missing"}, bad.Messages())

	assert.Nil(t, (&twilio.Receiver{}).Webhooks()[1].Verify, "disabled without a token")
}
