package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
)

// bulkEnv is a service with an email template "Hello ((name))", an SMS
// template with ((name)) and a live key.
type bulkEnv struct {
	env   *notifytest.Env
	svc   *notify.Service
	email *notify.Template
	sms   *notify.Template
	live  *notify.Caller
}

func newBulkEnv(t *testing.T, svc notify.Service, opts ...notifytest.Options) *bulkEnv {
	e := notifytest.New(t, opts...)
	s := e.Service(t, svc)
	return &bulkEnv{env: e, svc: s,
		email: e.Template(t, s, notify.Email, "Subject", "Hello ((name))"),
		sms:   e.Template(t, s, notify.SMS, "", "Hello ((name))!"),
		live:  e.Key(t, s, notify.KeyTypeLive)}
}

func (b *bulkEnv) body(t *testing.T, tpl *notify.Template, extra map[string]any) []byte {
	m := map[string]any{"name": "job_name", "template_id": tpl.ID.String()}
	for k, v := range extra {
		m[k] = v
	}
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

func rowsToCSV(rows [][]string) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, ",") + "\r\n")
	}
	return b.String()
}

// storedCount counts every notification of the service, jobs included.
func (b *bulkEnv) storedCount(t *testing.T) int {
	list, err := b.env.Store.ListNotifications(t.Context(), notify.NotificationFilter{ServiceID: b.svc.ID, IncludeJobs: true})
	require.NoError(t, err)
	return len(list)
}

func assertRefused(t *testing.T, err error, name, msg string) {
	t.Helper()
	require.Error(t, err)
	errs := notify.ErrorList(err)
	require.Len(t, errs, 1, "%v", err)
	assert.Equal(t, name, errs[0].Name)
	assert.Equal(t, msg, errs[0].Message)
}

func TestBulkRowErrorsNameEveryRow(t *testing.T) {
	b := newBulkEnv(t, notify.Service{})
	rows := [][]string{
		{"email address", "name"},
		{"foo@example.com", "Foo"},
		{"bar@example.com"},
		{"nope", "nope"},
		{"baz@example.com", ""},
		{"baz@example.com", " "},
	}
	for _, kind := range []string{"rows", "csv"} {
		var v any = rows
		if kind == "csv" {
			v = rowsToCSV(rows)
		}
		_, err := b.env.Notifier.SendBulkJSON(t.Context(), b.live, b.body(t, b.email, map[string]any{kind: v}))
		assertRefused(t, err, "BadRequestError",
			"Some rows have errors. Row 1 - `name`: Missing. Row 2 - `email address`: invalid recipient. Row 3 - `name`: Missing. Row 4 - `name`: Missing.")
	}
	assert.Zero(t, b.storedCount(t), "a refused job stores nothing")
}

func TestBulkColumnHeaders(t *testing.T) {
	b := newBulkEnv(t, notify.Service{})
	plain := b.env.Template(t, b.svc, notify.Email, "S", "Hello!")
	plainSMS := b.env.Template(t, b.svc, notify.SMS, "", "Hello!")
	cases := []struct {
		tpl    *notify.Template
		header []string
		want   string
	}{
		{plain, []string{"foo"}, "Missing column headers: email address"},
		{b.email, []string{"foo"}, "Missing column headers: email address, name"},
		{b.sms, []string{"foo"}, "Missing column headers: name, phone number"},
		{b.sms, []string{"name"}, "Missing column headers: phone number"},
		{b.sms, []string{"NAME"}, "Missing column headers: phone number"},
		{plain, []string{"email address", "email address"}, "Duplicate column headers: email address"},
		{b.email, []string{"email address", "email_address", "name"}, "Duplicate column headers: email address, email_address"},
		{plainSMS, []string{"phone number", "phone_number"}, "Duplicate column headers: phone number, phone_number"},
	}
	for _, tc := range cases {
		_, err := b.env.Notifier.SendBulkJSON(t.Context(), b.live,
			b.body(t, tc.tpl, map[string]any{"rows": [][]string{tc.header, {"bar"}}}))
		assertRefused(t, err, "BadRequestError", tc.want)
	}
}

