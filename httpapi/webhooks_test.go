package httpapi_test

import (
	"errors"
	"log/slog"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
)

// webhooks is a WebhookProvider made of literal webhooks.
type webhooks []notify.Webhook

func (w webhooks) Webhooks() []notify.Webhook { return w }

// fixed is a parser that returns res and err whatever the request.
func fixed(res notify.WebhookResult, err error) func(*http.Request, *slog.Logger) (notify.WebhookResult, error) {
	return func(*http.Request, *slog.Logger) (notify.WebhookResult, error) { return res, err }
}

// A provider's webhook is served by the same machinery as ours: its
// answers, its receipts applied, its inbound messages stored.
func TestCustomWebhook(t *testing.T) {
	t.Parallel()
	e := newReceiptEnv(t)
	auth := notify.WebhookAuth{Token: "vendor-token"}
	delivered := e.notification(t, notify.SMS, "vendor", "", notify.StatusSending)
	unknown := notify.Receipt{Provider: "vendor", NotificationID: uuid.New(), Status: notify.StatusDelivered}
	mount := func(path string, res notify.WebhookResult, err error) notify.Webhook {
		return notify.Webhook{Method: http.MethodPost, Path: path, Name: "vendor_" + path[len("/vendor/"):],
			Provider: "vendor", Auth: auth, Parse: fixed(res, err)}
	}
	verified := mount("/vendor/signed", notify.WebhookResult{}, nil)
	verified.Auth = notify.WebhookAuth{}
	verified.Verify = func(r *http.Request, url string) error {
		switch r.Header.Get("X-Signature") {
		case "":
			return notify.ErrWebhookUnauthorized
		case "good":
			if url != "http://api.test/vendor/signed" {
				return notify.ErrWebhookForbidden
			}
			return nil
		case "unreadable":
			return &notify.WebhookError{Message: "Vendor callback failed: unreadable"}
		}
		return notify.ErrWebhookForbidden
	}
	h := httpapi.New(e.n, httpapi.Options{Logger: slog.New(slog.NewJSONHandler(e.logs, nil)), Stats: e.stats,
		InboundNumbers: map[string]uuid.UUID{"07700 900001": e.svc.ID},
		Webhooks: []notify.WebhookProvider{webhooks{
			mount("/vendor/receipts", notify.WebhookResult{Receipts: []notify.Receipt{unknown,
				{Provider: "vendor", NotificationID: delivered, Status: notify.StatusDelivered}}}, nil),
			mount("/vendor/lost", notify.WebhookResult{Receipts: []notify.Receipt{unknown}}, nil),
			mount("/vendor/text", notify.WebhookResult{Reply: "OK"}, nil),
			mount("/vendor/json", notify.WebhookResult{Reply: map[string]int{"accepted": 1}}, nil),
			mount("/vendor/message", notify.WebhookResult{Message: "noted"}, nil),
			mount("/vendor/inbound", notify.WebhookResult{Inbound: &notify.InboundSMS{NotifyNumber: "+447700900001",
				UserNumber: "07700 900123", Content: "Yes"}}, nil),
			mount("/vendor/bad", notify.WebhookResult{}, &notify.WebhookError{Message: "Vendor callback failed: bad"}),
			mount("/vendor/missing", notify.WebhookResult{}, &notify.WebhookError{Message: "Vendor callback failed:", Missing: []string{"id"}}),
			mount("/vendor/gone", notify.WebhookResult{}, notify.ErrNoResult),
			mount("/vendor/broken", notify.WebhookResult{}, errors.New("database on fire")),
			verified,
		}},
	})
	tok := bearer("vendor-token")
	cases := []struct {
		path   string
		hooks  []hook
		status int
		body   string
	}{
		{"/vendor/receipts", []hook{tok}, 200, `{"result":"success"}`},
		{"/vendor/lost", []hook{tok}, 404, `{"message":"No result found","result":"error"}`},
		{"/vendor/text", []hook{tok}, 200, `OK`},
		{"/vendor/json", []hook{tok}, 200, `{"accepted":1}`},
		{"/vendor/message", []hook{tok}, 200, `{"message":"noted","result":"success"}`},
		{"/vendor/inbound", []hook{tok}, 200, `{"result":"success"}`},
		{"/vendor/bad", []hook{tok}, 400, `{"result":"error","message":"Vendor callback failed: bad"}`},
		{"/vendor/missing", []hook{tok}, 400, `{"result":"error","message":["Vendor callback failed: id missing"]}`},
		{"/vendor/gone", []hook{tok}, 404, `{"message":"No result found","result":"error"}`},
		{"/vendor/broken", []hook{tok}, 500, `{"message":"Internal server error","result":"error"}`},
		{"/vendor/receipts", nil, 401, `{"message":"Unauthorized: provider credentials are required","result":"error"}`},
		{"/vendor/receipts", []hook{bearer("wrong")}, 403, `{"message":"Forbidden: invalid provider credentials","result":"error"}`},
		{"/vendor/signed", []hook{header("X-Signature", "good")}, 200, `{"result":"success"}`},
		{"/vendor/signed", nil, 401, `{"message":"Unauthorized: provider credentials are required","result":"error"}`},
		{"/vendor/signed", []hook{header("X-Signature", "forged")}, 403, `{"message":"Forbidden: invalid provider credentials","result":"error"}`},
		{"/vendor/signed", []hook{header("X-Signature", "unreadable")}, 400, `{"result":"error","message":"Vendor callback failed: unreadable"}`},
	}
	for _, c := range cases {
		res := post(t, h, c.path, "{}", c.hooks...)
		assert.Equal(t, c.status, res.status, "%s: %s", c.path, res.raw)
		if c.status == 200 && c.body == "OK" {
			assert.Equal(t, "text/plain; charset=utf-8", res.header.Get("Content-Type"))
			assert.Equal(t, c.body, string(res.raw))
			continue
		}
		assert.JSONEq(t, c.body, string(res.raw), c.path)
	}
	n, err := e.store.GetNotification(ctx, delivered)
	require.NoError(t, err)
	assert.Equal(t, notify.StatusDelivered, n.Status, "a receipt for an unknown notification does not stop the next")
	list, err := e.store.ListInboundSMS(ctx, e.svc.ID, nil, 0)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, "vendor", list[0].Provider, "the webhook's provider")
	assert.Equal(t, "447700900123", list[0].UserNumber)
	assert.Equal(t, 1, e.stats.count("inbound.vendor.successful"))
	assert.Equal(t, 1, e.stats.count("POST.receipts.vendor_receipts.200"))
	assert.Equal(t, 1, e.stats.count("POST.receipts.vendor_broken.500"))
	assert.Contains(t, e.logs.String(), "database on fire", "internal errors are logged")
	assert.NotContains(t, e.logs.String(), "vendor-token")
}

