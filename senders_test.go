package notify_test

import (
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
	"github.com/notifykit/notify/stats/instrument"
	"github.com/notifykit/notify/store/memstore"
)

func TestSMSSenderRules(t *testing.T) {
	env := notifytest.New(t)
	n := env.Notifier
	svc := env.Service(t, notify.Service{Name: "Senders"})

	list, err := n.ListSMSSenders(ctx, svc.ID)
	require.NoError(t, err)
	assert.Empty(t, list)

	// The first becomes the default whatever it asks.
	first, err := n.AddSMSSender(ctx, notify.SMSSender{ServiceID: svc.ID, SMSSender: " GOVUK ", IsDefault: false})
	require.NoError(t, err)
	assert.True(t, first.IsDefault)
	assert.Equal(t, "GOVUK", first.SMSSender, "trimmed")
	assert.NotEqual(t, uuid.Nil, first.ID)

	second, err := n.AddSMSSender(ctx, notify.SMSSender{ServiceID: svc.ID, SMSSender: "07700 900123"})
	require.NoError(t, err)
	assert.False(t, second.IsDefault)
	assert.Equal(t, "447700900123", second.FromNumber(), "phone numbers are sent normalised")
	assert.Equal(t, "GOVUK", first.FromNumber())

	// Validation: nothing changes.
	for _, bad := range []struct{ value, msg string }{
		{"", notify.MsgMissingField},
		{"   ", notify.MsgMissingField},
		{"TWELVECHARSX", "Must be at most 11 letters, numbers and spaces, or a phone number."},
		{"GOV\r\nUK", "Must be at most 11 letters, numbers and spaces, or a phone number."},
		{"GOV.UK", "Must be at most 11 letters, numbers and spaces, or a phone number."},
	} {
		_, err := n.AddSMSSender(ctx, notify.SMSSender{ServiceID: svc.ID, SMSSender: bad.value})
		assert.Equal(t, map[string][]string{"sms_sender": {bad.msg}}, fieldErrors(t, err), "%q", bad.value)
	}
	_, err = n.AddSMSSender(ctx, notify.SMSSender{ServiceID: uuid.New(), SMSSender: "GOVUK"})
	assert.ErrorIs(t, err, notify.ErrNoResult)

	// The default cannot stop being one, nor be archived.
	_, err = n.UpdateSMSSender(ctx, svc.ID, first.ID, "GOVUK", false)
	requireRefusal(t, err, http.StatusBadRequest, notify.NameBadRequest, "You must have at least one SMS sender as the default")
	_, err = n.ArchiveSMSSender(ctx, svc.ID, first.ID)
	requireRefusal(t, err, http.StatusBadRequest, notify.NameBadRequest, "You cannot delete a default sms sender")

	// A new default takes over.
	got, err := n.SetDefaultSMSSender(ctx, svc.ID, second.ID)
	require.NoError(t, err)
	assert.True(t, got.IsDefault)
	require.NotNil(t, got.UpdatedAt)
	list, err = n.ListSMSSenders(ctx, svc.ID)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, []uuid.UUID{second.ID, first.ID}, []uuid.UUID{list[0].ID, list[1].ID}, "the default first")
	assert.False(t, list[1].IsDefault)

	updated, err := n.UpdateSMSSender(ctx, svc.ID, first.ID, "Passports", false)
	require.NoError(t, err)
	assert.Equal(t, "Passports", updated.SMSSender)
	archived, err := n.ArchiveSMSSender(ctx, svc.ID, first.ID)
	require.NoError(t, err)
	assert.True(t, archived.Archived)
	_, err = n.GetSMSSender(ctx, svc.ID, first.ID)
	assert.ErrorIs(t, err, notify.ErrNoResult, "archived senders are gone")
	_, err = n.UpdateSMSSender(ctx, svc.ID, first.ID, "Passports", true)
	assert.ErrorIs(t, err, notify.ErrNoResult)
	_, err = n.ArchiveSMSSender(ctx, svc.ID, uuid.New())
	assert.ErrorIs(t, err, notify.ErrNoResult)

	// A sender on an inbound number keeps its number and stays.
	inboundID := uuid.New()
	inbound, err := n.AddSMSSender(ctx, notify.SMSSender{ServiceID: svc.ID, SMSSender: "07700900999", InboundNumberID: &inboundID})
	require.NoError(t, err)
	_, err = n.UpdateSMSSender(ctx, svc.ID, inbound.ID, "07700900998", false)
	requireRefusal(t, err, http.StatusBadRequest, notify.NameBadRequest, "You can not change the inbound number for service "+svc.ID.String())
	_, err = n.ArchiveSMSSender(ctx, svc.ID, inbound.ID)
	requireRefusal(t, err, http.StatusBadRequest, notify.NameBadRequest, "You cannot delete an inbound number")
	got, err = n.SetDefaultSMSSender(ctx, svc.ID, inbound.ID)
	require.NoError(t, err)
	assert.Equal(t, &inboundID, got.InboundNumberID, "making it the default keeps its number")

	// Another service cannot reach them.
	other := env.Service(t, notify.Service{Name: "Other"})
	_, err = n.GetSMSSender(ctx, other.ID, second.ID)
	assert.ErrorIs(t, err, notify.ErrNoResult)
	_, err = n.ArchiveSMSSender(ctx, other.ID, second.ID)
	assert.ErrorIs(t, err, notify.ErrNoResult)
}

