package notify_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
)

// intlJobEnv is a service that may send 3 international text messages a
// day, on a clock the test moves.
func intlJobEnv(t *testing.T, st notify.Store, clk *clock) *bulkEnv {
	return newBulkEnv(t, notify.Service{InternationalSMSMessageLimit: 3,
		Permissions: []notify.Permission{notify.PermissionSMS, notify.PermissionEmail, notify.PermissionInternationalSMS}},
		onJobStore(st), notifytest.Options{Config: func(c *notify.Config) { c.Clock = clk.now }})
}

// intlRows are two numbers outside +44, one UK number and one of Jersey,
// which the international_sms limit does not count (its prefix is 44).
var intlRows = [][]string{{"phone number", "name"},
	{"+33 6 12 34 56 78", "A"}, {"07700 900311", "B"}, {"+1 664 491 1234", "C"}, {"07797 712345", "D"}}

func sendIntl(t *testing.T, b *bulkEnv) error {
	_, err := b.env.Notifier.SendSMS(t.Context(), b.live, &notify.SMSRequest{PhoneNumber: "+33 6 11 22 33 44",
		TemplateID: b.sms.ID, Personalisation: map[string]any{"name": "x"}})
	return err
}

// A scheduled job is checked, when it starts, against the
// international_sms limit with its rows outside +44, and counts them.
func TestScheduledJobCountsItsInternationalRows(t *testing.T) {
	for _, s := range jobStores() {
		t.Run(s.name, func(t *testing.T) {
			clk := newClock()
			b := intlJobEnv(t, s.open(t), clk)
			ctx := t.Context()
			at := clk.now().Add(time.Minute)
			job, err := b.env.Notifier.SendBulk(ctx, b.live, &notify.BulkRequest{Name: "j", TemplateID: b.sms.ID, Rows: intlRows, ScheduledFor: &at})
			require.NoError(t, err)
			clk.advance(time.Minute)
			_, err = b.env.Notifier.Sweep(ctx)
			require.NoError(t, err)
			j, err := b.env.Notifier.GetJob(ctx, b.live, job.ID)
			require.NoError(t, err)
			assert.Equal(t, notify.JobFinished, j.Status)
			require.NoError(t, sendIntl(t, b), "the third international place")
			assert.ErrorIs(t, sendIntl(t, b), notify.ErrDailyLimit, "the job's two international rows count")
		})
	}
}

// A scheduled job whose international rows no longer fit on the day it
// starts is refused, as one over the channel's limit is.
func TestScheduledJobIsRefusedOverTheInternationalLimit(t *testing.T) {
	for _, s := range jobStores() {
		t.Run(s.name, func(t *testing.T) {
			clk := newClock()
			b := intlJobEnv(t, s.open(t), clk)
			ctx := t.Context()
			at := clk.now().Add(time.Minute)
			job, err := b.env.Notifier.SendBulk(ctx, b.live, &notify.BulkRequest{Name: "j", TemplateID: b.sms.ID, Rows: intlRows, ScheduledFor: &at})
			require.NoError(t, err, "its two international rows fit today")
			require.NoError(t, sendIntl(t, b))
			require.NoError(t, sendIntl(t, b))

			clk.advance(time.Minute)
			_, err = b.env.Notifier.Sweep(ctx)
			require.NoError(t, err)
			j, err := b.env.Notifier.GetJob(ctx, b.live, job.ID)
			require.NoError(t, err)
			assert.Equal(t, notify.JobSendingLimitsExceeded, j.Status, "2 more international do not fit when it starts")
			assert.Equal(t, []notify.StatusCount{{Status: notify.StatusCancelled, Count: 4}}, j.Statistics)
			assert.Zero(t, b.env.Queue.Len(notify.QueueBulkSMS), "nothing queued")
			require.NoError(t, sendIntl(t, b), "a refused job takes no place")
			assert.ErrorIs(t, sendIntl(t, b), notify.ErrDailyLimit)
		})
	}
}

// A job of more rows than one page of the Store's listing counts them all.
func TestScheduledJobCountsEveryPageOfInternationalRows(t *testing.T) {
	for _, s := range jobStores() {
		t.Run(s.name, func(t *testing.T) {
			clk := newClock()
			b := newBulkEnv(t, notify.Service{InternationalSMSMessageLimit: 1202,
				Permissions: []notify.Permission{notify.PermissionSMS, notify.PermissionInternationalSMS}},
				onJobStore(s.open(t)), notifytest.Options{Config: func(c *notify.Config) { c.Clock = clk.now }})
			ctx := t.Context()
			rows := [][]string{{"phone number", "name"}}
			for i := range 1201 {
				rows = append(rows, []string{fmt.Sprintf("+33 6 12 34 %02d %02d", i/100, i%100), "A"})
			}
			at := clk.now().Add(time.Minute)
			_, err := b.env.Notifier.SendBulk(ctx, b.live, &notify.BulkRequest{Name: "j", TemplateID: b.sms.ID, Rows: rows, ScheduledFor: &at})
			require.NoError(t, err)
			clk.advance(time.Minute)
			_, err = b.env.Notifier.Sweep(ctx)
			require.NoError(t, err)
			require.NoError(t, sendIntl(t, b), "the last place")
			assert.ErrorIs(t, sendIntl(t, b), notify.ErrDailyLimit, "all 1201 rows count")
		})
	}
}

// Crown dependency numbers (+44) do not count against the
// international_sms limit, in bulk as in single sends.
func TestBulkCrownDependencyRowsAreNotInternational(t *testing.T) {
	for _, s := range jobStores() {
		t.Run(s.name, func(t *testing.T) {
			clk := newClock()
			b := newBulkEnv(t, notify.Service{InternationalSMSMessageLimit: 1}, onJobStore(s.open(t)),
				notifytest.Options{Config: func(c *notify.Config) { c.Clock = clk.now }})
			ctx := t.Context()
			rows := [][]string{{"phone number", "name"}, {"07797 712345", "A"}, {"07797 712346", "B"}, {"07700 900311", "C"}}
			_, err := b.env.Notifier.SendBulk(ctx, b.live, &notify.BulkRequest{Name: "j", TemplateID: b.sms.ID, Rows: rows})
			require.NoError(t, err, "two Jersey numbers with an international limit of 1")
			at := clk.now().Add(time.Minute)
			job, err := b.env.Notifier.SendBulk(ctx, b.live, &notify.BulkRequest{Name: "j", TemplateID: b.sms.ID, Rows: rows, ScheduledFor: &at})
			require.NoError(t, err)
			clk.advance(time.Minute)
			_, err = b.env.Notifier.Sweep(ctx)
			require.NoError(t, err)
			j, err := b.env.Notifier.GetJob(ctx, b.live, job.ID)
			require.NoError(t, err)
			assert.Equal(t, notify.JobFinished, j.Status)
			for range 2 {
				_, err := b.env.Notifier.SendSMS(ctx, b.live, &notify.SMSRequest{PhoneNumber: "07797 712347",
					TemplateID: b.sms.ID, Personalisation: map[string]any{"name": "x"}})
				require.NoError(t, err, "as single sends")
			}
		})
	}
}
