package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/notifykit/notify"
)

// The SMS senders and email reply-to addresses of services (notify's
// SenderStore), in upstream's service_sms_senders and
// service_email_reply_to tables. Every write runs in one transaction that
// first locks the service's row (PostgreSQL: FOR UPDATE; SQLite: the
// transaction is IMMEDIATE), so writes to one service's senders are
// serialised and the service keeps exactly one live default of each kind.

var _ notify.SenderStore = (*Store)(nil)

// senderTable names the table of a kind of sender and its value column.
type senderTable struct {
	table, value, what, plural string
	// distinct: a live value appears once per service (case-insensitively).
	distinct bool
}

var (
	smsSenderTable = senderTable{table: "service_sms_senders", value: "sms_sender", what: "SMS sender", plural: "SMS senders"}
	replyToTable   = senderTable{table: "service_email_reply_to", value: "email_address", what: "email reply-to address", plural: "email reply-to addresses", distinct: true}
)

// errSenderRule is the ErrConflict of a write the default rule refuses.
func errSenderRule(op string) error {
	return fmt.Errorf("gormstore: %s: the service's default must stay its default and cannot be archived: %w",
		op, notify.ErrConflict)
}

// lockService locks the service's row for the rest of tx, or returns
// sql.ErrNoRows when there is no such service.
func (s *Store) lockService(tx *gorm.DB, serviceID uuid.UUID) error {
	q := `SELECT id FROM services WHERE id = ?`
	if s.dialect == dialectPostgres {
		q += ` FOR UPDATE`
	}
	var id uuid.UUID
	return tx.Raw(q, serviceID.String()).Row().Scan(&id)
}

// createSender inserts a sender under the default rule and returns whether
// it is the default. extra are the further columns and their values.
func (s *Store) createSender(ctx context.Context, t senderTable, id, serviceID uuid.UUID, value string, isDefault bool,
	created time.Time, extraCols string, extra ...any) (bool, error) {
	op := "create " + t.what
	if err := s.check(ctx, op); err != nil {
		return false, err
	}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.lockService(tx, serviceID); err != nil {
			return err
		}
		var live int
		if err := tx.Raw(`SELECT COUNT(*) FROM `+t.table+` WHERE service_id = ? AND archived = ?`,
			serviceID.String(), false).Row().Scan(&live); err != nil {
			return err
		}
		if t.distinct && live > 0 {
			var same int
			if err := tx.Raw(`SELECT COUNT(*) FROM `+t.table+` WHERE service_id = ? AND archived = ? AND LOWER(`+t.value+`) = LOWER(?)`,
				serviceID.String(), false, value).Row().Scan(&same); err != nil {
				return err
			}
			if same > 0 {
				return fmt.Errorf("%s %q is in use: %w", t.what, value, notify.ErrDuplicate)
			}
		}
		if live == 0 {
			isDefault = true
		}
		if isDefault {
			if err := tx.Exec(`UPDATE `+t.table+` SET is_default = ? WHERE service_id = ? AND is_default = ?`,
				false, serviceID.String(), true).Error; err != nil {
				return err
			}
		}
		args := append([]any{id.String(), serviceID.String(), value, isDefault, false, s.ts(created)}, extra...)
		return tx.Exec(`INSERT INTO `+t.table+` (id, service_id, `+t.value+`, is_default, archived, created_at`+extraCols+`)
			VALUES (?, ?, ?, ?, ?, ?`+placeholders(len(extra))+`)`, args...).Error
	})
	if err != nil {
		return false, s.wrap(ctx, op, err)
	}
	return isDefault, nil
}

func placeholders(n int) string {
	out := ""
	for range n {
		out += ", ?"
	}
	return out
}

// updateSender replaces a live sender's value, default flag and update
// time (and the further columns set, "col = ?, ..." with extra) under the
// default rule.
func (s *Store) updateSender(ctx context.Context, t senderTable, id, serviceID uuid.UUID, value string, isDefault bool,
	updated *time.Time, extraSet string, extra ...any) error {
	op := "update " + t.what
	if err := s.check(ctx, op); err != nil {
		return err
	}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.lockService(tx, serviceID); err != nil {
			return err
		}
		var cur dbBool
		if err := tx.Raw(`SELECT is_default FROM `+t.table+` WHERE id = ? AND service_id = ? AND archived = ?`,
			id.String(), serviceID.String(), false).Row().Scan(&cur); err != nil {
			return err
		}
		if bool(cur) && !isDefault {
			return errSenderRule(op)
		}
		if isDefault {
			if err := tx.Exec(`UPDATE `+t.table+` SET is_default = ? WHERE service_id = ? AND is_default = ?`,
				false, serviceID.String(), true).Error; err != nil {
				return err
			}
		}
		args := append([]any{value, isDefault, s.tsp(updated)}, extra...)
		args = append(args, id.String())
		return tx.Exec(`UPDATE `+t.table+` SET `+t.value+` = ?, is_default = ?, updated_at = ?`+extraSet+` WHERE id = ?`,
			args...).Error
	})
	if errors.Is(err, notify.ErrConflict) {
		return err
	}
	return s.wrap(ctx, op, err)
}

