package notify_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
	"github.com/notifykit/notify/store/gormstore"
	"github.com/notifykit/notify/store/memstore"
)

// bulkStores are the Stores the bulk idempotency tests run on: memory, and
// an SQLite file.
func bulkStores(t *testing.T) map[string]func(t *testing.T) notifytest.Options {
	return map[string]func(t *testing.T) notifytest.Options{
		"memstore": func(t *testing.T) notifytest.Options { return notifytest.Options{} },
		"sqlite": func(t *testing.T) notifytest.Options {
			st, err := gormstore.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "notify.db"), gormstore.Options{})
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			return notifytest.WithConfig(func(c *notify.Config) { c.Store = st })
		},
	}
}

var bulkRows = [][]string{{"email address", "name"}, {"a@example.com", "A"}, {"b@example.com", "B"}}

func TestBulkIdempotencyKeyCreatesOneJob(t *testing.T) {
	for name, opts := range bulkStores(t) {
		t.Run(name, func(t *testing.T) {
			b := newBulkEnv(t, notify.Service{}, opts(t))
			n := b.env.Notifier
			req := &notify.BulkRequest{Name: "people.csv", TemplateID: b.email.ID, Rows: bulkRows, IdempotencyKey: "job-1"}
			first, err := n.SendBulk(t.Context(), b.live, req)
			require.NoError(t, err)
			again, err := n.SendBulk(t.Context(), b.live, req)
			require.NoError(t, err)
			assert.Equal(t, first.ID, again.ID, "the retry gets the first job")
			assert.Equal(t, first.CreatedAt.Format(notify.TimeFormat), again.CreatedAt.Format(notify.TimeFormat))
			assert.Equal(t, 2, b.storedCount(t), "one job's rows")

			other := *req
			other.Rows = [][]string{{"email address", "name"}, {"a@example.com", "Someone else"}}
			_, err = n.SendBulk(t.Context(), b.live, &other)
			requireRefusal(t, err, 409, idemName, notify.MsgIdempotencyMismatch)
			assert.ErrorIs(t, err, notify.ErrIdempotencyMismatch)
			_, err = n.SendSMS(t.Context(), b.live, &notify.SMSRequest{PhoneNumber: "07700900123", TemplateID: b.sms.ID,
				Personalisation: map[string]any{"name": "Jo"}, IdempotencyKey: "job-1"})
			assert.ErrorIs(t, err, notify.ErrIdempotencyMismatch, "a bulk send's key used for a single send")

			// The JSON flow: key order and spacing do not matter.
			body := `{"name": "j", "template_id": "` + b.email.ID.String() + `", "rows": [["email address", "name"], ["c@example.com", "C"]]}`
			same := `{"rows":[["email address","name"],["c@example.com","C"]],"template_id":"` + b.email.ID.String() + `","name":"j"}`
			j1, replayed, err := n.SendBulkJSONIdempotent(t.Context(), b.live, []byte(body), "json-key")
			require.NoError(t, err)
			assert.False(t, replayed)
			j2, replayed, err := n.SendBulkJSONIdempotent(t.Context(), b.live, []byte(same), "json-key")
			require.NoError(t, err)
			assert.True(t, replayed)
			assert.Equal(t, j1.ID, j2.ID)
			assert.Equal(t, 3, b.storedCount(t))
			_, _, err = n.SendBulkJSONIdempotent(t.Context(), b.live, []byte(`{"name": "j", "template_id": "`+b.email.ID.String()+
				`", "csv": "email address,name\nc@example.com,C\n"}`), "json-key")
			assert.ErrorIs(t, err, notify.ErrIdempotencyMismatch, "the same rows sent as csv are another body")

			// Once the job has run, a retry still answers the job as it was
			// accepted; GetJob has its state.
			b.env.Start()
			require.Eventually(t, func() bool {
				j, err := n.GetJob(t.Context(), b.live, first.ID)
				require.NoError(t, err)
				return j.Status == notify.JobFinished
			}, 10*time.Second, 20*time.Millisecond)
			late, err := n.SendBulk(t.Context(), b.live, req)
			require.NoError(t, err)
			assert.Equal(t, first.ID, late.ID)
			assert.Equal(t, notify.JobPending, late.Status)
			assert.Nil(t, late.ProcessingStarted)
			assert.Equal(t, []notify.StatusCount{{Status: notify.StatusCreated, Count: 2}}, late.Statistics)
			assert.Equal(t, 3, b.storedCount(t))
		})
	}
}