func TestBulkRequestRules(t *testing.T) {
	now := time.Date(2016, 1, 1, 10, 5, 0, 0, time.UTC)
	tpl := uuid.NewString()
	cases := []struct {
		body, name, want string
	}{
		{`{"template_id": "` + tpl + `", "csv": "foo"}`, "ValidationError", "name is a required property"},
		{`{"name": "j", "template_id": "` + tpl + `", "rows": [["email address"], ["a@b.com"]], "reply_to_id": "foo"}`,
			"ValidationError", "reply_to_id is not a valid UUID"},
		{`{"name": "j", "template_id": "` + tpl + `", "scheduled_for": 42, "rows": [[1], [2]]}`,
			"ValidationError", "scheduled_for 42 is not of type string, null"},
		{`{"name": "j", "template_id": "` + tpl + `", "scheduled_for": "foo", "rows": [[1], [2]]}`,
			"ValidationError", "scheduled_for datetime format is invalid. It must be a valid ISO8601 date time format, https://en.wikipedia.org/wiki/ISO_8601"},
		{`{"name": "j", "template_id": "` + tpl + `", "scheduled_for": "2016-01-01T10:04:00", "rows": [[1], [2]]}`,
			"ValidationError", "scheduled_for datetime cannot be in the past"},
		{`{"name": "j", "template_id": "` + tpl + `", "scheduled_for": "2016-01-05T10:06:00", "rows": [[1], [2]]}`,
			"ValidationError", "scheduled_for datetime can only be up to 96 hours in the future"},
		{`{"name": "j", "template_id": "` + tpl + `"}`, "BadRequestError", "You should specify either rows or csv"},
		{`{"name": "j", "template_id": "` + tpl + `", "csv": "a", "rows": [["a"], ["b"]]}`, "BadRequestError", "You should specify either rows or csv"},
		{`{"name": "j", "template_id": "` + tpl + `", "rows": [1, 2]}`, "BadRequestError", "Error converting to CSV: iterable expected, not int"},
		{`{"name": "j", "template_id": "` + tpl + `", "rows": [["a"]]}`, "ValidationError", "rows [[a]] is too short"},
		{`{"name": "j", "template_id": "` + tpl + `", "rows": [["a"], ["b"]], "foo": 1}`, "ValidationError", "Additional properties are not allowed (foo was unexpected)"},
	}
	for _, tc := range cases {
		_, err := notify.DecodeBulkRequest([]byte(tc.body), now)
		assertRefused(t, err, tc.name, tc.want)
	}
	req, err := notify.DecodeBulkRequest([]byte(`{"name": "j", "template_id": "`+tpl+`", "scheduled_for": "2016-01-05T10:04:00",
		"rows": [["phone number", "n"], [7700900123, null], [true, 1.50]]}`), now)
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"phone number", "n"}, {"7700900123", ""}, {"True", "1.5"}}, req.Rows)
	assert.Equal(t, time.Date(2016, 1, 5, 10, 4, 0, 0, time.UTC), req.ScheduledFor.UTC())
}

func TestBulkTemplateAndPermission(t *testing.T) {
	b := newBulkEnv(t, notify.Service{Permissions: []notify.Permission{notify.PermissionEmail}})
	rows := map[string]any{"rows": [][]string{{"phone number", "name"}, {"07700900123", "A"}}}
	_, err := b.env.Notifier.SendBulkJSON(t.Context(), b.live, b.body(t, b.sms, rows))
	assertRefused(t, err, "BadRequestError", "Service is not allowed to send text messages")
	_, err = b.env.Notifier.SendBulkJSON(t.Context(), b.live, b.body(t, &notify.Template{ID: uuid.New()}, rows))
	assertRefused(t, err, "BadRequestError", "Template not found")
	fake := uuid.New()
	_, err = b.env.Notifier.SendBulkJSON(t.Context(), b.live, b.body(t, b.email, map[string]any{
		"rows": [][]string{{"email address", "name"}, {"a@example.com", "A"}}, "reply_to_id": fake.String()}))
	assertRefused(t, err, "BadRequestError",
		fmt.Sprintf("email_reply_to_id %s does not exist in database for service id %s", fake, b.svc.ID))
	assert.Zero(t, b.storedCount(t))
}

