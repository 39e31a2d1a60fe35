package gormstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	notify "github.com/notifykit/notify"
)

// Service callbacks, complaints and inbound numbers (notify's
// servicecallbacks.go, complaints.go and inbound.go).

var (
	_ notify.ServiceCallbackStore = (*Store)(nil)
	_ notify.ComplaintStore       = (*Store)(nil)
	_ notify.InboundNumberStore   = (*Store)(nil)
)

// migrationCallbacks adds upstream's service_callback_api (one callback per
// service and type), complaints and inbound_numbers (each number owned by
// one service). Complaints do not reference notifications, which retention
// moves out of the live table.
var migrationCallbacks = migration{
	version: 9,
	name:    "service callbacks per type, complaints, inbound numbers",
	postgres: []string{
		`CREATE TABLE service_callback_api (
			id uuid PRIMARY KEY,
			service_id uuid NOT NULL REFERENCES services (id),
			callback_type text NOT NULL,
			url text NOT NULL,
			bearer_token text NOT NULL,
			updated_by_id uuid,
			created_at timestamptz NOT NULL,
			updated_at timestamptz
		)`,
		`CREATE UNIQUE INDEX ux_service_callback_api_type ON service_callback_api (service_id, callback_type)`,
		`CREATE TABLE complaints (
			id uuid PRIMARY KEY,
			notification_id uuid NOT NULL,
			service_id uuid NOT NULL REFERENCES services (id),
			ses_feedback_id text,
			complaint_type text NOT NULL DEFAULT '',
			complaint_date timestamptz NOT NULL,
			created_at timestamptz NOT NULL
		)`,
		`CREATE UNIQUE INDEX ux_complaints_ses_feedback_id ON complaints (ses_feedback_id)`,
		`CREATE INDEX ix_complaints_service_created ON complaints (service_id, created_at)`,
		`CREATE TABLE inbound_numbers (
			id uuid PRIMARY KEY,
			number text NOT NULL UNIQUE,
			service_id uuid NOT NULL REFERENCES services (id),
			created_at timestamptz NOT NULL
		)`,
		`CREATE INDEX ix_inbound_numbers_service ON inbound_numbers (service_id)`,
	},
	sqlite: []string{
		`CREATE TABLE service_callback_api (
			id TEXT PRIMARY KEY,
			service_id TEXT NOT NULL REFERENCES services (id),
			callback_type TEXT NOT NULL,
			url TEXT NOT NULL,
			bearer_token TEXT NOT NULL,
			updated_by_id TEXT,
			created_at INTEGER NOT NULL,
			updated_at INTEGER
		)`,
		`CREATE UNIQUE INDEX ux_service_callback_api_type ON service_callback_api (service_id, callback_type)`,
		`CREATE TABLE complaints (
			id TEXT PRIMARY KEY,
			notification_id TEXT NOT NULL,
			service_id TEXT NOT NULL REFERENCES services (id),
			ses_feedback_id TEXT,
			complaint_type TEXT NOT NULL DEFAULT '',
			complaint_date INTEGER NOT NULL,
			created_at INTEGER NOT NULL
		)`,
		`CREATE UNIQUE INDEX ux_complaints_ses_feedback_id ON complaints (ses_feedback_id)`,
		`CREATE INDEX ix_complaints_service_created ON complaints (service_id, created_at)`,
		`CREATE TABLE inbound_numbers (
			id TEXT PRIMARY KEY,
			number TEXT NOT NULL UNIQUE,
			service_id TEXT NOT NULL REFERENCES services (id),
			created_at INTEGER NOT NULL
		)`,
		`CREATE INDEX ix_inbound_numbers_service ON inbound_numbers (service_id)`,
	},
}

