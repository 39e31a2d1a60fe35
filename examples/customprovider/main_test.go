package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/examples/customprovider/skylark"
	"github.com/notifykit/notify/examples/customprovider/skylark/skylarktest"
)

// An SMS sent through the API goes out through Skylark; Skylark's receipt,
// posted to the webhook the provider mounted, makes it delivered.
func TestSendAndReceipt(t *testing.T) {
	const apiKey, secret = "sk_test_1", "whsec_test_1"
	fake := skylarktest.New(t, apiKey)
	n, api, err := setup(skylark.Options{BaseURL: fake.URL, APIKey: apiKey, WebhookSecret: secret}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = n.RunWith(ctx, notify.RunOptions{SweepInterval: 50 * time.Millisecond}) }()
	t.Cleanup(func() { cancel(); <-done })

	key, tpl, err := demo(ctx, n)
	require.NoError(t, err)
	// The key is {name}-{service id}-{secret}, as clients read it.
	serviceID, keySecret := uuid.MustParse(key[len(key)-73:len(key)-37]), key[len(key)-36:]
	call := func(method, path string, body any) map[string]any {
		t.Helper()
		raw, err := json.Marshal(body)
		require.NoError(t, err)
		req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(raw))
		require.NoError(t, err)
		tok, err := notify.NewToken(serviceID, keySecret, time.Now())
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer func() { _ = res.Body.Close() }()
		out, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		require.Less(t, res.StatusCode, 300, "%s %s: %s", method, path, out)
		var v map[string]any
		require.NoError(t, json.Unmarshal(out, &v))
		return v
	}
	sent := call(http.MethodPost, "/v2/notifications/sms", map[string]any{"phone_number": "07700 900123",
		"template_id": tpl.ID, "personalisation": map[string]string{"code": "4821"}})
	id := sent["id"].(string)
	status := func() string { return call(http.MethodGet, "/v2/notifications/"+id, nil)["status"].(string) }

	var messageID string
	require.Eventually(t, func() bool {
		var ok bool
		messageID, ok = fake.SentTo(id)
		return ok && status() == "sending"
	}, 5*time.Second, 20*time.Millisecond, "Skylark received the message")
	m, _ := fake.Sent(messageID)
	assert.Equal(t, "+447700900123", m.To)
	assert.Equal(t, "Your code is 4821", m.Text)

	webhook := srv.URL + skylark.ReceiptPath
	receipt := skylark.Callback{MessageID: messageID, ClientRef: id, Status: "delivered"}
	assert.Equal(t, http.StatusForbidden, skylarktest.PostReceipt(t, webhook, "not the secret", receipt))
	assert.Equal(t, "sending", status(), "a refused receipt changes nothing")
	assert.Equal(t, http.StatusOK, skylarktest.PostReceipt(t, webhook, secret,
		skylark.Callback{MessageID: messageID, ClientRef: id, Status: "sent"}))
	assert.Equal(t, "sending", status(), "sent changes nothing")
	assert.Equal(t, http.StatusOK, skylarktest.PostReceipt(t, webhook, secret, receipt))
	assert.Equal(t, "delivered", status())
}
