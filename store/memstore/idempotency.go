package memstore

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

var _ notify.IdempotencyStore = (*Store)(nil)

// idemKey identifies an idempotency record: keys are per service.
type idemKey struct {
	service uuid.UUID
	key     string
}

// ReserveIdempotencyKey stores r unless the service holds an unexpired
// record for its key, which it returns instead.
func (s *Store) ReserveIdempotencyKey(ctx context.Context, r *notify.IdempotencyRecord) (*notify.IdempotencyRecord, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := idemKey{r.ServiceID, r.Key}
	if prev, ok := s.idem[k]; ok && prev.ExpiresAt.After(r.CreatedAt) {
		cp := *prev
		return &cp, nil
	}
	if s.idem == nil {
		s.idem = map[idemKey]*notify.IdempotencyRecord{}
	}
	cp := *r
	s.idem[k] = &cp
	return nil, nil
}

// TakeOverIdempotencyKey gives an abandoned record's lease to owner.
func (s *Store) TakeOverIdempotencyKey(ctx context.Context, serviceID uuid.UUID, key string, from, owner uuid.UUID, now, until time.Time) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.idem[idemKey{serviceID, key}]
	if !ok || r.Completed || r.Owner != from || r.LockedUntil.After(now) {
		return fmt.Errorf("memstore: take over idempotency key: %w", notify.ErrConflict)
	}
	r.Owner, r.LockedUntil = owner, until
	return nil
}

// CompleteIdempotencyKey marks the record of resourceID completed.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, serviceID uuid.UUID, key string, resourceID uuid.UUID) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.idem[idemKey{serviceID, key}]
	if !ok || r.ResourceID != resourceID {
		return notFound("idempotency key for", resourceID)
	}
	r.Completed = true
	return nil
}

// ReleaseIdempotencyKey deletes the record owner holds, if not completed.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, serviceID uuid.UUID, key string, owner uuid.UUID) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := idemKey{serviceID, key}
	if r, ok := s.idem[k]; ok && !r.Completed && r.Owner == owner {
		delete(s.idem, k)
	}
	return nil
}

// EndIdempotencyLease ends the lease owner holds, if not completed.
func (s *Store) EndIdempotencyLease(ctx context.Context, serviceID uuid.UUID, key string, owner uuid.UUID, now time.Time) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.idem[idemKey{serviceID, key}]; ok && !r.Completed && r.Owner == owner {
		r.LockedUntil = now
	}
	return nil
}

// DeleteExpiredIdempotencyKeys deletes up to limit expired records.
func (s *Store) DeleteExpiredIdempotencyKeys(ctx context.Context, now time.Time, limit int) (int, error) {
	if err := checkCtx(ctx); err != nil {
		return 0, err
	}
	if limit <= 0 {
		limit = 1000
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, r := range s.idem {
		if n == limit {
			break
		}
		if !r.ExpiresAt.After(now) {
			delete(s.idem, k)
			n++
		}
	}
	return n, nil
}
