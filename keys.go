package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// Authentication messages, exactly upstream's.
const (
	MsgNoToken          = "Unauthorized: authentication token must be provided"
	MsgBearerScheme     = "Unauthorized: authentication bearer scheme must be used"
	MsgInvalidToken     = "Invalid token: make sure your API token matches the example at https://docs.notifications.service.gov.uk/rest-api.html#authorisation-header"
	MsgNoIssuer         = "Invalid token: iss field not provided"
	MsgIssuerNotUUID    = "Invalid token: service id is not the right data type"
	MsgServiceNotFound  = "Invalid token: service not found"
	MsgServiceNoKeys    = "Invalid token: service has no API keys"
	MsgServiceArchived  = "Invalid token: service is archived"
	MsgClockSkew        = "Error: Your system clock must be accurate to within 30 seconds"
	MsgAlgorithm        = "Invalid token: algorithm used is not HS256"
	MsgKeyNotFound      = "Invalid token: API key not found"
	MsgKeyRevoked       = "Invalid token: API key revoked"
	tokenClockTolerance = 30 * time.Second
	// revokedKeyGrace is how long a revoked key still answers "revoked"
	// rather than "not found".
	revokedKeyGrace = 7 * 24 * time.Hour
)

// Caller is an authenticated API key together with its service.
type Caller struct {
	Service *Service
	Key     *APIKey
}

// FormatKey returns the key string handed to users:
// "{name}-{service_id}-{secret}", as the official clients parse it.
func FormatKey(name string, serviceID uuid.UUID, secret string) string {
	return name + "-" + serviceID.String() + "-" + secret
}

// ParseKey splits a key string the way the official clients do: the last 36
// characters are the secret and the 36 before the hyphen that precedes them
// the service id, so the name may contain hyphens.
func ParseKey(key string) (serviceID uuid.UUID, secret string, err error) {
	if len(key) < 73 {
		return uuid.Nil, "", errors.New("notify: API key is too short: want {name}-{service_id}-{secret}")
	}
	secret = key[len(key)-36:]
	id, err := uuid.Parse(key[len(key)-73 : len(key)-37])
	if err != nil {
		return uuid.Nil, "", fmt.Errorf("notify: API key has no service id: %w", err)
	}
	return id, secret, nil
}

// NewToken signs a token for serviceID with secret the way the official
// clients do: HS256, claims iss and iat.
func NewToken(serviceID uuid.UUID, secret string, iat time.Time) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": serviceID.String(), "iat": iat.Unix()})
	return t.SignedString([]byte(secret))
}

