package notify

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
)

// A service may register one callback per type: a URL that the Notifier
// POSTs JSON to, with "Authorization: Bearer <token>", on the
// service-callbacks queue with retries.
//
//	delivery_status   a notification's status changed (CallbackPayload)
//	complaint         a recipient complained about an email (ComplaintCallbackPayload)
//	inbound_sms       a text message arrived on the service's inbound number (InboundSMSCallbackPayload)
//
// Callbacks are kept by a Store with the ServiceCallbackStore ability, the
// URL and the token sealed under Config.SecretKey like API key secrets.
//
// Backward compatibility: Service.CallbackURL and Service.CallbackToken,
// set with SetServiceCallback, still receive delivery statuses, but only
// while the service has no delivery_status callback of its own: a
// delivery_status callback (SetCallback) takes precedence over them, and
// deleting it makes them apply again.

// CallbackType is what a service callback reports, with upstream's names.
type CallbackType string

// The callback types.
const (
	CallbackDeliveryStatus CallbackType = "delivery_status"
	CallbackComplaint      CallbackType = "complaint"
	CallbackInboundSMS     CallbackType = "inbound_sms"
)

// CallbackTypes lists every callback type.
var CallbackTypes = []CallbackType{CallbackDeliveryStatus, CallbackComplaint, CallbackInboundSMS}

// Valid reports whether t is a known callback type.
func (t CallbackType) Valid() bool { return slices.Contains(CallbackTypes, t) }

// ServiceCallback is one callback of a service. A Store keeps URL and
// BearerToken as the Notifier hands them over (sealed); the Notifier's
// Callback and Callbacks return the URL in clear and never the token.
type ServiceCallback struct {
	ID          uuid.UUID
	ServiceID   uuid.UUID
	Type        CallbackType
	URL         string
	BearerToken string
	// UpdatedBy is the user who last changed it (upstream's
	// updated_by_id), when known.
	UpdatedBy *uuid.UUID
	CreatedAt time.Time
	UpdatedAt *time.Time
}

// ServiceCallbackStore is an optional Store ability: the callbacks of
// services, at most one per service and type.
type ServiceCallbackStore interface {
	// CreateServiceCallback stores cb. A second callback of the same
	// service and type, or an existing id, returns an error wrapping
	// ErrDuplicate; an unknown service, one wrapping ErrNotFound.
	CreateServiceCallback(ctx context.Context, cb *ServiceCallback) error
	// UpdateServiceCallback replaces the URL, token, UpdatedBy and
	// UpdatedAt of the service's callback cb.ID, or returns an error
	// wrapping ErrNotFound. Its type does not change.
	UpdateServiceCallback(ctx context.Context, cb *ServiceCallback) error
	// GetServiceCallback returns the service's callback of type typ, or an
	// error wrapping ErrNotFound.
	GetServiceCallback(ctx context.Context, serviceID uuid.UUID, typ CallbackType) (*ServiceCallback, error)
	// ListServiceCallbacks returns the service's callbacks ordered by type.
	ListServiceCallbacks(ctx context.Context, serviceID uuid.UUID) ([]ServiceCallback, error)
	// DeleteServiceCallback deletes the service's callback of type typ, or
	// returns an error wrapping ErrNotFound.
	DeleteServiceCallback(ctx context.Context, serviceID uuid.UUID, typ CallbackType) error
}

// The refusals of a callback's URL and token, with upstream's messages
// (its schema's https_url and minLength of 10). The token is never
// repeated in an answer.
const (
	MsgCallbackURL        = "url is not a valid https url"
	MsgCallbackTokenShort = "bearer_token is too short"
)

// MinCallbackTokenLength is the shortest bearer token a callback takes.
const MinCallbackTokenLength = 10

// CallbackChange is what SetCallback stores: a callback's URL and token and
// who changed them.
type CallbackChange struct {
	URL         string
	BearerToken string
	UpdatedBy   *uuid.UUID
}

// checkCallback validates a callback's URL and token as upstream's schema
// does, plus the address rules of checkCallbackURL: ValidationErrors
// naming "url" and "bearer_token".
func (n *Notifier) checkCallback(c CallbackChange) error {
	var list Errors
	if c.URL == "" || checkCallbackURL(c.URL, n.cfg.AllowInsecureCallbacks) != nil {
		list = append(list, ValidationError("url", MsgCallbackURL))
	}
	if len(c.BearerToken) < MinCallbackTokenLength {
		list = append(list, ValidationError("bearer_token", MsgCallbackTokenShort))
	}
	if len(list) > 0 {
		return list
	}
	return nil
}

