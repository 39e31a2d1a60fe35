package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

func testCreateGetNotification(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	ctx, s := f.ctx, f.store

	minimal := f.notification(0)
	minimal.Personalisation = nil

	full := f.notification(time.Second)
	full.Type = notify.Email
	full.TemplateID = f.email.ID
	full.To = "Someone@Example.com"
	full.NormalisedTo = "someone@example.com"
	full.Subject = "Subject ’ – line"
	full.ReplyTo = "reply@example.com"
	full.ClientReference = ptr("client ref ’")
	full.UnsubscribeURL = ptr("https://example.com/unsubscribe?x=1&y=2")
	full.Status = notify.StatusSending
	full.Queue = notify.QueueSendEmail
	full.International = true
	full.PhonePrefix = "1"
	full.RateMultiplier = 1.5
	full.BillableUnits = 3
	full.SentBy = "ses"
	full.SentAt = ptr(at(2 * time.Second))
	full.ProviderReference = "provider-ref-1"
	full.JobID = ptr(uuid.New())
	full.JobRowNumber = ptr(0)
	full.KeyType = notify.KeyTypeTeam
	full.UpdatedAt = ptr(at(3 * time.Second))

	for _, n := range []*notify.Notification{minimal, full} {
		f.create(n)
		got, err := s.GetNotification(ctx, n.ID)
		require.NoError(t, err)
		assertNotification(t, n, got)
	}

	t.Run("duplicate", func(t *testing.T) {
		dup := f.notification(time.Hour)
		dup.ID = full.ID
		dup.Body = "another body"
		require.ErrorIs(t, s.CreateNotification(ctx, dup), notify.ErrDuplicate)
		got, err := s.GetNotification(ctx, full.ID)
		require.NoError(t, err)
		assertNotification(t, full, got, "a refused duplicate changed the notification")
	})

	t.Run("not found", func(t *testing.T) {
		_, err := s.GetNotification(ctx, uuid.New())
		assert.ErrorIs(t, err, notify.ErrNotFound)
	})

	t.Run("any service", func(t *testing.T) {
		o := f.other()
		n := o.create(o.notification(0))
		got, err := s.GetNotification(ctx, n.ID)
		require.NoError(t, err)
		assert.Equal(t, o.svc.ID, got.ServiceID)
	})
}

