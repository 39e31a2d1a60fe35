package notify_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
	"github.com/notifykit/notify/store/gormstore"
	"github.com/notifykit/notify/store/memstore"
)

// jobStores are the Stores the job tests run on: memory, and SQLite
// through gormstore.
func jobStores() []struct {
	name string
	open func(t *testing.T) notify.Store
} {
	return []struct {
		name string
		open func(t *testing.T) notify.Store
	}{
		{"memstore", func(*testing.T) notify.Store { return memstore.New() }},
		{"sqlite", func(t *testing.T) notify.Store {
			st, err := gormstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "notify.db"), gormstore.Options{})
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			return st
		}},
	}
}

// onJobStore makes an Env run on st.
func onJobStore(st notify.Store) notifytest.Options {
	return notifytest.Options{Config: func(c *notify.Config) { c.Store = st }}
}

// jobRows returns the stored notifications of a job by row number.
func jobRows(t *testing.T, n *notify.Notifier, c *notify.Caller, jobID uuid.UUID) map[int]notify.Notification {
	t.Helper()
	list, err := n.List(t.Context(), c, &notify.ListQuery{JobID: &jobID})
	require.NoError(t, err)
	rows := make(map[int]notify.Notification, len(list))
	for _, x := range list {
		require.NotNil(t, x.JobRowNumber)
		rows[*x.JobRowNumber] = x
	}
	return rows
}

