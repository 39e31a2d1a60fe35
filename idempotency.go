package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Idempotency keys: a client that times out and sends the same request
// again with the same key gets the first answer back instead of a second
// notification.
//
// A key belongs to a service and lives IdempotencyKeyTTL from its first
// use. The first request with a key reserves it in the Store (one atomic
// insert, unique per service and key) together with the id of what the
// request will create, then runs; the id is chosen before anything is
// stored, so the Store's primary key makes a second notification with it
// impossible whatever happens to the processes involved. What then follows:
//
//   - Success completes the key: a later request with the same key and the
//     same request gets the same notification (same id, same answer)
//     without sending again.
//   - A refusal (any *Error: validation, trial mode, rate or daily limits)
//     happens before anything is stored and gives the key back, as Stripe
//     saves no result for a request that failed before it started to
//     execute: correct the request and send it again with the same key.
//     (Not after a take-over, below: the attempt the key was taken from
//     may still store its notification, so the key keeps its id.)
//   - An internal failure (the Store failed, the client went away) leaves
//     it unknown whether the notification was stored: the key keeps its id
//     and its lease ends at once, so a retry looks the notification up by
//     that id and either returns it or creates it with that same id.
//   - A process that dies while it holds a key leaves a lease of
//     IdempotencyLease; once it has passed, a retry takes the key over the
//     same way.
//
// Another request with the same key while the first one runs is refused
// with a 409 IdempotencyError (CodeIdempotencyInFlight) rather than made to
// wait: retry it a moment later. The same key with a different request is
// a 409 IdempotencyError (CodeIdempotencyMismatch) for as long as the key
// lives.

// Bounds of idempotency keys.
const (
	// IdempotencyKeyTTL is how long a key is remembered from its first
	// use. Expired keys are deleted by RunRetention and may be used again
	// for a new request.
	IdempotencyKeyTTL = 24 * time.Hour
	// IdempotencyLease is how long a request holds its key while it runs.
	// A process that dies holding a key blocks retries for at most this
	// long.
	IdempotencyLease = 30 * time.Second
	// MaxIdempotencyKeyLength is the longest key accepted, in bytes.
	MaxIdempotencyKeyLength = 255
)

// NameIdempotency is the v2 error name of the idempotency-key conflicts
// (409).
const NameIdempotency = "IdempotencyError"

// Codes of the idempotency-key refusals.
const (
	// CodeIdempotencyKeyInvalid is a key that is empty, longer than
	// MaxIdempotencyKeyLength bytes, not UTF-8 or holding a control
	// character (400 BadRequestError).
	CodeIdempotencyKeyInvalid Code = "idempotency_key_invalid"
	// CodeIdempotencyMismatch is a key used earlier with a different
	// request (409 IdempotencyError).
	CodeIdempotencyMismatch Code = "idempotency_key_reused"
	// CodeIdempotencyInFlight is a key whose first request is still
	// running (409 IdempotencyError).
	CodeIdempotencyInFlight Code = "idempotency_key_in_use"
)

// Messages of the idempotency-key refusals, exact.
const (
	MsgIdempotencyMismatch = "Idempotency-Key has already been used with a different request; use a new key for a new request"
	MsgIdempotencyInFlight = "A request with this Idempotency-Key is still being processed; try again shortly"
)

// Sentinels of the idempotency-key refusals, matched with errors.Is.
var (
	// ErrIdempotencyMismatch: the key was used with a different request.
	ErrIdempotencyMismatch = &Error{Code: CodeIdempotencyMismatch, Name: NameIdempotency, Status: http.StatusConflict,
		Message: MsgIdempotencyMismatch}
	// ErrIdempotencyInFlight: the key's first request is still running.
	ErrIdempotencyInFlight = &Error{Code: CodeIdempotencyInFlight, Name: NameIdempotency, Status: http.StatusConflict,
		Message: MsgIdempotencyInFlight}
)