func TestBulkTooManyRowsAndRemainingMessages(t *testing.T) {
	b := newBulkEnv(t, notify.Service{EmailMessageLimit: 10}, notifytest.WithConfig(func(c *notify.Config) { c.BulkMaxRows = 2 }))
	rows := func(n int) map[string]any {
		r := [][]string{{"email address", "name"}}
		for i := range n {
			r = append(r, []string{fmt.Sprintf("p%d@example.com", i), "A"})
		}
		return map[string]any{"csv": rowsToCSV(r)}
	}
	_, err := b.env.Notifier.SendBulkJSON(t.Context(), b.live, b.body(t, b.email, rows(3)))
	assertRefused(t, err, "BadRequestError", "Too many rows. Maximum number of rows allowed is 2")

	for range 9 {
		_, err := b.env.Notifier.SendEmail(t.Context(), b.live, &notify.EmailRequest{EmailAddress: "x@example.com",
			TemplateID: b.email.ID, Personalisation: map[string]any{"name": "x"}})
		require.NoError(t, err)
	}
	_, err = b.env.Notifier.SendBulkJSON(t.Context(), b.live, b.body(t, b.email, rows(2)))
	assertRefused(t, err, "BadRequestError",
		"You only have 1 remaining messages before you reach your daily limit. You've tried to send 2 messages.")
	assert.ErrorIs(t, err, notify.ErrDailyLimit)
	assert.Equal(t, 9, b.storedCount(t))

	job, err := b.env.Notifier.SendBulkJSON(t.Context(), b.live, b.body(t, b.email, rows(1)))
	require.NoError(t, err)
	assert.Equal(t, 1, job.NotificationCount)
	// The job's row counts: the next single send is over the limit.
	_, err = b.env.Notifier.SendEmail(t.Context(), b.live, &notify.EmailRequest{EmailAddress: "x@example.com",
		TemplateID: b.email.ID, Personalisation: map[string]any{"name": "x"}})
	assert.ErrorIs(t, err, notify.ErrDailyLimit)
}

func TestBulkTrialModeAndTeamKeys(t *testing.T) {
	rows := map[string]any{"csv": rowsToCSV([][]string{{"email address", "name"}, {"foo@example.com", "a"}, {"team@example.com", "b"}})}
	live := newBulkEnv(t, notify.Service{})
	live.env.TeamMember(t, live.svc, "team@example.com", "")
	team := live.env.Key(t, live.svc, notify.KeyTypeTeam)
	_, err := live.env.Notifier.SendBulkJSON(t.Context(), team, live.body(t, live.email, rows))
	assertRefused(t, err, "BadRequestError", "You cannot send to these recipients because you used a team and safelist API key.")

	trial := newBulkEnv(t, notify.Service{Restricted: true})
	trial.env.TeamMember(t, trial.svc, "team@example.com", "")
	_, err = trial.env.Notifier.SendBulkJSON(t.Context(), trial.live, trial.body(t, trial.email, rows))
	assertRefused(t, err, "BadRequestError",
		"You cannot send to these recipients because your service is in trial mode. You can only send to members of your team and your safelist.")
	assert.ErrorIs(t, err, notify.ErrTrialMode)

	ok := map[string]any{"csv": rowsToCSV([][]string{{"email address", "name"}, {"TEAM@example.com", "b"}})}
	_, err = trial.env.Notifier.SendBulkJSON(t.Context(), trial.live, trial.body(t, trial.email, ok))
	require.NoError(t, err, "the team may be sent to")
}

func TestBulkJobIsDeliveredOnTheBulkLane(t *testing.T) {
	b := newBulkEnv(t, notify.Service{})
	var rows [][]string
	rows = append(rows, []string{"Phone Number", "name", "extra"})
	for i := range 50 {
		rows = append(rows, []string{fmt.Sprintf("07700 9003%02d", i), fmt.Sprintf("P%d", i), "x"})
	}
	ref := "ref-1"
	job, err := b.env.Notifier.SendBulk(t.Context(), b.live, &notify.BulkRequest{Name: "people.csv", TemplateID: b.sms.ID,
		Rows: rows, Reference: &ref})
	require.NoError(t, err)
	assert.Equal(t, notify.JobPending, job.Status)
	assert.Equal(t, 50, job.NotificationCount)
	assert.Equal(t, []notify.StatusCount{{Status: notify.StatusCreated, Count: 50}}, job.Statistics)

	// Job rows are listed only when asked for.
	list, err := b.env.Notifier.List(t.Context(), b.live, nil)
	require.NoError(t, err)
	assert.Empty(t, list)
	list, err = b.env.Notifier.List(t.Context(), b.live, &notify.ListQuery{JobID: &job.ID})
	require.NoError(t, err)
	require.Len(t, list, 50)
	var n notify.Notification
	for _, x := range list {
		if *x.JobRowNumber == 0 {
			n = x
		}
	}
	assert.Equal(t, notify.QueueBulkSMS, n.Queue)
	assert.Equal(t, "Hello P0!", n.Body)
	assert.Equal(t, "07700 900300", n.To)
	assert.Equal(t, "447700900300", n.NormalisedTo)
	assert.Equal(t, map[string]any{"name": "P0", "extra": "x"}, n.Personalisation)
	assert.Equal(t, &ref, n.ClientReference)
	assert.Equal(t, 0, *n.JobRowNumber)
	other := uuid.New()
	list, err = b.env.Notifier.List(t.Context(), b.live, &notify.ListQuery{JobID: &other})
	require.NoError(t, err)
	assert.Empty(t, list)

	b.env.Start()
	ids := make([]uuid.UUID, 0, 50)
	for _, n := range list {
		ids = append(ids, n.ID)
	}
	require.Eventually(t, func() bool {
		j, err := b.env.Notifier.GetJob(t.Context(), b.live, job.ID)
		require.NoError(t, err)
		return j.Status == notify.JobFinished && len(j.Statistics) == 1 && j.Statistics[0].Status == notify.StatusDelivered
	}, 10*time.Second, 20*time.Millisecond)
	j, err := b.env.Notifier.GetJob(t.Context(), b.live, job.ID)
	require.NoError(t, err)
	assert.Equal(t, 50, j.NotificationsSent)
	assert.Equal(t, []notify.StatusCount{{Status: notify.StatusDelivered, Count: 50}}, j.Statistics)

	_, err = b.env.Notifier.CancelJob(t.Context(), b.live, job.ID)
	assertRefused(t, err, "BadRequestError", "Job has already started or finished and cannot be cancelled (job_status is finished)")
	_, err = b.env.Notifier.GetJob(t.Context(), b.live, uuid.New())
	assertRefused(t, err, "NoResultFound", "Job not found in database")
	otherSvc := b.env.Service(t, notify.Service{Name: "Other"})
	_, err = b.env.Notifier.GetJob(t.Context(), b.env.Key(t, otherSvc, notify.KeyTypeLive), job.ID)
	assertRefused(t, err, "NoResultFound", "Job not found in database")
}