// callbackStore returns the ServiceCallbackStore ability, or an error
// wrapping ErrUnsupported for op.
func (n *Notifier) callbackStore(op string) (ServiceCallbackStore, error) {
	cs, ok := storeAs[ServiceCallbackStore](n.store)
	if !ok {
		return nil, unsupported(op, "ServiceCallbackStore")
	}
	return cs, nil
}

// SetCallback creates or replaces the service's callback of type typ;
// setting the URL and token it has already changes nothing.
// The URL must be https (http too with Config.AllowInsecureCallbacks) and,
// when its host is an IP address, a public one; the token at least 10
// characters. Both are sealed before they reach the Store. Bad input is a
// ValidationError and changes nothing; an unknown service is ErrNoResult.
func (n *Notifier) SetCallback(ctx context.Context, serviceID uuid.UUID, typ CallbackType, c CallbackChange) (*ServiceCallback, error) {
	const op = "set service callback"
	if !typ.Valid() {
		return nil, ValidationError("callback_type", fmt.Sprintf("callback_type %s is not one of [delivery_status, complaint, inbound_sms]", typ))
	}
	if err := n.checkCallback(c); err != nil {
		return nil, err
	}
	cs, err := n.callbackStore(op)
	if err != nil {
		return nil, err
	}
	if _, err := uncached(n.store).GetService(ctx, serviceID); err != nil {
		return nil, notFoundAs(fmt.Errorf("notify: %s: %w", op, err))
	}
	sealedURL, err := n.secrets.sealText(ctx, c.URL)
	if err != nil {
		return nil, err
	}
	sealedToken, err := n.secrets.sealText(ctx, c.BearerToken)
	if err != nil {
		return nil, err
	}
	now := n.now()
	have, err := cs.GetServiceCallback(ctx, serviceID, typ)
	switch {
	case errors.Is(err, ErrNotFound):
		cb := &ServiceCallback{ID: uuid.New(), ServiceID: serviceID, Type: typ, URL: sealedURL,
			BearerToken: sealedToken, UpdatedBy: c.UpdatedBy, CreatedAt: now}
		if err := cs.CreateServiceCallback(ctx, cb); errors.Is(err, ErrDuplicate) {
			// Another request created it meanwhile.
			return nil, ErrOneCallbackPerType
		} else if err != nil {
			return nil, fmt.Errorf("notify: %s: %w", op, err)
		}
		n.callbackTargets.forget(serviceID, typ)
		return n.clearCallback(ctx, cb)
	case err != nil:
		return nil, fmt.Errorf("notify: %s: %w", op, err)
	}
	if n.sameCallback(ctx, have, c) {
		return n.clearCallback(ctx, have)
	}
	have.URL, have.BearerToken, have.UpdatedBy, have.UpdatedAt = sealedURL, sealedToken, c.UpdatedBy, &now
	if err := cs.UpdateServiceCallback(ctx, have); err != nil {
		return nil, fmt.Errorf("notify: %s: %w", op, err)
	}
	n.callbackTargets.forget(serviceID, typ)
	return n.clearCallback(ctx, have)
}

// sameCallback reports whether the stored cb already has c's URL, token
// and author, so that setting it again changes nothing.
func (n *Notifier) sameCallback(ctx context.Context, cb *ServiceCallback, c CallbackChange) bool {
	u, _, err := n.secrets.openText(ctx, cb.URL)
	if err != nil || u != c.URL {
		return false
	}
	tok, _, err := n.secrets.openText(ctx, cb.BearerToken)
	if err != nil || subtle.ConstantTimeCompare([]byte(tok), []byte(c.BearerToken)) != 1 {
		return false
	}
	return (cb.UpdatedBy == nil && c.UpdatedBy == nil) || (cb.UpdatedBy != nil && c.UpdatedBy != nil && *cb.UpdatedBy == *c.UpdatedBy)
}

