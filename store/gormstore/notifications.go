package gormstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	notify "github.com/notifykit/notify"
	"gorm.io/gorm"
)

// notificationColumns is every column of notifications, in scan order.
const notificationColumns = `id, service_id, template_id, template_version, api_key_id, key_type,
	notification_type, recipient, normalised_recipient, client_reference, personalisation, body, subject,
	sender, reply_to, unsubscribe_url, status, queue, international, phone_prefix, rate_multiplier,
	billable_units, sent_by, sent_at, provider_reference, job_id, job_row_number, claimed_until,
	delivery_attempts, created_at, updated_at`

var insertNotificationSQL = `INSERT INTO notifications (` + notificationColumns + `) VALUES (` +
	strings.TrimSuffix(strings.Repeat("?, ", 31), ", ") + `)`

// CreateNotification inserts a notification in one statement (one round
// trip). A zero CreatedAt becomes now and is written back. An existing id,
// or an existing (job id, job row number), gives ErrDuplicate.
func (s *Store) CreateNotification(ctx context.Context, n *notify.Notification) error {
	const op = "create notification"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	if n == nil {
		return fmt.Errorf("gormstore: %s: nil notification", op)
	}
	created := n.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	args, err := s.notificationArgs(n, created)
	if err != nil {
		return fmt.Errorf("gormstore: %s: %w", op, err)
	}
	if err := s.w.WithContext(ctx).Exec(insertNotificationSQL, args...).Error; err != nil {
		return s.wrap(ctx, op, err)
	}
	n.CreatedAt = created.UTC().Truncate(time.Microsecond)
	return nil
}

// notificationArgs returns the values of n's columns, in the order of
// notificationColumns, with created as created_at.
func (s *Store) notificationArgs(n *notify.Notification, created time.Time) ([]any, error) {
	pers, err := jsonText(n.Personalisation)
	if err != nil {
		return nil, fmt.Errorf("personalisation: %w", err)
	}
	return []any{
		n.ID.String(), n.ServiceID.String(), n.TemplateID.String(), n.TemplateVersion, nullUUID(n.APIKeyID),
		string(n.KeyType), string(n.Type), n.To, n.NormalisedTo, nullString(n.ClientReference), pers,
		n.Body, n.Subject, n.From, n.ReplyTo, nullString(n.UnsubscribeURL), string(n.Status), n.Queue,
		n.International, n.PhonePrefix, n.RateMultiplier, n.BillableUnits, n.SentBy, s.tsp(n.SentAt),
		emptyNull(n.ProviderReference), nullUUIDPtr(n.JobID), nullInt(n.JobRowNumber), s.tsp(n.ClaimedUntil),
		n.DeliveryAttempts, s.ts(created), s.tsp(n.UpdatedAt),
	}, nil
}

// GetNotification returns a notification by id, whatever its service.
func (s *Store) GetNotification(ctx context.Context, id uuid.UUID) (*notify.Notification, error) {
	const op = "get notification"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	return s.queryOne(ctx, op, s.r, `SELECT `+notificationColumns+` FROM notifications WHERE id = ?`, id.String())
}

// ListNotifications returns notifications matching f, newest first (by
// created_at, then id). It uses ix_notifications_service_key_created when
// f.KeyType is set and ix_notifications_service_created otherwise.
func (s *Store) ListNotifications(ctx context.Context, f notify.NotificationFilter) ([]notify.Notification, error) {
	const op = "list notifications"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	var (
		where = []string{"service_id = ?"}
		args  = []any{f.ServiceID.String()}
	)
	if f.KeyType != "" {
		where = append(where, "key_type = ?")
		args = append(args, string(f.KeyType))
	}
	if len(f.Types) > 0 {
		types := make([]string, len(f.Types))
		for i, t := range f.Types {
			types[i] = string(t)
		}
		where = append(where, "notification_type IN ?")
		args = append(args, types)
	}
	if len(f.Statuses) > 0 {
		where = append(where, "status IN ?")
		args = append(args, statusStrings(f.Statuses))
	}
	if f.Reference != nil {
		where = append(where, "client_reference = ?")
		args = append(args, *f.Reference)
	}
	if f.JobID != nil {
		where = append(where, "job_id = ?")
		args = append(args, f.JobID.String())
	} else if !f.IncludeJobs {
		where = append(where, "job_id IS NULL")
	}
	if f.OlderThan != nil {
		// An unknown id, or another service's, makes the subquery NULL
		// and the comparison false.
		where = append(where, "(created_at, id) < (SELECT o.created_at, o.id FROM notifications o WHERE o.id = ? AND o.service_id = ?)")
		args = append(args, f.OlderThan.String(), f.ServiceID.String())
	}
	query := `SELECT ` + notificationColumns + ` FROM notifications WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY created_at DESC, id DESC`
	if f.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	return s.queryList(ctx, op, s.r, query, args...)
}

