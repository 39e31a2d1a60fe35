package gormstore

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	notify "github.com/notifykit/notify"
)

// historyColumns are the notification columns kept in notification_history:
// no recipient, personalisation, rendered body or subject, unsubscribe link
// or lease.
const historyColumns = `id, service_id, template_id, template_version, api_key_id, key_type,
	notification_type, client_reference, sender, reply_to, status, queue, international, phone_prefix,
	rate_multiplier, billable_units, sent_by, sent_at, provider_reference, job_id, job_row_number,
	created_at, updated_at`

// ArchiveNotifications moves the service's notifications of type typ
// created before before out of the notifications table: live and team ones
// are copied into notification_history without personal data, test ones
// are just deleted. It works in batches of batchSize rows (default 1000),
// each batch one transaction, so it can run beside live traffic and be
// stopped at any point (on PostgreSQL, rows a concurrent transaction holds
// are skipped and go in a later run). It returns how many notifications
// left the notifications table. The Notifier decides each service's and
// type's cut-off (notify.Notifier.ArchiveExpired).
func (s *Store) ArchiveNotifications(ctx context.Context, serviceID uuid.UUID, typ notify.NotificationType, before time.Time, batchSize int) (int, error) {
	const op = "archive notifications"
	if err := s.check(ctx, op); err != nil {
		return 0, err
	}
	if batchSize <= 0 {
		batchSize = 1000
	}
	n, err := s.archiveBatches(ctx, batchSize,
		`SELECT id FROM notifications WHERE service_id = ? AND notification_type = ? AND created_at < ?
			ORDER BY created_at LIMIT ?`,
		serviceID.String(), string(typ), s.ts(before))
	if err != nil {
		return n, s.wrap(ctx, op, err)
	}
	return n, nil
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
