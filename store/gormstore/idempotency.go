package gormstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	notify "github.com/notifykit/notify"
)

var _ notify.IdempotencyStore = (*Store)(nil)

// migrationIdempotencyKeys adds the idempotency keys of sends: one row per
// (service, key), which its primary key keeps unique across processes.
var migrationIdempotencyKeys = migration{
	version: 7,
	name:    "idempotency keys",
	postgres: []string{
		`CREATE TABLE idempotency_keys (
			service_id uuid NOT NULL,
			idempotency_key text NOT NULL,
			request_hash text NOT NULL,
			resource_id uuid NOT NULL,
			owner_id uuid NOT NULL,
			completed boolean NOT NULL DEFAULT false,
			locked_until timestamptz NOT NULL,
			created_at timestamptz NOT NULL,
			expires_at timestamptz NOT NULL,
			PRIMARY KEY (service_id, idempotency_key)
		)`,
		// The retention pass deletes expired keys.
		`CREATE INDEX ix_idempotency_keys_expires ON idempotency_keys (expires_at)`,
	},
	sqlite: []string{
		`CREATE TABLE idempotency_keys (
			service_id TEXT NOT NULL,
			idempotency_key TEXT NOT NULL,
			request_hash TEXT NOT NULL,
			resource_id TEXT NOT NULL,
			owner_id TEXT NOT NULL,
			completed INTEGER NOT NULL DEFAULT 0,
			locked_until INTEGER NOT NULL,
			created_at INTEGER NOT NULL,
			expires_at INTEGER NOT NULL,
			PRIMARY KEY (service_id, idempotency_key)
		)`,
		`CREATE INDEX ix_idempotency_keys_expires ON idempotency_keys (expires_at)`,
	},
}

const idempotencyColumns = `service_id, idempotency_key, request_hash, resource_id, owner_id, completed,
	locked_until, created_at, expires_at`

