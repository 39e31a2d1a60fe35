package httpapi_test

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

// TestAuth checks every authentication message in both error shapes: v2
// routes answer {"status_code", "errors"}, v1 routes {"result", "message":
// {"token": [...]}}.
func TestAuth(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{Restricted: true})
	live := e.keys[notify.KeyTypeLive]
	now := time.Now().Unix()
	sid := e.svc.ID.String()

	// A service with no keys, and an archived one.
	bare, err := e.n.CreateService(ctx, notify.Service{Name: "No keys"})
	require.NoError(t, err)
	archived, err := e.n.CreateService(ctx, notify.Service{Name: "Archived"})
	require.NoError(t, err)
	archivedKey, err := e.n.CreateAPIKey(ctx, archived.ID, "k", notify.KeyTypeLive)
	require.NoError(t, err)
	archived.Archived = true
	require.NoError(t, e.store.UpdateService(ctx, archived))
	// A revoked key.
	revoked, err := e.n.CreateAPIKey(ctx, e.svc.ID, "revoked", notify.KeyTypeLive)
	require.NoError(t, err)
	require.NoError(t, e.n.RevokeAPIKey(ctx, e.svc.ID, revoked.ID))

	const invalid = "Invalid token: make sure your API token matches the example at https://docs.notifications.service.gov.uk/rest-api.html#authorisation-header"
	cases := []struct {
		name   string
		auth   string
		status int
		msg    string
	}{
		{"no header", "", 401, "Unauthorized: authentication token must be provided"},
		{"basic scheme", "Basic 1234", 401, "Unauthorized: authentication bearer scheme must be used"},
		{"short header", "Bear", 401, "Unauthorized: authentication bearer scheme must be used"},
		{"not a jwt", "Bearer 1234", 403, invalid},
		{"no iss", "Bearer " + signed(t, jwt.SigningMethodHS256, jwt.MapClaims{"iat": now}, live.Secret), 403, "Invalid token: iss field not provided"},
		{"iss not a uuid", "Bearer " + signed(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": "something", "iat": now}, live.Secret), 403, "Invalid token: service id is not the right data type"},
		{"unknown service", "Bearer " + signed(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": uuid.NewString(), "iat": now}, live.Secret), 403, "Invalid token: service not found"},
		{"service without keys", "Bearer " + signed(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": bare.ID.String(), "iat": now}, live.Secret), 403, "Invalid token: service has no API keys"},
		{"archived service", "Bearer " + signed(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": archived.ID.String(), "iat": now}, archivedKey.Secret), 403, "Invalid token: service is archived"},
		{"iat 60s ago", "Bearer " + signed(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": sid, "iat": now - 60}, live.Secret), 403, "Error: Your system clock must be accurate to within 30 seconds"},
		{"iat 60s ahead", "Bearer " + signed(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": sid, "iat": now + 60}, live.Secret), 403, "Error: Your system clock must be accurate to within 30 seconds"},
		{"HS512", "Bearer " + signed(t, jwt.SigningMethodHS512, jwt.MapClaims{"iss": sid, "iat": now}, live.Secret), 403, "Invalid token: algorithm used is not HS256"},
		{"no iat", "Bearer " + signed(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": sid}, live.Secret), 403, "Invalid token: API key not found"},
		{"wrong secret", "Bearer " + signed(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": sid, "iat": now}, uuid.NewString()), 403, "Invalid token: API key not found"},
		{"revoked key", "Bearer " + signed(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": sid, "iat": now}, revoked.Secret), 403, "Invalid token: API key revoked"},
		{"extra aud claim", "Bearer " + signed(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": sid, "iat": now, "aud": "x"}, live.Secret), 403, invalid},
	}
	for _, tc := range cases {
		t.Run(tc.name+"/v2", func(t *testing.T) {
			t.Parallel()
			res := e.doAuth(t, http.MethodGet, "/v2/notifications", nil, tc.auth)
			assert.Equal(t, tc.status, res.status)
			assert.Equal(t, v2err(tc.status, "AuthError", tc.msg), res.body)
		})
		t.Run(tc.name+"/v1", func(t *testing.T) {
			t.Parallel()
			res := e.doAuth(t, http.MethodGet, "/notifications", nil, tc.auth)
			assert.Equal(t, tc.status, res.status)
			assert.Equal(t, v1err(map[string]any{"token": []any{tc.msg}}), res.body)
		})
	}
}

func TestAuthAccepted(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{Restricted: true})
	live := e.keys[notify.KeyTypeLive]
	// Tokens are signed when the request is made, so a slow run cannot push
	// them out of the window.
	at := func(scheme string, skew time.Duration) func() string {
		return func() string {
			return scheme + " " + signed(t, jwt.SigningMethodHS256,
				jwt.MapClaims{"iss": e.svc.ID.String(), "iat": time.Now().Add(skew).Unix()}, live.Secret)
		}
	}
	cases := []struct {
		name string
		auth func() string
	}{
		{"Bearer", at("Bearer", 0)},
		{"lower-case bearer", at("bearer", 0)},
		{"upper-case BEARER", at("BEARER", 0)},
		{"iat 25s ago", at("Bearer", -25*time.Second)},
		{"iat 25s ahead", at("Bearer", 25*time.Second)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := e.doAuth(t, http.MethodGet, "/v2/notifications", nil, tc.auth())
			assert.Equal(t, http.StatusOK, res.status, "%s", res.raw)
		})
	}
}

// TestAuthBeforeEverything: a route authenticates before it looks at the
// path, the query or the body.
func TestAuthBeforeEverything(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{})
	for _, tc := range []struct{ method, path string }{
		{http.MethodPost, "/v2/notifications/sms"},
		{http.MethodPost, "/v2/notifications/letter"},
		{http.MethodPost, "/v2/notifications/foo"},
		{http.MethodGet, "/v2/notifications/not-a-uuid"},
		{http.MethodGet, "/v2/notifications?status=elephant"},
		{http.MethodGet, "/v2/template/" + uuid.NewString()},
		{http.MethodGet, "/v2/templates?type=coconut"},
		{http.MethodPost, "/v2/template/" + uuid.NewString() + "/preview"},
		{http.MethodGet, "/v2/received-text-messages"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			t.Parallel()
			res := e.doAuth(t, tc.method, tc.path, "[", "")
			assert.Equal(t, http.StatusUnauthorized, res.status)
			assert.Equal(t, v2err(401, "AuthError", "Unauthorized: authentication token must be provided"), res.body)
		})
	}
}