// IdempotencyRecord is what a Store keeps of an idempotency key.
type IdempotencyRecord struct {
	ServiceID uuid.UUID
	Key       string
	// RequestHash identifies the request made with the key (the hex
	// SHA-256 of its fingerprint).
	RequestHash string
	// ResourceID is the id of what the request creates (a notification),
	// chosen when the key is reserved.
	ResourceID uuid.UUID
	// Owner identifies the attempt holding the lease; a take-over gives
	// the key a new one.
	Owner uuid.UUID
	// Completed is set once the request succeeded.
	Completed bool
	// LockedUntil is the end of the running attempt's lease.
	LockedUntil time.Time
	CreatedAt   time.Time
	// ExpiresAt is when the key is forgotten (CreatedAt plus
	// IdempotencyKeyTTL).
	ExpiresAt time.Time
}

// IdempotencyStore is an optional Store ability: remembering idempotency
// keys durably, so that they hold across restarts and across processes
// sharing the Store. Every method is atomic; records are unique per
// (ServiceID, Key).
type IdempotencyStore interface {
	// ReserveIdempotencyKey stores r if the service has no record for
	// r.Key, or only one that expired at or before r.CreatedAt (which r
	// replaces), and returns nil. Otherwise it changes nothing and returns
	// a copy of the existing record.
	ReserveIdempotencyKey(ctx context.Context, r *IdempotencyRecord) (*IdempotencyRecord, error)
	// TakeOverIdempotencyKey gives the lease of a record that is not
	// completed, whose owner is from and whose LockedUntil is not after
	// now, to owner until until. Any other state (completed, another
	// owner, a lease still running, no record) is an error wrapping
	// ErrConflict.
	TakeOverIdempotencyKey(ctx context.Context, serviceID uuid.UUID, key string, from, owner uuid.UUID, now, until time.Time) error
	// CompleteIdempotencyKey marks the record whose resource is resourceID
	// completed, whoever holds its lease. No such record is an error
	// wrapping ErrNotFound.
	CompleteIdempotencyKey(ctx context.Context, serviceID uuid.UUID, key string, resourceID uuid.UUID) error
	// ReleaseIdempotencyKey deletes the record if it is not completed and
	// owner holds it; otherwise it does nothing. It returns no error for a
	// record that is gone.
	ReleaseIdempotencyKey(ctx context.Context, serviceID uuid.UUID, key string, owner uuid.UUID) error
	// EndIdempotencyLease sets LockedUntil to now if the record is not
	// completed and owner holds it; otherwise it does nothing.
	EndIdempotencyLease(ctx context.Context, serviceID uuid.UUID, key string, owner uuid.UUID, now time.Time) error
	// DeleteExpiredIdempotencyKeys deletes records whose ExpiresAt is not
	// after now, at most limit of them (1000 when not positive), and
	// returns how many it deleted.
	DeleteExpiredIdempotencyKeys(ctx context.Context, now time.Time, limit int) (int, error)
}

// CheckIdempotencyKey refuses a key that is empty, longer than
// MaxIdempotencyKeyLength bytes, not valid UTF-8 or holding a control
// character, with a 400 BadRequestError (CodeIdempotencyKeyInvalid).
func CheckIdempotencyKey(key string) error {
	bad := func(msg string) error {
		return &Error{Code: CodeIdempotencyKeyInvalid, Name: NameBadRequest, Status: http.StatusBadRequest, Message: msg}
	}
	switch {
	case key == "":
		return bad("Idempotency-Key must not be empty")
	case len(key) > MaxIdempotencyKeyLength:
		return bad(fmt.Sprintf("Idempotency-Key must be at most %d characters", MaxIdempotencyKeyLength))
	case !utf8.ValidString(key):
		return bad("Idempotency-Key must be valid UTF-8")
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return bad("Idempotency-Key must not contain control characters")
		}
	}
	return nil
}

