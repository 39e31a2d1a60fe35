package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	notify "github.com/notifykit/notify"
	"gorm.io/gorm"
)

var _ notify.JobStore = (*Store)(nil)

// jobColumns is every column of a job, in scan order; the template type
// comes from the template.
const jobColumns = `id, service_id, template_id, template_version,
	(SELECT template_type FROM templates t WHERE t.id = jobs.template_id),
	original_file_name, notification_count, notifications_sent, job_status, scheduled_for,
	processing_started, processing_finished, created_by, created_at, updated_at`

const insertJobSQL = `INSERT INTO jobs (id, service_id, template_id, template_version, original_file_name,
	notification_count, notifications_sent, job_status, scheduled_for, processing_started, processing_finished,
	created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func (s *Store) jobArgs(j *notify.Job) []any {
	return []any{j.ID.String(), j.ServiceID.String(), j.TemplateID.String(), j.TemplateVersion, j.OriginalFileName,
		j.NotificationCount, j.NotificationsSent, string(j.Status), s.tsp(j.ScheduledFor), s.tsp(j.ProcessingStarted),
		s.tsp(j.ProcessingFinished), j.CreatedBy, s.ts(j.CreatedAt), s.tsp(j.UpdatedAt)}
}

// CreateJob stores job and its notifications in one transaction. On
// PostgreSQL the notifications go in with COPY (pgx's CopyFrom on a
// connection of the pool, the rows as StreamJob encodes them), the
// fastest way in; on SQLite with the batch
// INSERT statements of CreateNotifications, in the same write transaction.
// A duplicate id or (job id, row number) stores nothing and gives
// ErrDuplicate.
func (s *Store) CreateJob(ctx context.Context, job *notify.Job, ns []*notify.Notification) error {
	const op = "create job"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	for i, n := range ns {
		if n == nil {
			return fmt.Errorf("gormstore: %s: notification %d is nil", op, i)
		}
	}
	i := 0
	err := s.storeJob(ctx, op, job, func() (*notify.Notification, error) {
		if i == len(ns) {
			return nil, nil
		}
		i++
		return ns[i-1], nil
	})
	if err != nil {
		return err
	}
	for _, n := range ns {
		if n.CreatedAt.IsZero() {
			n.CreatedAt = job.CreatedAt
		}
	}
	return nil
}

// insertJobSQLite inserts the job and its rows in one write transaction,
// the rows through one prepared single-row INSERT: SQLite parses it once,
// and each row costs one step of the statement.
func (s *Store) insertJobSQLite(ctx context.Context, job *notify.Job, rows [][]any) error {
	db, err := s.w.DB()
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if _, err := tx.ExecContext(ctx, insertJobSQL, s.jobArgs(job)...); err != nil {
		return err
	}
	stmt, err := tx.PrepareContext(ctx, insertNotificationSQL)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, r := range rows {
		if _, err := stmt.ExecContext(ctx, r...); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// copyColumns are notificationColumns as pgx.CopyFrom names them.
var copyColumns = func() []string {
	cols := strings.Split(notificationColumns, ",")
	for i := range cols {
		cols[i] = strings.TrimSpace(cols[i])
	}
	return cols
}()

// copyJob inserts the job and COPYs its notification rows from src in one
// transaction on one pgx connection taken from the pool.
func (s *Store) copyJob(ctx context.Context, job *notify.Job, src pgx.CopyFromSource) error {
	db, err := s.w.DB()
	if err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("the connection is a %T, not pgx's", dc)
		}
		pc := sc.Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
		a := s.jobArgs(job)
		if _, err := tx.Exec(ctx, `INSERT INTO jobs (id, service_id, template_id, template_version, original_file_name,
			notification_count, notifications_sent, job_status, scheduled_for, processing_started, processing_finished,
			created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, a...); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"notifications"}, copyColumns, src); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
}

// GetJob returns a service's job.
func (s *Store) GetJob(ctx context.Context, serviceID, id uuid.UUID) (*notify.Job, error) {
	const op = "get job"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	return s.queryJob(ctx, op, s.r, `SELECT `+jobColumns+` FROM jobs WHERE id = ? AND service_id = ?`,
		id.String(), serviceID.String())
}

