package httpapi_test

// Cases from alphagov/notifications-api
// tests/app/authentication/test_authentication.py. Upstream calls its
// auth functions on a bare request; here each token goes to GET
// /v2/notifications (the admin cases to GET /service), so the answer is
// the one a client sees. The GOV.UK Alerts client, the route secret
// header and the lookup cache are not part of notify.

import (
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

const upstreamGeneralTokenError = "Invalid token: make sure your API token matches the example at https://docs.notifications.service.gov.uk/rest-api.html#authorisation-header"

func TestUpstreamAuthentication(t *testing.T) {
	t.Parallel()
	type authCase struct {
		name string
		// svc changes the service before the request.
		setup func(t *testing.T, e *env)
		// auth is the Authorization header.
		auth   func(t *testing.T, e *env) string
		status int
		msg    string // "" for a 200
	}
	now := func() int64 { return time.Now().Unix() }
	bearer := func(claims func(e *env) jwt.MapClaims, secret func(e *env) string, method jwt.SigningMethod) func(t *testing.T, e *env) string {
		return func(t *testing.T, e *env) string { return "Bearer " + signed(t, method, claims(e), secret(e)) }
	}
	sid := func(e *env) string { return e.svc.ID.String() }
	liveSecret := func(e *env) string { return e.keys[notify.KeyTypeLive].Secret }
	testSecret := func(e *env) string { return e.keys[notify.KeyTypeSimulate].Secret }
	randomSecret := func(*env) string { return uuid.NewString() }
	valid := func(secret func(e *env) string) func(t *testing.T, e *env) string {
		return bearer(func(e *env) jwt.MapClaims { return jwt.MapClaims{"iss": sid(e), "iat": now()} }, secret, jwt.SigningMethodHS256)
	}
	revoke := func(kts ...notify.KeyType) func(t *testing.T, e *env) {
		return func(t *testing.T, e *env) {
			for _, kt := range kts {
				require.NoError(t, e.n.RevokeAPIKey(ctx, e.svc.ID, e.keys[kt].ID))
			}
		}
	}
	cases := []authCase{
		{name: "test_requires_auth_should_allow_valid_token_for_request", auth: valid(liveSecret), status: 200},
		{name: "test_get_auth_token_should_not_allow_request_with_no_token",
			auth: func(*testing.T, *env) string { return "" }, status: 401, msg: "Unauthorized: authentication token must be provided"},
		{name: "test_get_auth_token_should_not_allow_request_with_incorrect_header",
			auth: func(*testing.T, *env) string { return "Basic 1234" }, status: 401, msg: "Unauthorized: authentication bearer scheme must be used"},
		{name: "test_get_auth_token_should_allow_valid_token[bearer]",
			auth: func(t *testing.T, e *env) string { return "bearer " + e.token(t, e.keys[notify.KeyTypeLive]) }, status: 200},
		{name: "test_get_auth_token_should_allow_valid_token[Bearer]",
			auth: func(t *testing.T, e *env) string { return "Bearer " + e.token(t, e.keys[notify.KeyTypeLive]) }, status: 200},
		{name: "test_get_token_issuer_should_not_allow_request_with_incorrect_token",
			auth: func(*testing.T, *env) string { return "Bearer 1234" }, status: 403, msg: upstreamGeneralTokenError},
		{name: "test_get_token_issuer_should_not_allow_request_with_no_iss",
			auth:   bearer(func(*env) jwt.MapClaims { return jwt.MapClaims{"iat": now()} }, randomSecret, jwt.SigningMethodHS256),
			status: 403, msg: "Invalid token: iss field not provided"},
		{
			// Upstream signs {} with HS512 and decodes it directly; through
			// the API the token needs an issuer to reach the check.
			name:   "test_decode_jwt_token_should_not_allow_non_hs256_algorithm",
			auth:   bearer(func(e *env) jwt.MapClaims { return jwt.MapClaims{"iss": sid(e), "iat": now()} }, liveSecret, jwt.SigningMethodHS512),
			status: 403, msg: "Invalid token: algorithm used is not HS256",
		},
		{name: "test_decode_jwt_token_should_not_allow_no_iat",
			auth:   bearer(func(e *env) jwt.MapClaims { return jwt.MapClaims{"iss": sid(e)} }, randomSecret, jwt.SigningMethodHS256),
			status: 403, msg: "Invalid token: API key not found"},
		{name: "test_decode_jwt_token_should_not_allow_no_iat/signed with the key",
			auth:   bearer(func(e *env) jwt.MapClaims { return jwt.MapClaims{"iss": sid(e)} }, liveSecret, jwt.SigningMethodHS256),
			status: 403, msg: "Invalid token: API key not found"},
		{name: "test_decode_jwt_token_should_not_allow_old_iat",
			auth:   bearer(func(e *env) jwt.MapClaims { return jwt.MapClaims{"iss": sid(e), "iat": now() - 60} }, liveSecret, jwt.SigningMethodHS256),
			status: 403, msg: "Error: Your system clock must be accurate to within 30 seconds"},
		{name: "test_decode_jwt_token_should_not_allow_extra_claims",
			auth: bearer(func(e *env) jwt.MapClaims {
				return jwt.MapClaims{"iss": sid(e), "iat": now(), "aud": "notifications.service.gov.uk"}
			}, liveSecret, jwt.SigningMethodHS256),
			status: 403, msg: upstreamGeneralTokenError},
		{name: "test_decode_jwt_token_should_not_allow_invalid_secret",
			auth: valid(func(*env) string { return "not-so-secret" }), status: 403, msg: "Invalid token: API key not found"},
		{name: "test_decode_jwt_token_should_allow_multiple_api_keys", auth: valid(testSecret), status: 200},
		{name: "test_decode_jwt_token_should_allow_some_expired_keys", setup: revoke(notify.KeyTypeLive),
			auth: valid(testSecret), status: 200},
		{name: "test_decode_jwt_token_errors_when_all_api_keys_are_expired",
			setup: revoke(notify.KeyTypeLive, notify.KeyTypeTeam, notify.KeyTypeSimulate),
			auth:  valid(testSecret), status: 403, msg: "Invalid token: API key revoked"},
		{name: "test_requires_auth_should_not_allow_service_id_with_the_wrong_data_type[not-a-valid-id]",
			auth:   bearer(func(*env) jwt.MapClaims { return jwt.MapClaims{"iss": "not-a-valid-id", "iat": now()} }, liveSecret, jwt.SigningMethodHS256),
			status: 403, msg: "Invalid token: service id is not the right data type"},
		{name: "test_requires_auth_should_not_allow_service_id_with_the_wrong_data_type[1234]",
			auth:   bearer(func(*env) jwt.MapClaims { return jwt.MapClaims{"iss": 1234, "iat": now()} }, liveSecret, jwt.SigningMethodHS256),
			status: 403, msg: "Invalid token: service id is not the right data type"},
		{name: "test_requires_auth_returns_error_when_service_doesnt_exist",
			// The service id and the key id the wrong way around.
			auth: bearer(func(e *env) jwt.MapClaims {
				return jwt.MapClaims{"iss": e.keys[notify.KeyTypeLive].ID.String(), "iat": now()}
			}, sid, jwt.SigningMethodHS256),
			status: 403, msg: "Invalid token: service not found"},
		{name: "test_requires_auth_returns_error_when_service_inactive",
			setup: func(t *testing.T, e *env) {
				svc := *e.svc
				svc.Archived = true
				require.NoError(t, e.store.UpdateService(ctx, &svc))
			},
			auth: valid(liveSecret), status: 403, msg: "Invalid token: service is archived"},
		{name: "test_requires_auth_errors_if_service_has_no_api_keys",
			setup: func(t *testing.T, e *env) {
				// A service of its own that never had a key.
				svc, err := e.n.CreateService(ctx, notify.Service{Name: "No keys"})
				require.NoError(t, err)
				e.svc = svc
			},
			auth: valid(liveSecret), status: 403, msg: "Invalid token: service has no API keys"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, notify.Service{})
			if tc.setup != nil {
				tc.setup(t, e)
			}
			res := e.doAuth(t, http.MethodGet, "/v2/notifications", nil, tc.auth(t, e))
			require.Equal(t, tc.status, res.status, "%s", res.raw)
			if tc.msg != "" {
				assert.Equal(t, v2err(tc.status, "AuthError", tc.msg), res.body)
			}
		})
	}

	// test_requires_internal_auth_errors_for_api_app_mismatch: a
	// service's token on the admin API; and upstream's admin token
	// accepted there (test_requires_admin_auth_should_allow_valid_token_for_request).
	t.Run("test_requires_internal_auth_errors_for_api_app_mismatch", func(t *testing.T) {
		t.Parallel()
		e := newAdminEnv(t, notify.Service{})
		res := e.doAuth(t, http.MethodGet, "/service", nil, "Bearer "+e.token(t, e.keys[notify.KeyTypeLive]))
		assert.Equal(t, http.StatusUnauthorized, res.status)
		assert.Equal(t, v1err(map[string]any{"token": []any{"Unauthorized: not allowed to perform this action"}}), res.body)
	})
	t.Run("test_requires_admin_auth_should_allow_valid_token_for_request", func(t *testing.T) {
		t.Parallel()
		e := newAdminEnv(t, notify.Service{})
		res := e.admin(t, http.MethodGet, "/service", nil)
		assert.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	})
}
