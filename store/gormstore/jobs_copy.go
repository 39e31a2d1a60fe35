package gormstore

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	notify "github.com/notifykit/notify"
)

var _ notify.JobStreamer = (*Store)(nil)

// StreamJob stores job and the notifications next produces in one
// transaction. On PostgreSQL it inserts the job and starts a COPY of the
// notifications at once, and feeds it each one as next returns it: the
// server inserts and indexes the rows already sent while next checks the
// following ones. An error from next aborts the COPY and the transaction
// rolls back. On SQLite, which writes in this process, the rows are
// encoded first and then inserted as CreateJob inserts them, so that the
// write lock is held no longer than the inserts take.
func (s *Store) StreamJob(ctx context.Context, job *notify.Job, next func() (*notify.Notification, error)) error {
	const op = "stream job"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	return s.storeJob(ctx, op, job, next)
}

// storeJob stores job and the notifications next produces, for CreateJob
// and StreamJob (op names the call in errors).
func (s *Store) storeJob(ctx context.Context, op string, job *notify.Job, next func() (*notify.Notification, error)) error {
	if job.CreatedAt.IsZero() {
		job.CreatedAt = time.Now()
	}
	job.CreatedAt = job.CreatedAt.UTC().Truncate(time.Microsecond)
	if s.dialect != dialectPostgres {
		rows := make([][]any, 0, min(max(job.NotificationCount, 0), 1<<20))
		for {
			n, err := next()
			if err != nil {
				return fmt.Errorf("gormstore: %s: %w", op, err)
			}
			if n == nil {
				break
			}
			created := n.CreatedAt
			if created.IsZero() {
				created = job.CreatedAt
			}
			a, err := s.notificationArgs(n, created)
			if err != nil {
				return fmt.Errorf("gormstore: %s: notification %s: %w", op, n.ID, err)
			}
			rows = append(rows, a)
		}
		return s.wrap(ctx, op, s.insertJobSQLite(ctx, job, rows))
	}
	src := newCopySource(job.CreatedAt, next)
	err := s.copyJob(ctx, job, src)
	if src.err != nil {
		return fmt.Errorf("gormstore: %s: %w", op, src.err)
	}
	return s.wrap(ctx, op, err)
}

// copySource is a pgx.CopyFromSource of notification rows that next
// produces. Its Values are pointers into one row, refilled at each Next:
// pgx encodes a row before it asks for the next one, so a row costs one
// allocation here (its personalisation's text), whatever the job's size.
type copySource struct {
	next    func() (*notify.Notification, error)
	created time.Time
	row     copyRow
	values  []any
	err     error
}

// copyRow is a notification as the columns of copyColumns take it, each
// value of a pgtype type whose pointer pgx encodes directly (no
// reflection, no allocation).
type copyRow struct {
	id, serviceID, templateID, apiKeyID, jobID         pgtype.UUID
	templateVersion, billableUnits, deliveryAttempts   pgtype.Int4
	jobRowNumber                                       pgtype.Int4
	keyType, typ, to, normalised, clientReference      pgtype.Text
	personalisation, body, subject, from, replyTo      pgtype.Text
	unsubscribeURL, status, queue, phonePrefix, sentBy pgtype.Text
	providerReference                                  pgtype.Text
	international                                      pgtype.Bool
	rateMultiplier                                     pgtype.Float8
	sentAt, claimedUntil, createdAt, updatedAt         pgtype.Timestamptz
	// buf and keys are reused by appendPersonalisation.
	buf  []byte
	keys []string
}

func newCopySource(created time.Time, next func() (*notify.Notification, error)) *copySource {
	c := &copySource{next: next, created: created}
	c.values = c.row.appendValues(nil)
	return c
}

// appendValues appends pointers to r's values to vs, in the order of
// notificationColumns.
func (r *copyRow) appendValues(vs []any) []any {
	return append(vs, &r.id, &r.serviceID, &r.templateID, &r.templateVersion, &r.apiKeyID, &r.keyType, &r.typ,
		&r.to, &r.normalised, &r.clientReference, &r.personalisation, &r.body, &r.subject, &r.from, &r.replyTo,
		&r.unsubscribeURL, &r.status, &r.queue, &r.international, &r.phonePrefix, &r.rateMultiplier,
		&r.billableUnits, &r.sentBy, &r.sentAt, &r.providerReference, &r.jobID, &r.jobRowNumber, &r.claimedUntil,
		&r.deliveryAttempts, &r.createdAt, &r.updatedAt)
}

func init() {
	if len(new(copyRow).appendValues(nil)) != len(copyColumns) {
		panic("gormstore: copyRow does not match notificationColumns")
	}
}

