package ses_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/provider/ses"
)

func snsRequest(kind string, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "https://notify.example"+ses.ReceiptPath, bytes.NewReader(body))
	if kind != "" {
		r.Header.Set("X-Amz-Sns-Message-Type", kind)
	}
	return r
}

func TestWebhook(t *testing.T) {
	t.Parallel()
	auth := notify.WebhookAuth{Username: "sns", Password: "sns-secret"}
	p, err := ses.New(ses.Options{Region: "eu-west-2", AccessKeyID: accessKey, SecretAccessKey: secretKey, ReceiptAuth: auth})
	require.NoError(t, err)
	hooks := p.Webhooks()
	require.Len(t, hooks, 1)
	wh := hooks[0]
	assert.Equal(t, http.MethodPost, wh.Method)
	assert.Equal(t, "/notifications/email/ses", wh.Path)
	assert.Equal(t, "sns_callback_handler", wh.Name)
	assert.Equal(t, auth, wh.Auth)
	assert.True(t, (&ses.Receiver{}).Webhooks()[0].Auth.IsZero(), "a receiver without credentials is disabled")
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))

	t.Run("receipt", func(t *testing.T) {
		res, err := wh.Parse(snsRequest("Notification", sns(t, sesEvent("Bounce", `"bounce":{"bounceType":"Permanent"}`))), log)
		require.NoError(t, err)
		require.Len(t, res.Receipts, 1)
		assert.Equal(t, msgID, res.Receipts[0].ProviderReference)
		assert.Equal(t, notify.StatusPermanentFailure, res.Receipts[0].Status)
		assert.Equal(t, "SES-SNS callback succeeded", res.Message)
	})
	t.Run("an event that is not a receipt is acknowledged", func(t *testing.T) {
		res, err := wh.Parse(snsRequest("Notification", sns(t, sesEvent("Open", ""))), log)
		require.NoError(t, err)
		assert.Empty(t, res.Receipts)
		assert.Equal(t, "SES-SNS callback ignored", res.Message)
	})
	t.Run("subscription confirmation is logged", func(t *testing.T) {
		body := []byte(`{"Type":"SubscriptionConfirmation","TopicArn":"arn:t","SubscribeURL":"https://sns.example/confirm?t=1"}`)
		res, err := wh.Parse(snsRequest("SubscriptionConfirmation", body), log)
		require.NoError(t, err)
		assert.Equal(t, "SES-SNS SubscriptionConfirmation logged", res.Message)
		assert.Contains(t, logs.String(), "https://sns.example/confirm?t=1")
	})
	for _, c := range []struct {
		name, kind string
		body       []byte
		want       string
	}{
		{"no message type", "", sns(t, sesEvent("Delivery", "")), "SES-SNS callback failed: invalid message type"},
		{"unknown message type", "foo", sns(t, sesEvent("Delivery", "")), "SES-SNS callback failed: invalid message type"},
		{"not JSON", "Notification", []byte("FOOO"), "SES-SNS callback failed: invalid JSON given"},
		{"not an SES event", "Notification", sns(t, "FOOO"), "SES-SNS callback failed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := wh.Parse(snsRequest(c.kind, c.body), log)
			var bad *notify.WebhookError
			require.ErrorAs(t, err, &bad)
			assert.Equal(t, c.want, bad.Message)
		})
	}
}
