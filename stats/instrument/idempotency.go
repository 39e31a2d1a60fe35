package instrument

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// Metric names of the idempotency-key ability, one per method.
const (
	daoReserveIdempotencyKey       = "dao.reserve_idempotency_key"
	daoTakeOverIdempotencyKey      = "dao.take_over_idempotency_key"
	daoCompleteIdempotencyKey      = "dao.complete_idempotency_key"
	daoReleaseIdempotencyKey       = "dao.release_idempotency_key"
	daoEndIdempotencyLease         = "dao.end_idempotency_lease"
	daoDeleteExpiredIdempotencyKey = "dao.delete_expired_idempotency_keys"
)

// idempotencyStore is an instrumented notify.IdempotencyStore: each call
// is counted and timed under its dao.* name, failed or not, as the
// Store's own methods are.
type idempotencyStore struct {
	inner notify.IdempotencyStore
	store *store
}

// ReserveIdempotencyKey calls the wrapped store's ReserveIdempotencyKey.
func (i idempotencyStore) ReserveIdempotencyKey(ctx context.Context, r *notify.IdempotencyRecord) (*notify.IdempotencyRecord, error) {
	defer i.store.done(daoReserveIdempotencyKey, time.Now())
	return i.inner.ReserveIdempotencyKey(ctx, r)
}

// TakeOverIdempotencyKey calls the wrapped store's TakeOverIdempotencyKey.
func (i idempotencyStore) TakeOverIdempotencyKey(ctx context.Context, serviceID uuid.UUID, key string, from, owner uuid.UUID, now, until time.Time) error {
	defer i.store.done(daoTakeOverIdempotencyKey, time.Now())
	return i.inner.TakeOverIdempotencyKey(ctx, serviceID, key, from, owner, now, until)
}

// CompleteIdempotencyKey calls the wrapped store's CompleteIdempotencyKey.
func (i idempotencyStore) CompleteIdempotencyKey(ctx context.Context, serviceID uuid.UUID, key string, resourceID uuid.UUID) error {
	defer i.store.done(daoCompleteIdempotencyKey, time.Now())
	return i.inner.CompleteIdempotencyKey(ctx, serviceID, key, resourceID)
}

// ReleaseIdempotencyKey calls the wrapped store's ReleaseIdempotencyKey.
func (i idempotencyStore) ReleaseIdempotencyKey(ctx context.Context, serviceID uuid.UUID, key string, owner uuid.UUID) error {
	defer i.store.done(daoReleaseIdempotencyKey, time.Now())
	return i.inner.ReleaseIdempotencyKey(ctx, serviceID, key, owner)
}

// EndIdempotencyLease calls the wrapped store's EndIdempotencyLease.
func (i idempotencyStore) EndIdempotencyLease(ctx context.Context, serviceID uuid.UUID, key string, owner uuid.UUID, now time.Time) error {
	defer i.store.done(daoEndIdempotencyLease, time.Now())
	return i.inner.EndIdempotencyLease(ctx, serviceID, key, owner, now)
}

// DeleteExpiredIdempotencyKeys calls the wrapped store's
// DeleteExpiredIdempotencyKeys.
func (i idempotencyStore) DeleteExpiredIdempotencyKeys(ctx context.Context, now time.Time, limit int) (int, error) {
	defer i.store.done(daoDeleteExpiredIdempotencyKey, time.Now())
	return i.inner.DeleteExpiredIdempotencyKeys(ctx, now, limit)
}