// A webhook that would shadow a route, or lacks its route or parser, is a
// programming error caught when the handler is built.
func TestWebhookRoutesAreChecked(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{})
	parse := fixed(notify.WebhookResult{}, nil)
	for name, hooks := range map[string]webhooks{
		"an API route":         {{Method: http.MethodPost, Path: "/notifications/{kind}", Parse: parse}},
		"an API route by path": {{Method: http.MethodGet, Path: "/v2/notifications/{id}", Parse: parse}},
		"another webhook": {{Method: http.MethodPost, Path: "/vendor/{id}", Parse: parse},
			{Method: http.MethodPost, Path: "/vendor/{ref}", Parse: parse}},
		"no parser": {{Method: http.MethodPost, Path: "/vendor"}},
		"no method": {{Path: "/vendor", Parse: parse}},
	} {
		assert.Panics(t, func() { httpapi.New(e.n, httpapi.Options{Webhooks: []notify.WebhookProvider{hooks}}) }, name)
	}
	assert.NotPanics(t, func() {
		httpapi.New(e.n, httpapi.Options{Webhooks: []notify.WebhookProvider{webhooks{
			{Method: http.MethodPost, Path: "/notifications/sms/vendor", Parse: parse},
			{Method: http.MethodPost, Path: "/notifications/sms/vendor/{id}", Parse: parse},
		}}})
	})
}
