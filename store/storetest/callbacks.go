package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

// testServiceCallbacks checks the optional notify.ServiceCallbackStore
// ability.
func testServiceCallbacks(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	cs := ability[notify.ServiceCallbackStore](t, f.store, "ServiceCallbackStore")
	ctx := f.ctx
	g := f.other()

	empty, err := cs.ListServiceCallbacks(ctx, f.svc.ID)
	require.NoError(t, err)
	assert.Empty(t, empty)
	_, err = cs.GetServiceCallback(ctx, f.svc.ID, notify.CallbackDeliveryStatus)
	assert.ErrorIs(t, err, notify.ErrNotFound)

	user := uuid.New()
	inbound := &notify.ServiceCallback{ID: uuid.New(), ServiceID: f.svc.ID, Type: notify.CallbackInboundSMS,
		URL: "sealed:inbound-url", BearerToken: "sealed:inbound-token", UpdatedBy: &user, CreatedAt: at(0)}
	delivery := &notify.ServiceCallback{ID: uuid.New(), ServiceID: f.svc.ID, Type: notify.CallbackDeliveryStatus,
		URL: "sealed:delivery-url", BearerToken: "sealed:delivery-token", CreatedAt: at(time.Second)}
	require.NoError(t, cs.CreateServiceCallback(ctx, inbound))
	require.NoError(t, cs.CreateServiceCallback(ctx, delivery))
	others := &notify.ServiceCallback{ID: uuid.New(), ServiceID: g.svc.ID, Type: notify.CallbackDeliveryStatus,
		URL: "sealed:other", BearerToken: "sealed:other-token", CreatedAt: at(0)}
	require.NoError(t, cs.CreateServiceCallback(ctx, others), "each service has its own")

	dup := &notify.ServiceCallback{ID: uuid.New(), ServiceID: f.svc.ID, Type: notify.CallbackInboundSMS,
		URL: "x", BearerToken: "y", CreatedAt: at(0)}
	assert.ErrorIs(t, cs.CreateServiceCallback(ctx, dup), notify.ErrDuplicate, "one per service and type")
	sameID := *others
	sameID.ServiceID, sameID.Type = f.svc.ID, notify.CallbackComplaint
	assert.ErrorIs(t, cs.CreateServiceCallback(ctx, &sameID), notify.ErrDuplicate, "an existing id")
	orphan := &notify.ServiceCallback{ID: uuid.New(), ServiceID: uuid.New(), Type: notify.CallbackComplaint,
		URL: "x", BearerToken: "y", CreatedAt: at(0)}
	assert.ErrorIs(t, cs.CreateServiceCallback(ctx, orphan), notify.ErrNotFound, "the service must exist")

	got, err := cs.GetServiceCallback(ctx, f.svc.ID, notify.CallbackInboundSMS)
	require.NoError(t, err)
	assert.Equal(t, inbound.ID, got.ID)
	assert.Equal(t, f.svc.ID, got.ServiceID)
	assert.Equal(t, "sealed:inbound-url", got.URL)
	assert.Equal(t, "sealed:inbound-token", got.BearerToken)
	if assert.NotNil(t, got.UpdatedBy) {
		assert.Equal(t, user, *got.UpdatedBy)
	}
	assert.Equal(t, at(0), got.CreatedAt.UTC())
	assert.Nil(t, got.UpdatedAt)

	got.URL, got.BearerToken, got.UpdatedBy, got.UpdatedAt = "sealed:new-url", "sealed:new-token", nil, ptr(at(time.Hour))
	require.NoError(t, cs.UpdateServiceCallback(ctx, got))
	wrong := *got
	wrong.ServiceID = g.svc.ID
	assert.ErrorIs(t, cs.UpdateServiceCallback(ctx, &wrong), notify.ErrNotFound, "another service's id is not found")
	wrong = *got
	wrong.ID = uuid.New()
	assert.ErrorIs(t, cs.UpdateServiceCallback(ctx, &wrong), notify.ErrNotFound)

	list, err := cs.ListServiceCallbacks(ctx, f.svc.ID)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, notify.CallbackDeliveryStatus, list[0].Type, "ordered by type")
	assert.Equal(t, notify.CallbackInboundSMS, list[1].Type)
	assert.Equal(t, "sealed:new-url", list[1].URL)
	assert.Equal(t, "sealed:new-token", list[1].BearerToken)
	assert.Nil(t, list[1].UpdatedBy)
	if assert.NotNil(t, list[1].UpdatedAt) {
		assert.Equal(t, at(time.Hour), list[1].UpdatedAt.UTC())
	}

	require.NoError(t, cs.DeleteServiceCallback(ctx, f.svc.ID, notify.CallbackInboundSMS))
	assert.ErrorIs(t, cs.DeleteServiceCallback(ctx, f.svc.ID, notify.CallbackInboundSMS), notify.ErrNotFound)
	assert.ErrorIs(t, cs.DeleteServiceCallback(ctx, f.svc.ID, notify.CallbackComplaint), notify.ErrNotFound)
	_, err = cs.GetServiceCallback(ctx, f.svc.ID, notify.CallbackInboundSMS)
	assert.ErrorIs(t, err, notify.ErrNotFound)
	again := &notify.ServiceCallback{ID: uuid.New(), ServiceID: f.svc.ID, Type: notify.CallbackInboundSMS,
		URL: "u", BearerToken: "t", CreatedAt: at(0)}
	require.NoError(t, cs.CreateServiceCallback(ctx, again), "a deleted type may be created again")
	kept, err := cs.GetServiceCallback(ctx, g.svc.ID, notify.CallbackDeliveryStatus)
	require.NoError(t, err)
	assert.Equal(t, others.ID, kept.ID, "other services are untouched")

	// Callback URLs and tokens are secrets: ResealSecrets maps them too.
	if ss, ok := f.store.(notify.SealedStore); ok {
		boom := errors.New("boom")
		fail := func(v string) (string, error) {
			if strings.HasPrefix(v, "sealed:other") {
				return "", boom
			}
			return "re" + v, nil
		}
		assert.ErrorIs(t, ss.ResealSecrets(ctx, notify.Reseal{Text: fail}), boom)
		unchanged, err := cs.GetServiceCallback(ctx, f.svc.ID, notify.CallbackDeliveryStatus)
		require.NoError(t, err)
		assert.Equal(t, "sealed:delivery-url", unchanged.URL, "a failure changes nothing")
		require.NoError(t, ss.ResealSecrets(ctx, notify.Reseal{Text: func(v string) (string, error) { return "re" + v, nil }}))
		for _, c := range []struct {
			svc        uuid.UUID
			typ        notify.CallbackType
			url, token string
		}{
			{f.svc.ID, notify.CallbackDeliveryStatus, "resealed:delivery-url", "resealed:delivery-token"},
			{g.svc.ID, notify.CallbackDeliveryStatus, "resealed:other", "resealed:other-token"},
		} {
			got, err := cs.GetServiceCallback(ctx, c.svc, c.typ)
			require.NoError(t, err)
			assert.Equal(t, c.url, got.URL)
			assert.Equal(t, c.token, got.BearerToken)
		}
	}
}

