package notify_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
)

func sign(t *testing.T, method jwt.SigningMethod, claims jwt.MapClaims, secret string) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString([]byte(secret))
	require.NoError(t, err)
	return s
}

// rawToken builds a token from literal header and payload JSON with a
// dummy signature.
func rawToken(header, payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc([]byte(payload)) + ".c2ln"
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	now := time.Now()
	env := notifytest.New(t, notifytest.WithConfig(func(c *notify.Config) { c.Clock = func() time.Time { return now } }))
	svc := env.Service(t, notify.Service{Name: "Auth"})
	live := env.Key(t, svc, notify.KeyTypeLive)
	revoked := env.Key(t, svc, notify.KeyTypeTeam)
	require.NoError(t, env.Notifier.RevokeAPIKey(ctx, svc.ID, revoked.Key.ID))
	archived := env.Service(t, notify.Service{Name: "Archived", Archived: true})
	archivedKey := env.Key(t, archived, notify.KeyTypeLive)
	noKeys := env.Service(t, notify.Service{Name: "No keys"})

	iss := svc.ID.String()
	good := sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": iss, "iat": now.Unix()}, live.Key.Secret)
	cases := []struct {
		name, header string
		status       int
		msg          string
	}{
		{"no header", "", http.StatusUnauthorized, notify.MsgNoToken},
		{"basic scheme", "Basic 1234", http.StatusUnauthorized, notify.MsgBearerScheme},
		{"short header", "Bear", http.StatusUnauthorized, notify.MsgBearerScheme},
		{"not a jwt", "Bearer 1234", http.StatusForbidden, notify.MsgInvalidToken},
		{"no iss", "Bearer " + sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"iat": now.Unix()}, live.Key.Secret), http.StatusForbidden, notify.MsgNoIssuer},
		{"iss not a uuid", "Bearer " + sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": "something", "iat": now.Unix()}, live.Key.Secret), http.StatusForbidden, notify.MsgIssuerNotUUID},
		{"unknown service", "Bearer " + sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": uuid.NewString(), "iat": now.Unix()}, live.Key.Secret), http.StatusForbidden, notify.MsgServiceNotFound},
		{"service without keys", "Bearer " + sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": noKeys.ID.String(), "iat": now.Unix()}, live.Key.Secret), http.StatusForbidden, notify.MsgServiceNoKeys},
		{"archived service", "Bearer " + sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": archived.ID.String(), "iat": now.Unix()}, archivedKey.Key.Secret), http.StatusForbidden, notify.MsgServiceArchived},
		{"iat too old", "Bearer " + sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": iss, "iat": now.Unix() - 60}, live.Key.Secret), http.StatusForbidden, notify.MsgClockSkew},
		{"iat in the future", "Bearer " + sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": iss, "iat": now.Unix() + 60}, live.Key.Secret), http.StatusForbidden, notify.MsgClockSkew},
		{"HS512", "Bearer " + sign(t, jwt.SigningMethodHS512, jwt.MapClaims{"iss": iss, "iat": now.Unix()}, live.Key.Secret), http.StatusForbidden, notify.MsgAlgorithm},
		{"unknown alg", "Bearer " + rawToken(`{"alg":"foo","typ":"JWT"}`, `{"iss":"`+iss+`","iat":`+fmt.Sprint(now.Unix())+`}`), http.StatusForbidden, notify.MsgAlgorithm},
		{"alg none", "Bearer " + rawToken(`{"alg":"none"}`, `{"iss":"`+iss+`","iat":`+fmt.Sprint(now.Unix())+`}`), http.StatusForbidden, notify.MsgAlgorithm},
		{"no alg", "Bearer " + rawToken(`{"typ":"JWT"}`, `{"iss":"`+iss+`","iat":`+fmt.Sprint(now.Unix())+`}`), http.StatusForbidden, notify.MsgAlgorithm},
		{"payload not JSON", "Bearer " + rawToken(`{"alg":"HS256"}`, `not json`), http.StatusForbidden, notify.MsgInvalidToken},
		{"no iat", "Bearer " + sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": iss}, live.Key.Secret), http.StatusForbidden, notify.MsgKeyNotFound},
		{"wrong secret", "Bearer " + sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": iss, "iat": now.Unix()}, uuid.NewString()), http.StatusForbidden, notify.MsgKeyNotFound},
		{"revoked key", "Bearer " + sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": iss, "iat": now.Unix()}, revoked.Key.Secret), http.StatusForbidden, notify.MsgKeyRevoked},
		{"extra aud claim", "Bearer " + sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": iss, "iat": now.Unix(), "aud": "x"}, live.Key.Secret), http.StatusForbidden, notify.MsgInvalidToken},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := env.Notifier.Authenticate(ctx, c.header)
			requireRefusal(t, err, c.status, notify.NameAuth, c.msg)
		})
	}
	for _, h := range []string{"Bearer " + good, "bearer " + good, "BEARER " + good} {
		c, err := env.Notifier.Authenticate(ctx, h)
		require.NoError(t, err, h[:7])
		assert.Equal(t, live.Key.ID, c.Key.ID)
		assert.Equal(t, svc.ID, c.Service.ID)
	}
	t.Run("within 30 seconds", func(t *testing.T) {
		for _, d := range []int64{-30, 30} {
			tok := sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": iss, "iat": now.Unix() + d}, live.Key.Secret)
			_, err := env.Notifier.Authenticate(ctx, "Bearer "+tok)
			assert.NoError(t, err, d)
		}
	})
	t.Run("official client token", func(t *testing.T) {
		tok, err := notify.NewToken(svc.ID, live.Key.Secret, now)
		require.NoError(t, err)
		_, err = env.Notifier.Authenticate(ctx, "Bearer "+tok)
		require.NoError(t, err)
	})
}

// TestRevokedKeyAfterSevenDays: a key revoked within 7 days answers
// "revoked"; after that it no longer counts as one of the service's keys:
// "not found" while the service has another, and "service has no API
// keys" (upstream's test_authentication_returns_error_when_service_has_no_secrets)
// when it was the last.
func TestRevokedKeyAfterSevenDays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		after    time.Duration
		otherKey bool
		msg      string
	}{
		{"revoked 6 days ago", 6 * 24 * time.Hour, false, notify.MsgKeyRevoked},
		{"revoked 8 days ago, another key left", 8 * 24 * time.Hour, true, notify.MsgKeyNotFound},
		{"revoked 8 days ago, the service's only key", 8 * 24 * time.Hour, false, notify.MsgServiceNoKeys},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := &rcClock{now: time.Now()}
			env := notifytest.New(t, notifytest.WithConfig(func(c *notify.Config) { c.Clock = clock.Now }))
			svc := env.Service(t, notify.Service{})
			k := env.Key(t, svc, notify.KeyTypeLive)
			if tt.otherKey {
				env.Key(t, svc, notify.KeyTypeTeam)
			}
			require.NoError(t, env.Notifier.RevokeAPIKey(ctx, svc.ID, k.Key.ID))
			clock.Advance(tt.after)
			tok, err := notify.NewToken(svc.ID, k.Key.Secret, clock.Now())
			require.NoError(t, err)
			_, err = env.Notifier.Authenticate(ctx, "Bearer "+tok)
			requireRefusal(t, err, http.StatusForbidden, notify.NameAuth, tt.msg)
		})
	}
}

func TestKeyString(t *testing.T) {
	t.Parallel()
	sid := uuid.New()
	secret := uuid.NewString()
	s := notify.FormatKey("my-key-with-hyphens", sid, secret)
	gotID, gotSecret, err := notify.ParseKey(s)
	require.NoError(t, err)
	assert.Equal(t, sid, gotID)
	assert.Equal(t, secret, gotSecret)
	_, _, err = notify.ParseKey("short")
	assert.Error(t, err)
}
