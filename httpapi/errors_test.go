package httpapi_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
)

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestErrorBodies(t *testing.T) {
	t.Parallel()
	team := notify.BadRequest(notify.FieldTo, "Can’t send to this recipient using a team-only API key")
	missing := notify.BadRequest(notify.FieldTemplate, "Missing personalisation: name")
	long := notify.BadRequest(notify.FieldContent, "Content has a character count greater than the limit of 918")
	perm := notify.BadRequest(notify.FieldService, "Cannot send text messages")
	plain := notify.BadRequest("", "letter notification type is not supported")
	cases := []struct {
		name   string
		err    error
		status int
		v2, v1 string
	}{
		{"recipient", team, 400,
			`{"status_code":400,"errors":[{"error":"BadRequestError","message":"Can’t send to this recipient using a team-only API key"}]}`,
			`{"result":"error","message":{"to":["Can’t send to this recipient using a team-only API key"]}}`},
		{"template", missing, 400,
			`{"status_code":400,"errors":[{"error":"BadRequestError","message":"Missing personalisation: name"}]}`,
			`{"result":"error","message":{"template":["Missing personalisation: name"]}}`},
		{"content", long, 400, "", `{"result":"error","message":{"content":["Content has a character count greater than the limit of 918"]}}`},
		{"service", perm, 400, "", `{"result":"error","message":{"service":["Cannot send text messages"]}}`},
		{"plain", plain, 400,
			`{"status_code":400,"errors":[{"error":"BadRequestError","message":"letter notification type is not supported"}]}`,
			`{"result":"error","message":"letter notification type is not supported"}`},
		{"not found", notify.ErrNoResult, 404,
			`{"status_code":404,"errors":[{"error":"NoResultFound","message":"No result found"}]}`,
			`{"result":"error","message":"No result found"}`},
		{"internal", errors.New("db: connection refused to 10.0.0.1"), 500,
			`{"status_code":500,"errors":[{"error":"InternalServerError","message":"Internal server error"}]}`,
			`{"result":"error","message":"Internal server error"}`},
		{"wrapped refusal", fmt.Errorf("context: %w", team), 400,
			`{"status_code":400,"errors":[{"error":"BadRequestError","message":"Can’t send to this recipient using a team-only API key"}]}`, ""},
		{"several, deduplicated", notify.Errors{
			notify.ValidationError("", "phone_number is a required property"),
			notify.ValidationError("", "template_id is not a valid UUID"),
			notify.ValidationError("", "phone_number is a required property")}, 400,
			`{"status_code":400,"errors":[{"error":"ValidationError","message":"phone_number is a required property"},{"error":"ValidationError","message":"template_id is not a valid UUID"}]}`,
			`{"result":"error","message":"phone_number is a required property; template_id is not a valid UUID; phone_number is a required property"}`},
		{"auth", notify.AuthError(http.StatusForbidden, notify.MsgKeyRevoked), 403,
			`{"status_code":403,"errors":[{"error":"AuthError","message":"Invalid token: API key revoked"}]}`,
			`{"result":"error","message":{"token":["Invalid token: API key revoked"]}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.status, notify.StatusOf(c.err))
			if c.v2 != "" {
				assert.JSONEq(t, c.v2, jsonOf(t, httpapi.V2Error(c.err)))
			}
			if c.v1 != "" {
				assert.JSONEq(t, c.v1, jsonOf(t, httpapi.V1Error(c.err)))
			}
		})
	}
}

// TestV2ErrorShape checks that several schema problems render as one v2
// body, as the HTTP layer shows them.
func TestV2ErrorShape(t *testing.T) {
	t.Parallel()
	_, err := notify.DecodeSMSRequest([]byte(`{"template_id": "notUUID"}`), time.Now())
	b, jerr := json.Marshal(httpapi.V2Error(err))
	require.NoError(t, jerr)
	assert.JSONEq(t, `{"status_code": 400, "errors": [
		{"error": "ValidationError", "message": "phone_number is a required property"},
		{"error": "ValidationError", "message": "template_id is not a valid UUID"}]}`, string(b))
}

// A v1 body's problems render field by field, in marshmallow's words.
func TestV1ErrorShape(t *testing.T) {
	t.Parallel()
	_, err := notify.DecodeV1SendRequest([]byte(`{"template": "x"}`))
	assert.Equal(t, httpapi.V1ErrorBody{Result: "error", Message: map[string][]string{
		"to": {"Missing data for required field."}, "template": {"Not a valid UUID."},
	}}, httpapi.V1Error(err))
}
