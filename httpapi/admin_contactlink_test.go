package httpapi_test

import (
	"encoding/base64"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
)

// TestAdminContactLink: contact_link is set, shown, checked and removed
// over the admin API, and whether a service may send files follows it.
func TestAdminContactLink(t *testing.T) {
	e := fileEnv(t, "Files", "")
	e.handler = httpapi.New(e.n, httpapi.Options{Logger: slog.New(slog.NewJSONHandler(e.logs, nil)), Stats: e.stats,
		AdminSecret: adminSecret, BaseURL: "https://notify.example"})
	svc := "/service/" + e.svc.ID.String()
	file := map[string]any{"file": base64.StdEncoding.EncodeToString([]byte("a,b\n")), "filename": "a.csv"}
	sendFile := func() response {
		return e.do(t, "POST", "/v2/notifications/email", map[string]any{"email_address": "someone@example.gov.uk",
			"template_id": e.email.ID, "personalisation": map[string]any{"doc": file}}, e.keys[notify.KeyTypeLive])
	}

	res := e.admin(t, http.MethodGet, svc, nil)
	require.Equal(t, 200, res.status, "%s", res.raw)
	data := res.body["data"].(map[string]any)
	require.Contains(t, data, "contact_link")
	assert.Nil(t, data["contact_link"], "no contact link is null")
	r := sendFile()
	require.Equal(t, 400, r.status, "%s", r.raw)
	assert.Contains(t, string(r.raw), "Send files by email has not been set up")

	res = e.admin(t, http.MethodPost, svc, map[string]any{"contact_link": " https://www.example.gov.uk/contact "})
	require.Equal(t, 200, res.status, "%s", res.raw)
	assert.Equal(t, "https://www.example.gov.uk/contact", res.body["data"].(map[string]any)["contact_link"])
	res = e.admin(t, http.MethodGet, svc, nil)
	assert.Equal(t, "https://www.example.gov.uk/contact", res.body["data"].(map[string]any)["contact_link"])
	require.Equal(t, 201, sendFile().status, "a service with a contact link sends files")

	// Refusals change nothing.
	for _, tc := range []struct {
		value any
		msg   string
	}{
		{"", notify.MsgContactLinkEmpty},
		{"javascript:alert(1)", notify.MsgContactLinkURL},
		{"https://www.example.gov.uk/\r\nSet-Cookie: a=b", notify.MsgContactLinkControl},
		{"https://www.example.gov.uk/" + strings.Repeat("x", 300), notify.MsgContactLinkTooLong},
		{"999", notify.MsgContactLinkEmergency},
		{"not an address@", notify.MsgContactLinkEmail},
		{12, notify.MsgNotString},
	} {
		res := e.admin(t, http.MethodPost, svc, map[string]any{"contact_link": tc.value, "name": "Renamed"})
		assert.Equal(t, 400, res.status, "%v: %s", tc.value, res.raw)
		assert.Equal(t, v1err(map[string]any{"contact_link": []any{tc.msg}}), res.body, "%v", tc.value)
	}
	res = e.admin(t, http.MethodGet, svc, nil)
	assert.Equal(t, "Files", res.body["data"].(map[string]any)["name"], "a refused update changed the service")
	assert.Equal(t, "https://www.example.gov.uk/contact", res.body["data"].(map[string]any)["contact_link"])

	// null removes it, and files are refused again.
	res = e.admin(t, http.MethodPost, svc, map[string]any{"contact_link": nil})
	require.Equal(t, 200, res.status, "%s", res.raw)
	assert.Nil(t, res.body["data"].(map[string]any)["contact_link"])
	assert.Equal(t, 400, sendFile().status)

	// A new service may be given one.
	res = e.admin(t, http.MethodPost, "/service", map[string]any{"name": "With phone", "contact_link": "0300 123 4567"})
	require.Equal(t, 201, res.status, "%s", res.raw)
	assert.Equal(t, "0300 123 4567", res.body["data"].(map[string]any)["contact_link"])
	res = e.admin(t, http.MethodPost, "/service", map[string]any{"name": "Bad", "contact_link": "112"})
	assert.Equal(t, 400, res.status, "%s", res.raw)
}