func TestEmailReplyToRules(t *testing.T) {
	env := notifytest.New(t)
	n := env.Notifier
	svc := env.Service(t, notify.Service{Name: "Replies"})

	first, err := n.AddEmailReplyTo(ctx, notify.EmailReplyTo{ServiceID: svc.ID, EmailAddress: "first@example.gov.uk"})
	require.NoError(t, err)
	assert.True(t, first.IsDefault, "the first becomes the default")

	_, err = n.AddEmailReplyTo(ctx, notify.EmailReplyTo{ServiceID: svc.ID, EmailAddress: "First@Example.gov.uk"})
	requireRefusal(t, err, http.StatusConflict, notify.NameBadRequest,
		"Your service already uses ‘First@Example.gov.uk’ as an email reply-to address.")
	for _, bad := range []string{"not an email", "a@example.com\r\nBcc: x@example.com", "a@example.com, b@example.com"} {
		_, err = n.AddEmailReplyTo(ctx, notify.EmailReplyTo{ServiceID: svc.ID, EmailAddress: bad})
		assert.Equal(t, map[string][]string{"email_address": {"Not a valid email address"}}, fieldErrors(t, err), "%q", bad)
	}
	_, err = n.AddEmailReplyTo(ctx, notify.EmailReplyTo{ServiceID: svc.ID})
	assert.Equal(t, map[string][]string{"email_address": {notify.MsgMissingField}}, fieldErrors(t, err))

	second, err := n.AddEmailReplyTo(ctx, notify.EmailReplyTo{ServiceID: svc.ID, EmailAddress: "second@example.gov.uk", IsDefault: true})
	require.NoError(t, err)
	assert.True(t, second.IsDefault)
	got, err := n.GetEmailReplyTo(ctx, svc.ID, first.ID)
	require.NoError(t, err)
	assert.False(t, got.IsDefault, "the new default took over")

	_, err = n.UpdateEmailReplyTo(ctx, svc.ID, second.ID, "second@example.gov.uk", false)
	requireRefusal(t, err, http.StatusBadRequest, notify.NameBadRequest, "You must have at least one reply to email address as the default.")
	_, err = n.ArchiveEmailReplyTo(ctx, svc.ID, second.ID)
	requireRefusal(t, err, http.StatusBadRequest, notify.NameBadRequest, "You cannot delete a default email reply to address")

	changed, err := n.UpdateEmailReplyTo(ctx, svc.ID, first.ID, "changed@example.gov.uk", false)
	require.NoError(t, err)
	assert.Equal(t, "changed@example.gov.uk", changed.EmailAddress)
	_, err = n.ArchiveEmailReplyTo(ctx, svc.ID, first.ID)
	require.NoError(t, err)
	list, err := n.ListEmailReplyTo(ctx, svc.ID)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, second.ID, list[0].ID)
	_, err = n.AddEmailReplyTo(ctx, notify.EmailReplyTo{ServiceID: svc.ID, EmailAddress: "changed@example.gov.uk"})
	assert.NoError(t, err, "an archived address may be added again")
}

