package notify_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
	"github.com/notifykit/notify/store/memstore"
)

func TestSetCallbackRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{})
	n := f.env.Notifier
	ok := notify.CallbackChange{URL: "https://example.com/cb", BearerToken: "0123456789"}
	cases := []struct {
		name string
		typ  notify.CallbackType
		c    notify.CallbackChange
		want []string
	}{
		{"http", notify.CallbackDeliveryStatus, notify.CallbackChange{URL: "http://example.com", BearerToken: "0123456789"}, []string{notify.MsgCallbackURL}},
		{"private address", notify.CallbackComplaint, notify.CallbackChange{URL: "https://10.0.0.1/cb", BearerToken: "0123456789"}, []string{notify.MsgCallbackURL}},
		{"loopback", notify.CallbackInboundSMS, notify.CallbackChange{URL: "https://127.0.0.1/cb", BearerToken: "0123456789"}, []string{notify.MsgCallbackURL}},
		{"no url, short token", notify.CallbackComplaint, notify.CallbackChange{BearerToken: "123456789"}, []string{notify.MsgCallbackURL, notify.MsgCallbackTokenShort}},
		{"unknown type", "returned_letter", ok, []string{"callback_type returned_letter is not one of [delivery_status, complaint, inbound_sms]"}},
	}
	for _, c := range cases {
		_, err := n.SetCallback(ctx, f.svc.ID, c.typ, c.c)
		var msgs []string
		for _, e := range notify.ErrorList(err) {
			assert.Equal(t, notify.NameValidation, e.Name, c.name)
			msgs = append(msgs, e.Message)
		}
		assert.Equal(t, c.want, msgs, c.name)
	}
	list, err := n.Callbacks(ctx, f.svc.ID)
	require.NoError(t, err)
	assert.Empty(t, list, "a refusal stores nothing")

	_, err = n.SetCallback(ctx, uuid.New(), notify.CallbackComplaint, ok)
	assert.ErrorIs(t, err, notify.ErrNoResult, "an unknown service")
	_, err = n.Callback(ctx, f.svc.ID, notify.CallbackComplaint)
	assert.ErrorIs(t, err, notify.ErrNoResult)
	assert.ErrorIs(t, n.DeleteCallback(ctx, f.svc.ID, notify.CallbackComplaint), notify.ErrNoResult)

	// Created once; CreateCallback refuses a second, SetCallback replaces.
	first, err := n.CreateCallback(ctx, f.svc.ID, notify.CallbackComplaint, ok)
	require.NoError(t, err)
	_, err = n.CreateCallback(ctx, f.svc.ID, notify.CallbackComplaint, ok)
	assert.Equal(t, notify.ErrOneCallbackPerType, err)
	same, err := n.SetCallback(ctx, f.svc.ID, notify.CallbackComplaint, ok)
	require.NoError(t, err)
	assert.Nil(t, same.UpdatedAt, "setting what it is changes nothing")
	changed, err := n.SetCallback(ctx, f.svc.ID, notify.CallbackComplaint, notify.CallbackChange{URL: ok.URL, BearerToken: "another-token"})
	require.NoError(t, err)
	assert.Equal(t, first.ID, changed.ID)
	assert.NotNil(t, changed.UpdatedAt)
	assert.Empty(t, changed.BearerToken)
}

func TestCallbacksNeedTheStoreAbility(t *testing.T) {
	t.Parallel()
	env := notifytest.New(t, notifytest.WithConfig(func(c *notify.Config) { c.Store = bareStore{memstore.New()} }))
	svc := env.Service(t, notify.Service{})
	n := env.Notifier
	_, err := n.SetCallback(ctx, svc.ID, notify.CallbackComplaint, notify.CallbackChange{URL: "https://example.com", BearerToken: "0123456789"})
	assert.ErrorIs(t, err, notify.ErrUnsupported)
	_, err = n.AssignInboundNumber(ctx, svc.ID, "07700900999")
	assert.ErrorIs(t, err, notify.ErrUnsupported)
	_, err = n.ReceiveComplaint(ctx, notify.ComplaintReport{Provider: "ses", ProviderReference: "x"})
	assert.ErrorIs(t, err, notify.ErrUnsupported)
	_, err = n.ReceiveInboundSMS(ctx, notify.InboundSMS{NotifyNumber: "07700900999", UserNumber: "07700900123", Content: "x"})
	assert.ErrorIs(t, err, notify.ErrUnknownInboundNumber)
	// The older callback URL still works without the ability.
	sink := newCallbackSink(t)
	env2 := notifytest.New(t, insecureCallbacks, notifytest.WithConfig(func(c *notify.Config) { c.Store = bareStore{memstore.New()} }))
	svc2 := env2.Service(t, notify.Service{})
	require.NoError(t, env2.Notifier.SetServiceCallback(ctx, svc2.ID, sink.srv.URL, "a-long-bearer-token"))
	caller := env2.Key(t, svc2, notify.KeyTypeSimulate)
	tpl := env2.Template(t, svc2, notify.SMS, "", "Hi")
	nt, err := env2.Notifier.SendSMS(ctx, caller, &notify.SMSRequest{PhoneNumber: "07700900456", TemplateID: tpl.ID})
	require.NoError(t, err)
	env2.WaitFinal(t, nt.ID)
	require.Eventually(t, func() bool { return len(sink.received()) == 1 }, 10*time.Second, 5*time.Millisecond)
}

