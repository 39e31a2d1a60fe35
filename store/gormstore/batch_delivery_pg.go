package gormstore

// The batch abilities of delivery on PostgreSQL, straight through
// database/sql (pgx underneath) rather than gorm's statement builder: the
// workers run these statements for every notification, and gorm's parsing,
// callbacks and reflection cost more CPU than the statements themselves.
// Each statement has one fixed text whatever the batch size (the rows go
// in as arrays and come out of unnest), so pgx prepares it once per
// connection and every later call is one round trip.

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/google/uuid"
	notify "github.com/notifykit/notify"
)

// pgClaimSQL claims the created, unclaimed notifications of $2: it locks
// them in id order first (the ARRAY is computed once, before the update),
// so that batches sharing rows wait for each other instead of
// deadlocking, then updates them through the primary key.
var pgClaimSQL = `UPDATE notifications SET claimed_until = $1, delivery_attempts = delivery_attempts + 1
	WHERE id = ANY(ARRAY(
		SELECT id FROM notifications
		WHERE id = ANY($2::uuid[]) AND status = 'created' AND (claimed_until IS NULL OR claimed_until <= $3)
		ORDER BY id FOR UPDATE))
	AND status = 'created' AND (claimed_until IS NULL OR claimed_until <= $3)
	RETURNING ` + notificationColumns

// pgClaimOneSQL is pgClaimSQL for one id ($2): with one row there is no
// lock order to keep, and the plain update through the primary key is
// cheaper.
var pgClaimOneSQL = `UPDATE notifications SET claimed_until = $1, delivery_attempts = delivery_attempts + 1
	WHERE id = $2 AND status = 'created' AND (claimed_until IS NULL OR claimed_until <= $3)
	RETURNING ` + notificationColumns

// pgTransitionSQL applies one transition to each notification of $1 (each
// named once), with the values of the same position in the other arrays.
// vfrom is the allowed statuses written ",created,sending,".
var pgTransitionSQL = `WITH v (vid, vfrom, vstatus, vsent_at, vsent_by, vunits, vref, vupdated) AS (
		SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::integer[], $7::text[], $8::timestamptz[]))
	UPDATE notifications n SET status = v.vstatus, updated_at = v.vupdated, claimed_until = NULL,
		sent_at = COALESCE(v.vsent_at, n.sent_at), sent_by = COALESCE(v.vsent_by, n.sent_by),
		billable_units = COALESCE(v.vunits, n.billable_units),
		provider_reference = COALESCE(v.vref, n.provider_reference)
	FROM v
	WHERE n.id = v.vid AND strpos(v.vfrom, ',' || n.status || ',') > 0
		AND n.id = ANY(ARRAY(SELECT id FROM notifications WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE))
	RETURNING ` + qualifiedNotificationColumns

// pgTransitionOneSQL is pgTransitionSQL for one notification, with the
// values as scalars.
var pgTransitionOneSQL = `UPDATE notifications SET status = $3, updated_at = $8, claimed_until = NULL,
		sent_at = COALESCE($4::timestamptz, sent_at), sent_by = COALESCE($5::text, sent_by),
		billable_units = COALESCE($6::integer, billable_units),
		provider_reference = COALESCE($7::text, provider_reference)
	WHERE id = $1 AND strpos($2::text, ',' || status || ',') > 0
	RETURNING ` + notificationColumns

// pgDB returns the writer pool's database/sql handle.
func (s *Store) pgDB() (*sql.DB, error) {
	db, err := s.w.DB()
	if err != nil {
		return nil, fmt.Errorf("the connection pool: %w", err)
	}
	return db, nil
}

// pgQueryList runs a statement returning notification rows on the writer
// pool.
func (s *Store) pgQueryList(ctx context.Context, op string, query string, args ...any) ([]notify.Notification, error) {
	db, err := s.pgDB()
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	return s.scanNotifications(ctx, op, rows)
}

