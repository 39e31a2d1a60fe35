package otel

import (
	"context"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"

	"github.com/notifykit/notify"
)

// idempotencyStore is a traced notify.IdempotencyStore: each method in a
// client span named notify.{method in snake case} with the service's id.
// The idempotency key, chosen by the caller, is never recorded.
type idempotencyStore struct {
	inner notify.IdempotencyStore
	tr    trace.Tracer
}

// ReserveIdempotencyKey calls the wrapped store's in a
// notify.reserve_idempotency_key span.
func (i idempotencyStore) ReserveIdempotencyKey(ctx context.Context, r *notify.IdempotencyRecord) (*notify.IdempotencyRecord, error) {
	ctx, span := startCall(ctx, i.tr, "notify.reserve_idempotency_key", serviceAttr(r.ServiceID))
	prev, err := i.inner.ReserveIdempotencyKey(ctx, r)
	endCall(span, err)
	return prev, err
}

// TakeOverIdempotencyKey calls the wrapped store's in a
// notify.take_over_idempotency_key span.
func (i idempotencyStore) TakeOverIdempotencyKey(ctx context.Context, serviceID uuid.UUID, key string, from, owner uuid.UUID, now, until time.Time) error {
	ctx, span := startCall(ctx, i.tr, "notify.take_over_idempotency_key", serviceAttr(serviceID))
	err := i.inner.TakeOverIdempotencyKey(ctx, serviceID, key, from, owner, now, until)
	endCall(span, err)
	return err
}

// CompleteIdempotencyKey calls the wrapped store's in a
// notify.complete_idempotency_key span.
func (i idempotencyStore) CompleteIdempotencyKey(ctx context.Context, serviceID uuid.UUID, key string, resourceID uuid.UUID) error {
	ctx, span := startCall(ctx, i.tr, "notify.complete_idempotency_key", serviceAttr(serviceID))
	err := i.inner.CompleteIdempotencyKey(ctx, serviceID, key, resourceID)
	endCall(span, err)
	return err
}

// ReleaseIdempotencyKey calls the wrapped store's in a
// notify.release_idempotency_key span.
func (i idempotencyStore) ReleaseIdempotencyKey(ctx context.Context, serviceID uuid.UUID, key string, owner uuid.UUID) error {
	ctx, span := startCall(ctx, i.tr, "notify.release_idempotency_key", serviceAttr(serviceID))
	err := i.inner.ReleaseIdempotencyKey(ctx, serviceID, key, owner)
	endCall(span, err)
	return err
}

// EndIdempotencyLease calls the wrapped store's in a
// notify.end_idempotency_lease span.
func (i idempotencyStore) EndIdempotencyLease(ctx context.Context, serviceID uuid.UUID, key string, owner uuid.UUID, now time.Time) error {
	ctx, span := startCall(ctx, i.tr, "notify.end_idempotency_lease", serviceAttr(serviceID))
	err := i.inner.EndIdempotencyLease(ctx, serviceID, key, owner, now)
	endCall(span, err)
	return err
}

// DeleteExpiredIdempotencyKeys calls the wrapped store's in a
// notify.delete_expired_idempotency_keys span, which says how many it
// deleted.
func (i idempotencyStore) DeleteExpiredIdempotencyKeys(ctx context.Context, now time.Time, limit int) (int, error) {
	ctx, span := startCall(ctx, i.tr, "notify.delete_expired_idempotency_keys")
	n, err := i.inner.DeleteExpiredIdempotencyKeys(ctx, now, limit)
	span.SetAttributes(AttrAffected.Int(n))
	endCall(span, err)
	return n, err
}