// CountNotifications counts a service's non-test notifications created at or
// after since. It is an index range scan of ix_notifications_service_created
// (index-only on PostgreSQL), never a table scan.
func (s *Store) CountNotifications(ctx context.Context, serviceID uuid.UUID, since time.Time) (int, error) {
	const op = "count notifications"
	if err := s.check(ctx, op); err != nil {
		return 0, err
	}
	var n int
	err := s.r.WithContext(ctx).Raw(`SELECT COUNT(*) FROM notifications
		WHERE service_id = ? AND created_at >= ? AND key_type <> 'test' AND queue <> 'research-mode'`,
		serviceID.String(), s.ts(since)).Row().Scan(&n)
	if err != nil {
		return 0, s.wrap(ctx, op, err)
	}
	return n, nil
}

var _ notify.ChannelCounter = (*Store)(nil)

// CountNotificationsByChannel counts the notifications CountNotifications
// counts per channel, in the same single index-only range scan of
// ix_notifications_service_created, which holds the type and the phone
// prefix too.
func (s *Store) CountNotificationsByChannel(ctx context.Context, serviceID uuid.UUID, since time.Time) (notify.DailyCounts, error) {
	const op = "count notifications by channel"
	if err := s.check(ctx, op); err != nil {
		return notify.DailyCounts{}, err
	}
	var c notify.DailyCounts
	err := s.r.WithContext(ctx).Raw(`SELECT
			COALESCE(SUM(CASE WHEN notification_type = 'sms' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN notification_type = 'email' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN notification_type = 'sms' AND phone_prefix <> '44' THEN 1 ELSE 0 END), 0)
		FROM notifications
		WHERE service_id = ? AND created_at >= ? AND key_type <> 'test' AND queue <> 'research-mode'`,
		serviceID.String(), s.ts(since)).Row().Scan(&c.SMS, &c.Email, &c.InternationalSMS)
	if err != nil {
		return notify.DailyCounts{}, s.wrap(ctx, op, err)
	}
	return c, nil
}

// ClaimNotification takes the delivery lease in one conditional
// UPDATE … RETURNING: it succeeds only while the notification is created and
// unclaimed (or its claim is not after now).
func (s *Store) ClaimNotification(ctx context.Context, id uuid.UUID, now, until time.Time) (*notify.Notification, error) {
	const op = "claim notification"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	n, err := s.queryOne(ctx, op, s.w, `UPDATE notifications SET claimed_until = ?, delivery_attempts = delivery_attempts + 1
		WHERE id = ? AND status = 'created' AND (claimed_until IS NULL OR claimed_until <= ?)
		RETURNING `+notificationColumns, s.ts(until), id.String(), s.ts(now))
	if err != nil {
		return nil, s.conflictOrNotFound(ctx, op, s.w, id, err)
	}
	return n, nil
}

// ReleaseNotification clears the lease of a notification still in
// StatusCreated. It is a no-op for a notification in another status, and
// ErrNotFound for an unknown one.
func (s *Store) ReleaseNotification(ctx context.Context, id uuid.UUID) error {
	const op = "release notification"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	res := s.w.WithContext(ctx).Exec(`UPDATE notifications SET claimed_until = NULL
		WHERE id = ? AND status = 'created'`, id.String())
	if res.Error != nil {
		return s.wrap(ctx, op, res.Error)
	}
	if res.RowsAffected == 0 {
		if err := s.exists(ctx, op, s.w, id); err != nil {
			return err
		}
	}
	return nil
}