// IdempotentCall is one request run under an idempotency key by
// Notifier.RunIdempotent.
type IdempotentCall struct {
	// ServiceID scopes the key: two services may use the same one.
	ServiceID uuid.UUID
	// Key is the client's idempotency key (see CheckIdempotencyKey).
	Key string
	// Request identifies what is asked: the same key with a different
	// Request is refused. Include the operation (for example
	// "POST /v2/notifications/sms") and the request's content in a
	// canonical form; only its SHA-256 is stored.
	Request []byte
	// Create does the work, creating what it creates under id, atomically,
	// and returns an error wrapping ErrDuplicate when something with that
	// id exists already. A refusal (*Error or Errors) must mean nothing
	// was created.
	Create func(ctx context.Context, id uuid.UUID) error
	// Find loads what an earlier attempt created under id, or returns an
	// error wrapping ErrNotFound when there is none.
	Find func(ctx context.Context, id uuid.UUID) error
}

// RunIdempotent runs call.Create at most once for the service's key within
// IdempotencyKeyTTL and returns the id of what it created, and whether
// that came from an earlier request (replayed): then only call.Find ran.
// The Store must be an IdempotencyStore. Refusals: an invalid key (400),
// the key used with another request or still in use by a running request
// (409 IdempotencyError); call.Create's own refusals give the key back,
// unless the key was taken over from an attempt that may still be
// running: then the key keeps its id for the next retry.
func (n *Notifier) RunIdempotent(ctx context.Context, call IdempotentCall) (id uuid.UUID, replayed bool, err error) {
	if err := CheckIdempotencyKey(call.Key); err != nil {
		return uuid.Nil, false, err
	}
	st, ok := storeAs[IdempotencyStore](n.store)
	if !ok {
		return uuid.Nil, false, unsupported("idempotency key", "ReserveIdempotencyKey")
	}
	sum := sha256.Sum256(call.Request)
	now := n.now()
	rec := &IdempotencyRecord{ServiceID: call.ServiceID, Key: call.Key, RequestHash: hex.EncodeToString(sum[:]),
		ResourceID: uuid.New(), Owner: uuid.New(), LockedUntil: now.Add(IdempotencyLease),
		CreatedAt: now, ExpiresAt: now.Add(IdempotencyKeyTTL)}
	prev, err := st.ReserveIdempotencyKey(ctx, rec)
	if err != nil {
		return uuid.Nil, false, fmt.Errorf("notify: idempotency key: reserve: %w", err)
	}
	if prev != nil {
		if prev.RequestHash != rec.RequestHash {
			return uuid.Nil, false, ErrIdempotencyMismatch
		}
		if !prev.Completed {
			if prev.LockedUntil.After(now) {
				return uuid.Nil, false, ErrIdempotencyInFlight
			}
			// The attempt holding the key died or failed: take it over,
			// keeping its id.
			err := st.TakeOverIdempotencyKey(ctx, call.ServiceID, call.Key, prev.Owner, rec.Owner, now, rec.LockedUntil)
			if errors.Is(err, ErrConflict) {
				return uuid.Nil, false, ErrIdempotencyInFlight
			}
			if err != nil {
				return uuid.Nil, false, fmt.Errorf("notify: idempotency key: take over: %w", err)
			}
		}
		rec.ResourceID = prev.ResourceID
		// Whatever an earlier attempt stored under the id is the answer.
		err := call.Find(ctx, rec.ResourceID)
		if err == nil {
			if !prev.Completed {
				n.completeKey(ctx, st, rec)
			}
			return rec.ResourceID, true, nil
		}
		if !errors.Is(err, ErrNotFound) {
			if !prev.Completed {
				n.endLease(ctx, st, rec)
			}
			return uuid.Nil, false, fmt.Errorf("notify: idempotency key: find %s: %w", rec.ResourceID, err)
		}
		if prev.Completed {
			// A completed request that stored nothing (a simulated
			// recipient) runs again under the same id, with the same
			// answer and nothing sent.
			if err := call.Create(ctx, rec.ResourceID); err != nil {
				return uuid.Nil, false, err
			}
			return rec.ResourceID, true, nil
		}
	}
	return n.createUnderKey(ctx, st, rec, call, prev != nil)
}

