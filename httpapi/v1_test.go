package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

func TestV1Send(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{Restricted: true})
	live, team := e.keys[notify.KeyTypeLive], e.keys[notify.KeyTypeTeam]

	res := e.do(t, http.MethodPost, "/notifications/sms", map[string]any{"to": teamPhone, "template": e.sms.ID.String(),
		"personalisation": map[string]any{"name": "Jo", "code": "7"}}, live)
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	data := res.body["data"].(map[string]any)
	id := data["notification"].(map[string]any)["id"].(string)
	assert.Equal(t, map[string]any{"notification": map[string]any{"id": id}, "body": "Hello Jo, your code is 7",
		"template_version": float64(1)}, data)

	res = e.do(t, http.MethodPost, "/notifications/email", map[string]any{"to": teamEmail, "template": e.email.ID.String(),
		"personalisation": map[string]any{"name": "Bob"}}, live)
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	assert.Equal(t, "Hi Bob", res.body["data"].(map[string]any)["subject"])

	cases := []struct {
		name   string
		path   string
		body   any
		key    *notify.APIKey
		status int
		msg    any
	}{
		{"team key stranger", "/notifications/sms", map[string]any{"to": stranger, "template": e.sms.ID.String(),
			"personalisation": map[string]any{"name": "Jo", "code": "7"}}, team, 400, map[string]any{"to": []any{teamMsg}}},
		{"trial stranger", "/notifications/sms", map[string]any{"to": stranger, "template": e.sms.ID.String(),
			"personalisation": map[string]any{"name": "Jo", "code": "7"}}, live, 400, map[string]any{"to": []any{trialMsg}}},
		{"missing personalisation", "/notifications/sms", map[string]any{"to": teamPhone, "template": e.sms.ID.String()}, live, 400,
			map[string]any{"template": []any{"Missing personalisation: name, code"}}},
		{"missing fields", "/notifications/sms", map[string]any{}, live, 400,
			map[string]any{"to": []any{"Missing data for required field."}, "template": []any{"Missing data for required field."}}},
		{"letter", "/notifications/letter", map[string]any{}, live, 400,
			"letter notification type is not supported, please use the latest version of the client"},
		{"invalid json", "/notifications/sms", "[", live, 400, "Invalid JSON supplied in POST data"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := e.do(t, http.MethodPost, tc.path, tc.body, tc.key)
			assert.Equal(t, tc.status, res.status, "%s", res.raw)
			assert.Equal(t, v1err(tc.msg), res.body)
		})
	}
}

func TestV1Get(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{Restricted: true})
	live := e.keys[notify.KeyTypeLive]
	id := e.sendSMS(t, live, teamPhone, "r1")

	res := e.do(t, http.MethodGet, "/notifications/"+id, nil, live)
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	n := res.body["data"].(map[string]any)["notification"].(map[string]any)
	assert.Equal(t, id, n["id"])
	assert.Equal(t, teamPhone, n["to"])
	assert.Equal(t, "sms", n["notification_type"])
	assert.Equal(t, "created", n["status"])
	assert.Equal(t, "r1", n["reference"])
	assert.Equal(t, float64(len("Hello Jo, your code is 1")), n["content_char_count"])
	assert.Equal(t, map[string]any{"id": e.sms.ID.String(), "version": float64(1), "template_type": "sms"}, n["template"])
	assert.Equal(t, "normal", n["key_type"])
	parseTime(t, n["created_at"])

	res = e.do(t, http.MethodGet, "/notifications/not-a-uuid", nil, live)
	assert.Equal(t, http.StatusNotFound, res.status)
	assert.Equal(t, v1err(notFound), res.body)
	res = e.do(t, http.MethodGet, "/notifications/"+uuid.NewString(), nil, live)
	assert.Equal(t, http.StatusNotFound, res.status)
	assert.Equal(t, v1err("No result found"), res.body)

	res = e.do(t, http.MethodGet, "/notifications?template_type=sms&page=2", nil, live)
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	require.Len(t, res.body["notifications"], 1)
	assert.Equal(t, float64(1), res.body["total"])
	assert.Equal(t, float64(notify.DefaultPageSize), res.body["page_size"])
	res = e.do(t, http.MethodGet, "/notifications?template_type=email", nil, live)
	assert.Empty(t, res.body["notifications"])
	res = e.do(t, http.MethodGet, "/notifications?status=elephant", nil, live)
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.Equal(t, "error", res.body["result"])
}
