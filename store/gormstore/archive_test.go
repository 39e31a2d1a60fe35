package gormstore

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	notify "github.com/notifykit/notify"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestArchiveNotifications(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, newStore func(t testing.TB) *Store) {
		ctx := context.Background()
		st := newStore(t)
		now := time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC)
		cutoff := now.Add(-7 * 24 * time.Hour)

		svc := &notify.Service{ID: uuid.New(), Name: "archived"}
		other := &notify.Service{ID: uuid.New(), Name: "other"}
		require.NoError(t, st.CreateService(ctx, svc))
		require.NoError(t, st.CreateService(ctx, other))

		ref := "client-ref"
		mk := func(service uuid.UUID, typ notify.NotificationType, kt notify.KeyType, created time.Time) *notify.Notification {
			n := &notify.Notification{ID: uuid.New(), ServiceID: service, TemplateID: uuid.New(), TemplateVersion: 2,
				APIKeyID: uuid.New(), KeyType: kt, Type: typ, To: "07700 900 001",
				NormalisedTo: "447700900001", ClientReference: &ref,
				Personalisation: map[string]any{"name": "secret"}, Body: "Hi secret", Status: notify.StatusDelivered,
				BillableUnits: 1, SentBy: "sandbox", CreatedAt: created}
			require.NoError(t, st.CreateNotification(ctx, n))
			return n
		}
		old := cutoff.Add(-time.Hour)
		cases := []struct {
			name      string
			n         *notify.Notification
			archived  bool // in history afterwards
			remaining bool // still in notifications afterwards
		}{
			{"old live sms", mk(svc.ID, notify.SMS, notify.KeyTypeLive, old), true, false},
			{"old team sms", mk(svc.ID, notify.SMS, notify.KeyTypeTeam, old), true, false},
			{"old test sms is deleted", mk(svc.ID, notify.SMS, notify.KeyTypeSimulate, old), false, false},
			{"sms created at the cut-off stays", mk(svc.ID, notify.SMS, notify.KeyTypeLive, cutoff), false, true},
			{"old email of the service stays", mk(svc.ID, notify.Email, notify.KeyTypeLive, old), false, true},
			{"old sms of another service stays", mk(other.ID, notify.SMS, notify.KeyTypeLive, old), false, true},
		}
		// Several batches.
		for range 5 {
			mk(svc.ID, notify.SMS, notify.KeyTypeLive, old.Add(-time.Hour))
		}

		moved, err := st.ArchiveNotifications(ctx, svc.ID, notify.SMS, cutoff, 2)
		require.NoError(t, err)
		assert.Equal(t, 8, moved)

		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := st.GetNotification(ctx, c.n.ID)
				if c.remaining {
					assert.NoError(t, err)
				} else {
					assert.ErrorIs(t, err, notify.ErrNotFound)
				}
				var (
					count       int
					keyType     string
					clientRef   string
					billable    int
					templateVer int
				)
				rows, err := st.r.Raw(`SELECT key_type, client_reference, billable_units, template_version
					FROM notification_history WHERE id = ?`, c.n.ID.String()).Rows()
				require.NoError(t, err)
				for rows.Next() {
					count++
					require.NoError(t, rows.Scan(&keyType, &clientRef, &billable, &templateVer))
				}
				require.NoError(t, rows.Close())
				if !c.archived {
					assert.Zero(t, count)
					return
				}
				require.Equal(t, 1, count)
				assert.Equal(t, string(c.n.KeyType), keyType)
				assert.Equal(t, ref, clientRef)
				assert.Equal(t, 1, billable)
				assert.Equal(t, 2, templateVer)
			})
		}

		// Running again moves nothing.
		moved, err = st.ArchiveNotifications(ctx, svc.ID, notify.SMS, cutoff, 2)
		require.NoError(t, err)
		assert.Zero(t, moved)
	})
}

func TestHistoryKeepsNoPersonalData(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, newStore func(t testing.TB) *Store) {
		st := newStore(t)
		var cols []string
		q := `SELECT column_name FROM information_schema.columns WHERE table_name = 'notification_history' AND table_schema = current_schema()`
		if st.dialect == dialectSQLite {
			q = `SELECT name FROM pragma_table_info('notification_history')`
		}
		require.NoError(t, st.r.Raw(q).Scan(&cols).Error)
		require.NotEmpty(t, cols)
		for _, personal := range []string{"recipient", "normalised_recipient", "personalisation", "body", "subject"} {
			assert.NotContains(t, cols, personal)
		}
	})
}
