package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/store/memstore"
)

// The server mounts MMG's, Firetext's, SES's and Twilio's webhooks; each
// -receipt-token enables one, the others answer 404.
func TestReceiptWebhooks(t *testing.T) {
	t.Parallel()
	o, err := parseFlags([]string{"-receipt-token", "mmg=secret-one"}, func(string) string { return "" }, io.Discard)
	require.NoError(t, err)
	n, err := notify.New(notify.Config{Store: memstore.New(), Queue: memqueue.New(memqueue.Options{}),
		SecretKey: []byte("providers test: a 32-byte secret key"), Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	api := httpapi.New(n, httpapi.Options{Logger: slog.New(slog.DiscardHandler), Webhooks: o.providers.webhooks()})
	post := func(path, auth string) int {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader("{}"))
		if auth != "" {
			r.Header.Set("Authorization", "Bearer "+auth)
		}
		w := httptest.NewRecorder()
		api.ServeHTTP(w, r)
		return w.Code
	}
	assert.Equal(t, http.StatusBadRequest, post("/notifications/sms/mmg", "secret-one"), "enabled: the body is read")
	assert.Equal(t, http.StatusUnauthorized, post("/notifications/sms/mmg", ""))
	assert.Equal(t, http.StatusBadRequest, post("/notifications/sms/receive/mmg", "secret-one"))
	for _, path := range []string{"/notifications/sms/firetext", "/notifications/sms/receive/firetext",
		"/notifications/email/ses", "/notifications/sms/twilio/1"} {
		assert.Equal(t, http.StatusNotFound, post(path, "secret-one"), path)
	}
}