// Authenticate checks an Authorization header value as upstream does and
// returns the caller. Refusals are *Error with Name AuthError and
// status 401 or 403 and upstream's exact messages; other errors are
// internal (the store failed).
func (n *Notifier) Authenticate(ctx context.Context, authorization string) (*Caller, error) {
	token, err := bearerJWT(authorization)
	if err != nil {
		return nil, err
	}
	forbidden := func(msg string) error { return AuthError(http.StatusForbidden, msg) }
	iss, ok := token.claims["iss"].(string)
	if !ok {
		return nil, forbidden(MsgIssuerNotUUID)
	}
	serviceID, err := uuid.Parse(iss)
	if err != nil {
		return nil, forbidden(MsgIssuerNotUUID)
	}
	svc, err := n.store.GetService(ctx, serviceID)
	if errors.Is(err, ErrNotFound) {
		return nil, forbidden(MsgServiceNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("notify: authenticate: %w", err)
	}
	keys, err := n.store.ListAPIKeys(ctx, serviceID)
	if err != nil {
		return nil, fmt.Errorf("notify: authenticate: %w", err)
	}
	// Keys revoked more than the grace period ago no longer count: a
	// service left with none has no API keys, as upstream says.
	now := n.now()
	var candidates []APIKey
	for _, k := range keys {
		if k.ExpiryDate == nil || now.Sub(*k.ExpiryDate) < revokedKeyGrace {
			candidates = append(candidates, k)
		}
	}
	if len(candidates) == 0 {
		return nil, forbidden(MsgServiceNoKeys)
	}
	if svc.Archived {
		return nil, forbidden(MsgServiceArchived)
	}
	if alg, _ := token.header["alg"].(string); alg != "HS256" {
		return nil, forbidden(MsgAlgorithm)
	}
	// Active keys and keys revoked within the grace period are tried; the
	// first whose secret verifies wins.
	for i := range candidates {
		k := &candidates[i]
		secret, err := n.keySecrets.open(ctx, n.secrets, k.EncryptedSecret)
		if err != nil {
			return nil, fmt.Errorf("notify: authenticate: key %s: %w", k.ID, err)
		}
		switch verr := token.verify(secret, now); {
		case verr == nil:
			if k.Revoked() {
				return nil, forbidden(MsgKeyRevoked)
			}
			k.Secret = secret
			k.EncryptedSecret = nil
			return &Caller{Service: svc, Key: k}, nil
		case errors.Is(verr, errTryNextKey):
			continue
		default:
			return nil, verr
		}
	}
	return nil, forbidden(MsgKeyNotFound)
}

var errTryNextKey = errors.New("try next key")

// bearerJWT reads the JWT of an Authorization header value without
// verifying it, with upstream's refusals of the first checks the v2 and
// admin authentication share: no header (401), not a bearer token (401),
// a token that does not decode or has no iss (403). The decoded token is
// verified with its verify method, without decoding it again.
func bearerJWT(authorization string) (*jwtToken, error) {
	if authorization == "" {
		return nil, AuthError(http.StatusUnauthorized, MsgNoToken)
	}
	if len(authorization) < 7 || !strings.EqualFold(authorization[:7], "bearer ") {
		return nil, AuthError(http.StatusUnauthorized, MsgBearerScheme)
	}
	t, ok := decodeUnverified(authorization[7:])
	if !ok {
		return nil, AuthError(http.StatusForbidden, MsgInvalidToken)
	}
	if iss, ok := t.claims["iss"]; !ok || iss == nil {
		return nil, AuthError(http.StatusForbidden, MsgNoIssuer)
	}
	return t, nil
}

// jwtToken is a JWT decoded once: read without checks first (the
// header and claims upstream looks at before choosing a key), then
// verified against each key's secret.
type jwtToken struct {
	raw            string
	header, claims map[string]any
	// signed is the header and claims segments as signed; sig the
	// decoded signature.
	signed string
	sig    []byte
	// strict says the three segments are unpadded base64url, as a JWT
	// library insists when verifying; a token that decodes only when
	// padding is ignored reads, but never verifies.
	strict bool
}

// decodeUnverified reads a token's header and claims without checking
// anything, as pyjwt's unverified reads do: any algorithm (or none) is
// read, so that "algorithm used is not HS256" can be told apart from a
// token that is not a JWT at all.
func decodeUnverified(token string) (*jwtToken, bool) {
	h, rest, ok1 := strings.Cut(token, ".")
	c, sig, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(sig, ".") {
		return nil, false
	}
	t := &jwtToken{raw: token, signed: token[:len(h)+1+len(c)], strict: true}
	decode := func(seg string, into *map[string]any) bool {
		trimmed := strings.TrimRight(seg, "=")
		t.strict = t.strict && len(trimmed) == len(seg)
		raw, err := base64.RawURLEncoding.DecodeString(trimmed)
		if err != nil {
			return false
		}
		return json.Unmarshal(raw, into) == nil && *into != nil
	}
	if !decode(h, &t.header) || !decode(c, &t.claims) {
		return nil, false
	}
	var err error
	if t.sig, err = base64.RawURLEncoding.DecodeString(sig); err != nil {
		t.strict = false
	}
	return t, true
}

// verify checks one key's secret against the token: an HS256 signature
// (the header's alg is checked before), then the time claims with
// upstream's tolerance. errTryNextKey means the signature (or iat) did not
// verify with this key.
func (t *jwtToken) verify(secret string, now time.Time) error {
	forbidden := func(msg string) error { return AuthError(http.StatusForbidden, msg) }
	if alg, _ := t.header["alg"].(string); alg != "HS256" || !t.strict {
		return forbidden(MsgInvalidToken)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(t.signed))
	if !hmac.Equal(t.sig, mac.Sum(nil)) {
		return errTryNextKey
	}
	claims := t.claims
	if _, ok := claims["aud"]; ok {
		// pyjwt refuses an audience it was not told to expect.
		return forbidden(MsgInvalidToken)
	}
	rawIat, ok := claims["iat"]
	if !ok {
		// Upstream's quirk: a token without iat fails to decode and the
		// next key is tried, ending in "API key not found".
		return errTryNextKey
	}
	iatF, ok := rawIat.(float64)
	if !ok || math.IsNaN(iatF) || math.IsInf(iatF, 0) {
		return forbidden(MsgClockSkew)
	}
	// Whole seconds, as upstream compares them.
	iat, nowSec, bound := int64(iatF), now.Unix(), int64(tokenClockTolerance/time.Second)
	if nowSec > iat+bound || iat > nowSec+bound {
		return forbidden(MsgClockSkew)
	}
	if rawExp, ok := claims["exp"]; ok {
		exp, ok := rawExp.(float64)
		if !ok || now.After(time.Unix(int64(exp), 0).Add(tokenClockTolerance)) {
			return forbidden(MsgClockSkew)
		}
	}
	if rawNbf, ok := claims["nbf"]; ok {
		nbf, ok := rawNbf.(float64)
		if !ok || time.Unix(int64(nbf), 0).After(now.Add(tokenClockTolerance)) {
			return forbidden(MsgInvalidToken)
		}
	}
	return nil
}

// recipientsRestricted reports whether a key of keyType of svc may send
// only to the team and guest list: team keys always, live keys of a trial
// service; simulate keys never.
func recipientsRestricted(svc *Service, keyType KeyType) bool {
	return keyType == KeyTypeTeam || (keyType == KeyTypeLive && svc.Restricted)
}

// allowedToSendTo is the trial-mode and team-key rule: may a key of keyType of
// service send to recipient, given the service's team and guest list?
func allowedToSendTo(recipient string, svc *Service, keyType KeyType, team []TeamMember, guests []GuestListEntry) bool {
	if !recipientsRestricted(svc, keyType) {
		return true
	}
	want := FormatRecipient(recipient)
	for _, m := range team {
		if (m.MobileNumber != "" && FormatRecipient(m.MobileNumber) == want) ||
			(m.EmailAddress != "" && FormatRecipient(m.EmailAddress) == want) {
			return true
		}
	}
	for _, g := range guests {
		if FormatRecipient(g.Recipient) == want {
			return true
		}
	}
	return false
}
