package notify

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTokenVerifyAgreesWithJWTLibrary: the token decoded once and
// verified by hand accepts exactly the tokens whose signature the JWT
// library verifies, refuses as invalid those it cannot parse, and sends
// a signature that does not verify on to the next key.
func TestTokenVerifyAgreesWithJWTLibrary(t *testing.T) {
	t.Parallel()
	const secret = "3d1cd3ba-2a5b-4b5e-8f5b-6d0d3ea2b0a1"
	now := time.Now()
	good, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": "x", "iat": now.Unix()}).SignedString([]byte(secret))
	require.NoError(t, err)
	parts := strings.Split(good, ".")
	enc := base64.RawURLEncoding.EncodeToString
	tampered := enc([]byte(`{"iss":"y","iat":` + fmt.Sprint(now.Unix()) + `}`))
	tokens := map[string]string{
		"good":                    good,
		"padded header":           parts[0] + "==." + parts[1] + "." + parts[2],
		"padded claims":           parts[0] + "." + parts[1] + "=." + parts[2],
		"padded signature":        good + "=",
		"signature not base64url": parts[0] + "." + parts[1] + "." + strings.Repeat("*", len(parts[2])),
		"signature of other data": parts[0] + "." + tampered + "." + parts[2],
		"empty signature":         parts[0] + "." + parts[1] + ".",
		"other secret": func() string {
			s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": "x", "iat": now.Unix()}).SignedString([]byte("other"))
			require.NoError(t, err)
			return s
		}(),
	}
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithoutClaimsValidation())
	for name, tok := range tokens {
		t.Run(name, func(t *testing.T) {
			_, libErr := parser.Parse(tok, func(*jwt.Token) (any, error) { return []byte(secret), nil })
			pt, ok := decodeUnverified(tok)
			if !ok {
				assert.Error(t, libErr, "a token that does not read does not parse either")
				return
			}
			err := pt.verify(secret, now)
			switch {
			case libErr == nil:
				assert.NoError(t, err)
			case errors.Is(libErr, jwt.ErrTokenSignatureInvalid):
				assert.ErrorIs(t, err, errTryNextKey)
			default:
				var e *Error
				require.ErrorAs(t, err, &e, "library: %v", libErr)
				assert.Equal(t, MsgInvalidToken, e.Message)
			}
			// Decoding again from the text agrees.
			assert.Equal(t, err == nil, verifyToken(tok, secret, now) == nil)
		})
	}
	t.Run("four segments", func(t *testing.T) {
		_, ok := decodeUnverified(good + ".x")
		assert.False(t, ok)
	})
}

// TestOpenedKeySecretsAreBounded: opened secrets are kept by their sealed
// bytes, a failure is not kept, and the set never holds more than its
// bound.
func TestOpenedKeySecretsAreBounded(t *testing.T) {
	t.Parallel()
	sk, err := newSecretKey([]byte("a secret key for the tests, 32 bytes or more"), nil, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	box, err := newSecretBox(sk.key)
	require.NoError(t, err)
	sk.box.Store(box)
	ctx := context.Background()
	var o openedKeySecrets
	for i := range maxOpenedKeySecrets + 10 {
		plain := fmt.Sprintf("secret-%d", i)
		sealed, err := sk.seal(ctx, plain)
		require.NoError(t, err)
		got, err := o.open(ctx, sk, sealed)
		require.NoError(t, err)
		assert.Equal(t, plain, got)
		got, err = o.open(ctx, sk, sealed)
		require.NoError(t, err)
		assert.Equal(t, plain, got, "from the set")
		require.LessOrEqual(t, len(o.m), maxOpenedKeySecrets)
	}
	before := len(o.m)
	_, err = o.open(ctx, sk, []byte("not sealed by this key"))
	assert.ErrorIs(t, err, ErrWrongSecretKey)
	assert.Equal(t, before, len(o.m), "a failure is not kept")
}

// verifyToken decodes token and checks secret against it, in one call.
func verifyToken(token, secret string, now time.Time) error {
	t, ok := decodeUnverified(token)
	if !ok {
		return AuthError(http.StatusForbidden, MsgInvalidToken)
	}
	return t.verify(secret, now)
}