// ReserveIdempotencyKey inserts r, or replaces an expired record, in one
// statement; when the service holds an unexpired record for the key it
// returns that one.
func (s *Store) ReserveIdempotencyKey(ctx context.Context, r *notify.IdempotencyRecord) (*notify.IdempotencyRecord, error) {
	const op = "reserve idempotency key"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	// The record may expire or be purged between the insert that found it
	// and the read: then insert again.
	for range 3 {
		rows, err := s.w.WithContext(ctx).Raw(`INSERT INTO idempotency_keys (`+idempotencyColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (service_id, idempotency_key) DO UPDATE SET
				request_hash = excluded.request_hash, resource_id = excluded.resource_id,
				owner_id = excluded.owner_id, completed = excluded.completed,
				locked_until = excluded.locked_until, created_at = excluded.created_at,
				expires_at = excluded.expires_at
			WHERE idempotency_keys.expires_at <= excluded.created_at
			RETURNING owner_id`,
			r.ServiceID.String(), r.Key, r.RequestHash, r.ResourceID.String(), r.Owner.String(), r.Completed,
			s.ts(r.LockedUntil), s.ts(r.CreatedAt), s.ts(r.ExpiresAt)).Rows()
		if err != nil {
			return nil, s.wrap(ctx, op, err)
		}
		stored := rows.Next()
		err = errors.Join(rows.Err(), rows.Close())
		if err != nil {
			return nil, s.wrap(ctx, op, err)
		}
		if stored {
			return nil, nil
		}
		prev, err := s.getIdempotencyKey(ctx, r.ServiceID, r.Key)
		if errors.Is(err, notify.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, s.wrap(ctx, op, err)
		}
		return prev, nil
	}
	return nil, fmt.Errorf("gormstore: %s: the key kept changing: %w", op, notify.ErrConflict)
}

// getIdempotencyKey reads a record on the writer, so it sees the insert
// that just found it.
func (s *Store) getIdempotencyKey(ctx context.Context, serviceID uuid.UUID, key string) (*notify.IdempotencyRecord, error) {
	var (
		r                        notify.IdempotencyRecord
		completed                dbBool
		locked, created, expires dbTime
	)
	err := s.w.WithContext(ctx).Raw(`SELECT `+idempotencyColumns+` FROM idempotency_keys
		WHERE service_id = ? AND idempotency_key = ?`, serviceID.String(), key).Row().
		Scan(&r.ServiceID, &r.Key, &r.RequestHash, &r.ResourceID, &r.Owner, &completed, &locked, &created, &expires)
	if err != nil {
		return nil, s.wrap(ctx, "read idempotency key", err)
	}
	r.Completed = bool(completed)
	r.LockedUntil, r.CreatedAt, r.ExpiresAt = locked.t, created.t, expires.t
	return &r, nil
}

// TakeOverIdempotencyKey gives an abandoned record's lease to owner, in one
// conditional update.
func (s *Store) TakeOverIdempotencyKey(ctx context.Context, serviceID uuid.UUID, key string, from, owner uuid.UUID, now, until time.Time) error {
	const op = "take over idempotency key"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	res := s.w.WithContext(ctx).Exec(`UPDATE idempotency_keys SET owner_id = ?, locked_until = ?
		WHERE service_id = ? AND idempotency_key = ? AND owner_id = ? AND completed = ? AND locked_until <= ?`,
		owner.String(), s.ts(until), serviceID.String(), key, from.String(), false, s.ts(now))
	if res.Error != nil {
		return s.wrap(ctx, op, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("gormstore: %s: %w", op, notify.ErrConflict)
	}
	return nil
}

// CompleteIdempotencyKey marks the record of resourceID completed.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, serviceID uuid.UUID, key string, resourceID uuid.UUID) error {
	const op = "complete idempotency key"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	res := s.w.WithContext(ctx).Exec(`UPDATE idempotency_keys SET completed = ?
		WHERE service_id = ? AND idempotency_key = ? AND resource_id = ?`,
		true, serviceID.String(), key, resourceID.String())
	if res.Error != nil {
		return s.wrap(ctx, op, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("gormstore: %s: %w", op, notify.ErrNotFound)
	}
	return nil
}

// ReleaseIdempotencyKey deletes the record owner holds, if not completed.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, serviceID uuid.UUID, key string, owner uuid.UUID) error {
	const op = "release idempotency key"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	err := s.w.WithContext(ctx).Exec(`DELETE FROM idempotency_keys
		WHERE service_id = ? AND idempotency_key = ? AND owner_id = ? AND completed = ?`,
		serviceID.String(), key, owner.String(), false).Error
	return s.wrap(ctx, op, err)
}

// EndIdempotencyLease ends the lease owner holds, if not completed.
func (s *Store) EndIdempotencyLease(ctx context.Context, serviceID uuid.UUID, key string, owner uuid.UUID, now time.Time) error {
	const op = "end idempotency lease"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	err := s.w.WithContext(ctx).Exec(`UPDATE idempotency_keys SET locked_until = ?
		WHERE service_id = ? AND idempotency_key = ? AND owner_id = ? AND completed = ?`,
		s.ts(now), serviceID.String(), key, owner.String(), false).Error
	return s.wrap(ctx, op, err)
}

// DeleteExpiredIdempotencyKeys deletes up to limit expired records.
func (s *Store) DeleteExpiredIdempotencyKeys(ctx context.Context, now time.Time, limit int) (int, error) {
	const op = "delete expired idempotency keys"
	if err := s.check(ctx, op); err != nil {
		return 0, err
	}
	if limit <= 0 {
		limit = 1000
	}
	res := s.w.WithContext(ctx).Exec(`DELETE FROM idempotency_keys WHERE (service_id, idempotency_key) IN
		(SELECT service_id, idempotency_key FROM idempotency_keys WHERE expires_at <= ? LIMIT ?)`, s.ts(now), limit)
	if res.Error != nil {
		return 0, s.wrap(ctx, op, res.Error)
	}
	return int(res.RowsAffected), nil
}