// StartJob moves a pending job, or a scheduled one that is due, to in
// progress with one conditional UPDATE, and releases its held
// notifications in the same transaction. Of concurrent callers the one
// whose UPDATE matched wins; the others get ErrConflict.
func (s *Store) StartJob(ctx context.Context, id uuid.UUID, now time.Time) (*notify.Job, error) {
	const op = "start job"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	var job *notify.Job
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		j, err := s.queryJob(ctx, op, tx, `UPDATE jobs SET job_status = 'in progress', processing_started = ?, updated_at = ?
			WHERE id = ? AND (job_status = 'pending' OR (job_status = 'scheduled' AND scheduled_for <= ?))
			RETURNING `+jobColumns, s.ts(now), s.ts(now), id.String(), s.ts(now))
		if err != nil {
			return err
		}
		job = j
		return tx.Exec(`UPDATE notifications SET claimed_until = NULL, created_at = ? WHERE job_id = ? AND status = 'created'`,
			s.ts(now), id.String()).Error
	})
	if errors.Is(err, notify.ErrNotFound) {
		return nil, s.jobConflictOrNotFound(ctx, op, id)
	}
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	return job, nil
}

// jobConflictOrNotFound tells a job that exists (ErrConflict) from none.
func (s *Store) jobConflictOrNotFound(ctx context.Context, op string, id uuid.UUID) error {
	var status string
	err := s.w.WithContext(ctx).Raw(`SELECT job_status FROM jobs WHERE id = ?`, id.String()).Row().Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("gormstore: %s %s: %w", op, id, notify.ErrNotFound)
	}
	if err != nil {
		return s.wrap(ctx, op, err)
	}
	return fmt.Errorf("gormstore: %s %s (%s): %w", op, id, status, notify.ErrConflict)
}

// FinishJob moves an in-progress job to finished.
func (s *Store) FinishJob(ctx context.Context, id uuid.UUID, sent int, now time.Time) error {
	const op = "finish job"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	res := s.w.WithContext(ctx).Exec(`UPDATE jobs SET job_status = 'finished', notifications_sent = ?,
		processing_finished = ?, updated_at = ? WHERE id = ? AND job_status = 'in progress'`,
		sent, s.ts(now), s.ts(now), id.String())
	if res.Error != nil {
		return s.wrap(ctx, op, res.Error)
	}
	if res.RowsAffected == 0 {
		return s.jobConflictOrNotFound(ctx, op, id)
	}
	return nil
}

// CancelJob cancels a service's job that has not started and its
// notifications still created, in one transaction.
func (s *Store) CancelJob(ctx context.Context, serviceID, id uuid.UUID, now time.Time) (*notify.Job, error) {
	const op = "cancel job"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	var job *notify.Job
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		j, err := s.queryJob(ctx, op, tx, `UPDATE jobs SET job_status = 'cancelled', updated_at = ?
			WHERE id = ? AND service_id = ? AND job_status IN ('pending', 'scheduled')
			RETURNING `+jobColumns, s.ts(now), id.String(), serviceID.String())
		if err != nil {
			return err
		}
		job = j
		return tx.Exec(`UPDATE notifications SET status = 'cancelled', updated_at = ? WHERE job_id = ? AND status = 'created'`,
			s.ts(now), id.String()).Error
	})
	if errors.Is(err, notify.ErrNotFound) {
		if _, gerr := s.GetJob(ctx, serviceID, id); gerr != nil {
			return nil, gerr
		}
		return nil, fmt.Errorf("gormstore: %s %s: %w", op, id, notify.ErrConflict)
	}
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	return job, nil
}

// RefuseJob moves a scheduled job to sending limits exceeded and its
// notifications still created to cancelled, in one transaction.
func (s *Store) RefuseJob(ctx context.Context, id uuid.UUID, now time.Time) (*notify.Job, error) {
	const op = "refuse job"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	var job *notify.Job
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		j, err := s.queryJob(ctx, op, tx, `UPDATE jobs SET job_status = 'sending limits exceeded', updated_at = ?
			WHERE id = ? AND job_status = 'scheduled' RETURNING `+jobColumns, s.ts(now), id.String())
		if err != nil {
			return err
		}
		job = j
		return tx.Exec(`UPDATE notifications SET status = 'cancelled', updated_at = ? WHERE job_id = ? AND status = 'created'`,
			s.ts(now), id.String()).Error
	})
	if errors.Is(err, notify.ErrNotFound) {
		return nil, s.jobConflictOrNotFound(ctx, op, id)
	}
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	return job, nil
}