// testComplaints checks the optional notify.ComplaintStore ability.
func testComplaints(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	cs := ability[notify.ComplaintStore](t, f.store, "ComplaintStore")
	ctx := f.ctx
	g := f.other()
	n1, n2 := f.create(f.notification(0)), f.create(f.notification(time.Second))

	empty, err := cs.ListComplaints(ctx, f.svc.ID)
	require.NoError(t, err)
	assert.Empty(t, empty)

	first := &notify.Complaint{ID: uuid.New(), NotificationID: n1.ID, ServiceID: f.svc.ID, SESFeedbackID: "feedback-1",
		ComplaintType: "abuse", ComplaintDate: at(-time.Minute), CreatedAt: at(0)}
	second := &notify.Complaint{ID: uuid.New(), NotificationID: n2.ID, ServiceID: f.svc.ID,
		ComplaintDate: at(0), CreatedAt: at(time.Hour)}
	third := &notify.Complaint{ID: uuid.New(), NotificationID: n2.ID, ServiceID: f.svc.ID,
		ComplaintDate: at(0), CreatedAt: at(2 * time.Hour)}
	require.NoError(t, cs.CreateComplaint(ctx, first))
	require.NoError(t, cs.CreateComplaint(ctx, second))
	require.NoError(t, cs.CreateComplaint(ctx, third), "complaints without a feedback id are not duplicates")
	dup := *first
	dup.ID = uuid.New()
	assert.ErrorIs(t, cs.CreateComplaint(ctx, &dup), notify.ErrDuplicate, "one per feedback id")
	sameID := *second
	assert.ErrorIs(t, cs.CreateComplaint(ctx, &sameID), notify.ErrDuplicate, "an existing id")
	theirs := &notify.Complaint{ID: uuid.New(), NotificationID: uuid.New(), ServiceID: g.svc.ID, SESFeedbackID: "feedback-2",
		ComplaintDate: at(0), CreatedAt: at(0)}
	require.NoError(t, cs.CreateComplaint(ctx, theirs))

	got, err := cs.GetComplaint(ctx, first.ID)
	require.NoError(t, err)
	assert.Equal(t, n1.ID, got.NotificationID)
	assert.Equal(t, f.svc.ID, got.ServiceID)
	assert.Equal(t, "feedback-1", got.SESFeedbackID)
	assert.Equal(t, "abuse", got.ComplaintType)
	assert.Equal(t, at(-time.Minute), got.ComplaintDate.UTC())
	assert.Equal(t, at(0), got.CreatedAt.UTC())
	_, err = cs.GetComplaint(ctx, uuid.New())
	assert.ErrorIs(t, err, notify.ErrNotFound)

	list, err := cs.ListComplaints(ctx, f.svc.ID)
	require.NoError(t, err)
	require.Len(t, list, 3)
	assert.Equal(t, []uuid.UUID{third.ID, second.ID, first.ID}, []uuid.UUID{list[0].ID, list[1].ID, list[2].ID}, "newest first")
	assert.Equal(t, "", list[1].SESFeedbackID)
}

