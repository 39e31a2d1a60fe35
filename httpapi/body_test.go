package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/notifykit/notify"
)

// TestPostFalseJSONBody: upstream's get_valid_json reads a body Python
// holds false as {}: the schema then asks for the required properties.
func TestPostFalseJSONBody(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{})
	required := func(first string) map[string]any {
		return map[string]any{"status_code": float64(400), "errors": []any{
			map[string]any{"error": "ValidationError", "message": first + " is a required property"},
			map[string]any{"error": "ValidationError", "message": "template_id is a required property"},
		}}
	}
	tests := []struct {
		path, body string
		want       map[string]any
	}{
		{"/v2/notifications/sms", "null", required("phone_number")},
		{"/v2/notifications/sms", "[]", required("phone_number")},
		{"/v2/notifications/email", "null", required("email_address")},
		{"/v2/notifications/email", `""`, required("email_address")},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.body, func(t *testing.T) {
			t.Parallel()
			res := e.do(t, http.MethodPost, tt.path, tt.body, e.keys[notify.KeyTypeLive])
			assert.Equal(t, http.StatusBadRequest, res.status)
			assert.Equal(t, tt.want, res.body)
		})
	}
	t.Run("preview", func(t *testing.T) {
		t.Parallel()
		res := e.do(t, http.MethodPost, "/v2/template/"+e.email.ID.String()+"/preview", "[]", e.keys[notify.KeyTypeLive])
		assert.Equal(t, v2err(400, "BadRequestError", "Missing personalisation: name"), res.body)
	})
}