// archiveSender archives a sender of the service that is not its default
// (nor, where the table has one, linked to an inbound number).
func (s *Store) archiveSender(ctx context.Context, t senderTable, serviceID, id uuid.UUID, at time.Time, inboundCol bool) error {
	op := "archive " + t.what
	if err := s.check(ctx, op); err != nil {
		return err
	}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.lockService(tx, serviceID); err != nil {
			return err
		}
		inbound := "NULL"
		if inboundCol {
			inbound = "inbound_number_id"
		}
		var (
			isDefault, archived dbBool
			inboundID           uuid.NullUUID
		)
		if err := tx.Raw(`SELECT is_default, archived, `+inbound+` FROM `+t.table+` WHERE id = ? AND service_id = ?`,
			id.String(), serviceID.String()).Row().Scan(&isDefault, &archived, &inboundID); err != nil {
			return err
		}
		if archived {
			return nil
		}
		if bool(isDefault) || inboundID.Valid {
			return errSenderRule(op)
		}
		return tx.Exec(`UPDATE `+t.table+` SET archived = ?, updated_at = ? WHERE id = ?`, true, s.ts(at), id.String()).Error
	})
	if errors.Is(err, notify.ErrConflict) {
		return err
	}
	return s.wrap(ctx, op, err)
}

// listSenders reads a service's live senders, the default first, then
// oldest first; scan reads one row of the columns cols.
func listSenders[T any](ctx context.Context, s *Store, t senderTable, serviceID uuid.UUID, cols string,
	scan func(rows *sql.Rows) (T, error)) ([]T, error) {
	return listRows(ctx, s, "list "+t.plural, `SELECT `+cols+` FROM `+t.table+`
		WHERE service_id = ? AND archived = ? ORDER BY is_default DESC, created_at, id`,
		[]any{serviceID.String(), false}, scan)
}