// CreateCallback adds the service's callback of type typ, as upstream's
// create routes do: a second one of a type is refused with upstream's
// message, and nothing changes.
func (n *Notifier) CreateCallback(ctx context.Context, serviceID uuid.UUID, typ CallbackType, c CallbackChange) (*ServiceCallback, error) {
	if err := n.checkCallback(c); err != nil {
		return nil, err
	}
	if _, err := n.Callback(ctx, serviceID, typ); err == nil {
		return nil, ErrOneCallbackPerType
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	return n.SetCallback(ctx, serviceID, typ, c)
}

// UpdateCallback changes the service's callback id of type typ: the URL
// and the token when they are not empty (each validated as SetCallback
// does), and who changed it. An unknown id is ErrNoResult.
func (n *Notifier) UpdateCallback(ctx context.Context, serviceID, id uuid.UUID, typ CallbackType, c CallbackChange) (*ServiceCallback, error) {
	const op = "update service callback"
	cs, err := n.callbackStore(op)
	if err != nil {
		return nil, err
	}
	have, err := cs.GetServiceCallback(ctx, serviceID, typ)
	if err != nil || have.ID != id {
		if err == nil || errors.Is(err, ErrNotFound) {
			return nil, ErrNoResult
		}
		return nil, fmt.Errorf("notify: %s: %w", op, err)
	}
	var list Errors
	if c.URL != "" {
		if err := checkCallbackURL(c.URL, n.cfg.AllowInsecureCallbacks); err != nil {
			list = append(list, ValidationError("url", MsgCallbackURL))
		}
		if have.URL, err = n.secrets.sealText(ctx, c.URL); err != nil {
			return nil, err
		}
	}
	if c.BearerToken != "" {
		if len(c.BearerToken) < MinCallbackTokenLength {
			list = append(list, ValidationError("bearer_token", MsgCallbackTokenShort))
		}
		if have.BearerToken, err = n.secrets.sealText(ctx, c.BearerToken); err != nil {
			return nil, err
		}
	}
	if len(list) > 0 {
		return nil, list
	}
	now := n.now()
	have.UpdatedBy, have.UpdatedAt = c.UpdatedBy, &now
	if err := cs.UpdateServiceCallback(ctx, have); err != nil {
		return nil, notFoundAs(fmt.Errorf("notify: %s: %w", op, err))
	}
	n.callbackTargets.forget(serviceID, typ)
	return n.clearCallback(ctx, have)
}

// ErrOneCallbackPerType refuses a second callback of one type, with
// upstream's message.
var ErrOneCallbackPerType = &Error{Name: NameValidation, Status: http.StatusBadRequest, Field: "name",
	Message: "You can only have one URL and bearer token for your service."}

// Callback returns the service's callback of type typ with its URL in
// clear and without its token, or an error wrapping ErrNotFound
// (ErrNoResult).
func (n *Notifier) Callback(ctx context.Context, serviceID uuid.UUID, typ CallbackType) (*ServiceCallback, error) {
	const op = "get service callback"
	cs, err := n.callbackStore(op)
	if err != nil {
		return nil, err
	}
	cb, err := cs.GetServiceCallback(ctx, serviceID, typ)
	if err != nil {
		return nil, notFoundAs(fmt.Errorf("notify: %s: %w", op, err))
	}
	return n.clearCallback(ctx, cb)
}

// Callbacks returns the service's callbacks, ordered by type, with their
// URLs in clear and without their tokens.
func (n *Notifier) Callbacks(ctx context.Context, serviceID uuid.UUID) ([]ServiceCallback, error) {
	const op = "list service callbacks"
	cs, err := n.callbackStore(op)
	if err != nil {
		return nil, err
	}
	list, err := cs.ListServiceCallbacks(ctx, serviceID)
	if err != nil {
		return nil, fmt.Errorf("notify: %s: %w", op, err)
	}
	out := make([]ServiceCallback, 0, len(list))
	for i := range list {
		cb, err := n.clearCallback(ctx, &list[i])
		if err != nil {
			return nil, err
		}
		out = append(out, *cb)
	}
	return out, nil
}

// DeleteCallback deletes the service's callback of type typ; one that does
// not exist is ErrNoResult.
func (n *Notifier) DeleteCallback(ctx context.Context, serviceID uuid.UUID, typ CallbackType) error {
	const op = "delete service callback"
	cs, err := n.callbackStore(op)
	if err != nil {
		return err
	}
	err = cs.DeleteServiceCallback(ctx, serviceID, typ)
	n.callbackTargets.forget(serviceID, typ)
	if err != nil {
		return notFoundAs(fmt.Errorf("notify: %s: %w", op, err))
	}
	return nil
}

// clearCallback returns a copy of cb with its URL opened and no token.
func (n *Notifier) clearCallback(ctx context.Context, cb *ServiceCallback) (*ServiceCallback, error) {
	out := *cb
	u, _, err := n.secrets.openText(ctx, cb.URL)
	if err != nil {
		return nil, fmt.Errorf("notify: service callback %s: URL: %w", cb.ID, err)
	}
	out.URL, out.BearerToken = u, ""
	return &out, nil
}

// notFoundAs turns an error wrapping ErrNotFound into ErrNoResult (404),
// keeping any other as it is.
func notFoundAs(err error) error {
	if errors.Is(err, ErrNotFound) {
		return ErrNoResult
	}
	return err
}

// callbackTarget is where a callback goes: the URL and the token, sealed
// as stored.
type callbackTarget struct {
	url, token string
}

// callbackTargetOf returns the service's callback of type typ, and false
// when it has none. A delivery_status callback falls back to
// Service.CallbackURL. A Store without the ServiceCallbackStore ability has
// only that. What the Store answers is kept for Config.ReadCacheTTL, as
// the read cache keeps services: every status change asks.
func (n *Notifier) callbackTargetOf(ctx context.Context, svc *Service, typ CallbackType) (callbackTarget, bool, error) {
	if cs, ok := storeAs[ServiceCallbackStore](n.store); ok {
		target, found, cached := n.callbackTargets.get(svc.ID, typ, n.cfg.Clock())
		if !cached {
			cb, err := cs.GetServiceCallback(ctx, svc.ID, typ)
			switch {
			case err == nil:
				target, found = callbackTarget{url: cb.URL, token: cb.BearerToken}, true
			case !errors.Is(err, ErrNotFound):
				return callbackTarget{}, false, err
			}
			n.callbackTargets.put(svc.ID, typ, target, found, n.cfg.Clock(), n.cfg.ReadCacheTTL, n.cfg.ReadCacheSize)
		}
		if found {
			return target, true, nil
		}
	}
	if typ == CallbackDeliveryStatus && svc.CallbackURL != "" {
		return callbackTarget{url: svc.CallbackURL, token: svc.CallbackToken}, true, nil
	}
	return callbackTarget{}, false, nil
}

// callbackCache keeps what the Store answered about services' callbacks,
// found or not, for a while. The zero value is ready; it holds at most the
// read cache's size, and is emptied when full.
type callbackCache struct {
	mu      sync.Mutex
	entries map[callbackKey]callbackEntry
}

type callbackKey struct {
	service uuid.UUID
	typ     CallbackType
}

type callbackEntry struct {
	target  callbackTarget
	found   bool
	expires time.Time
}

func (c *callbackCache) get(service uuid.UUID, typ CallbackType, now time.Time) (callbackTarget, bool, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[callbackKey{service, typ}]
	if !ok || !now.Before(e.expires) {
		return callbackTarget{}, false, false
	}
	return e.target, e.found, true
}

func (c *callbackCache) put(service uuid.UUID, typ CallbackType, t callbackTarget, found bool, now time.Time, ttl time.Duration, size int) {
	if ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= max(size, 1) {
		c.entries = map[callbackKey]callbackEntry{}
	}
	c.entries[callbackKey{service, typ}] = callbackEntry{target: t, found: found, expires: now.Add(ttl)}
}

// forget drops the cached callback of a service and type, after this
// process changed it.
func (c *callbackCache) forget(service uuid.UUID, typ CallbackType) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, callbackKey{service, typ})
}

// CallbackByID returns the service's callback id, when it is of one of
// types (any type when none is given), with its URL in clear and without
// its token; any other id is ErrNoResult.
func (n *Notifier) CallbackByID(ctx context.Context, serviceID, id uuid.UUID, types ...CallbackType) (*ServiceCallback, error) {
	list, err := n.Callbacks(ctx, serviceID)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].ID == id && (len(types) == 0 || slices.Contains(types, list[i].Type)) {
			return &list[i], nil
		}
	}
	return nil, ErrNoResult
}
