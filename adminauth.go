package notify

import (
	"errors"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// AdminClientID is the iss of the admin API's tokens: upstream's client id
// of its admin app.
const AdminClientID = "notify-admin"

// MsgNotAllowed refuses a token whose issuer is not the admin client.
const MsgNotAllowed = "Unauthorized: not allowed to perform this action"

// NewAdminToken signs an admin API token with secret the way upstream's
// admin app does: HS256, claims iss (AdminClientID) and iat.
func NewAdminToken(secret []byte, iat time.Time) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": AdminClientID, "iat": iat.Unix()})
	return t.SignedString(secret)
}

// AuthenticateAdmin checks an Authorization header value for the admin API
// as upstream's internal authentication does: a bearer JWT whose iss is
// AdminClientID (else 401 "Unauthorized: not allowed to perform this
// action"), HS256-signed with secret, whose iat is within 30 seconds of
// now (the v2 rules and messages). Refusals are AuthError *Error values.
// An empty secret refuses every token.
func (n *Notifier) AuthenticateAdmin(authorization string, secret []byte) error {
	token, err := bearerJWT(authorization)
	if err != nil {
		return err
	}
	forbidden := func(msg string) error { return AuthError(http.StatusForbidden, msg) }
	if iss, _ := token.claims["iss"].(string); iss != AdminClientID {
		return AuthError(http.StatusUnauthorized, MsgNotAllowed)
	}
	if alg, _ := token.header["alg"].(string); alg != "HS256" {
		return forbidden(MsgAlgorithm)
	}
	if len(secret) == 0 {
		return forbidden(MsgKeyNotFound)
	}
	err = token.verify(string(secret), n.now())
	if errors.Is(err, errTryNextKey) {
		return forbidden(MsgKeyNotFound)
	}
	return err
}