func TestBulkScheduledJobStartsOnceWhenDue(t *testing.T) {
	clk := newClock()
	b := newBulkEnv(t, notify.Service{}, notifytest.WithConfig(func(c *notify.Config) { c.Clock = clk.now }))
	rows := [][]string{{"email address", "name"}, {"a@example.com", "A"}, {"b@example.com", "B"}}
	at := clk.now().Add(2 * time.Hour)
	job, err := b.env.Notifier.SendBulk(t.Context(), b.live, &notify.BulkRequest{Name: "j", TemplateID: b.email.ID, Rows: rows, ScheduledFor: &at})
	require.NoError(t, err)
	assert.Equal(t, notify.JobScheduled, job.Status)

	_, err = b.env.Notifier.Sweep(t.Context())
	require.NoError(t, err)
	j, err := b.env.Notifier.GetJob(t.Context(), b.live, job.ID)
	require.NoError(t, err)
	assert.Equal(t, notify.JobScheduled, j.Status, "not due yet")

	clk.advance(2 * time.Hour)
	var wg sync.WaitGroup
	for range 4 { // several workers sweep at once: the job starts once
		wg.Go(func() { _, _ = b.env.Notifier.Sweep(context.Background()) })
	}
	wg.Wait()
	j, err = b.env.Notifier.GetJob(t.Context(), b.live, job.ID)
	require.NoError(t, err)
	assert.Equal(t, notify.JobFinished, j.Status)
	assert.Equal(t, 2, j.NotificationsSent)
	assert.Equal(t, 2, b.env.Queue.Len(notify.QueueBulkEmail), "each row queued once")
}

func TestBulkCancelledJobIsNeverSent(t *testing.T) {
	b := newBulkEnv(t, notify.Service{})
	rows := [][]string{{"email address", "name"}, {"a@example.com", "A"}, {"b@example.com", "B"}}
	at := time.Now().Add(time.Hour)
	job, err := b.env.Notifier.SendBulk(t.Context(), b.live, &notify.BulkRequest{Name: "j", TemplateID: b.email.ID, Rows: rows, ScheduledFor: &at})
	require.NoError(t, err)
	c, err := b.env.Notifier.CancelJob(t.Context(), b.live, job.ID)
	require.NoError(t, err)
	assert.Equal(t, notify.JobCancelled, c.Status)
	assert.Equal(t, []notify.StatusCount{{Status: notify.StatusCancelled, Count: 2}}, c.Statistics)
	_, err = b.env.Notifier.CancelJob(t.Context(), b.live, job.ID)
	assertRefused(t, err, "BadRequestError", "Job has already started or finished and cannot be cancelled (job_status is cancelled)")

	b.env.Start()
	time.Sleep(200 * time.Millisecond) // a few sweeps
	list, err := b.env.Notifier.List(t.Context(), b.live, &notify.ListQuery{JobID: &job.ID})
	require.NoError(t, err)
	require.Len(t, list, 2)
	for _, n := range list {
		assert.Equal(t, notify.StatusCancelled, n.Status)
		assert.Empty(t, n.SentBy, "never handed to a provider")
	}
}