// createUnderKey runs call.Create while rec's owner holds the key, then
// completes, releases or abandons the key by the outcome. tookOver says
// the key was taken over from an attempt that may still be running.
func (n *Notifier) createUnderKey(ctx context.Context, st IdempotencyStore, rec *IdempotencyRecord, call IdempotentCall, tookOver bool) (uuid.UUID, bool, error) {
	err := call.Create(ctx, rec.ResourceID)
	switch {
	case err == nil:
		n.completeKey(ctx, st, rec)
		return rec.ResourceID, false, nil
	case errors.Is(err, ErrDuplicate):
		// An earlier attempt that lost its lease stored it meanwhile.
		if ferr := call.Find(ctx, rec.ResourceID); ferr == nil {
			n.completeKey(ctx, st, rec)
			return rec.ResourceID, true, nil
		}
		n.endLease(ctx, st, rec)
		return uuid.Nil, false, err
	case ErrorList(err) != nil && tookOver:
		// The attempt the key was taken from may still store its
		// notification under the id: keep the id with the key, and let
		// the next retry take it over again.
		n.endLease(ctx, st, rec)
		return uuid.Nil, false, err
	case ErrorList(err) != nil:
		// Refused before anything was stored: the key is not used up.
		rctx, cancel := detached(ctx)
		defer cancel()
		if rerr := st.ReleaseIdempotencyKey(rctx, rec.ServiceID, rec.Key, rec.Owner); rerr != nil {
			n.log.WarnContext(ctx, "idempotency key: release failed; the key stays with this request until it expires (a retry of it takes the key over once its lease ends)",
				slog.String("service_id", rec.ServiceID.String()), slog.Any("error", rerr))
		}
		return uuid.Nil, false, err
	default:
		// Unknown whether it was stored: a retry finds out by the id.
		n.endLease(ctx, st, rec)
		return uuid.Nil, false, err
	}
}

// detached is a short context that survives the request's end, for the
// bookkeeping of a key after the work it guards is done.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
}

// completeKey marks rec completed. A failure is logged: the key stays
// held until its lease ends, and a retry then finds the notification by
// its id.
func (n *Notifier) completeKey(ctx context.Context, st IdempotencyStore, rec *IdempotencyRecord) {
	cctx, cancel := detached(ctx)
	defer cancel()
	if err := st.CompleteIdempotencyKey(cctx, rec.ServiceID, rec.Key, rec.ResourceID); err != nil {
		n.log.WarnContext(ctx, "idempotency key: complete failed; a retry will find the result by its id",
			slog.String("service_id", rec.ServiceID.String()), slog.String("resource_id", rec.ResourceID.String()),
			slog.Any("error", err))
	}
}

// endLease lets a retry take rec's key over at once.
func (n *Notifier) endLease(ctx context.Context, st IdempotencyStore, rec *IdempotencyRecord) {
	cctx, cancel := detached(ctx)
	defer cancel()
	if err := st.EndIdempotencyLease(cctx, rec.ServiceID, rec.Key, rec.Owner, n.now()); err != nil {
		n.log.WarnContext(ctx, "idempotency key: ending the lease failed; it ends by itself",
			slog.String("service_id", rec.ServiceID.String()), slog.Any("error", err))
	}
}

// notificationIDKey carries the id a send gives its notification.
type notificationIDKey struct{}

// reservedID is the id the idempotency key reserved, carried in ctx under
// key by runWithKey, or a new one.
func reservedID(ctx context.Context, key any) uuid.UUID {
	if id, ok := ctx.Value(key).(uuid.UUID); ok {
		return id
	}
	return uuid.New()
}

// newNotificationID is the id of the notification a send builds: the one
// its idempotency key reserved, or a new one.
func newNotificationID(ctx context.Context) uuid.UUID { return reservedID(ctx, notificationIDKey{}) }