// listRows runs a query on the reader and scans every row with scan; no
// row is an empty list, not nil.
func listRows[T any](ctx context.Context, s *Store, op, query string, args []any,
	scan func(rows *sql.Rows) (T, error)) ([]T, error) {
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	rows, err := s.r.WithContext(ctx).Raw(query, args...).Rows()
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, s.wrap(ctx, op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	return out, nil
}

// CreateSMSSender stores a sender; the service's first live one becomes
// its default, a new default replaces the old one.
func (s *Store) CreateSMSSender(ctx context.Context, v *notify.SMSSender) error {
	created := v.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	isDefault, err := s.createSender(ctx, smsSenderTable, v.ID, v.ServiceID, v.SMSSender, v.IsDefault, created,
		", inbound_number_id, updated_at", nullUUIDPtr(v.InboundNumberID), s.tsp(v.UpdatedAt))
	if err != nil {
		return err
	}
	v.IsDefault, v.Archived, v.CreatedAt = isDefault, false, created.UTC().Truncate(time.Microsecond)
	return nil
}

// UpdateSMSSender replaces a live sender's value, default flag, inbound
// number and update time.
func (s *Store) UpdateSMSSender(ctx context.Context, v *notify.SMSSender) error {
	return s.updateSender(ctx, smsSenderTable, v.ID, v.ServiceID, v.SMSSender, v.IsDefault, v.UpdatedAt,
		", inbound_number_id = ?", nullUUIDPtr(v.InboundNumberID))
}

// ArchiveSMSSender archives a sender that is neither the default nor an
// inbound number.
func (s *Store) ArchiveSMSSender(ctx context.Context, serviceID, id uuid.UUID, at time.Time) error {
	return s.archiveSender(ctx, smsSenderTable, serviceID, id, at, true)
}

// ListSMSSenders returns a service's live senders, the default first, then
// oldest first.
func (s *Store) ListSMSSenders(ctx context.Context, serviceID uuid.UUID) ([]notify.SMSSender, error) {
	return listSenders(ctx, s, smsSenderTable, serviceID,
		`id, sms_sender, is_default, inbound_number_id, created_at, updated_at`,
		func(rows *sql.Rows) (notify.SMSSender, error) {
			var (
				v                notify.SMSSender
				isDefault        dbBool
				inbound          uuid.NullUUID
				created, updated dbTime
			)
			if err := rows.Scan(&v.ID, &v.SMSSender, &isDefault, &inbound, &created, &updated); err != nil {
				return v, err
			}
			v.ServiceID, v.IsDefault, v.CreatedAt, v.UpdatedAt = serviceID, bool(isDefault), created.t, updated.ptr()
			if inbound.Valid {
				id := inbound.UUID
				v.InboundNumberID = &id
			}
			return v, nil
		})
}

// CreateEmailReplyTo stores a reply-to address under the default rule.
func (s *Store) CreateEmailReplyTo(ctx context.Context, v *notify.EmailReplyTo) error {
	created := v.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	isDefault, err := s.createSender(ctx, replyToTable, v.ID, v.ServiceID, v.EmailAddress, v.IsDefault, created,
		", updated_at", s.tsp(v.UpdatedAt))
	if err != nil {
		return err
	}
	v.IsDefault, v.Archived, v.CreatedAt = isDefault, false, created.UTC().Truncate(time.Microsecond)
	return nil
}

// UpdateEmailReplyTo replaces a live address, its default flag and update
// time.
func (s *Store) UpdateEmailReplyTo(ctx context.Context, v *notify.EmailReplyTo) error {
	return s.updateSender(ctx, replyToTable, v.ID, v.ServiceID, v.EmailAddress, v.IsDefault, v.UpdatedAt, "")
}

// ArchiveEmailReplyTo archives an address that is not the default.
func (s *Store) ArchiveEmailReplyTo(ctx context.Context, serviceID, id uuid.UUID, at time.Time) error {
	return s.archiveSender(ctx, replyToTable, serviceID, id, at, false)
}

// ListEmailReplyTo returns a service's live addresses, the default first,
// then oldest first.
func (s *Store) ListEmailReplyTo(ctx context.Context, serviceID uuid.UUID) ([]notify.EmailReplyTo, error) {
	return listSenders(ctx, s, replyToTable, serviceID, `id, email_address, is_default, created_at, updated_at`,
		func(rows *sql.Rows) (notify.EmailReplyTo, error) {
			var (
				v                notify.EmailReplyTo
				isDefault        dbBool
				created, updated dbTime
			)
			if err := rows.Scan(&v.ID, &v.EmailAddress, &isDefault, &created, &updated); err != nil {
				return v, err
			}
			v.ServiceID, v.IsDefault, v.CreatedAt, v.UpdatedAt = serviceID, bool(isDefault), created.t, updated.ptr()
			return v, nil
		})
}

// migrationSenders adds upstream's service_sms_senders and
// service_email_reply_to. inbound_number_id links a sender to an inbound
// number; it has no foreign key until inbound numbers have a table.
var migrationSenders = migration{
	version: 8,
	name:    "SMS senders and email reply-to addresses of services",
	postgres: []string{
		`CREATE TABLE service_sms_senders (
			id uuid PRIMARY KEY,
			service_id uuid NOT NULL REFERENCES services (id),
			sms_sender text NOT NULL,
			is_default boolean NOT NULL,
			archived boolean NOT NULL DEFAULT false,
			inbound_number_id uuid,
			created_at timestamptz NOT NULL,
			updated_at timestamptz
		)`,
		`CREATE INDEX ix_service_sms_senders_service ON service_sms_senders (service_id)`,
		`CREATE TABLE service_email_reply_to (
			id uuid PRIMARY KEY,
			service_id uuid NOT NULL REFERENCES services (id),
			email_address text NOT NULL,
			is_default boolean NOT NULL,
			archived boolean NOT NULL DEFAULT false,
			created_at timestamptz NOT NULL,
			updated_at timestamptz
		)`,
		`CREATE INDEX ix_service_email_reply_to_service ON service_email_reply_to (service_id)`,
	},
	sqlite: []string{
		`CREATE TABLE service_sms_senders (
			id TEXT PRIMARY KEY,
			service_id TEXT NOT NULL REFERENCES services (id),
			sms_sender TEXT NOT NULL,
			is_default INTEGER NOT NULL,
			archived INTEGER NOT NULL DEFAULT 0,
			inbound_number_id TEXT,
			created_at INTEGER NOT NULL,
			updated_at INTEGER
		)`,
		`CREATE INDEX ix_service_sms_senders_service ON service_sms_senders (service_id)`,
		`CREATE TABLE service_email_reply_to (
			id TEXT PRIMARY KEY,
			service_id TEXT NOT NULL REFERENCES services (id),
			email_address TEXT NOT NULL,
			is_default INTEGER NOT NULL,
			archived INTEGER NOT NULL DEFAULT 0,
			created_at INTEGER NOT NULL,
			updated_at INTEGER
		)`,
		`CREATE INDEX ix_service_email_reply_to_service ON service_email_reply_to (service_id)`,
	},
}
