package notify_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/store/gormstore"
	"github.com/notifykit/notify/store/memstore"
)

// createOnly is a Store with CreateJob but not the JobStreamer ability, as
// a third-party Store may be: SendBulk builds every notification first.
type createOnly struct {
	notify.Store
	notify.JobStore
}

// postgresJobStore is a gormstore on PostgreSQL in a schema of its own,
// dropped at the end; the test is skipped without
// NOTIFY_TEST_POSTGRES_DSN.
func postgresJobStore(t *testing.T) notify.Store {
	dsn := os.Getenv("NOTIFY_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("NOTIFY_TEST_POSTGRES_DSN not set: skipping PostgreSQL")
	}
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	schema := "bulkstream_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
	_, err = db.Exec("CREATE SCHEMA " + schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
		_ = db.Close()
	})
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		dsn = u.String()
	} else {
		dsn += " search_path=" + schema
	}
	st, err := gormstore.OpenPostgres(context.Background(), dsn, gormstore.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// streamStores are the Stores the streaming tests run on: the ones that
// stream a job (memory, SQLite, PostgreSQL) and one that only creates it.
func streamStores() []struct {
	name string
	open func(t *testing.T) notify.Store
} {
	stores := jobStores()
	stores = append(stores, struct {
		name string
		open func(t *testing.T) notify.Store
	}{"postgres", postgresJobStore}, struct {
		name string
		open func(t *testing.T) notify.Store
	}{"create-only", func(*testing.T) notify.Store {
		m := memstore.New()
		return createOnly{Store: m, JobStore: m}
	}})
	return stores
}

// emailTable is a header and rows rows for the template "Hello ((name))",
// with a blank line after the first row (skipped, but counted).
func emailTable(rows int) [][]string {
	t := [][]string{{"email address", "name", "extra"}}
	for i := range rows {
		t = append(t, []string{fmt.Sprintf("Person%d@Example.com", i), fmt.Sprintf("P<%d> & \"co\"", i), "x"})
		if i == 0 {
			t = append(t, []string{"", " ", ""})
		}
	}
	return t
}

// A job is stored whole, each row as one send would be, whichever way the
// Store takes it; its ids are random, distinct and ascend with the rows.
func TestBulkJobIsStoredWholeOnEveryStore(t *testing.T) {
	for _, s := range streamStores() {
		t.Run(s.name, func(t *testing.T) {
			st := s.open(t)
			b := newBulkEnv(t, notify.Service{}, onJobStore(st))
			ref := "the ref"
			job, err := b.env.Notifier.SendBulk(t.Context(), b.live, &notify.BulkRequest{Name: "j.csv", TemplateID: b.email.ID,
				CSV: rowsToCSV(emailTable(600)), Reference: &ref})
			require.NoError(t, err)
			assert.Equal(t, 600, job.NotificationCount)
			assert.Equal(t, []notify.StatusCount{{Status: notify.StatusCreated, Count: 600}}, job.Statistics)
			got, err := b.env.Notifier.GetJob(t.Context(), b.live, job.ID)
			require.NoError(t, err)
			assert.Equal(t, 600, got.NotificationCount)
			assert.Equal(t, []notify.StatusCount{{Status: notify.StatusCreated, Count: 600}}, got.Statistics)

			list, err := b.env.Store.ListNotifications(t.Context(), notify.NotificationFilter{ServiceID: b.svc.ID, JobID: &job.ID})
			require.NoError(t, err)
			require.Equal(t, 600, len(list))
			rows := make(map[int]notify.Notification, len(list))
			for _, n := range list {
				require.NotNil(t, n.JobRowNumber)
				rows[*n.JobRowNumber] = n
			}
			_, blank := rows[1]
			assert.False(t, blank, "the blank row is skipped but counted")
			r := rows[300]
			assert.Equal(t, "Person299@Example.com", r.To)
			assert.Equal(t, "person299@example.com", r.NormalisedTo)
			assert.Equal(t, map[string]any{"name": "P<299> & \"co\"", "extra": "x"}, r.Personalisation)
			assert.Equal(t, "Hello P<299> & \"co\"", r.Body)
			assert.Equal(t, "Subject", r.Subject)
			require.NotNil(t, r.ClientReference)
			assert.Equal(t, ref, *r.ClientReference)
			assert.Equal(t, notify.QueueBulkEmail, r.Queue)

			last := rows[0].ID
			seen := map[uuid.UUID]bool{last: true}
			for i := 2; i <= 600; i++ {
				id := rows[i].ID
				if id.Version() != 4 || seen[id] || bytes.Compare(id[:], last[:]) <= 0 {
					t.Fatalf("row %d: id %s is not a new version 4 id above the previous row's %s", i, id, last)
				}
				seen[id] = true
				last = id
			}
		})
	}
}

// A job with a bad row late in the table is refused exactly as before any
// row was stored, and stores nothing: on PostgreSQL the rows already
// copied are rolled back.
func TestBulkLateBadRowStoresNothing(t *testing.T) {
	for _, s := range streamStores() {
		t.Run(s.name, func(t *testing.T) {
			b := newBulkEnv(t, notify.Service{}, onJobStore(s.open(t)))
			table := emailTable(3000)
			table[2900][0] = "not an address"
			table[2950][1] = ""
			_, err := b.env.Notifier.SendBulk(t.Context(), b.live, &notify.BulkRequest{Name: "j", TemplateID: b.email.ID, Rows: table})
			assertRefused(t, err, "BadRequestError",
				"Some rows have errors. Row 2899 - `email address`: invalid recipient. Row 2949 - `name`: Missing.")
			assert.Zero(t, b.storedCount(t), "a refused job stores nothing")

			// The first row bad: the same.
			table = emailTable(50)
			table[1][1] = ""
			_, err = b.env.Notifier.SendBulk(t.Context(), b.live, &notify.BulkRequest{Name: "j", TemplateID: b.email.ID, Rows: table})
			assertRefused(t, err, "BadRequestError", "Some rows have errors. Row 0 - `name`: Missing.")
			assert.Zero(t, b.storedCount(t))
		})
	}
}

// The rows' refusal comes before an unknown reply_to_id's, as it did when
// the rows were all checked before the senders were chosen.
func TestBulkRowErrorsComeBeforeTheSenders(t *testing.T) {
	for _, s := range streamStores() {
		t.Run(s.name, func(t *testing.T) {
			b := newBulkEnv(t, notify.Service{}, onJobStore(s.open(t)))
			unknown := uuid.New()
			table := emailTable(20)
			_, err := b.env.Notifier.SendBulk(t.Context(), b.live, &notify.BulkRequest{Name: "j", TemplateID: b.email.ID, Rows: table,
				ReplyToID: &unknown})
			assertRefused(t, err, "BadRequestError",
				fmt.Sprintf("email_reply_to_id %s does not exist in database for service id %s", unknown, b.svc.ID))
			table[5][1] = ""
			_, err = b.env.Notifier.SendBulk(t.Context(), b.live, &notify.BulkRequest{Name: "j", TemplateID: b.email.ID, Rows: table,
				ReplyToID: &unknown})
			assertRefused(t, err, "BadRequestError", "Some rows have errors. Row 4 - `name`: Missing.")
			assert.Zero(t, b.storedCount(t))
		})
	}
}

// A pending job's rows outside +44 are checked against the
// international_sms limit once every row is checked, before anything is
// stored.
func TestBulkInternationalLimitAtAcceptance(t *testing.T) {
	for _, s := range streamStores() {
		t.Run(s.name, func(t *testing.T) {
			b := intlJobEnv(t, s.open(t), newClock())
			rows := [][]string{{"phone number", "name"}, {"+33 6 12 34 56 78", "A"}, {"07700 900311", "B"},
				{"+1 664 491 1234", "C"}, {"+33 6 12 34 56 79", "D"}, {"+33 6 12 34 56 70", "E"}, {"+33 6 12 34 56 71", "F"}}
			_, err := b.env.Notifier.SendBulk(t.Context(), b.live, &notify.BulkRequest{Name: "j", TemplateID: b.sms.ID, Rows: rows})
			assertRefused(t, err, "BadRequestError",
				"You only have 3 remaining messages before you reach your daily limit. You've tried to send 5 messages.")
			assert.ErrorIs(t, err, notify.ErrDailyLimit)
			assert.Zero(t, b.storedCount(t))

			// A bad row is named first.
			bad := append([][]string{}, rows...)
			bad[2] = []string{"07700 900311", ""}
			_, err = b.env.Notifier.SendBulk(t.Context(), b.live, &notify.BulkRequest{Name: "j", TemplateID: b.sms.ID, Rows: bad})
			assertRefused(t, err, "BadRequestError", "Some rows have errors. Row 1 - `name`: Missing.")

			job, err := b.env.Notifier.SendBulk(t.Context(), b.live, &notify.BulkRequest{Name: "j", TemplateID: b.sms.ID, Rows: rows[:5]})
			require.NoError(t, err)
			assert.Equal(t, 4, job.NotificationCount)
			assert.Equal(t, 4, b.storedCount(t))
			assert.ErrorIs(t, sendIntl(t, b), notify.ErrDailyLimit, "the job's three international rows count")
		})
	}
}

// failingStreamer is a Store whose JobStreamer fails after taking after
// rows, as a database that goes away in the middle of a COPY does.
type failingStreamer struct {
	notify.Store
	after int
	err   error
}

func (f failingStreamer) Unwrap() notify.Store { return f.Store }

func (f failingStreamer) StreamJob(_ context.Context, _ *notify.Job, next func() (*notify.Notification, error)) error {
	for range f.after {
		n, err := next()
		if err != nil {
			return err
		}
		if n == nil {
			return nil
		}
	}
	return f.err
}

// A Store that fails while a job streams stores nothing, and the answer
// is still the rows' refusal when a row after the failure has an error.
func TestBulkStoreFailureWhileStreaming(t *testing.T) {
	lost := errors.New("connection lost")
	b := newBulkEnv(t, notify.Service{}, onJobStore(failingStreamer{Store: memstore.New(), after: 10, err: lost}))
	table := emailTable(100)
	_, err := b.env.Notifier.SendBulk(t.Context(), b.live, &notify.BulkRequest{Name: "j", TemplateID: b.email.ID, Rows: table})
	require.ErrorIs(t, err, lost)
	assert.Contains(t, err.Error(), "notify: send bulk: store job")
	assert.Zero(t, b.storedCount(t))

	table[80][1] = ""
	_, err = b.env.Notifier.SendBulk(t.Context(), b.live, &notify.BulkRequest{Name: "j", TemplateID: b.email.ID, Rows: table})
	assertRefused(t, err, "BadRequestError", "Some rows have errors. Row 79 - `name`: Missing.")
}
