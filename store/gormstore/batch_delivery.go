package gormstore

// The batch abilities of delivery: notify.BatchClaimer and
// notify.BatchTransitioner. A batch is one statement, so one write
// transaction, on either database. On PostgreSQL the statement first locks
// its rows in id order, so that batches sharing rows wait for each other
// instead of deadlocking, and then updates them through the primary key.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	notify "github.com/notifykit/notify"
	"gorm.io/gorm"
)

var (
	_ notify.BatchClaimer      = (*Store)(nil)
	_ notify.BatchTransitioner = (*Store)(nil)
)

// maxBatchRows caps the notifications one statement names, well within
// both databases' limits on parameters (65,535 on PostgreSQL, 32,766 on
// SQLite) at eight parameters a row; longer batches take several
// statements.
const maxBatchRows = 1000

// qualifiedNotificationColumns is notificationColumns of the table aliased
// n, for statements that join other rows.
var qualifiedNotificationColumns = qualify("n", notificationColumns)

// qualify prefixes every column of the comma-separated list cols with
// alias.
func qualify(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// ClaimNotifications takes the delivery leases of the notifications of ids
// that are created and unclaimed (or whose claim is not after now) in one
// conditional UPDATE … RETURNING; more than maxBatchRows ids take several
// statements in one transaction. Unclaimable, unknown and repeated ids are
// left out of the result.
func (s *Store) ClaimNotifications(ctx context.Context, ids []uuid.UUID, now, until time.Time) ([]*notify.Notification, error) {
	const op = "claim notifications"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	if s.dialect == dialectPostgres && len(ids) <= maxBatchRows {
		// Repeated ids need no care: the statement updates each row once.
		return s.pgClaim(ctx, op, ids, now, until)
	}
	unique := make([]string, 0, len(ids))
	seen := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			unique = append(unique, id.String())
		}
	}
	query := `UPDATE notifications SET claimed_until = ?, delivery_attempts = delivery_attempts + 1
		WHERE id IN ? AND status = 'created' AND (claimed_until IS NULL OR claimed_until <= ?)
		RETURNING ` + notificationColumns
	args := func(chunk []string) []any { return []any{s.ts(until), chunk, s.ts(now)} }
	if s.dialect == dialectPostgres {
		// Lock the rows in id order first (the ARRAY is computed once,
		// before the update), then update them through the primary key.
		query = `UPDATE notifications SET claimed_until = ?, delivery_attempts = delivery_attempts + 1
			WHERE id = ANY(ARRAY(
				SELECT id FROM notifications
				WHERE id IN ? AND status = 'created' AND (claimed_until IS NULL OR claimed_until <= ?)
				ORDER BY id FOR UPDATE))
			AND status = 'created' AND (claimed_until IS NULL OR claimed_until <= ?)
			RETURNING ` + notificationColumns
		args = func(chunk []string) []any { return []any{s.ts(until), chunk, s.ts(now), s.ts(now)} }
	}
	var out []*notify.Notification
	err := s.batch(ctx, op, len(unique) > maxBatchRows, func(db *gorm.DB) error {
		out = out[:0]
		for chunk := range slices.Chunk(unique, maxBatchRows) {
			list, err := s.queryList(ctx, op, db, query, args(chunk)...)
			if err != nil {
				return err
			}
			for i := range list {
				out = append(out, &list[i])
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// batch runs fn on the writer pool, or in one write transaction when tx is
// true. fn's errors come back as they are; those of the transaction itself
// are wrapped for op.
func (s *Store) batch(ctx context.Context, op string, tx bool, fn func(db *gorm.DB) error) error {
	if !tx {
		return fn(s.w)
	}
	var fnErr error
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		fnErr = fn(tx)
		return fnErr
	})
	if fnErr != nil {
		return fnErr
	}
	return s.wrap(ctx, op, err)
}

// TransitionNotifications applies each transition as TransitionNotification
// does, in one UPDATE … FROM (VALUES …) RETURNING a round: a round holds
// each notification once, so the second transition of a notification goes
// in the second round, and so on. A failed statement fails the transitions
// it carried.
func (s *Store) TransitionNotifications(ctx context.Context, ts []notify.NotificationTransition) ([]*notify.Notification, []error) {
	const op = "transition notifications"
	out, errs := make([]*notify.Notification, len(ts)), make([]error, len(ts))
	if err := s.check(ctx, op); err != nil {
		return out, fill(errs, err)
	}
	for _, round := range rounds(ts) {
		for chunk := range slices.Chunk(round, maxBatchRows) {
			s.transitionRows(ctx, op, ts, chunk, out, errs)
		}
	}
	return out, errs
}

// rounds splits the indexes of ts into rounds in which each notification
// appears once, keeping the order of its transitions across rounds.
func rounds(ts []notify.NotificationTransition) [][]int {
	var out [][]int
	seen := make(map[uuid.UUID]int, len(ts))
	for i, t := range ts {
		r := seen[t.ID]
		seen[t.ID] = r + 1
		if r == len(out) {
			out = append(out, nil)
		}
		out[r] = append(out[r], i)
	}
	return out
}

// transitionRows applies the transitions ts[idx] (each notification once)
// in one statement, setting out and errs at idx. PostgreSQL has its own
// statement (pgTransitionRows), which locks its rows in id order first.
func (s *Store) transitionRows(ctx context.Context, op string, ts []notify.NotificationTransition, idx []int, out []*notify.Notification, errs []error) {
	if s.dialect == dialectPostgres {
		s.pgTransitionRows(ctx, op, ts, idx, out, errs)
		return
	}
	const row = "(?, ?, ?, ?, ?, ?, ?, ?)"
	rows := make([]string, len(idx))
	args := make([]any, 0, 8*len(idx))
	for j, i := range idx {
		t := ts[i]
		u := t.Update
		updated := u.UpdatedAt
		if updated.IsZero() {
			updated = time.Now()
		}
		var units any
		if u.BillableUnits != nil {
			units = *u.BillableUnits
		}
		rows[j] = row
		// From is written ",created,sending," so that one status matches
		// as ",status,".
		from := "," + strings.Join(statusStrings(t.From), ",") + ","
		args = append(args, t.ID.String(), from, string(u.Status), s.tsp(u.SentAt),
			emptyNull(u.SentBy), units, emptyNull(u.ProviderReference), s.ts(updated))
	}
	with := `WITH v (vid, vfrom, vstatus, vsent_at, vsent_by, vunits, vref, vupdated) AS (VALUES ` + strings.Join(rows, ", ") + `)`
	set := `SET status = v.vstatus, updated_at = v.vupdated, claimed_until = NULL,
			sent_at = COALESCE(v.vsent_at, n.sent_at), sent_by = COALESCE(v.vsent_by, n.sent_by),
			billable_units = COALESCE(v.vunits, n.billable_units),
			provider_reference = COALESCE(v.vref, n.provider_reference)`
	query := with + `
		UPDATE notifications AS n ` + set + `
		FROM v WHERE n.id = v.vid AND instr(v.vfrom, ',' || n.status || ',') > 0
		RETURNING ` + notificationColumns // only the updated table, unqualified
	list, err := s.queryList(ctx, op, s.w, query, args...)
	if err != nil {
		for _, i := range idx {
			errs[i] = err
		}
		return
	}
	byID := make(map[uuid.UUID]*notify.Notification, len(list))
	for k := range list {
		byID[list[k].ID] = &list[k]
	}
	var missing []string
	for _, i := range idx {
		if out[i] = byID[ts[i].ID]; out[i] == nil {
			missing = append(missing, ts[i].ID.String())
		}
	}
	if len(missing) == 0 {
		return
	}
	// Not updated: in another status, or absent.
	var present []string
	err = s.w.WithContext(ctx).Raw(`SELECT id FROM notifications WHERE id IN ?`, missing).Scan(&present).Error
	exists := make(map[string]bool, len(present))
	for _, id := range present {
		exists[id] = true
	}
	for _, i := range idx {
		switch {
		case out[i] != nil:
		case err != nil:
			errs[i] = s.wrap(ctx, op, err)
		case exists[ts[i].ID.String()]:
			errs[i] = fmt.Errorf("gormstore: %s: %s: %w", op, ts[i].ID, notify.ErrConflict)
		default:
			errs[i] = fmt.Errorf("gormstore: %s: %s: %w", op, ts[i].ID, notify.ErrNotFound)
		}
	}
}
