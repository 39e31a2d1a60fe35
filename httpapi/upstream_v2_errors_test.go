package httpapi_test

// Cases from alphagov/notifications-api tests/app/v2/test_errors.py. Upstream
// raises each error from a test blueprint; here each comes from a real
// request. Its "DataError" case (a database error answered 404) has no
// counterpart: notify's stores answer NoResultFound.

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"

	"github.com/notifykit/notify"
)

func TestUpstreamV2Errors(t *testing.T) {
	t.Parallel()
	cases := []upstreamCase{
		{
			name: "test_auth_error", method: http.MethodGet, path: "/v2/notifications",
			setup: func(t *testing.T, e *env) {
				// A key of the service revoked: its token is refused 403.
				e.keys[notify.KeyTypeLive] = e.keys[notify.KeyTypeTeam]
				assert.NoError(t, e.n.RevokeAPIKey(ctx, e.svc.ID, e.keys[notify.KeyTypeTeam].ID))
			},
			status: 403, errs: []any{errItem("AuthError", "Invalid token: API key revoked")},
		},
		{
			name: "test_bad_request_error", path: "/v2/notifications/sms",
			bodyFunc: func(e *env) any { return map[string]any{"phone_number": teamPhone, "template_id": uuid.NewString()} },
			status:   400, errs: []any{errItem("BadRequestError", "Template not found")},
		},
		{
			name: "test_validation_error", path: "/v2/notifications/sms", body: map[string]any{"template_id": "bad_uuid"},
			status: 400, anyOrder: true, errs: []any{
				errItem("ValidationError", "phone_number is a required property"),
				errItem("ValidationError", "template_id is not a valid UUID")},
		},
		{
			name: "test_too_many_requests_error", path: "/v2/notifications/sms",
			svc: notify.Service{Permissions: smsEmail, SMSMessageLimit: 1},
			setup: func(t *testing.T, e *env) {
				fill(t, e, notify.KeyTypeLive, 1, func(e *env) any { return smsBody(e, teamPhone) })
			},
			bodyFunc: func(e *env) any { return smsBody(e, teamPhone) },
			status:   429, errs: []any{errItem("TooManyRequestsError", "Exceeded send limits (sms: 1) for today")},
		},
		{
			// Upstream names the exception's class; notify names every
			// unexpected failure InternalServerError, and says nothing
			// more of it.
			name: "test_internal_server_error_handler", method: http.MethodGet, path: "/v2/notifications",
			setup: func(t *testing.T, e *env) {
				e.store.getService = func(context.Context, uuid.UUID) (*notify.Service, error) {
					return nil, errors.New("db: connection refused to 10.0.0.1")
				}
			},
			status: 500, errs: []any{errItem("InternalServerError", "Internal server error")},
			check: func(t *testing.T, e *env, res response) {
				assert.False(t, strings.Contains(string(res.raw), "10.0.0.1"))
			},
		},
	}
	runUpstream(t, cases)
}