// ListDueJobs returns the jobs a worker should act on, oldest first
// (ix_jobs_status_scheduled).
func (s *Store) ListDueJobs(ctx context.Context, now, pendingBefore time.Time, limit int) ([]notify.Job, error) {
	const op = "list due jobs"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	q := `SELECT ` + jobColumns + ` FROM jobs WHERE
		(job_status = 'pending' AND created_at < ?) OR
		(job_status = 'scheduled' AND scheduled_for <= ?) OR
		(job_status = 'in progress' AND processing_started < ?)
		ORDER BY created_at, id`
	args := []any{s.ts(pendingBefore), s.ts(now), s.ts(pendingBefore)}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.r.WithContext(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	defer rows.Close()
	var out []notify.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, s.wrap(ctx, op, err)
		}
		out = append(out, *j)
	}
	return out, s.wrap(ctx, op, rows.Err())
}

// ListJobNotificationIDs returns the ids of the job's notifications still
// created, in row order (ux_notifications_job_row).
func (s *Store) ListJobNotificationIDs(ctx context.Context, jobID uuid.UUID) ([]uuid.UUID, error) {
	const op = "list job notifications"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	rows, err := s.r.WithContext(ctx).Raw(`SELECT id FROM notifications WHERE job_id = ? AND status = 'created'
		ORDER BY job_row_number`, jobID.String()).Rows()
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	defer rows.Close()
	var ids []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return nil, s.wrap(ctx, op, err)
		}
		ids = append(ids, id)
	}
	return ids, s.wrap(ctx, op, rows.Err())
}

// JobStatistics counts the job's notifications by status, in status order.
func (s *Store) JobStatistics(ctx context.Context, jobID uuid.UUID) ([]notify.StatusCount, error) {
	const op = "job statistics"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	rows, err := s.r.WithContext(ctx).Raw(`SELECT status, COUNT(*) FROM notifications WHERE job_id = ?
		GROUP BY status ORDER BY status`, jobID.String()).Rows()
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	defer rows.Close()
	out := []notify.StatusCount{}
	for rows.Next() {
		var st string
		var c int
		if err := rows.Scan(&st, &c); err != nil {
			return nil, s.wrap(ctx, op, err)
		}
		out = append(out, notify.StatusCount{Status: notify.Status(st), Count: c})
	}
	return out, s.wrap(ctx, op, rows.Err())
}

func (s *Store) queryJob(ctx context.Context, op string, db *gorm.DB, query string, args ...any) (*notify.Job, error) {
	rows, err := db.WithContext(ctx).Raw(query, args...).Rows()
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, s.wrap(ctx, op, err)
		}
		return nil, fmt.Errorf("gormstore: %s: %w", op, notify.ErrNotFound)
	}
	j, err := scanJob(rows)
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	return j, nil
}

func scanJob(rows *sql.Rows) (*notify.Job, error) {
	var j notify.Job
	var id, svc, tpl string
	var typ sql.NullString
	var status string
	var sched, started, finished, created, updated dbTime
	if err := rows.Scan(&id, &svc, &tpl, &j.TemplateVersion, &typ, &j.OriginalFileName, &j.NotificationCount,
		&j.NotificationsSent, &status, &sched, &started, &finished, &j.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	var err error
	if j.ID, err = uuid.Parse(id); err != nil {
		return nil, err
	}
	if j.ServiceID, err = uuid.Parse(svc); err != nil {
		return nil, err
	}
	if j.TemplateID, err = uuid.Parse(tpl); err != nil {
		return nil, err
	}
	j.TemplateType = notify.NotificationType(typ.String)
	j.Status = notify.JobStatus(status)
	j.ScheduledFor, j.ProcessingStarted, j.ProcessingFinished = sched.ptr(), started.ptr(), finished.ptr()
	j.CreatedAt = created.t
	j.UpdatedAt = updated.ptr()
	return &j, nil
}
