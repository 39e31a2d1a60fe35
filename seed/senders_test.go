package seed_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
	"github.com/notifykit/notify/seed"
	"github.com/notifykit/notify/store/memstore"
)

var (
	sendersService = uuid.MustParse("aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa")
	senderA        = uuid.MustParse("aaaaaaaa-0000-4000-8000-00000000000a")
	senderB        = uuid.MustParse("aaaaaaaa-0000-4000-8000-00000000000b")
	replyA         = uuid.MustParse("aaaaaaaa-0000-4000-8000-0000000000ea")
	replyB         = uuid.MustParse("aaaaaaaa-0000-4000-8000-0000000000eb")
)

const sendersDoc = `{"services": [{
  "id": "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "name": "Senders",
  "sms_senders": [
    {"id": "aaaaaaaa-0000-4000-8000-00000000000a", "sms_sender": "GOVUK"},
    {"id": "aaaaaaaa-0000-4000-8000-00000000000b", "sms_sender": "07700 900999", "is_default": true}
  ],
  "email_reply_to": [
    {"id": "aaaaaaaa-0000-4000-8000-0000000000ea", "email_address": "help@example.gov.uk"},
    {"id": "aaaaaaaa-0000-4000-8000-0000000000eb", "email_address": "other@example.gov.uk"}
  ]}]}`

// senderSnap is what a seed load leaves of a service's senders, without
// the times.
type senderSnap struct {
	sms   map[uuid.UUID]notify.SMSSender
	reply map[uuid.UUID]notify.EmailReplyTo
}

func snapSenders(t *testing.T, n *notify.Notifier) senderSnap {
	t.Helper()
	sms, err := n.ListSMSSenders(ctx(), sendersService)
	require.NoError(t, err)
	reply, err := n.ListEmailReplyTo(ctx(), sendersService)
	require.NoError(t, err)
	s := senderSnap{sms: map[uuid.UUID]notify.SMSSender{}, reply: map[uuid.UUID]notify.EmailReplyTo{}}
	for _, v := range sms {
		v.CreatedAt, v.UpdatedAt = time.Time{}, nil
		s.sms[v.ID] = v
	}
	for _, v := range reply {
		v.CreatedAt, v.UpdatedAt = time.Time{}, nil
		s.reply[v.ID] = v
	}
	return s
}

func TestSeedSenders(t *testing.T) {
	t.Parallel()
	f, err := seed.Parse([]byte(sendersDoc))
	require.NoError(t, err)
	n := newNotifier(t)
	require.NoError(t, seed.Apply(ctx(), n, f))
	want := senderSnap{
		sms: map[uuid.UUID]notify.SMSSender{
			senderA: {ID: senderA, ServiceID: sendersService, SMSSender: "GOVUK"},
			senderB: {ID: senderB, ServiceID: sendersService, SMSSender: "07700 900999", IsDefault: true},
		},
		reply: map[uuid.UUID]notify.EmailReplyTo{
			replyA: {ID: replyA, ServiceID: sendersService, EmailAddress: "help@example.gov.uk", IsDefault: true},
			replyB: {ID: replyB, ServiceID: sendersService, EmailAddress: "other@example.gov.uk"},
		},
	}
	assert.Equal(t, want, snapSenders(t, n), "is_default, else the first, is the default")

	// A second load changes nothing, not even update times.
	before, err := n.ListSMSSenders(ctx(), sendersService)
	require.NoError(t, err)
	require.NoError(t, seed.Apply(ctx(), n, f))
	after, err := n.ListSMSSenders(ctx(), sendersService)
	require.NoError(t, err)
	assert.Equal(t, before, after)

	// A changed file moves the default and changes values.
	f.Services[0].SMSSenders[0].IsDefault, f.Services[0].SMSSenders[1].IsDefault = true, false
	f.Services[0].SMSSenders[1].SMSSender = "Passports"
	f.Services[0].EmailReplyTo[1].IsDefault = true
	require.NoError(t, seed.Apply(ctx(), n, f))
	want.sms[senderA] = notify.SMSSender{ID: senderA, ServiceID: sendersService, SMSSender: "GOVUK", IsDefault: true}
	want.sms[senderB] = notify.SMSSender{ID: senderB, ServiceID: sendersService, SMSSender: "Passports"}
	want.reply[replyA] = notify.EmailReplyTo{ID: replyA, ServiceID: sendersService, EmailAddress: "help@example.gov.uk"}
	want.reply[replyB] = notify.EmailReplyTo{ID: replyB, ServiceID: sendersService, EmailAddress: "other@example.gov.uk", IsDefault: true}
	assert.Equal(t, want, snapSenders(t, n))

	// An archived sender cannot come back under its id.
	_, err = n.ArchiveSMSSender(ctx(), sendersService, senderB)
	require.NoError(t, err)
	err = seed.Apply(ctx(), n, f)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "archived")
}