// TransitionNotification applies u in one conditional UPDATE … RETURNING,
// only if the current status is one of from, and clears the lease. Status
// and UpdatedAt (now when zero) are always set; SentAt, SentBy,
// BillableUnits and ProviderReference only when given (non-nil, non-empty).
func (s *Store) TransitionNotification(ctx context.Context, id uuid.UUID, from []notify.Status, u notify.NotificationUpdate) (*notify.Notification, error) {
	const op = "transition notification"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	return s.transition(ctx, op, s.w, id, from, u)
}

// transition is TransitionNotification on db: the writer pool, or one of
// its transactions.
func (s *Store) transition(ctx context.Context, op string, db *gorm.DB, id uuid.UUID, from []notify.Status, u notify.NotificationUpdate) (*notify.Notification, error) {
	if len(from) == 0 {
		if err := s.exists(ctx, op, db, id); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("gormstore: %s: no from status: %w", op, notify.ErrConflict)
	}
	updated := u.UpdatedAt
	if updated.IsZero() {
		updated = time.Now()
	}
	set := []string{"status = ?", "updated_at = ?", "claimed_until = NULL"}
	args := []any{string(u.Status), s.ts(updated)}
	if u.SentAt != nil {
		set = append(set, "sent_at = ?")
		args = append(args, s.ts(*u.SentAt))
	}
	if u.SentBy != "" {
		set = append(set, "sent_by = ?")
		args = append(args, u.SentBy)
	}
	if u.BillableUnits != nil {
		set = append(set, "billable_units = ?")
		args = append(args, *u.BillableUnits)
	}
	if u.ProviderReference != "" {
		set = append(set, "provider_reference = ?")
		args = append(args, u.ProviderReference)
	}
	args = append(args, id.String(), statusStrings(from))
	n, err := s.queryOne(ctx, op, db, `UPDATE notifications SET `+strings.Join(set, ", ")+`
		WHERE id = ? AND status IN ? RETURNING `+notificationColumns, args...)
	if err != nil {
		return nil, s.conflictOrNotFound(ctx, op, db, id, err)
	}
	return n, nil
}

// FindNotificationByProviderReference returns the notification a provider
// knows by ref (the newest, should a provider reuse references). An empty
// provider matches any provider.
func (s *Store) FindNotificationByProviderReference(ctx context.Context, provider, ref string) (*notify.Notification, error) {
	const op = "find notification by provider reference"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	if ref == "" {
		return nil, s.wrap(ctx, op, sql.ErrNoRows)
	}
	query := `SELECT ` + notificationColumns + ` FROM notifications WHERE provider_reference = ?`
	args := []any{ref}
	if provider != "" {
		query += ` AND sent_by = ?`
		args = append(args, provider)
	}
	return s.queryOne(ctx, op, s.r, query+` ORDER BY created_at DESC, id DESC LIMIT 1`, args...)
}

// ListSweepable returns up to limit notifications still created, created
// before createdBefore, whose lease is absent or not after now, oldest
// first (ix_notifications_status_created).
func (s *Store) ListSweepable(ctx context.Context, createdBefore, now time.Time, limit int) ([]notify.Notification, error) {
	const op = "list sweepable"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	query := `SELECT ` + notificationColumns + ` FROM notifications
		WHERE status = 'created' AND created_at < ? AND (claimed_until IS NULL OR claimed_until <= ?)
		ORDER BY created_at, id`
	args := []any{s.ts(createdBefore), s.ts(now)}
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	return s.queryList(ctx, op, s.r, query, args...)
}

// ListInProgress returns notifications sending or pending, handed to a
// provider (sentBy, when not empty) before sentBefore, oldest sent first.
func (s *Store) ListInProgress(ctx context.Context, sentBy string, sentBefore time.Time, limit int) ([]notify.Notification, error) {
	const op = "list in progress"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	query := `SELECT ` + notificationColumns + ` FROM notifications
		WHERE status IN ('sending', 'pending') AND sent_at IS NOT NULL AND sent_at < ?`
	args := []any{s.ts(sentBefore)}
	if sentBy != "" {
		query += ` AND sent_by = ?`
		args = append(args, sentBy)
	}
	query += ` ORDER BY sent_at, id`
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	return s.queryList(ctx, op, s.r, query, args...)
}