// A bulk send chooses its sender as a single send does: reply_to_id names
// an SMS sender for a text message template and a reply-to address for an
// email one; without it the service's default applies.
func TestBulkSendersAreChosenAsForSingleSends(t *testing.T) {
	for _, s := range jobStores() {
		t.Run(s.name, func(t *testing.T) {
			b := newBulkEnv(t, notify.Service{SMSSender: "Legacy"}, onJobStore(s.open(t)))
			n := b.env.Notifier
			ctx := t.Context()
			smsRows := [][]string{{"phone number", "name"}, {"07700 900311", "A"}, {"07700 900322", "B"}}
			emailRows := [][]string{{"email address", "name"}, {"a@example.com", "A"}, {"b@example.com", "B"}}
			sms := func(id *uuid.UUID) (*notify.JobDetails, error) {
				return n.SendBulk(ctx, b.live, &notify.BulkRequest{Name: "j", TemplateID: b.sms.ID, Rows: smsRows, ReplyToID: id})
			}
			email := func(id *uuid.UUID) (*notify.JobDetails, error) {
				return n.SendBulk(ctx, b.live, &notify.BulkRequest{Name: "j", TemplateID: b.email.ID, Rows: emailRows, ReplyToID: id})
			}
			assertRows := func(job *notify.JobDetails, from, replyTo string) {
				t.Helper()
				rows := jobRows(t, n, b.live, job.ID)
				require.Len(t, rows, 2)
				for _, r := range rows {
					assert.Equal(t, from, r.From)
					assert.Equal(t, replyTo, r.ReplyTo)
				}
			}
			emailFrom := "test.service@" + notify.DefaultEmailDomain

			// Without sender rows: the service's SMSSender, no Reply-To.
			job, err := sms(nil)
			require.NoError(t, err)
			assertRows(job, "Legacy", "")
			job, err = email(nil)
			require.NoError(t, err)
			assertRows(job, emailFrom, "")

			def, err := n.AddSMSSender(ctx, notify.SMSSender{ServiceID: b.svc.ID, SMSSender: "GOVUK"})
			require.NoError(t, err)
			number, err := n.AddSMSSender(ctx, notify.SMSSender{ServiceID: b.svc.ID, SMSSender: "07123123123"})
			require.NoError(t, err)
			old, err := n.AddSMSSender(ctx, notify.SMSSender{ServiceID: b.svc.ID, SMSSender: "Old"})
			require.NoError(t, err)
			_, err = n.ArchiveSMSSender(ctx, b.svc.ID, old.ID)
			require.NoError(t, err)
			defReply, err := n.AddEmailReplyTo(ctx, notify.EmailReplyTo{ServiceID: b.svc.ID, EmailAddress: "help@example.gov.uk"})
			require.NoError(t, err)
			otherReply, err := n.AddEmailReplyTo(ctx, notify.EmailReplyTo{ServiceID: b.svc.ID, EmailAddress: "other@example.gov.uk"})
			require.NoError(t, err)
			otherSvc := b.env.Service(t, notify.Service{Name: "Other"})
			theirs, err := n.AddSMSSender(ctx, notify.SMSSender{ServiceID: otherSvc.ID, SMSSender: "Theirs"})
			require.NoError(t, err)

			job, err = sms(nil)
			require.NoError(t, err)
			assertRows(job, "GOVUK", "")
			named, err := sms(&number.ID)
			require.NoError(t, err)
			assertRows(named, "447123123123", "")
			job, err = email(nil)
			require.NoError(t, err)
			assertRows(job, emailFrom, "help@example.gov.uk")
			namedReply, err := email(&otherReply.ID)
			require.NoError(t, err)
			assertRows(namedReply, emailFrom, "other@example.gov.uk")

			// Ids that name no live sender of the right kind are refused with
			// the single sends' messages, and store nothing.
			stored := b.storedCount(t)
			for _, id := range []uuid.UUID{old.ID, defReply.ID, theirs.ID, uuid.New()} {
				_, err := sms(&id)
				assertRefused(t, err, "BadRequestError",
					fmt.Sprintf("sms_sender_id %s does not exist in database for service id %s", id, b.svc.ID))
			}
			for _, id := range []uuid.UUID{def.ID, uuid.New()} {
				_, err := email(&id)
				assertRefused(t, err, "BadRequestError",
					fmt.Sprintf("email_reply_to_id %s does not exist in database for service id %s", id, b.svc.ID))
			}
			assert.Equal(t, stored, b.storedCount(t), "a refused job stores nothing")

			// The JSON body's reply_to_id is the same.
			_, err = n.SendBulkJSON(ctx, b.live, b.body(t, b.sms, map[string]any{"rows": smsRows, "reply_to_id": defReply.ID.String()}))
			assertRefused(t, err, "BadRequestError",
				fmt.Sprintf("sms_sender_id %s does not exist in database for service id %s", defReply.ID, b.svc.ID))
			viaJSON, err := n.SendBulkJSON(ctx, b.live, b.body(t, b.sms, map[string]any{"rows": smsRows, "reply_to_id": number.ID.String()}))
			require.NoError(t, err)
			assertRows(viaJSON, "447123123123", "")

			// The providers get them, and the rows keep them once the senders
			// change.
			_, err = n.UpdateSMSSender(ctx, b.svc.ID, number.ID, "Changed", false)
			require.NoError(t, err)
			b.env.Start()
			for _, id := range []uuid.UUID{named.ID, namedReply.ID} {
				require.Eventually(t, func() bool {
					j, err := n.GetJob(ctx, b.live, id)
					require.NoError(t, err)
					return j.Status == notify.JobFinished && len(j.Statistics) == 1 && j.Statistics[0].Status == notify.StatusDelivered
				}, 10*time.Second, 20*time.Millisecond)
			}
			sent := map[uuid.UUID]notify.Message{}
			for _, s := range b.env.Sandbox.Sent() {
				sent[s.Message.NotificationID] = s.Message
			}
			for _, r := range jobRows(t, n, b.live, named.ID) {
				assert.Equal(t, "447123123123", sent[r.ID].From)
				assert.Equal(t, "447123123123", r.From)
			}
			for _, r := range jobRows(t, n, b.live, namedReply.ID) {
				assert.Equal(t, "other@example.gov.uk", sent[r.ID].ReplyTo)
			}
		})
	}
}
