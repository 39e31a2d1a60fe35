package gormstore

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	notify "github.com/notifykit/notify"
)

// The optional Store abilities of the administration and of data
// retention (notify's adminstore.go).
var (
	_ notify.ServiceLister        = (*Store)(nil)
	_ notify.GuestListReplacer    = (*Store)(nil)
	_ notify.TeamMemberRemover    = (*Store)(nil)
	_ notify.StatusCounter        = (*Store)(nil)
	_ notify.DataRetentionStore   = (*Store)(nil)
	_ notify.NotificationArchiver = (*Store)(nil)
)

// ListServices returns every service, oldest first (ties by id).
func (s *Store) ListServices(ctx context.Context) ([]notify.Service, error) {
	const op = "list services"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	rows, err := s.r.WithContext(ctx).Raw(`SELECT ` + serviceColumns + ` FROM services ORDER BY created_at, id`).Rows()
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	defer rows.Close()
	out := []notify.Service{}
	for rows.Next() {
		sv, err := scanService(rows)
		if err != nil {
			return nil, s.wrap(ctx, op, err)
		}
		out = append(out, *sv)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	return out, nil
}

// ReplaceGuestList makes entries the service's whole guest list, each
// recipient once, in one transaction.
func (s *Store) ReplaceGuestList(ctx context.Context, serviceID uuid.UUID, entries []notify.GuestListEntry) error {
	const op = "replace guest list"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM guest_list WHERE service_id = ?`, serviceID.String()).Error; err != nil {
			return err
		}
		for _, e := range entries {
			if err := tx.Exec(`INSERT INTO guest_list (service_id, recipient) VALUES (?, ?)
				ON CONFLICT (service_id, recipient) DO NOTHING`, serviceID.String(), e.Recipient).Error; err != nil {
				return err
			}
		}
		return nil
	})
	return s.wrap(ctx, op, err)
}

// RemoveTeamMember removes the member equal to m, or returns ErrNotFound.
func (s *Store) RemoveTeamMember(ctx context.Context, m notify.TeamMember) error {
	const op = "remove team member"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	res := s.w.WithContext(ctx).Exec(`DELETE FROM team_members
		WHERE service_id = ? AND email_address = ? AND mobile_number = ?`,
		m.ServiceID.String(), m.EmailAddress, m.MobileNumber)
	if res.Error != nil {
		return s.wrap(ctx, op, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("gormstore: %s: %w", op, notify.ErrNotFound)
	}
	return nil
}

// CountNotificationsByStatus counts a service's notifications created at
// or after since by type, status and key type, in one grouped query on the
// (service_id, created_at) index.
func (s *Store) CountNotificationsByStatus(ctx context.Context, serviceID uuid.UUID, since time.Time) ([]notify.StatusCount, error) {
	const op = "count notifications by status"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	rows, err := s.r.WithContext(ctx).Raw(`SELECT notification_type, status, key_type, COUNT(*)
		FROM notifications WHERE service_id = ? AND created_at >= ?
		GROUP BY notification_type, status, key_type`, serviceID.String(), s.ts(since)).Rows()
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	defer rows.Close()
	out := []notify.StatusCount{}
	for rows.Next() {
		var typ, status, kt string
		var c notify.StatusCount
		if err := rows.Scan(&typ, &status, &kt, &c.Count); err != nil {
			return nil, s.wrap(ctx, op, err)
		}
		c.Type, c.Status, c.KeyType = notify.NotificationType(typ), notify.Status(status), notify.KeyType(kt)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	return out, nil
}

// CreateDataRetention stores a retention setting; the unique index on
// (service_id, notification_type) refuses a second one for a type.
func (s *Store) CreateDataRetention(ctx context.Context, r *notify.DataRetention) error {
	const op = "create data retention"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	created := r.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	err := s.w.WithContext(ctx).Exec(`INSERT INTO service_data_retention
		(id, service_id, notification_type, days_of_retention, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		r.ID.String(), r.ServiceID.String(), string(r.Type), r.Days, s.ts(created), s.tsp(r.UpdatedAt)).Error
	if err != nil {
		return s.wrap(ctx, op, err)
	}
	r.CreatedAt = created.UTC().Truncate(time.Microsecond)
	return nil
}

// UpdateDataRetention sets the days of a service's retention setting, or
// returns ErrNotFound.
func (s *Store) UpdateDataRetention(ctx context.Context, serviceID, id uuid.UUID, days int, at time.Time) error {
	const op = "update data retention"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	res := s.w.WithContext(ctx).Exec(`UPDATE service_data_retention SET days_of_retention = ?, updated_at = ?
		WHERE id = ? AND service_id = ?`, days, s.ts(at), id.String(), serviceID.String())
	if res.Error != nil {
		return s.wrap(ctx, op, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("gormstore: %s: %w", op, notify.ErrNotFound)
	}
	return nil
}

// ListDataRetention returns a service's retention settings ordered by
// type.
func (s *Store) ListDataRetention(ctx context.Context, serviceID uuid.UUID) ([]notify.DataRetention, error) {
	const op = "list data retention"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	rows, err := s.r.WithContext(ctx).Raw(`SELECT id, notification_type, days_of_retention, created_at, updated_at
		FROM service_data_retention WHERE service_id = ? ORDER BY notification_type`, serviceID.String()).Rows()
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	defer rows.Close()
	out := []notify.DataRetention{}
	for rows.Next() {
		var (
			r                notify.DataRetention
			typ              string
			created, updated dbTime
		)
		if err := rows.Scan(&r.ID, &typ, &r.Days, &created, &updated); err != nil {
			return nil, s.wrap(ctx, op, err)
		}
		r.ServiceID, r.Type, r.CreatedAt, r.UpdatedAt = serviceID, notify.NotificationType(typ), created.t, updated.ptr()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	return out, nil
}

// migrationDataRetention adds upstream's service_data_retention: one
// retention per service and notification type.
var migrationDataRetention = migration{
	version: 4,
	name:    "data retention per service and notification type",
	postgres: []string{
		`CREATE TABLE service_data_retention (
			id uuid PRIMARY KEY,
			service_id uuid NOT NULL REFERENCES services (id),
			notification_type text NOT NULL,
			days_of_retention integer NOT NULL,
			created_at timestamptz NOT NULL,
			updated_at timestamptz
		)`,
		`CREATE UNIQUE INDEX ux_service_data_retention ON service_data_retention (service_id, notification_type)`,
		`CREATE INDEX ix_notifications_service_type_created ON notifications (service_id, notification_type, created_at)`,
	},
	sqlite: []string{
		`CREATE TABLE service_data_retention (
			id TEXT PRIMARY KEY,
			service_id TEXT NOT NULL REFERENCES services (id),
			notification_type TEXT NOT NULL,
			days_of_retention INTEGER NOT NULL,
			created_at INTEGER NOT NULL,
			updated_at INTEGER
		)`,
		`CREATE UNIQUE INDEX ux_service_data_retention ON service_data_retention (service_id, notification_type)`,
		`CREATE INDEX ix_notifications_service_type_created ON notifications (service_id, notification_type, created_at)`,
	},
}