func TestBulkScheduledJobIsCheckedAgainstTheLimitsOfItsDay(t *testing.T) {
	clk := newClock()
	b := newBulkEnv(t, notify.Service{EmailMessageLimit: 3}, notifytest.WithConfig(func(c *notify.Config) { c.Clock = clk.now }))
	single := func() error {
		_, err := b.env.Notifier.SendEmail(t.Context(), b.live, &notify.EmailRequest{EmailAddress: "x@example.com",
			TemplateID: b.email.ID, Personalisation: map[string]any{"name": "x"}})
		return err
	}
	rows := [][]string{{"email address", "name"}, {"a@example.com", "A"}, {"b@example.com", "B"}}
	at := clk.now().Add(time.Minute)
	job, err := b.env.Notifier.SendBulk(t.Context(), b.live, &notify.BulkRequest{Name: "j", TemplateID: b.email.ID, Rows: rows, ScheduledFor: &at})
	require.NoError(t, err, "2 of 3 fit today")
	require.NoError(t, single())
	require.NoError(t, single())

	clk.advance(time.Minute)
	_, err = b.env.Notifier.Sweep(t.Context())
	require.NoError(t, err)
	j, err := b.env.Notifier.GetJob(t.Context(), b.live, job.ID)
	require.NoError(t, err)
	assert.Equal(t, notify.JobSendingLimitsExceeded, j.Status, "2 more do not fit when it starts")
	assert.Equal(t, []notify.StatusCount{{Status: notify.StatusCancelled, Count: 2}}, j.Statistics)
	assert.Zero(t, b.env.Queue.Len(notify.QueueBulkEmail), "nothing queued")
	require.NoError(t, single(), "a refused job takes no place")

	// One that fits counts when it starts.
	b2 := newBulkEnv(t, notify.Service{EmailMessageLimit: 3}, notifytest.WithConfig(func(c *notify.Config) { c.Clock = clk.now }))
	at = clk.now().Add(time.Minute)
	job, err = b2.env.Notifier.SendBulk(t.Context(), b2.live, &notify.BulkRequest{Name: "j", TemplateID: b2.email.ID, Rows: rows, ScheduledFor: &at})
	require.NoError(t, err)
	clk.advance(time.Minute)
	_, err = b2.env.Notifier.Sweep(t.Context())
	require.NoError(t, err)
	j, err = b2.env.Notifier.GetJob(t.Context(), b2.live, job.ID)
	require.NoError(t, err)
	assert.Equal(t, notify.JobFinished, j.Status)
	_, err = b2.env.Notifier.SendEmail(t.Context(), b2.live, &notify.EmailRequest{EmailAddress: "x@example.com",
		TemplateID: b2.email.ID, Personalisation: map[string]any{"name": "x"}})
	require.NoError(t, err, "the third place")
	_, err = b2.env.Notifier.SendEmail(t.Context(), b2.live, &notify.EmailRequest{EmailAddress: "x@example.com",
		TemplateID: b2.email.ID, Personalisation: map[string]any{"name": "x"}})
	assert.ErrorIs(t, err, notify.ErrDailyLimit, "the job's two rows count")
}

// A bulk send takes one token of the rate limit, whatever its rows.
func TestBulkCountsOneRequestForTheRateLimit(t *testing.T) {
	b := newBulkEnv(t, notify.Service{RateLimit: 6}) // a bucket of 3 tokens: two requests
	rows := [][]string{{"email address", "name"}}
	for i := range 5 {
		rows = append(rows, []string{fmt.Sprintf("p%d@example.com", i), "P"})
	}
	_, err := b.env.Notifier.SendBulk(t.Context(), b.live, &notify.BulkRequest{Name: "j", TemplateID: b.email.ID, Rows: rows})
	require.NoError(t, err)
	_, err = b.env.Notifier.SendBulk(t.Context(), b.live, &notify.BulkRequest{Name: "j", TemplateID: b.email.ID, Rows: rows})
	require.NoError(t, err, "the second token")
	_, err = b.env.Notifier.SendBulk(t.Context(), b.live, &notify.BulkRequest{Name: "j", TemplateID: b.email.ID, Rows: rows})
	assertRefused(t, err, "RateLimitError", "Exceeded rate limit for key type LIVE of 6 requests per 60 seconds")
	assert.Equal(t, 10, b.storedCount(t), "the refused one stores nothing")
}