func statusStrings(in []notify.Status) []string {
	out := make([]string, len(in))
	for i, st := range in {
		out[i] = string(st)
	}
	return out
}

// conflictOrNotFound turns the no-row answer of a conditional update on db
// into ErrConflict (the row exists in another state) or ErrNotFound.
func (s *Store) conflictOrNotFound(ctx context.Context, op string, db *gorm.DB, id uuid.UUID, err error) error {
	if !isNoRows(err) {
		return err
	}
	if xerr := s.exists(ctx, op, db, id); xerr != nil {
		return xerr
	}
	return fmt.Errorf("gormstore: %s: %w", op, notify.ErrConflict)
}

// exists returns nil when the notification exists, an error wrapping
// ErrNotFound when it does not. It reads through db, the writer pool or one
// of its transactions, so that it sees the latest writes.
func (s *Store) exists(ctx context.Context, op string, db *gorm.DB, id uuid.UUID) error {
	var one int
	err := db.WithContext(ctx).Raw(`SELECT 1 FROM notifications WHERE id = ?`, id.String()).Row().Scan(&one)
	return s.wrap(ctx, op, err)
}

func isNoRows(err error) bool {
	return errors.Is(err, notify.ErrNotFound)
}

// queryOne runs a query expected to return at most one notification.
func (s *Store) queryOne(ctx context.Context, op string, db *gorm.DB, query string, args ...any) (*notify.Notification, error) {
	list, err := s.queryList(ctx, op, db, query, args...)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, s.wrap(ctx, op, sql.ErrNoRows)
	}
	return &list[0], nil
}

// queryList runs a query returning notification rows.
func (s *Store) queryList(ctx context.Context, op string, db *gorm.DB, query string, args ...any) ([]notify.Notification, error) {
	rows, err := s.queryRows(ctx, db, query, args...)
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	return s.scanNotifications(ctx, op, rows)
}

// scanNotifications reads every notification of rows and closes them.
func (s *Store) scanNotifications(ctx context.Context, op string, rows *sql.Rows) ([]notify.Notification, error) {
	defer rows.Close()
	var out []notify.Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, s.wrap(ctx, op, err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	return out, nil
}

func scanNotification(rows *sql.Rows) (notify.Notification, error) {
	var (
		n                                   notify.Notification
		apiKeyID, jobID                     uuid.NullUUID
		keyType, typ, status                string
		clientRef, unsubscribe, providerRef sql.NullString
		pers                                string
		international                       dbBool
		jobRow                              sql.NullInt64
		sentAt, claimed, created, updated   dbTime
	)
	err := rows.Scan(&n.ID, &n.ServiceID, &n.TemplateID, &n.TemplateVersion, &apiKeyID, &keyType, &typ,
		&n.To, &n.NormalisedTo, &clientRef, &pers, &n.Body, &n.Subject, &n.From, &n.ReplyTo, &unsubscribe,
		&status, &n.Queue, &international, &n.PhonePrefix, &n.RateMultiplier, &n.BillableUnits, &n.SentBy,
		&sentAt, &providerRef, &jobID, &jobRow, &claimed, &n.DeliveryAttempts, &created, &updated)
	if err != nil {
		return n, err
	}
	if err := json.Unmarshal([]byte(pers), &n.Personalisation); err != nil {
		return n, fmt.Errorf("decode personalisation: %w", err)
	}
	if apiKeyID.Valid {
		n.APIKeyID = apiKeyID.UUID
	}
	n.KeyType = notify.KeyType(keyType)
	n.Type = notify.NotificationType(typ)
	n.Status = notify.Status(status)
	if clientRef.Valid {
		n.ClientReference = &clientRef.String
	}
	if unsubscribe.Valid {
		n.UnsubscribeURL = &unsubscribe.String
	}
	n.ProviderReference = providerRef.String
	n.International = bool(international)
	if jobID.Valid {
		id := jobID.UUID
		n.JobID = &id
	}
	if jobRow.Valid {
		r := int(jobRow.Int64)
		n.JobRowNumber = &r
	}
	n.SentAt = sentAt.ptr()
	n.ClaimedUntil = claimed.ptr()
	n.CreatedAt = created.t
	n.UpdatedAt = updated.ptr()
	return n, nil
}