// CreateServiceCallback stores a callback; the unique index on
// (service_id, callback_type) refuses a second one of a type.
func (s *Store) CreateServiceCallback(ctx context.Context, cb *notify.ServiceCallback) error {
	const op = "create service callback"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	created := cb.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	err := s.w.WithContext(ctx).Exec(`INSERT INTO service_callback_api
		(id, service_id, callback_type, url, bearer_token, updated_by_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		cb.ID.String(), cb.ServiceID.String(), string(cb.Type), cb.URL, cb.BearerToken, nullUUIDPtr(cb.UpdatedBy),
		s.ts(created), s.tsp(cb.UpdatedAt)).Error
	if err != nil {
		return s.wrap(ctx, op, err)
	}
	cb.CreatedAt = created.UTC().Truncate(time.Microsecond)
	return nil
}

// UpdateServiceCallback replaces a callback's URL, token, UpdatedBy and
// UpdatedAt.
func (s *Store) UpdateServiceCallback(ctx context.Context, cb *notify.ServiceCallback) error {
	const op = "update service callback"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	res := s.w.WithContext(ctx).Exec(`UPDATE service_callback_api SET url = ?, bearer_token = ?, updated_by_id = ?, updated_at = ?
		WHERE id = ? AND service_id = ?`, cb.URL, cb.BearerToken, nullUUIDPtr(cb.UpdatedBy), s.tsp(cb.UpdatedAt),
		cb.ID.String(), cb.ServiceID.String())
	if res.Error != nil {
		return s.wrap(ctx, op, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("gormstore: %s %s: %w", op, cb.ID, notify.ErrNotFound)
	}
	return nil
}

const callbackColumns = `id, service_id, callback_type, url, bearer_token, updated_by_id, created_at, updated_at`

func scanCallback(rows interface{ Scan(...any) error }) (*notify.ServiceCallback, error) {
	var (
		cb               notify.ServiceCallback
		typ              string
		by               uuid.NullUUID
		created, updated dbTime
	)
	if err := rows.Scan(&cb.ID, &cb.ServiceID, &typ, &cb.URL, &cb.BearerToken, &by, &created, &updated); err != nil {
		return nil, err
	}
	cb.Type, cb.CreatedAt, cb.UpdatedAt = notify.CallbackType(typ), created.t, updated.ptr()
	if by.Valid {
		cb.UpdatedBy = &by.UUID
	}
	return &cb, nil
}

// GetServiceCallback returns the service's callback of type typ.
func (s *Store) GetServiceCallback(ctx context.Context, serviceID uuid.UUID, typ notify.CallbackType) (*notify.ServiceCallback, error) {
	const op = "get service callback"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	row := s.r.WithContext(ctx).Raw(`SELECT `+callbackColumns+` FROM service_callback_api
		WHERE service_id = ? AND callback_type = ?`, serviceID.String(), string(typ)).Row()
	cb, err := scanCallback(row)
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	return cb, nil
}

// ListServiceCallbacks returns the service's callbacks ordered by type.
func (s *Store) ListServiceCallbacks(ctx context.Context, serviceID uuid.UUID) ([]notify.ServiceCallback, error) {
	return listRows(ctx, s, "list service callbacks", `SELECT `+callbackColumns+` FROM service_callback_api
		WHERE service_id = ? ORDER BY callback_type`, []any{serviceID.String()},
		func(rows *sql.Rows) (notify.ServiceCallback, error) {
			cb, err := scanCallback(rows)
			if err != nil {
				return notify.ServiceCallback{}, err
			}
			return *cb, nil
		})
}

// DeleteServiceCallback deletes the service's callback of type typ.
func (s *Store) DeleteServiceCallback(ctx context.Context, serviceID uuid.UUID, typ notify.CallbackType) error {
	const op = "delete service callback"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	res := s.w.WithContext(ctx).Exec(`DELETE FROM service_callback_api WHERE service_id = ? AND callback_type = ?`,
		serviceID.String(), string(typ))
	if res.Error != nil {
		return s.wrap(ctx, op, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("gormstore: %s %s: %w", op, typ, notify.ErrNotFound)
	}
	return nil
}

// resealServiceCallbacks maps every service callback's URL and token with
// f, inside ResealSecrets' transaction.
func resealServiceCallbacks(tx *gorm.DB, lock string, f func(string) (string, error)) error {
	return resealURLTokens(tx, `SELECT id, url, bearer_token FROM service_callback_api ORDER BY id`+lock,
		`UPDATE service_callback_api SET url = ?, bearer_token = ? WHERE id = ?`, "service callback", f)
}

// CreateComplaint stores a complaint; the unique index on ses_feedback_id
// refuses a second one with the same feedback id (an empty one is stored
// as NULL, which the index does not compare).
func (s *Store) CreateComplaint(ctx context.Context, c *notify.Complaint) error {
	const op = "create complaint"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	created := c.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	err := s.w.WithContext(ctx).Exec(`INSERT INTO complaints
		(id, notification_id, service_id, ses_feedback_id, complaint_type, complaint_date, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.ID.String(), c.NotificationID.String(), c.ServiceID.String(), emptyNull(c.SESFeedbackID), c.ComplaintType,
		s.ts(c.ComplaintDate), s.ts(created)).Error
	if err != nil {
		return s.wrap(ctx, op, err)
	}
	c.CreatedAt = created.UTC().Truncate(time.Microsecond)
	return nil
}

const complaintColumns = `id, notification_id, service_id, ses_feedback_id, complaint_type, complaint_date, created_at`

func scanComplaint(rows interface{ Scan(...any) error }) (*notify.Complaint, error) {
	var (
		c             notify.Complaint
		feedback      sql.NullString
		date, created dbTime
	)
	if err := rows.Scan(&c.ID, &c.NotificationID, &c.ServiceID, &feedback, &c.ComplaintType, &date, &created); err != nil {
		return nil, err
	}
	c.SESFeedbackID, c.ComplaintDate, c.CreatedAt = feedback.String, date.t, created.t
	return &c, nil
}

// GetComplaint returns a complaint by id.
func (s *Store) GetComplaint(ctx context.Context, id uuid.UUID) (*notify.Complaint, error) {
	const op = "get complaint"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	c, err := scanComplaint(s.r.WithContext(ctx).Raw(`SELECT `+complaintColumns+` FROM complaints WHERE id = ?`, id.String()).Row())
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	return c, nil
}

// ListComplaints returns a service's complaints newest first.
func (s *Store) ListComplaints(ctx context.Context, serviceID uuid.UUID) ([]notify.Complaint, error) {
	return listRows(ctx, s, "list complaints", `SELECT `+complaintColumns+` FROM complaints
		WHERE service_id = ? ORDER BY created_at DESC, id DESC`, []any{serviceID.String()},
		func(rows *sql.Rows) (notify.Complaint, error) {
			c, err := scanComplaint(rows)
			if err != nil {
				return notify.Complaint{}, err
			}
			return *c, nil
		})
}

// AssignInboundNumber gives a number to a service. The number's unique
// constraint decides between concurrent assignments; the loser reads the
// winner's row.
func (s *Store) AssignInboundNumber(ctx context.Context, n *notify.InboundNumber) error {
	const op = "assign inbound number"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	created := n.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	res := s.w.WithContext(ctx).Exec(`INSERT INTO inbound_numbers (id, number, service_id, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (number) DO NOTHING`, n.ID.String(), n.Number, n.ServiceID.String(), s.ts(created))
	if res.Error != nil {
		return s.wrap(ctx, op, res.Error)
	}
	if res.RowsAffected == 1 {
		n.CreatedAt = created.UTC().Truncate(time.Microsecond)
		return nil
	}
	have, err := s.getInboundNumber(ctx, s.w, n.Number)
	if err != nil {
		return s.wrap(ctx, op, err)
	}
	if have.ServiceID != n.ServiceID {
		return fmt.Errorf("gormstore: %s %s: %w", op, n.Number, notify.ErrDuplicate)
	}
	n.ID, n.CreatedAt = have.ID, have.CreatedAt
	return nil
}

func (s *Store) getInboundNumber(ctx context.Context, db *gorm.DB, number string) (*notify.InboundNumber, error) {
	var (
		n       notify.InboundNumber
		created dbTime
	)
	err := db.WithContext(ctx).Raw(`SELECT id, number, service_id, created_at FROM inbound_numbers WHERE number = ?`, number).
		Row().Scan(&n.ID, &n.Number, &n.ServiceID, &created)
	if err != nil {
		return nil, err
	}
	n.CreatedAt = created.t
	return &n, nil
}

// GetInboundNumber returns the assignment of a number.
func (s *Store) GetInboundNumber(ctx context.Context, number string) (*notify.InboundNumber, error) {
	const op = "get inbound number"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	n, err := s.getInboundNumber(ctx, s.r, number)
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	return n, nil
}

// ListInboundNumbers returns a service's numbers, oldest first.
func (s *Store) ListInboundNumbers(ctx context.Context, serviceID uuid.UUID) ([]notify.InboundNumber, error) {
	return listRows(ctx, s, "list inbound numbers", `SELECT id, number, created_at FROM inbound_numbers
		WHERE service_id = ? ORDER BY created_at, number`, []any{serviceID.String()},
		func(rows *sql.Rows) (notify.InboundNumber, error) {
			var (
				n       = notify.InboundNumber{ServiceID: serviceID}
				created dbTime
			)
			if err := rows.Scan(&n.ID, &n.Number, &created); err != nil {
				return n, err
			}
			n.CreatedAt = created.t
			return n, nil
		})
}

// GetInboundSMS returns a service's received message by id.
func (s *Store) GetInboundSMS(ctx context.Context, serviceID, id uuid.UUID) (*notify.InboundSMS, error) {
	const op = "get inbound sms"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	var (
		m       = notify.InboundSMS{ServiceID: serviceID}
		created dbTime
	)
	err := s.r.WithContext(ctx).Raw(`SELECT id, notify_number, user_number, content, provider, created_at
		FROM inbound_sms WHERE id = ? AND service_id = ?`, id.String(), serviceID.String()).
		Row().Scan(&m.ID, &m.NotifyNumber, &m.UserNumber, &m.Content, &m.Provider, &created)
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	m.CreatedAt = created.t
	return &m, nil
}