// pgClaim is ClaimNotifications for at most maxBatchRows distinct ids.
func (s *Store) pgClaim(ctx context.Context, op string, ids []uuid.UUID, now, until time.Time) ([]*notify.Notification, error) {
	var list []notify.Notification
	var err error
	if len(ids) == 1 {
		list, err = s.pgQueryList(ctx, op, pgClaimOneSQL, s.ts(until), ids[0], s.ts(now))
	} else {
		list, err = s.pgQueryList(ctx, op, pgClaimSQL, s.ts(until), ids, s.ts(now))
	}
	if err != nil {
		return nil, err
	}
	out := make([]*notify.Notification, len(list))
	for i := range list {
		out[i] = &list[i]
	}
	return out, nil
}

// pgTransitionRows is transitionRows on PostgreSQL: the transitions
// ts[idx] (each notification once) in one statement, setting out and errs
// at idx.
func (s *Store) pgTransitionRows(ctx context.Context, op string, ts []notify.NotificationTransition, idx []int, out []*notify.Notification, errs []error) {
	var (
		ids             = make([]uuid.UUID, len(idx))
		from, status    = make([]string, len(idx)), make([]string, len(idx))
		sentAt, updated = make([]*time.Time, len(idx)), make([]time.Time, len(idx))
		sentBy, ref     = make([]*string, len(idx)), make([]*string, len(idx))
		units           = make([]*int32, len(idx))
	)
	for j, i := range idx {
		t := ts[i]
		u := t.Update
		ids[j] = t.ID
		from[j], status[j] = ","+joinStatuses(t.From)+",", string(u.Status)
		if u.SentAt != nil {
			v := u.SentAt.UTC().Truncate(time.Microsecond)
			sentAt[j] = &v
		}
		up := u.UpdatedAt
		if up.IsZero() {
			up = time.Now()
		}
		updated[j] = up.UTC().Truncate(time.Microsecond)
		if u.SentBy != "" {
			sentBy[j] = &u.SentBy
		}
		if u.ProviderReference != "" {
			ref[j] = &u.ProviderReference
		}
		if u.BillableUnits != nil {
			v := int32(*u.BillableUnits)
			units[j] = &v
		}
	}
	var list []notify.Notification
	var err error
	if len(idx) == 1 {
		list, err = s.pgQueryList(ctx, op, pgTransitionOneSQL, ids[0], from[0], status[0], sentAt[0], sentBy[0], units[0], ref[0], updated[0])
	} else {
		list, err = s.pgQueryList(ctx, op, pgTransitionSQL, ids, from, status, sentAt, sentBy, units, ref, updated)
	}
	if err != nil {
		for _, i := range idx {
			errs[i] = err
		}
		return
	}
	if len(list) == 1 && len(idx) == 1 && list[0].ID == ts[idx[0]].ID {
		out[idx[0]] = &list[0]
		return
	}
	byID := make(map[uuid.UUID]*notify.Notification, len(list))
	for k := range list {
		byID[list[k].ID] = &list[k]
	}
	var missing []uuid.UUID
	for _, i := range idx {
		if out[i] = byID[ts[i].ID]; out[i] == nil {
			missing = append(missing, ts[i].ID)
		}
	}
	if len(missing) == 0 {
		return
	}
	// Not updated: in another status, or absent.
	exists, err := s.pgExisting(ctx, missing)
	for _, i := range idx {
		switch {
		case out[i] != nil:
		case err != nil:
			errs[i] = s.wrap(ctx, op, err)
		case exists[ts[i].ID]:
			errs[i] = fmt.Errorf("gormstore: %s: %s: %w", op, ts[i].ID, notify.ErrConflict)
		default:
			errs[i] = fmt.Errorf("gormstore: %s: %s: %w", op, ts[i].ID, notify.ErrNotFound)
		}
	}
}

// pgExisting returns which notifications of ids exist.
func (s *Store) pgExisting(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]bool, error) {
	db, err := s.pgDB()
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT id FROM notifications WHERE id = ANY($1::uuid[])`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	exists := make(map[uuid.UUID]bool, len(ids))
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		exists[id] = true
	}
	return exists, rows.Err()
}

// joinStatuses writes statuses comma-separated.
func joinStatuses(in []notify.Status) string {
	var b []byte
	for i, st := range in {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, st...)
	}
	return string(b)
}