func testCopies(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	ctx, s := f.ctx, f.store

	t.Run("notification", func(t *testing.T) {
		n := f.notification(0)
		n.ClientReference = ptr("ref")
		n.JobID = ptr(uuid.New())
		n.JobRowNumber = ptr(4)
		f.create(n)
		want := f.notification(0)
		want.ID = n.ID
		want.ClientReference = ptr("ref")
		want.JobID = ptr(*n.JobID)
		want.JobRowNumber = ptr(4)

		// Changing what was passed in does not change the store.
		n.Personalisation["name"] = "changed"
		n.Personalisation["address"].(map[string]any)["postcode"] = "changed"
		n.Personalisation["address"].(map[string]any)["lines"].([]any)[0] = "changed"
		*n.ClientReference = "changed"
		*n.JobRowNumber = 99
		n.Body = "changed"

		got, err := s.GetNotification(ctx, n.ID)
		require.NoError(t, err)
		assertNotification(t, want, got, "input was kept by reference")

		// Changing what came out does not change the store.
		got.Personalisation["name"] = "changed"
		got.Personalisation["address"].(map[string]any)["lines"].([]any)[1] = "changed"
		got.Personalisation["tags"].([]any)[2].(map[string]any)["c"] = "changed"
		*got.ClientReference = "changed"
		*got.JobID = uuid.Nil
		*got.JobRowNumber = 99

		again, err := s.GetNotification(ctx, n.ID)
		require.NoError(t, err)
		assertNotification(t, want, again, "GetNotification returned shared memory")

		list, err := s.ListNotifications(ctx, notify.NotificationFilter{ServiceID: f.svc.ID, IncludeJobs: true})
		require.NoError(t, err)
		require.Len(t, list, 1)
		list[0].Personalisation["address"].(map[string]any)["postcode"] = "changed"
		*list[0].ClientReference = "changed"
		again, err = s.GetNotification(ctx, n.ID)
		require.NoError(t, err)
		assertNotification(t, want, again, "ListNotifications returned shared memory")

		claimed, err := s.ClaimNotification(ctx, n.ID, at(0), at(time.Minute))
		require.NoError(t, err)
		*claimed.ClaimedUntil = at(time.Hour)
		claimed.Personalisation["name"] = "changed"
		again, err = s.GetNotification(ctx, n.ID)
		require.NoError(t, err)
		require.NotNil(t, again.ClaimedUntil)
		assert.True(t, at(time.Minute).Equal(*again.ClaimedUntil), "ClaimNotification returned shared memory")
		assert.Equal(t, want.Personalisation, again.Personalisation)
	})

	t.Run("update values", func(t *testing.T) {
		n := f.create(f.notification(time.Second))
		sentAt := at(2 * time.Second)
		units := 2
		u := notify.NotificationUpdate{Status: notify.StatusSending, SentAt: &sentAt, SentBy: "sandbox", BillableUnits: &units, UpdatedAt: at(3 * time.Second)}
		_, err := s.TransitionNotification(ctx, n.ID, []notify.Status{notify.StatusCreated}, u)
		require.NoError(t, err)
		sentAt = at(time.Hour)
		units = 99
		got, err := s.GetNotification(ctx, n.ID)
		require.NoError(t, err)
		require.NotNil(t, got.SentAt)
		assert.True(t, at(2*time.Second).Equal(*got.SentAt), "the update's SentAt was kept by reference")
		assert.Equal(t, 2, got.BillableUnits)
	})

	t.Run("service", func(t *testing.T) {
		svc := newService()
		require.NoError(t, s.CreateService(ctx, svc))
		want := normService(*svc)
		svc.Permissions[0] = notify.PermissionUKLandlines
		got, err := s.GetService(ctx, svc.ID)
		require.NoError(t, err)
		assert.Equal(t, want, normService(*got), "input was kept by reference")
		got.Permissions[0] = notify.PermissionUKLandlines
		got.Name = "changed"
		again, err := s.GetService(ctx, svc.ID)
		require.NoError(t, err)
		assert.Equal(t, want, normService(*again), "GetService returned shared memory")
	})

	t.Run("api key", func(t *testing.T) {
		k := newAPIKey(f.svc.ID, notify.KeyTypeTeam, at(time.Minute))
		require.NoError(t, s.CreateAPIKey(ctx, k))
		want := slices.Clone(k.EncryptedSecret)
		k.EncryptedSecret[0] = 0x42
		keys, err := s.ListAPIKeys(ctx, f.svc.ID)
		require.NoError(t, err)
		require.Len(t, keys, 2)
		assert.Equal(t, want, keys[1].EncryptedSecret, "input was kept by reference")
		keys[1].EncryptedSecret[1] = 0x42
		require.NoError(t, s.RevokeAPIKey(ctx, f.svc.ID, k.ID, at(time.Hour)))
		keys, err = s.ListAPIKeys(ctx, f.svc.ID)
		require.NoError(t, err)
		assert.Equal(t, want, keys[1].EncryptedSecret, "ListAPIKeys returned shared memory")
		*keys[1].ExpiryDate = at(2 * time.Hour)
		keys, err = s.ListAPIKeys(ctx, f.svc.ID)
		require.NoError(t, err)
		assert.True(t, at(time.Hour).Equal(*keys[1].ExpiryDate), "ListAPIKeys returned shared memory")
	})

	t.Run("template", func(t *testing.T) {
		tm := newTemplate(f.svc.ID, notify.SMS, "copy")
		tm.UpdatedAt = ptr(at(time.Minute))
		require.NoError(t, s.CreateTemplate(ctx, tm))
		want := normTemplate(*tm)
		*tm.UpdatedAt = at(time.Hour)
		tm.Content = "changed"
		got, err := s.GetTemplate(ctx, f.svc.ID, tm.ID)
		require.NoError(t, err)
		assert.Equal(t, want, normTemplate(*got), "input was kept by reference")
		*got.UpdatedAt = at(time.Hour)
		again, err := s.GetTemplateVersion(ctx, f.svc.ID, tm.ID, 1)
		require.NoError(t, err)
		assert.Equal(t, want, normTemplate(*again), "GetTemplate returned shared memory")
	})
}

func testParallelCreate(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	const workers, each = 8, 50
	ids := make([][]uuid.UUID, workers)
	errs := race(workers, func(w int) error {
		for i := range each {
			n := f.notification(time.Duration(w*each+i) * time.Millisecond)
			ids[w] = append(ids[w], n.ID)
			if err := f.store.CreateNotification(f.ctx, n); err != nil {
				return fmt.Errorf("worker %d, notification %d: %w", w, i, err)
			}
		}
		return nil
	})
	for _, err := range errs {
		require.NoError(t, err)
	}

	count, err := f.store.CountNotifications(f.ctx, f.svc.ID, at(-time.Hour))
	require.NoError(t, err)
	assert.Equal(t, workers*each, count)

	list, err := f.store.ListNotifications(f.ctx, notify.NotificationFilter{ServiceID: f.svc.ID})
	require.NoError(t, err)
	require.Len(t, list, workers*each)
	var want []uuid.UUID
	for _, w := range ids {
		want = append(want, w...)
	}
	assert.ElementsMatch(t, want, notificationIDs(list))
	for i := 1; i < len(list); i++ {
		assert.False(t, list[i].CreatedAt.After(list[i-1].CreatedAt), "list not newest first at %d", i)
	}
	for _, id := range []uuid.UUID{ids[0][0], ids[workers-1][each-1], ids[3][17]} {
		_, err := f.store.GetNotification(f.ctx, id)
		assert.NoError(t, err)
	}
}