func TestBulkIdempotencyKeyRefusals(t *testing.T) {
	b := newBulkEnv(t, notify.Service{})
	n := b.env.Notifier
	t.Run("a refused job does not use its key up", func(t *testing.T) {
		bad := &notify.BulkRequest{Name: "j", TemplateID: b.email.ID, IdempotencyKey: "fix-me",
			Rows: [][]string{{"email address", "name"}, {"a@example.com", ""}}}
		_, err := n.SendBulk(t.Context(), b.live, bad)
		assertRefused(t, err, "BadRequestError", "Some rows have errors. Row 0 - `name`: Missing.")
		_, _, err = n.SendBulkJSONIdempotent(t.Context(), b.live, []byte(`{"name": "j"}`), "fix-me")
		require.Error(t, err)
		assert.Equal(t, 400, notify.StatusOf(err), "a schema refusal")
		bad.Rows = bulkRows
		j, err := n.SendBulk(t.Context(), b.live, bad)
		require.NoError(t, err, "the corrected job is accepted under the same key")
		assert.Equal(t, 2, j.NotificationCount)
	})
	t.Run("invalid keys", func(t *testing.T) {
		_, err := n.SendBulk(t.Context(), b.live, &notify.BulkRequest{Name: "j", TemplateID: b.email.ID, Rows: bulkRows,
			IdempotencyKey: "a\nb"})
		assert.ErrorIs(t, err, &notify.Error{Code: notify.CodeIdempotencyKeyInvalid})
		_, _, err = n.SendBulkJSONIdempotent(t.Context(), b.live, b.body(t, b.email, map[string]any{"rows": bulkRows}), string(make([]byte, 256)))
		assert.Equal(t, 400, notify.StatusOf(err))
	})
	assert.Equal(t, 2, b.storedCount(t))
}

// A retry of a scheduled job after its scheduled_for has passed is a
// replay, not a refusal for a time in the past.
func TestBulkIdempotencyKeyScheduledJobReplaysLater(t *testing.T) {
	clk := newClock()
	b := newBulkEnv(t, notify.Service{}, notifytest.WithConfig(func(c *notify.Config) { c.Clock = clk.now }))
	at := clk.now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05")
	body := b.body(t, b.email, map[string]any{"rows": bulkRows, "scheduled_for": at})
	first, replayed, err := b.env.Notifier.SendBulkJSONIdempotent(t.Context(), b.live, body, "sched")
	require.NoError(t, err)
	assert.False(t, replayed)
	assert.Equal(t, notify.JobScheduled, first.Status)
	clk.advance(2 * time.Hour)
	again, replayed, err := b.env.Notifier.SendBulkJSONIdempotent(t.Context(), b.live, body, "sched")
	require.NoError(t, err)
	assert.True(t, replayed)
	assert.Equal(t, first.ID, again.ID)
	assert.Equal(t, notify.JobScheduled, again.Status)
	_, err = b.env.Notifier.SendBulkJSON(t.Context(), b.live, body)
	assertRefused(t, err, "ValidationError", "scheduled_for datetime cannot be in the past")
}