// A send names a sender or takes the service's default; the provider gets
// it and the notification keeps it.
func TestSendWithSenders(t *testing.T) {
	f := newFixture(t, notify.Service{Restricted: false, SMSSender: "Legacy"})
	n := f.env.Notifier
	f.env.Start()

	// Without sender rows: the service's SMSSender, no Reply-To, and any id
	// is refused.
	nt, err := f.sendSMS(notify.KeyTypeLive, "07700 900333")
	require.NoError(t, err)
	assert.Equal(t, "Legacy", nt.From)
	em, err := f.sendEmail(notify.KeyTypeLive, "someone@example.com")
	require.NoError(t, err)
	assert.Empty(t, em.ReplyTo)
	unknown := uuid.New()
	_, err = n.SendSMS(ctx, f.keys[notify.KeyTypeLive], &notify.SMSRequest{PhoneNumber: "07700 900333", TemplateID: f.sms.ID,
		Personalisation: map[string]any{"name": "Jo"}, SMSSenderID: &unknown})
	requireRefusal(t, err, http.StatusBadRequest, notify.NameBadRequest,
		"sms_sender_id "+unknown.String()+" does not exist in database for service id "+f.svc.ID.String())

	def, err := n.AddSMSSender(ctx, notify.SMSSender{ServiceID: f.svc.ID, SMSSender: "GOVUK"})
	require.NoError(t, err)
	inbound, err := n.AddSMSSender(ctx, notify.SMSSender{ServiceID: f.svc.ID, SMSSender: "07123123123"})
	require.NoError(t, err)
	old, err := n.AddSMSSender(ctx, notify.SMSSender{ServiceID: f.svc.ID, SMSSender: "Old"})
	require.NoError(t, err)
	_, err = n.ArchiveSMSSender(ctx, f.svc.ID, old.ID)
	require.NoError(t, err)
	defReply, err := n.AddEmailReplyTo(ctx, notify.EmailReplyTo{ServiceID: f.svc.ID, EmailAddress: "help@example.gov.uk"})
	require.NoError(t, err)
	otherReply, err := n.AddEmailReplyTo(ctx, notify.EmailReplyTo{ServiceID: f.svc.ID, EmailAddress: "other@example.gov.uk"})
	require.NoError(t, err)

	sms := func(sender *uuid.UUID) (*notify.Notification, error) {
		return n.SendSMS(ctx, f.keys[notify.KeyTypeLive], &notify.SMSRequest{PhoneNumber: "07700 900444", TemplateID: f.sms.ID,
			Personalisation: map[string]any{"name": "Jo"}, SMSSenderID: sender})
	}
	email := func(reply *uuid.UUID) (*notify.Notification, error) {
		return n.SendEmail(ctx, f.keys[notify.KeyTypeLive], &notify.EmailRequest{EmailAddress: "someone@example.com",
			TemplateID: f.email.ID, Personalisation: map[string]any{"name": "Jo"}, EmailReplyToID: reply})
	}

	byDefault, err := sms(nil)
	require.NoError(t, err)
	assert.Equal(t, "GOVUK", byDefault.From, "the default sender row replaces the service's SMSSender")
	named, err := sms(&inbound.ID)
	require.NoError(t, err)
	assert.Equal(t, "447123123123", named.From, "a phone number sender is normalised")
	for _, id := range []uuid.UUID{old.ID, defReply.ID, uuid.New()} {
		_, err = sms(&id)
		requireRefusal(t, err, http.StatusBadRequest, notify.NameBadRequest,
			"sms_sender_id "+id.String()+" does not exist in database for service id "+f.svc.ID.String())
	}

	replyDefault, err := email(nil)
	require.NoError(t, err)
	assert.Equal(t, "help@example.gov.uk", replyDefault.ReplyTo)
	replyNamed, err := email(&otherReply.ID)
	require.NoError(t, err)
	assert.Equal(t, "other@example.gov.uk", replyNamed.ReplyTo)
	_, err = email(&def.ID)
	requireRefusal(t, err, http.StatusBadRequest, notify.NameBadRequest,
		"email_reply_to_id "+def.ID.String()+" does not exist in database for service id "+f.svc.ID.String())

	// Another service's sender is refused too.
	other := f.env.Service(t, notify.Service{Name: "Other"})
	theirs, err := n.AddSMSSender(ctx, notify.SMSSender{ServiceID: other.ID, SMSSender: "Theirs"})
	require.NoError(t, err)
	_, err = sms(&theirs.ID)
	requireRefusal(t, err, http.StatusBadRequest, notify.NameBadRequest,
		"sms_sender_id "+theirs.ID.String()+" does not exist in database for service id "+f.svc.ID.String())

	// What the provider got, and what the stored notification keeps once
	// the senders change.
	_, err = n.UpdateSMSSender(ctx, f.svc.ID, inbound.ID, "Changed", false)
	require.NoError(t, err)
	f.env.WaitSent(t, named.ID)
	f.env.WaitSent(t, replyNamed.ID)
	sent := map[uuid.UUID]notify.Message{}
	for _, s := range f.env.Sandbox.Sent() {
		sent[s.Message.NotificationID] = s.Message
	}
	assert.Equal(t, "447123123123", sent[named.ID].From)
	assert.Equal(t, "other@example.gov.uk", sent[replyNamed.ID].ReplyTo)
	assert.Equal(t, "447123123123", f.env.Get(t, named.ID).From, "kept on the notification")
	assert.Equal(t, "other@example.gov.uk", f.env.Get(t, replyNamed.ID).ReplyTo)
}

