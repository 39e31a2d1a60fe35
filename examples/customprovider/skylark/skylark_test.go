package skylark_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/examples/customprovider/skylark"
	"github.com/notifykit/notify/examples/customprovider/skylark/skylarktest"
	"github.com/notifykit/notify/provider/providertest"
)

const (
	apiKey        = "sk_live_4f1e9a7c2b8d"
	webhookSecret = "whsec_9d2b7e4a1c6f"
)

// provider is a Provider with its fake Skylark.
type provider struct {
	*skylark.Provider
	fake *skylarktest.Server
}

func newProvider(t *testing.T, log *slog.Logger) notify.Provider {
	fake := skylarktest.New(t, apiKey)
	p, err := skylark.New(skylark.Options{BaseURL: fake.URL, APIKey: apiKey, WebhookSecret: webhookSecret, Logger: log})
	require.NoError(t, err)
	return &provider{Provider: p, fake: fake}
}

func failWith(status int) func(*testing.T, notify.Provider) {
	return func(_ *testing.T, p notify.Provider) { p.(*provider).fake.Fail(status) }
}

func callback(messageID, status string) func() (notify.Receipt, error) {
	return func() (notify.Receipt, error) {
		body, err := json.Marshal(skylark.Callback{MessageID: messageID, ClientRef: "not-an-id", Status: status})
		if err != nil {
			return notify.Receipt{}, err
		}
		return skylark.ParseCallback(body)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	const ref = "sky_0000000000000001"
	providertest.Run(t, providertest.Harness{
		New:       func(t *testing.T) notify.Provider { return newProvider(t, nil) },
		NewLogged: newProvider,
		Secrets:   []string{apiKey, webhookSecret},
		Delivered: func(_ *testing.T, p notify.Provider, ref string) (notify.Message, bool) {
			m, ok := p.(*provider).fake.Sent(ref)
			id, _ := uuid.Parse(m.ClientRef)
			return notify.Message{To: strings.TrimPrefix(m.To, "+"), From: m.From, Body: m.Text, NotificationID: id}, ok
		},
		Shape: providertest.Shape{From: true, NotificationID: true},
		Fail: func(t *testing.T, p notify.Provider, permanent bool) {
			if permanent {
				failWith(http.StatusUnprocessableEntity)(t, p)
				return
			}
			failWith(http.StatusServiceUnavailable)(t, p)
		},
		Heal: func(t *testing.T, p notify.Provider) { failWith(0)(t, p) },
		Failures: []providertest.Failure{
			{Name: "429", Set: failWith(http.StatusTooManyRequests)},
			{Name: "500", Set: failWith(http.StatusInternalServerError)},
			{Name: "401 wrong key", Set: failWith(http.StatusUnauthorized), Permanent: true},
			{Name: "422 invalid number", Set: failWith(http.StatusUnprocessableEntity), Permanent: true},
			{Name: "connection refused", Set: func(_ *testing.T, p notify.Provider) { p.(*provider).fake.Close() }},
		},
		Receipts: []providertest.ReceiptCase{
			{Name: "delivered", Parse: callback(ref, "delivered"), Want: notify.StatusDelivered, WantRef: ref},
			{Name: "expired", Parse: callback(ref, "expired"), Want: notify.StatusTemporaryFailure, WantRef: ref},
			{Name: "undeliverable", Parse: callback(ref, "undeliverable"), Want: notify.StatusPermanentFailure, WantRef: ref},
			{Name: "rejected", Parse: callback(ref, "rejected"), Want: notify.StatusTechnicalFailure, WantRef: ref},
			{Name: "unknown status", Parse: callback(ref, "lost"), Err: true},
			{Name: "no message id", Parse: callback("", "delivered"), Err: true},
		},
	})
}

func TestWebhook(t *testing.T) {
	t.Parallel()
	p := newProvider(t, nil).(*provider)
	hooks := p.Webhooks()
	require.Len(t, hooks, 1)
	wh := hooks[0]
	assert.Equal(t, "POST "+skylark.ReceiptPath, wh.Method+" "+wh.Path)
	assert.Equal(t, notify.WebhookAuth{Token: webhookSecret}, wh.Auth)
	parse := func(body string) (notify.WebhookResult, error) {
		r := httptest.NewRequest(http.MethodPost, skylark.ReceiptPath, bytes.NewBufferString(body))
		return wh.Parse(r, slog.New(slog.DiscardHandler))
	}
	id := uuid.New()
	res, err := parse(`{"message_id":"sky_1","client_ref":"` + id.String() + `","status":"delivered"}`)
	require.NoError(t, err)
	require.Len(t, res.Receipts, 1)
	assert.Equal(t, id, res.Receipts[0].NotificationID)
	res, err = parse(`{"message_id":"sky_1","status":"sent"}`)
	require.NoError(t, err)
	assert.Empty(t, res.Receipts, "a status that changes nothing is acknowledged")
	_, err = parse(`{"message_id":"sky_1","status":"lost"}`)
	var bad *notify.WebhookError
	require.ErrorAs(t, err, &bad)
	assert.Equal(t, "Skylark receipt failed", bad.Message)
}
