package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

// testOlderThanScope: paging past another service's notification or
// received message gives nothing, as an unknown id does, so that no
// caller learns anything of another service's data through older_than.
func testOlderThanScope(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	ctx, s := f.ctx, f.store
	g := f.other()
	for i := range 3 {
		f.create(f.notification(time.Duration(i) * time.Minute))
	}
	foreign := g.create(g.notification(time.Hour)) // newer than all of f's
	own := f.create(f.notification(2 * time.Hour))

	got, err := s.ListNotifications(ctx, notify.NotificationFilter{ServiceID: f.svc.ID, OlderThan: &own.ID})
	require.NoError(t, err)
	assert.Len(t, got, 3, "paging past one's own notification")
	got, err = s.ListNotifications(ctx, notify.NotificationFilter{ServiceID: f.svc.ID, OlderThan: &foreign.ID})
	require.NoError(t, err)
	assert.Empty(t, got, "another service's notification is as unknown")

	inbound := func(fx *fixture, d time.Duration) uuid.UUID {
		m := &notify.InboundSMS{ID: uuid.New(), ServiceID: fx.svc.ID, NotifyNumber: "447700900001",
			UserNumber: "447700900123", Content: "hi", Provider: "mmg", CreatedAt: at(d)}
		require.NoError(t, s.CreateInboundSMS(ctx, m))
		return m.ID
	}
	inbound(f, 0)
	foreignMsg := inbound(g, time.Hour)
	ownMsg := inbound(f, 2*time.Hour)
	msgs, err := s.ListInboundSMS(ctx, f.svc.ID, &ownMsg, 0)
	require.NoError(t, err)
	assert.Len(t, msgs, 1)
	msgs, err = s.ListInboundSMS(ctx, f.svc.ID, &foreignMsg, 0)
	require.NoError(t, err)
	assert.Empty(t, msgs, "another service's message is as unknown")
}
