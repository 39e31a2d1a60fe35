package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/notifykit/notify"
)

// Upstream: tests/app/v2/notifications/test_get_notifications.py
// test_get_notification_by_id_invalid_id.
func TestGetNotificationByIDInvalidID(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{Restricted: true})
	for _, id := range []string{"1234-badly-formatted-id-7890", "0"} {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			res := e.do(t, http.MethodGet, "/v2/notifications/"+id, nil, e.keys[notify.KeyTypeLive])
			assert.Equal(t, http.StatusBadRequest, res.status)
			assert.Equal(t, v2err(400, "ValidationError", "notification_id is not a valid UUID"), res.body)
		})
	}
}

// TestTemplateInvalidID: upstream validates {"id": template_id} (and, for a
// preview, the body's personalisation with it) against its schema, after
// reading the body: "id is not a valid UUID", 400.
func TestTemplateInvalidID(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{})
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		want   map[string]any
	}{
		{"get", http.MethodGet, "/v2/template/not-a-uuid", nil, v2err(400, "ValidationError", "id is not a valid UUID")},
		{"get version", http.MethodGet, "/v2/template/0/version/1", nil, v2err(400, "ValidationError", "id is not a valid UUID")},
		{"preview", http.MethodPost, "/v2/template/not-a-uuid/preview", map[string]any{}, v2err(400, "ValidationError", "id is not a valid UUID")},
		{"preview, empty body", http.MethodPost, "/v2/template/not-a-uuid/preview", "", v2err(400, "ValidationError", "id is not a valid UUID")},
		{"preview, body not JSON", http.MethodPost, "/v2/template/not-a-uuid/preview", "{", v2err(400, "BadRequestError", "Invalid JSON supplied in POST data")},
		{"preview, bad personalisation too", http.MethodPost, "/v2/template/not-a-uuid/preview",
			map[string]any{"personalisation": "x"}, map[string]any{"status_code": float64(400), "errors": []any{
				map[string]any{"error": "ValidationError", "message": "id is not a valid UUID"},
				map[string]any{"error": "ValidationError", "message": "personalisation x is not of type object"},
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := e.do(t, tt.method, tt.path, tt.body, e.keys[notify.KeyTypeLive])
			assert.Equal(t, http.StatusBadRequest, res.status)
			assert.Equal(t, tt.want, res.body)
		})
	}
}