// Next asks next for a notification and fills the row with it.
func (c *copySource) Next() bool {
	n, err := c.next()
	if err != nil {
		c.err = err
		return false
	}
	if n == nil {
		return false
	}
	if err := c.row.set(n, c.created); err != nil {
		c.err = fmt.Errorf("notification %s: %w", n.ID, err)
		return false
	}
	return true
}

// Values returns the row Next filled.
func (c *copySource) Values() ([]any, error) { return c.values, nil }

// Err is the error that ended the rows, nil at their end.
func (c *copySource) Err() error { return c.err }

// set fills r with n; created is its created_at when n has none.
func (r *copyRow) set(n *notify.Notification, created time.Time) error {
	var pers string
	var ok bool
	r.buf, r.keys, ok = appendPersonalisation(r.buf[:0], n.Personalisation, r.keys)
	if ok {
		pers = string(r.buf)
	} else {
		var err error
		if pers, err = jsonText(n.Personalisation); err != nil {
			return fmt.Errorf("personalisation: %w", err)
		}
	}
	if !n.CreatedAt.IsZero() {
		created = n.CreatedAt
	}
	for _, v := range [...]int{n.TemplateVersion, n.BillableUnits, n.DeliveryAttempts, derefInt(n.JobRowNumber)} {
		if v < math.MinInt32 || v > math.MaxInt32 {
			return fmt.Errorf("%d is out of range for an integer column", v)
		}
	}
	r.id = pgtype.UUID{Bytes: n.ID, Valid: true}
	r.serviceID = pgtype.UUID{Bytes: n.ServiceID, Valid: true}
	r.templateID = pgtype.UUID{Bytes: n.TemplateID, Valid: true}
	r.templateVersion = pgInt(n.TemplateVersion)
	r.apiKeyID = pgUUID(n.APIKeyID)
	r.keyType, r.typ = pgText(string(n.KeyType)), pgText(string(n.Type))
	r.to, r.normalised = pgText(n.To), pgText(n.NormalisedTo)
	r.clientReference = pgTextPtr(n.ClientReference)
	r.personalisation = pgText(pers)
	r.body, r.subject, r.from, r.replyTo = pgText(n.Body), pgText(n.Subject), pgText(n.From), pgText(n.ReplyTo)
	r.unsubscribeURL = pgTextPtr(n.UnsubscribeURL)
	r.status, r.queue = pgText(string(n.Status)), pgText(n.Queue)
	r.international = pgtype.Bool{Bool: n.International, Valid: true}
	r.phonePrefix = pgText(n.PhonePrefix)
	r.rateMultiplier = pgtype.Float8{Float64: n.RateMultiplier, Valid: true}
	r.billableUnits, r.sentBy = pgInt(n.BillableUnits), pgText(n.SentBy)
	r.sentAt = pgTime(n.SentAt)
	r.providerReference = pgtype.Text{String: n.ProviderReference, Valid: n.ProviderReference != ""}
	r.jobID = pgtype.UUID{}
	if n.JobID != nil {
		r.jobID = pgtype.UUID{Bytes: *n.JobID, Valid: true}
	}
	r.jobRowNumber = pgtype.Int4{}
	if n.JobRowNumber != nil {
		r.jobRowNumber = pgInt(*n.JobRowNumber)
	}
	r.claimedUntil = pgTime(n.ClaimedUntil)
	r.deliveryAttempts = pgInt(n.DeliveryAttempts)
	r.createdAt = pgTime(&created)
	r.updatedAt = pgTime(n.UpdatedAt)
	return nil
}

func pgText(s string) pgtype.Text { return pgtype.Text{String: s, Valid: true} }

// pgInt is i for an integer column; set has checked its range.
func pgInt(i int) pgtype.Int4 { return pgtype.Int4{Int32: int32(i), Valid: true} } //nolint:gosec // checked by set

func derefInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// pgUUID is id for a nullable uuid column: the nil UUID is NULL, as
// nullUUID has it.
func pgUUID(id uuid.UUID) pgtype.UUID {
	return pgtype.UUID{Bytes: id, Valid: id != uuid.Nil}
}

func pgTextPtr(p *string) pgtype.Text {
	if p == nil {
		return pgtype.Text{}
	}
	return pgtype.Text{String: *p, Valid: true}
}

// pgTime is t for a timestamptz column, to the microsecond as ts has it.
func pgTime(t *time.Time) pgtype.Timestamptz {
	if t == nil {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: t.UTC().Truncate(time.Microsecond), Valid: true}
}
