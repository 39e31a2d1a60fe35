package gormstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// DefaultRetentionDays is how long notifications of a service whose
// DataRetentionDays is 0 stay in the notifications table.
const DefaultRetentionDays = 7

// historyColumns are the notification columns kept in notification_history:
// no recipient, personalisation, rendered body or subject, unsubscribe link
// or lease.
const historyColumns = `id, service_id, template_id, template_version, api_key_id, key_type,
	notification_type, client_reference, sender, reply_to, status, queue, international, phone_prefix,
	rate_multiplier, billable_units, sent_by, sent_at, provider_reference, job_id, job_row_number,
	created_at, updated_at`

// ArchiveNotifications moves notifications older than their service's
// retention (Service.DataRetentionDays, DefaultRetentionDays when 0; counted
// back from now) out of the notifications table: live and team ones are
// copied into notification_history without personal data, test ones are
// just deleted. It works service by service in batches of batchSize rows
// (default 1000), each batch one transaction, so it can run beside live
// traffic and be stopped at any point; notifications whose service does not
// exist get the default retention. It returns how many notifications left
// the notifications table. The server runs it nightly.
func (s *Store) ArchiveNotifications(ctx context.Context, now time.Time, batchSize int) (int, error) {
	const op = "archive notifications"
	if err := s.check(ctx, op); err != nil {
		return 0, err
	}
	if batchSize <= 0 {
		batchSize = 1000
	}
	type svc struct {
		id   string
		days int
	}
	rows, err := s.r.WithContext(ctx).Raw(`SELECT id, data_retention_days FROM services ORDER BY id`).Rows()
	if err != nil {
		return 0, s.wrap(ctx, op, err)
	}
	var services []svc
	for rows.Next() {
		var v svc
		if err := rows.Scan(&v.id, &v.days); err != nil {
			rows.Close()
			return 0, s.wrap(ctx, op, err)
		}
		services = append(services, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, s.wrap(ctx, op, err)
	}

	total := 0
	for _, v := range services {
		days := v.days
		if days <= 0 {
			days = DefaultRetentionDays
		}
		cutoff := now.Add(-time.Duration(days) * 24 * time.Hour)
		n, err := s.archiveBatches(ctx, batchSize,
			`SELECT id FROM notifications WHERE service_id = ? AND created_at < ? ORDER BY created_at LIMIT ?`,
			v.id, s.ts(cutoff))
		total += n
		if err != nil {
			return total, s.wrap(ctx, op, err)
		}
	}
	// Orphans: notifications of services that do not exist.
	cutoff := now.Add(-DefaultRetentionDays * 24 * time.Hour)
	n, err := s.archiveBatches(ctx, batchSize,
		`SELECT n.id FROM notifications n WHERE n.created_at < ?
			AND NOT EXISTS (SELECT 1 FROM services sv WHERE sv.id = n.service_id)
			ORDER BY n.created_at LIMIT ?`, s.ts(cutoff))
	total += n
	if err != nil {
		return total, s.wrap(ctx, op, err)
	}
	return total, nil
}

// archiveBatches runs batches until one is short. pick selects up to the
// batch size of ids (its last placeholder is the limit).
func (s *Store) archiveBatches(ctx context.Context, batchSize int, pick string, args ...any) (int, error) {
	if s.dialect == dialectPostgres {
		// Skip rows a concurrent transaction holds (a worker updating a
		// status); they go in a later run.
		pick += ` FOR UPDATE SKIP LOCKED`
	}
	args = append(args, batchSize)
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		moved := 0
		err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var ids []string
			rows, err := tx.Raw(pick, args...).Rows()
			if err != nil {
				return fmt.Errorf("select batch: %w", err)
			}
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return fmt.Errorf("select batch: %w", err)
				}
				ids = append(ids, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("select batch: %w", err)
			}
			if len(ids) == 0 {
				return nil
			}
			if err := tx.Exec(`INSERT INTO notification_history (`+historyColumns+`)
				SELECT `+historyColumns+` FROM notifications WHERE id IN ? AND key_type <> 'test'
				ON CONFLICT (id) DO NOTHING`, ids).Error; err != nil {
				return fmt.Errorf("copy to history: %w", err)
			}
			res := tx.Exec(`DELETE FROM notifications WHERE id IN ?`, ids)
			if res.Error != nil {
				return fmt.Errorf("delete archived: %w", res.Error)
			}
			moved = int(res.RowsAffected)
			return nil
		})
		if err != nil {
			return total, err
		}
		total += moved
		if moved < batchSize {
			return total, nil
		}
	}
}