// runWithKey runs create under the service's idempotency key (see
// RunIdempotent): create must build what it makes (a what, such as
// "notification") with the id carried in its context under ctxKey
// (reservedID); find loads what an earlier attempt made under an id; idOf
// is the id of what either returns. replayed says the answer came from an
// earlier request.
func runWithKey[T any](ctx context.Context, n *Notifier, serviceID uuid.UUID, key string, request []byte, what string, ctxKey any,
	create func(ctx context.Context) (*T, error), find func(ctx context.Context, id uuid.UUID) (*T, error),
	idOf func(*T) uuid.UUID) (*T, bool, error) {
	var out *T
	id, replayed, err := n.RunIdempotent(ctx, IdempotentCall{
		ServiceID: serviceID,
		Key:       key,
		Request:   request,
		Create: func(ctx context.Context, id uuid.UUID) error {
			var err error
			out, err = create(context.WithValue(ctx, ctxKey, id))
			return err
		},
		Find: func(ctx context.Context, id uuid.UUID) error {
			got, err := find(ctx, id)
			if err == nil {
				out = got
			}
			return err
		},
	})
	if err != nil {
		return nil, false, err
	}
	if out == nil || idOf(out) != id {
		return nil, false, fmt.Errorf("notify: idempotency key: no %s %s", what, id)
	}
	return out, replayed, nil
}

// sendWithKey runs send under the caller's service and key: send must
// build its notification with the id in its context.
func (n *Notifier) sendWithKey(ctx context.Context, c *Caller, key string, request []byte,
	send func(ctx context.Context) (*Notification, error)) (*Notification, bool, error) {
	find := func(ctx context.Context, id uuid.UUID) (*Notification, error) {
		got, err := n.store.GetNotification(ctx, id)
		if err != nil {
			return nil, err
		}
		if got.ServiceID != c.Service.ID {
			return nil, fmt.Errorf("notify: notification %s belongs to another service: %w", id, ErrNotFound)
		}
		return got, nil
	}
	return runWithKey(ctx, n, c.Service.ID, key, request, "notification", notificationIDKey{}, send, find,
		func(nt *Notification) uuid.UUID { return nt.ID })
}

