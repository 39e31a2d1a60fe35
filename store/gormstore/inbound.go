package gormstore

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	notify "github.com/notifykit/notify"
)

// CreateInboundSMS stores a received text message. A zero CreatedAt becomes
// now and is written back.
func (s *Store) CreateInboundSMS(ctx context.Context, m *notify.InboundSMS) error {
	const op = "create inbound sms"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	if m == nil {
		return fmt.Errorf("gormstore: %s: nil message", op)
	}
	created := m.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	err := s.w.WithContext(ctx).Exec(`INSERT INTO inbound_sms (id, service_id, notify_number, user_number, content, provider, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, m.ID.String(), m.ServiceID.String(), m.NotifyNumber, m.UserNumber,
		m.Content, m.Provider, s.ts(created)).Error
	if err != nil {
		return s.wrap(ctx, op, err)
	}
	m.CreatedAt = created.UTC().Truncate(time.Microsecond)
	return nil
}

// ListInboundSMS returns a service's received messages newest first (by
// created_at, then id), strictly older than olderThan when it is not nil (an
// unknown id gives none), at most limit (0: no cap).
func (s *Store) ListInboundSMS(ctx context.Context, serviceID uuid.UUID, olderThan *uuid.UUID, limit int) ([]notify.InboundSMS, error) {
	const op = "list inbound sms"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	query := `SELECT id, notify_number, user_number, content, provider, created_at FROM inbound_sms WHERE service_id = ?`
	args := []any{serviceID.String()}
	if olderThan != nil {
		query += ` AND (created_at, id) < (SELECT o.created_at, o.id FROM inbound_sms o WHERE o.id = ? AND o.service_id = ?)`
		args = append(args, olderThan.String(), serviceID.String())
	}
	query += ` ORDER BY created_at DESC, id DESC`
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.r.WithContext(ctx).Raw(query, args...).Rows()
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	defer rows.Close()
	var out []notify.InboundSMS
	for rows.Next() {
		m := notify.InboundSMS{ServiceID: serviceID}
		var created dbTime
		if err := rows.Scan(&m.ID, &m.NotifyNumber, &m.UserNumber, &m.Content, &m.Provider, &created); err != nil {
			return nil, s.wrap(ctx, op, err)
		}
		m.CreatedAt = created.t
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	return out, nil
}
