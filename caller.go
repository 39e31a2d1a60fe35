package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/uuid"
)

// A Caller is checked again each time it is used: the methods that take
// one (sends and reads) load its service and key anew, through the read
// cache, so that a key revoked, a service archived or a service taken out of
// trial mode after the Caller was made takes effect at once in this
// process, and within Config.ReadCacheTTL in the others that share the
// Store. Only the ids of Caller.Service and Caller.Key are read; the rest
// of what they hold may be stale.

// errNoCaller is the error of a send or read without a Caller.
var errNoCaller = errors.New("notify: no caller: authenticate the request (Notifier.Authenticate) or load the key (Notifier.Caller) first")

// current returns c as the Store has it now, or the refusal that
// Authenticate would give its key today: the service missing or archived,
// the key missing or revoked. A nil Caller is an error, as is the use of a
// closed Notifier.
func (n *Notifier) current(ctx context.Context, c *Caller) (*Caller, error) {
	if n.life.isClosed() {
		return nil, errNotifierClosed
	}
	if c == nil || c.Service == nil || c.Key == nil {
		return nil, errNoCaller
	}
	fresh, err := n.loadCaller(ctx, c.Service.ID, c.Key.ID)
	if err != nil {
		return nil, err
	}
	fresh.Key.Secret = c.Key.Secret
	return fresh, nil
}

// loadCaller loads a service and one of its keys, refusing them as
// Authenticate would: 403 AuthError "service not found", "service is
// archived", "API key not found" or "API key revoked". Other errors are
// the Store's.
func (n *Notifier) loadCaller(ctx context.Context, serviceID, keyID uuid.UUID) (*Caller, error) {
	svc, err := n.store.GetService(ctx, serviceID)
	if errors.Is(err, ErrNotFound) {
		return nil, AuthError(http.StatusForbidden, MsgServiceNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("notify: caller: %w", err)
	}
	if svc.Archived {
		return nil, AuthError(http.StatusForbidden, MsgServiceArchived)
	}
	keys, err := n.store.ListAPIKeys(ctx, serviceID)
	if err != nil {
		return nil, fmt.Errorf("notify: caller: %w", err)
	}
	for i := range keys {
		if keys[i].ID != keyID {
			continue
		}
		if keys[i].Revoked() {
			return nil, AuthError(http.StatusForbidden, MsgKeyRevoked)
		}
		k := keys[i]
		k.EncryptedSecret = nil
		return &Caller{Service: svc, Key: &k}, nil
	}
	return nil, AuthError(http.StatusForbidden, MsgKeyNotFound)
}
