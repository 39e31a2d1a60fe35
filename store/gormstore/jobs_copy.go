package gormstore

import (
	"context"
	"fmt"
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
	if job.CreatedAt.IsZero() {
		job.CreatedAt = time.Now()
	}
	job.CreatedAt = job.CreatedAt.UTC().Truncate(time.Microsecond)
	if s.dialect != dialectPostgres {
		var rows [][]any
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
// pgx encodes a row before it asks for the next one, so a job of any size
// costs no allocation a row here.
type copySource struct {
	next    func() (*notify.Notification, error)
	created time.Time
	row     copyRow
	values  []any
	err     error
}

// copyRow is a notification as the columns of copyColumns take it, with
// the types pgx encodes without conversion.
type copyRow struct {
	id, serviceID, templateID    pgtype.UUID
	templateVersion              int32
	apiKeyID                     pgtype.UUID
	keyType, typ, to, normalised string
	clientReference              pgtype.Text
	personalisation              []byte
	body, subject, from, replyTo string
	unsubscribeURL               pgtype.Text
	status, queue                string
	international                bool
	phonePrefix                  string
	rateMultiplier               float64
	billableUnits                int32
	sentBy                       string
	sentAt                       pgtype.Timestamptz
	providerReference            pgtype.Text
	jobID                        pgtype.UUID
	jobRowNumber                 pgtype.Int4
	claimedUntil                 pgtype.Timestamptz
	deliveryAttempts             int32
	createdAt, updatedAt         pgtype.Timestamptz
}

func newCopySource(created time.Time, next func() (*notify.Notification, error)) *copySource {
	c := &copySource{next: next, created: created}
	r := &c.row
	// In the order of notificationColumns.
	c.values = []any{&r.id, &r.serviceID, &r.templateID, &r.templateVersion, &r.apiKeyID, &r.keyType, &r.typ,
		&r.to, &r.normalised, &r.clientReference, &r.personalisation, &r.body, &r.subject, &r.from, &r.replyTo,
		&r.unsubscribeURL, &r.status, &r.queue, &r.international, &r.phonePrefix, &r.rateMultiplier,
		&r.billableUnits, &r.sentBy, &r.sentAt, &r.providerReference, &r.jobID, &r.jobRowNumber, &r.claimedUntil,
		&r.deliveryAttempts, &r.createdAt, &r.updatedAt}
	if len(c.values) != len(copyColumns) {
		panic("gormstore: copyRow does not match notificationColumns")
	}
	return c
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
	pers, err := appendJSONText(r.personalisation[:0], n.Personalisation)
	if err != nil {
		return fmt.Errorf("personalisation: %w", err)
	}
	if !n.CreatedAt.IsZero() {
		created = n.CreatedAt
	}
	r.id = pgtype.UUID{Bytes: n.ID, Valid: true}
	r.serviceID = pgtype.UUID{Bytes: n.ServiceID, Valid: true}
	r.templateID = pgtype.UUID{Bytes: n.TemplateID, Valid: true}
	r.templateVersion = int32(n.TemplateVersion)
	r.apiKeyID = pgUUID(n.APIKeyID)
	r.keyType, r.typ, r.to, r.normalised = string(n.KeyType), string(n.Type), n.To, n.NormalisedTo
	r.clientReference = pgTextPtr(n.ClientReference)
	r.personalisation = pers
	r.body, r.subject, r.from, r.replyTo = n.Body, n.Subject, n.From, n.ReplyTo
	r.unsubscribeURL = pgTextPtr(n.UnsubscribeURL)
	r.status, r.queue = string(n.Status), n.Queue
	r.international, r.phonePrefix, r.rateMultiplier = n.International, n.PhonePrefix, n.RateMultiplier
	r.billableUnits, r.sentBy = int32(n.BillableUnits), n.SentBy
	r.sentAt = pgTime(n.SentAt)
	r.providerReference = pgtype.Text{String: n.ProviderReference, Valid: n.ProviderReference != ""}
	r.jobID = pgtype.UUID{}
	if n.JobID != nil {
		r.jobID = pgtype.UUID{Bytes: *n.JobID, Valid: true}
	}
	r.jobRowNumber = pgtype.Int4{}
	if n.JobRowNumber != nil {
		r.jobRowNumber = pgtype.Int4{Int32: int32(*n.JobRowNumber), Valid: true}
	}
	r.claimedUntil = pgTime(n.ClaimedUntil)
	r.deliveryAttempts = int32(n.DeliveryAttempts)
	r.createdAt = pgTime(&created)
	r.updatedAt = pgTime(n.UpdatedAt)
	return nil
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

// appendJSONText appends v encoded as jsonText encodes it.
func appendJSONText(dst []byte, v any) ([]byte, error) {
	s, err := jsonText(v)
	if err != nil {
		return nil, err
	}
	return append(dst, s...), nil
}