func TestInboundNumbers(t *testing.T) {
	t.Parallel()
	sink := newCallbackSink(t)
	sink.fails.Store(2) // retried until it answers
	f := newFixture(t, notify.Service{SMSSender: "COUNCIL"}, insecureCallbacks)
	n := f.env.Notifier
	other := f.env.Service(t, notify.Service{Name: "Other"})

	in, err := n.AssignInboundNumber(ctx, f.svc.ID, "+44 7700 900999")
	require.NoError(t, err)
	assert.Equal(t, "447700900999", in.Number)
	again, err := n.AssignInboundNumber(ctx, f.svc.ID, "07700900999")
	require.NoError(t, err)
	assert.Equal(t, in.ID, again.ID, "assigning again changes nothing")
	_, err = n.AssignInboundNumber(ctx, other.ID, "07700 900 999")
	assert.Equal(t, notify.ErrInboundNumberTaken, err)
	_, err = n.AssignInboundNumber(ctx, other.ID, "no digits")
	requireRefusal(t, err, 400, notify.NameValidation, "number is not a valid phone number or short code")
	_, err = n.AssignInboundNumber(ctx, uuid.New(), "07700900888")
	assert.ErrorIs(t, err, notify.ErrNoResult)
	svc, err := n.Store().GetService(ctx, f.svc.ID)
	require.NoError(t, err)
	assert.Equal(t, "COUNCIL", svc.SMSSender, "a service's own sender is kept")

	// The inbound number is the sender of a service without one.
	_, err = n.AssignInboundNumber(ctx, other.ID, "07700900222")
	require.NoError(t, err)
	caller := f.env.Key(t, other, notify.KeyTypeLive)
	f.env.TeamMember(t, other, "x@example.com", teamPhone)
	tpl := f.env.Template(t, other, notify.SMS, "", "Hi")
	nt, err := n.SendSMS(ctx, caller, &notify.SMSRequest{PhoneNumber: teamPhone, TemplateID: tpl.ID})
	require.NoError(t, err)
	f.env.WaitFinal(t, nt.ID)
	sent := f.env.Sandbox.Sent()
	require.NotEmpty(t, sent)
	assert.Equal(t, "447700900222", sent[len(sent)-1].Message.From)

	// Unknown number: an error, nothing stored.
	_, err = n.ReceiveInboundSMS(ctx, notify.InboundSMS{NotifyNumber: "07700900333", UserNumber: "07700900123", Content: "x"})
	assert.True(t, errors.Is(err, notify.ErrUnknownInboundNumber), "%v", err)

	// Known number: stored, and sent to the inbound_sms callback, retried
	// until the service answers.
	_, err = n.SetCallback(ctx, f.svc.ID, notify.CallbackInboundSMS, notify.CallbackChange{URL: sink.srv.URL + "/in", BearerToken: "inbound-token"})
	require.NoError(t, err)
	m, err := n.ReceiveInboundSMS(ctx, notify.InboundSMS{NotifyNumber: "447700900999", UserNumber: "07700 900123", Content: "Stop", Provider: "mmg"})
	require.NoError(t, err)
	assert.Equal(t, f.svc.ID, m.ServiceID)
	assert.Equal(t, "447700900123", m.UserNumber)
	require.Eventually(t, func() bool { return len(sink.received()) == 1 }, 10*time.Second, 5*time.Millisecond)
	got := sink.received()[0]
	assert.Equal(t, m.ID.String(), got["id"])
	assert.Equal(t, "Stop", got["message"])
	assert.Len(t, got, 5)
	assert.Equal(t, "Bearer inbound-token", sink.auth[0])
}

// Service callbacks are sealed under the secret key and move with it.
func TestServiceCallbacksRotateWithTheKey(t *testing.T) {
	t.Parallel()
	store := memstore.New()
	n, err := newOn(t, store, keyA)
	require.NoError(t, err)
	svc, err := n.CreateService(ctx, notify.Service{Name: "Rotating"})
	require.NoError(t, err)
	_, err = n.SetCallback(ctx, svc.ID, notify.CallbackInboundSMS, notify.CallbackChange{URL: "https://example.com/in", BearerToken: "inbound-token"})
	require.NoError(t, err)
	raw, err := store.GetServiceCallback(ctx, svc.ID, notify.CallbackInboundSMS)
	require.NoError(t, err)
	assert.NotContains(t, raw.URL+raw.BearerToken, "example.com", "sealed at rest")
	assert.NotContains(t, raw.URL+raw.BearerToken, "inbound-token", "sealed at rest")

	r, err := notify.RotateSecretKey(ctx, store, keyA, keyB)
	require.NoError(t, err)
	assert.Equal(t, 2, r.CallbackValues, "the callback's URL and token")
	nb, err := newOn(t, store, keyB)
	require.NoError(t, err)
	cb, err := nb.Callback(ctx, svc.ID, notify.CallbackInboundSMS)
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/in", cb.URL)
}

