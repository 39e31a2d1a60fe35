package notify_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
	"github.com/notifykit/notify/store/memstore"
)

// senderCountingStore is a memstore that counts the sender list reads.
type senderCountingStore struct {
	*memstore.Store
	sms, replyTo atomic.Int64
}

func (s *senderCountingStore) ListSMSSenders(ctx context.Context, id uuid.UUID) ([]notify.SMSSender, error) {
	s.sms.Add(1)
	return s.Store.ListSMSSenders(ctx, id)
}

func (s *senderCountingStore) ListEmailReplyTo(ctx context.Context, id uuid.UUID) ([]notify.EmailReplyTo, error) {
	s.replyTo.Add(1)
	return s.Store.ListEmailReplyTo(ctx, id)
}

// Sends read the senders through the read cache; changes made through the
// Notifier show at once.
func TestSendersAreReadThroughTheCache(t *testing.T) {
	st := &senderCountingStore{Store: memstore.New()}
	env := notifytest.New(t, notifytest.WithConfig(func(c *notify.Config) { c.Store = st }))
	n := env.Notifier
	svc := env.Service(t, notify.Service{Name: "Cached", Restricted: false})
	caller := env.Key(t, svc, notify.KeyTypeLive)
	sms := env.Template(t, svc, notify.SMS, "", "Hi")
	email := env.Template(t, svc, notify.Email, "Hi", "Hello")
	_, err := n.AddSMSSender(ctx, notify.SMSSender{ServiceID: svc.ID, SMSSender: "First"})
	require.NoError(t, err)
	_, err = n.AddEmailReplyTo(ctx, notify.EmailReplyTo{ServiceID: svc.ID, EmailAddress: "first@example.gov.uk"})
	require.NoError(t, err)

	send := func() (string, string) {
		t.Helper()
		a, err := n.SendSMS(ctx, caller, &notify.SMSRequest{PhoneNumber: "07700 900555", TemplateID: sms.ID})
		require.NoError(t, err)
		b, err := n.SendEmail(ctx, caller, &notify.EmailRequest{EmailAddress: "x@example.com", TemplateID: email.ID})
		require.NoError(t, err)
		return a.From, b.ReplyTo
	}
	st.sms.Store(0)
	st.replyTo.Store(0)
	for range 5 {
		from, reply := send()
		assert.Equal(t, "First", from)
		assert.Equal(t, "first@example.gov.uk", reply)
	}
	assert.Equal(t, int64(1), st.sms.Load(), "one read of the SMS senders for five sends")
	assert.Equal(t, int64(1), st.replyTo.Load(), "one read of the reply-to addresses for five sends")

	_, err = n.AddSMSSender(ctx, notify.SMSSender{ServiceID: svc.ID, SMSSender: "Second", IsDefault: true})
	require.NoError(t, err)
	_, err = n.AddEmailReplyTo(ctx, notify.EmailReplyTo{ServiceID: svc.ID, EmailAddress: "second@example.gov.uk", IsDefault: true})
	require.NoError(t, err)
	from, reply := send()
	assert.Equal(t, "Second", from, "the new default at once")
	assert.Equal(t, "second@example.gov.uk", reply)
}