// testInboundNumbers checks the optional notify.InboundNumberStore ability.
func testInboundNumbers(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	is := ability[notify.InboundNumberStore](t, f.store, "InboundNumberStore")
	ctx := f.ctx
	g := f.other()

	_, err := is.GetInboundNumber(ctx, "447700900999")
	assert.ErrorIs(t, err, notify.ErrNotFound)
	mine := &notify.InboundNumber{ID: uuid.New(), Number: "447700900999", ServiceID: f.svc.ID, CreatedAt: at(0)}
	require.NoError(t, is.AssignInboundNumber(ctx, mine))
	short := &notify.InboundNumber{ID: uuid.New(), Number: "40604", ServiceID: f.svc.ID, CreatedAt: at(time.Second)}
	require.NoError(t, is.AssignInboundNumber(ctx, short))

	again := &notify.InboundNumber{ID: uuid.New(), Number: "447700900999", ServiceID: f.svc.ID, CreatedAt: at(time.Hour)}
	require.NoError(t, is.AssignInboundNumber(ctx, again), "assigning a service its own number again is a no-op")
	assert.Equal(t, mine.ID, again.ID, "the stored assignment is returned")
	assert.Equal(t, at(0), again.CreatedAt.UTC())

	taken := &notify.InboundNumber{ID: uuid.New(), Number: "447700900999", ServiceID: g.svc.ID, CreatedAt: at(0)}
	assert.ErrorIs(t, is.AssignInboundNumber(ctx, taken), notify.ErrDuplicate, "numbers are unique across services")
	orphan := &notify.InboundNumber{ID: uuid.New(), Number: "447700900111", ServiceID: uuid.New(), CreatedAt: at(0)}
	assert.ErrorIs(t, is.AssignInboundNumber(ctx, orphan), notify.ErrNotFound, "the service must exist")

	got, err := is.GetInboundNumber(ctx, "447700900999")
	require.NoError(t, err)
	assert.Equal(t, f.svc.ID, got.ServiceID)
	assert.Equal(t, mine.ID, got.ID)
	_, err = is.GetInboundNumber(ctx, "447700900111")
	assert.ErrorIs(t, err, notify.ErrNotFound, "a refused assignment stores nothing")

	list, err := is.ListInboundNumbers(ctx, f.svc.ID)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "447700900999", list[0].Number, "oldest first")
	assert.Equal(t, "40604", list[1].Number)
	none, err := is.ListInboundNumbers(ctx, g.svc.ID)
	require.NoError(t, err)
	assert.Empty(t, none)

	m := &notify.InboundSMS{ID: uuid.New(), ServiceID: f.svc.ID, NotifyNumber: "447700900999", UserNumber: "447700900123",
		Content: "Hello ’", Provider: "mmg", CreatedAt: at(0)}
	require.NoError(t, f.store.CreateInboundSMS(ctx, m))
	read, err := is.GetInboundSMS(ctx, f.svc.ID, m.ID)
	require.NoError(t, err)
	assert.Equal(t, *m, *read)
	_, err = is.GetInboundSMS(ctx, g.svc.ID, m.ID)
	assert.ErrorIs(t, err, notify.ErrNotFound, "another service's message is not found")
	_, err = is.GetInboundSMS(ctx, f.svc.ID, uuid.New())
	assert.ErrorIs(t, err, notify.ErrNotFound)
}