// failingCallbacks is a queue that refuses service-callback tasks.
type failingCallbacks struct{ notify.Queue }

func (q failingCallbacks) Enqueue(ctx context.Context, name string, t notify.Task) error {
	if name == notify.QueueServiceCallbacks {
		return errors.New("queue unavailable")
	}
	return q.Queue.Enqueue(ctx, name, t)
}

// A queue that fails loses no received text message: it is stored (the
// provider is answered), and only its callback is missed, with a log.
func TestInboundSMSStoredWhenTheCallbackQueueFails(t *testing.T) {
	t.Parallel()
	env := notifytest.New(t, notifytest.WithConfig(func(c *notify.Config) { c.Queue = failingCallbacks{c.Queue} }))
	n := env.Notifier
	svc := env.Service(t, notify.Service{})
	_, err := n.SetCallback(ctx, svc.ID, notify.CallbackInboundSMS, notify.CallbackChange{URL: "https://example.com/in", BearerToken: "inbound-token"})
	require.NoError(t, err)
	_, err = n.AssignInboundNumber(ctx, svc.ID, "40604")
	require.NoError(t, err)
	m, err := n.ReceiveInboundSMS(ctx, notify.InboundSMS{NotifyNumber: "40604", UserNumber: "07700900123", Content: "Hi"})
	require.NoError(t, err)
	list, err := n.Store().ListInboundSMS(ctx, svc.ID, nil, 0)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, m.ID, list[0].ID)
}

// TestInboundNumberBecomesASender checks that an assigned inbound number is
// one of the service's SMS senders, linked to the number: the default of a
// service without a sender, an extra one beside a service's own default.
func TestInboundNumberBecomesASender(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{SMSSender: "COUNCIL"})
	n := f.env.Notifier
	in, err := n.AssignInboundNumber(ctx, f.svc.ID, "07700900999")
	require.NoError(t, err)
	_, err = n.AssignInboundNumber(ctx, f.svc.ID, "07700900999")
	require.NoError(t, err)
	list, err := n.ListSMSSenders(ctx, f.svc.ID)
	require.NoError(t, err)
	require.Len(t, list, 2, "the service's own sender and the number, once")
	assert.Equal(t, "COUNCIL", list[0].SMSSender)
	assert.True(t, list[0].IsDefault, "the service's own sender stays the default")
	assert.Nil(t, list[0].InboundNumberID)
	assert.Equal(t, "447700900999", list[1].SMSSender)
	assert.False(t, list[1].IsDefault)
	require.NotNil(t, list[1].InboundNumberID)
	assert.Equal(t, in.ID, *list[1].InboundNumberID)
	_, err = n.ArchiveSMSSender(ctx, f.svc.ID, list[1].ID)
	requireRefusal(t, err, 400, notify.NameBadRequest, notify.MsgArchiveInboundSMSSender)

	other := f.env.Service(t, notify.Service{Name: "Other"})
	_, err = n.AssignInboundNumber(ctx, other.ID, "07700900222")
	require.NoError(t, err)
	list, err = n.ListSMSSenders(ctx, other.ID)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.True(t, list[0].IsDefault, "the number is the default of a service without a sender")
	assert.Equal(t, "447700900222", list[0].FromNumber())
}

// cancelAfterInbound cancels the request's context as soon as a received
// message is stored, as a provider hanging up at that moment would.
type cancelAfterInbound struct {
	*memstore.Store
	cancel context.CancelFunc
}

func (s *cancelAfterInbound) CreateInboundSMS(ctx context.Context, m *notify.InboundSMS) error {
	err := s.Store.CreateInboundSMS(ctx, m)
	s.cancel()
	return err
}

// A provider that goes away once its message is stored does not cost the
// service its inbound_sms callback: the callback is queued all the same.
func TestInboundCallbackQueuedAfterTheProviderLeft(t *testing.T) {
	t.Parallel()
	sink := newCallbackSink(t)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	env := notifytest.New(t, notifytest.WithConfig(func(c *notify.Config) {
		c.AllowInsecureCallbacks = true
		c.Store = &cancelAfterInbound{Store: c.Store.(*memstore.Store), cancel: cancel}
	}))
	n := env.Notifier
	env.Start()
	svc := env.Service(t, notify.Service{})
	_, err := n.SetCallback(ctx, svc.ID, notify.CallbackInboundSMS, notify.CallbackChange{URL: sink.srv.URL + "/in", BearerToken: "inbound-token"})
	require.NoError(t, err)
	_, err = n.AssignInboundNumber(ctx, svc.ID, "40604")
	require.NoError(t, err)
	m, err := n.ReceiveInboundSMS(rctx, notify.InboundSMS{NotifyNumber: "40604", UserNumber: "07700900123", Content: "Hi"})
	require.NoError(t, err)
	require.Error(t, rctx.Err(), "the provider has gone")
	require.Eventually(t, func() bool { return len(sink.received()) == 1 }, 10*time.Second, 5*time.Millisecond)
	assert.Equal(t, m.ID.String(), sink.received()[0]["id"])
}