// keyedCaller is the start of every send under an idempotency key, before
// the request is read: the caller as it is now, the key checked (400), and
// the rate limit taken once for the request, replayed or not.
func (n *Notifier) keyedCaller(ctx context.Context, c *Caller, key string) (*Caller, error) {
	c, err := n.current(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := CheckIdempotencyKey(key); err != nil {
		return nil, err
	}
	if err := n.checkRateLimit(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// sendSMSWithKey is SendSMS under req.IdempotencyKey; c is current and
// its rate limit taken.
func (n *Notifier) sendSMSWithKey(ctx context.Context, c *Caller, req *SMSRequest) (*Notification, error) {
	fp := *req
	fp.IdempotencyKey = ""
	request, err := json.Marshal(fp)
	if err != nil {
		return nil, BadRequest("", fmt.Sprintf("personalisation cannot be encoded: %v", err))
	}
	nt, _, err := n.sendWithKey(ctx, c, req.IdempotencyKey, append([]byte("go sms\n"), request...),
		func(ctx context.Context) (*Notification, error) {
			if err := n.checkDailyLimit(ctx, c, SMS); err != nil {
				return nil, err
			}
			if err := checkSMSRequest(req, n.now()); err != nil {
				return nil, err
			}
			return n.sendSMS(ctx, c, req, nil)
		})
	return nt, err
}

// sendEmailWithKey is SendEmail under req.IdempotencyKey; c is current
// and its rate limit taken.
func (n *Notifier) sendEmailWithKey(ctx context.Context, c *Caller, req *EmailRequest) (*Notification, error) {
	fp := *req
	fp.IdempotencyKey = ""
	request, err := json.Marshal(fp)
	if err != nil {
		return nil, BadRequest("", fmt.Sprintf("personalisation cannot be encoded: %v", err))
	}
	nt, _, err := n.sendWithKey(ctx, c, req.IdempotencyKey, append([]byte("go email\n"), request...),
		func(ctx context.Context) (*Notification, error) {
			if err := n.checkDailyLimit(ctx, c, Email); err != nil {
				return nil, err
			}
			if err := checkEmailRequest(req, n.now()); err != nil {
				return nil, err
			}
			return n.sendEmail(ctx, c, req, nil)
		})
	if err == nil && nt.SanitisedContent == nil {
		// Replayed: the report is an answer, not stored; build it again.
		_, nt.SanitisedContent = sanitisePersonalisation(req.Personalisation, req.SanitiseContentFor)
	}
	return nt, err
}

// SendJSONIdempotent is SendJSON under the idempotency key key: the first
// request with the key sends; a later one with the same key and the same
// body (compared as JSON: key order and insignificant white space do not
// matter) within IdempotencyKeyTTL returns the same notification with
// replayed set, and sends nothing. See RunIdempotent for the refusals. An
// empty key is SendJSON.
func (n *Notifier) SendJSONIdempotent(ctx context.Context, c *Caller, typ NotificationType, body []byte, key string) (nt *Notification, replayed bool, err error) {
	if key == "" {
		nt, err := n.SendJSON(ctx, c, typ, body)
		return nt, false, err
	}
	if c, err = n.keyedCaller(ctx, c, key); err != nil {
		return nil, false, err
	}
	body = V2Body(body)
	request := jsonRequest("v2 "+string(typ), body)
	nt, replayed, err = n.sendWithKey(ctx, c, key, request, func(ctx context.Context) (*Notification, error) {
		return n.sendV2Body(ctx, c, typ, body, nil)
	})
	if err == nil && typ == Email && nt.SanitisedContent == nil {
		// Replayed: the report is an answer, not stored; build it again
		// from the body, which is the first request's.
		nt.SanitisedContent = sanitisedReportOf(body)
	}
	return nt, replayed, err
}

// jsonRequest identifies a JSON request for RunIdempotent: the operation
// and the digest of the body's canonical form (jsonDigest), so that two
// bodies differing only in key order or white space are the same request.
func jsonRequest(op string, body []byte) []byte {
	sum := jsonDigest(body)
	return append([]byte(op+"\n"), hex.EncodeToString(sum[:])...)
}

// sanitisedReportOf is the sanitised_content an email body's
// sanitise_content_for gives; empty when the body names nothing (or is
// not an object, which a replayed body never is).
func sanitisedReportOf(body []byte) map[string]SanitisedValue {
	obj, err := decodeBodyObject(body, false)
	if err != nil {
		return map[string]SanitisedValue{}
	}
	var keys []string
	if list, ok := obj.Get("sanitise_content_for"); ok {
		items, _ := list.([]any)
		for _, it := range items {
			if k, ok := it.(string); ok {
				keys = append(keys, k)
			}
		}
	}
	_, report := sanitisePersonalisation(personalisationOf(obj), keys)
	return report
}

// Metric names of the idempotency-key purge.
const (
	metricIdempotencyPurged = "idempotency.purged"
	metricIdempotencyError  = "idempotency.purge.error"
)

// PurgeIdempotencyKeys deletes the keys that expired (IdempotencyKeyTTL
// after their first use), in batches, and returns how many. A Store
// without the IdempotencyStore ability has none: it returns 0 and no
// error. RunRetention calls it on every pass.
func (n *Notifier) PurgeIdempotencyKeys(ctx context.Context) (int, error) {
	st, ok := storeAs[IdempotencyStore](n.store)
	if !ok {
		return 0, nil
	}
	const batch = 1000
	total := 0
	now := n.now()
	for {
		count, err := st.DeleteExpiredIdempotencyKeys(ctx, now, batch)
		total += count
		if err != nil {
			n.stats.Incr(metricIdempotencyError)
			return total, fmt.Errorf("notify: purge idempotency keys: %w", err)
		}
		if count < batch {
			break
		}
	}
	if g, ok := n.stats.(Gauger); ok {
		g.Gauge(metricIdempotencyPurged, float64(total))
	}
	return total, nil
}