func TestSeedSendersRefusals(t *testing.T) {
	t.Parallel()
	svc := func(extra string) string {
		return `{"services": [{"id": "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "name": "S", ` + extra + `}]}`
	}
	for name, tc := range map[string]struct{ doc, msg string }{
		"sender without id":   {svc(`"sms_senders": [{"sms_sender": "GOVUK"}]`), "sms_senders[0]: id is required"},
		"invalid sender":      {svc(`"sms_senders": [{"id": "aaaaaaaa-0000-4000-8000-00000000000a", "sms_sender": "Far too long"}]`), `sms_sender "Far too long"`},
		"two defaults":        {svc(`"sms_senders": [{"id": "aaaaaaaa-0000-4000-8000-00000000000a", "sms_sender": "A", "is_default": true}, {"id": "aaaaaaaa-0000-4000-8000-00000000000b", "sms_sender": "B", "is_default": true}]`), "at most one may be"},
		"id twice":            {svc(`"sms_senders": [{"id": "aaaaaaaa-0000-4000-8000-00000000000a", "sms_sender": "A"}], "email_reply_to": [{"id": "aaaaaaaa-0000-4000-8000-00000000000a", "email_address": "a@example.com"}]`), "listed twice"},
		"invalid address":     {svc(`"email_reply_to": [{"id": "aaaaaaaa-0000-4000-8000-0000000000ea", "email_address": "a@example.com\r\nBcc: b@example.com"}]`), "not a valid email address"},
		"address twice":       {svc(`"email_reply_to": [{"id": "aaaaaaaa-0000-4000-8000-0000000000ea", "email_address": "a@example.com"}, {"id": "aaaaaaaa-0000-4000-8000-0000000000eb", "email_address": "A@example.com"}]`), "listed twice"},
		"unknown field":       {svc(`"sms_senders": [{"id": "aaaaaaaa-0000-4000-8000-00000000000a", "sms_sender": "A", "archived": true}]`), "unknown field"},
		"reply-to without id": {svc(`"email_reply_to": [{"email_address": "a@example.com"}]`), "email_reply_to[0]: id is required"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := seed.Parse([]byte(tc.doc))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

// Processes loading the same senders at the same moment all succeed and
// leave what one load leaves.
func TestSeedSendersConcurrent(t *testing.T) {
	t.Parallel()
	f, err := seed.Parse([]byte(sendersDoc))
	require.NoError(t, err)
	alone := newNotifier(t)
	require.NoError(t, seed.Apply(ctx(), alone, f))
	want := snapSenders(t, alone)

	for round := range 3 {
		st := &slowSenders{Store: memstore.New()}
		const procs = 5
		errs := make([]error, procs)
		var wg sync.WaitGroup
		start := make(chan struct{})
		var first *notify.Notifier
		for i := range procs {
			n := notifytest.New(t, notifytest.WithConfig(func(c *notify.Config) { c.Store = st })).Notifier
			if i == 0 {
				first = n
			}
			wg.Go(func() {
				<-start
				errs[i] = seed.Apply(ctx(), n, f)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			require.NoError(t, err, "round %d, process %d", round, i)
		}
		assert.Equal(t, want, snapSenders(t, first), "round %d", round)
	}
}

// slowSenders widens the window between a seed's read of the senders and
// its create.
type slowSenders struct{ *memstore.Store }

func (s *slowSenders) ListSMSSenders(ctx context.Context, id uuid.UUID) ([]notify.SMSSender, error) {
	list, err := s.Store.ListSMSSenders(ctx, id)
	time.Sleep(5 * time.Millisecond)
	return list, err
}

func (s *slowSenders) ListEmailReplyTo(ctx context.Context, id uuid.UUID) ([]notify.EmailReplyTo, error) {
	list, err := s.Store.ListEmailReplyTo(ctx, id)
	time.Sleep(5 * time.Millisecond)
	return list, err
}