// The key is kept by the Store: a process that starts again on the same
// SQLite file answers a retry with the job the first one created.
func TestBulkIdempotencyKeyHoldsAcrossARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notify.db")
	open := func() (*notifytest.Env, *gormstore.Store) {
		st, err := gormstore.OpenSQLite(t.Context(), path, gormstore.Options{})
		require.NoError(t, err)
		return notifytest.New(t, notifytest.WithConfig(func(c *notify.Config) { c.Store = st })), st
	}
	env, st := open()
	svc := env.Service(t, notify.Service{})
	tpl := env.Template(t, svc, notify.Email, "Subject", "Hello ((name))")
	live := env.Key(t, svc, notify.KeyTypeLive)
	body := []byte(`{"name": "restart.csv", "template_id": "` + tpl.ID.String() + `", "csv": "email address,name\na@example.com,A\n"}`)
	first, _, err := env.Notifier.SendBulkJSONIdempotent(t.Context(), live, body, "restart-key")
	require.NoError(t, err)
	require.NoError(t, env.Notifier.Close(t.Context()))
	require.NoError(t, st.Close())

	env, st = open()
	t.Cleanup(func() { _ = st.Close() })
	again, replayed, err := env.Notifier.SendBulkJSONIdempotent(t.Context(), live, body, "restart-key")
	require.NoError(t, err)
	assert.True(t, replayed)
	assert.Equal(t, first.ID, again.ID)
	assert.Equal(t, first.CreatedAt.Format(notify.TimeFormat), again.CreatedAt.Format(notify.TimeFormat))
	list, err := env.Store.ListNotifications(t.Context(), notify.NotificationFilter{ServiceID: svc.ID, IncludeJobs: true})
	require.NoError(t, err)
	assert.Len(t, list, 1, "one job, one row")
}

// A request built in Go is the same request when its fields are: the
// instant of ScheduledFor counts, not its zone; a reference set to ""
// is not a reference left out.
func TestBulkIdempotencyKeyGoRequestFields(t *testing.T) {
	b := newBulkEnv(t, notify.Service{})
	n := b.env.Notifier
	at := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	req := &notify.BulkRequest{Name: "j", TemplateID: b.email.ID, Rows: bulkRows, ScheduledFor: &at, IdempotencyKey: "fields"}
	first, err := n.SendBulk(t.Context(), b.live, req)
	require.NoError(t, err)
	elsewhere := at.In(time.FixedZone("UTC+2", 2*60*60))
	same := *req
	same.ScheduledFor = &elsewhere
	again, err := n.SendBulk(t.Context(), b.live, &same)
	require.NoError(t, err)
	assert.Equal(t, first.ID, again.ID)
	empty := ""
	withRef := *req
	withRef.Reference = &empty
	_, err = n.SendBulk(t.Context(), b.live, &withRef)
	assert.ErrorIs(t, err, notify.ErrIdempotencyMismatch)
	asCSV := *req
	asCSV.Rows, asCSV.CSV = nil, "email address,name\na@example.com,A\nb@example.com,B\n"
	_, err = n.SendBulk(t.Context(), b.live, &asCSV)
	assert.ErrorIs(t, err, notify.ErrIdempotencyMismatch)
	assert.Equal(t, 2, b.storedCount(t))
}

// Two processes on one store: a retry on the second while the first is
// stalled mid-send waits for the lease, then takes the key over and
// creates the job; the first, when it wakes up, finds that job under the
// id it reserved. One job in all.
func TestBulkIdempotencyKeyAcrossProcesses(t *testing.T) {
	shared := memstore.New()
	clk := newClock()
	b := newBulkEnv(t, notify.Service{}, notifytest.WithConfig(func(c *notify.Config) { c.Store = shared; c.Clock = clk.now }))
	gate := &gateStore{Store: shared, entered: make(chan struct{}), gate: make(chan struct{})}
	stalled := notifytest.New(t, notifytest.WithConfig(func(c *notify.Config) { c.Store = gate; c.Clock = clk.now })).Notifier
	req := &notify.BulkRequest{Name: "j", TemplateID: b.email.ID, Rows: bulkRows, IdempotencyKey: "stalled"}

	type result struct {
		j   *notify.JobDetails
		err error
	}
	first := make(chan result, 1)
	go func() {
		j, err := stalled.SendBulk(t.Context(), b.live, req)
		first <- result{j, err}
	}()
	<-gate.entered // the key is reserved; the send is stalled

	_, err := b.env.Notifier.SendBulk(t.Context(), b.live, req)
	assert.ErrorIs(t, err, notify.ErrIdempotencyInFlight)
	clk.advance(notify.IdempotencyLease + time.Second)
	retried, err := b.env.Notifier.SendBulk(t.Context(), b.live, req)
	require.NoError(t, err, "the lease ended: the retry takes the key over")

	close(gate.gate)
	r := <-first
	require.NoError(t, r.err, "the stalled send finds the job stored under its id")
	assert.Equal(t, retried.ID, r.j.ID)
	assert.Equal(t, 2, b.storedCount(t), "one job of two rows")
}
