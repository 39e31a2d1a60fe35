package httpapi

import (
	"net/http"

	"github.com/notifykit/notify"
)

// Idempotency keys on the send routes: a client that sends the
// Idempotency-Key header may retry a request whose answer it never got; the
// same key with the same body answers the first notification again (201,
// same body) without sending it twice. See notify.RunIdempotent for the
// rules and the 409 refusals.

// Header names of idempotency keys.
const (
	// HeaderIdempotencyKey carries the client's key.
	HeaderIdempotencyKey = "Idempotency-Key"
	// HeaderIdempotentReplayed is "true" on an answer that repeats an
	// earlier request's.
	HeaderIdempotentReplayed = "Idempotent-Replayed"
)

// idempotencyKey returns the request's Idempotency-Key, "" when it has
// none. An empty, overlong or malformed key, or the header sent more than
// once, is a 400 BadRequestError.
func idempotencyKey(r *http.Request) (string, error) {
	values := r.Header.Values(HeaderIdempotencyKey)
	switch len(values) {
	case 0:
		return "", nil
	case 1:
	default:
		return "", &notify.Error{Code: notify.CodeIdempotencyKeyInvalid, Name: notify.NameBadRequest,
			Status: http.StatusBadRequest, Message: "Idempotency-Key must be sent once"}
	}
	if err := notify.CheckIdempotencyKey(values[0]); err != nil {
		return "", err
	}
	return values[0], nil
}

// markReplayed sets HeaderIdempotentReplayed on an answer repeated for an
// idempotency key.
func markReplayed(w http.ResponseWriter, replayed bool) {
	if replayed {
		w.Header().Set(HeaderIdempotentReplayed, "true")
	}
}