// storeWithoutSenders hides every optional ability of a memstore.
type storeWithoutSenders struct{ notify.Store }

func TestSendersNeedTheAbility(t *testing.T) {
	env := notifytest.New(t, notifytest.WithConfig(func(c *notify.Config) { c.Store = storeWithoutSenders{memstore.New()} }))
	svc := env.Service(t, notify.Service{Name: "Plain", Restricted: false, SMSSender: "Plain"})
	_, err := env.Notifier.AddSMSSender(ctx, notify.SMSSender{ServiceID: svc.ID, SMSSender: "GOVUK"})
	assert.True(t, errors.Is(err, notify.ErrUnsupported), "%v", err)
	_, err = env.Notifier.ListEmailReplyTo(ctx, svc.ID)
	assert.ErrorIs(t, err, notify.ErrUnsupported)

	// Sending works as before: the service's sender, ids refused.
	caller := env.Key(t, svc, notify.KeyTypeLive)
	tpl := env.Template(t, svc, notify.SMS, "", "Hi")
	nt, err := env.Notifier.SendSMS(ctx, caller, &notify.SMSRequest{PhoneNumber: "07700 900333", TemplateID: tpl.ID})
	require.NoError(t, err)
	assert.Equal(t, "Plain", nt.From)
	id := uuid.New()
	_, err = env.Notifier.SendSMS(ctx, caller, &notify.SMSRequest{PhoneNumber: "07700 900333", TemplateID: tpl.ID, SMSSenderID: &id})
	requireRefusal(t, err, http.StatusBadRequest, notify.NameBadRequest,
		"sms_sender_id "+id.String()+" does not exist in database for service id "+svc.ID.String())
}

// The metrics wrappers of stats/instrument hide no sender ability.
func TestSendersThroughInstrumentedStore(t *testing.T) {
	env := notifytest.New(t, notifytest.WithConfig(func(c *notify.Config) {
		*c = instrument.Config(*c, instrument.DefaultPrefix)
	}))
	svc := env.Service(t, notify.Service{Name: "Measured", Restricted: false})
	s, err := env.Notifier.AddSMSSender(ctx, notify.SMSSender{ServiceID: svc.ID, SMSSender: "GOVUK"})
	require.NoError(t, err)
	caller := env.Key(t, svc, notify.KeyTypeLive)
	tpl := env.Template(t, svc, notify.SMS, "", "Hi")
	nt, err := env.Notifier.SendSMS(ctx, caller, &notify.SMSRequest{PhoneNumber: "07700 900333", TemplateID: tpl.ID, SMSSenderID: &s.ID})
	require.NoError(t, err)
	assert.Equal(t, "GOVUK", nt.From)
}

// Concurrent adds of one address: one is stored, the others get the 409
// a sequential second add gets.
func TestEmailReplyToConcurrentAdds(t *testing.T) {
	env := notifytest.New(t)
	n := env.Notifier
	svc := env.Service(t, notify.Service{Name: "Replies"})
	const adds = 8
	errs := make([]error, adds)
	var wg sync.WaitGroup
	for i := range adds {
		wg.Go(func() {
			_, errs[i] = n.AddEmailReplyTo(ctx, notify.EmailReplyTo{ServiceID: svc.ID, EmailAddress: "race@example.gov.uk"})
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
			continue
		}
		requireRefusal(t, err, http.StatusConflict, notify.NameBadRequest,
			"Your service already uses ‘race@example.gov.uk’ as an email reply-to address.")
	}
	assert.Equal(t, 1, ok)
	list, err := n.ListEmailReplyTo(ctx, svc.ID)
	require.NoError(t, err)
	assert.Len(t, list, 1)
}
