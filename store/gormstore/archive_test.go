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
		day := 24 * time.Hour

		def := &notify.Service{ID: uuid.New(), Name: "default retention"}
		short := &notify.Service{ID: uuid.New(), Name: "three days", DataRetentionDays: 3}
		require.NoError(t, st.CreateService(ctx, def))
		require.NoError(t, st.CreateService(ctx, short))
		orphan := uuid.New() // a service id with no service row: default retention

		ref := "client-ref"
		mk := func(svc uuid.UUID, kt notify.KeyType, age time.Duration) *notify.Notification {
			n := &notify.Notification{ID: uuid.New(), ServiceID: svc, TemplateID: uuid.New(), TemplateVersion: 2,
				APIKeyID: uuid.New(), KeyType: kt, Type: notify.SMS, To: "07700 900 001",
				NormalisedTo: "447700900001", ClientReference: &ref,
				Personalisation: map[string]any{"name": "secret"}, Body: "Hi secret", Status: notify.StatusDelivered,
				BillableUnits: 1, SentBy: "sandbox", CreatedAt: now.Add(-age)}
			require.NoError(t, st.CreateNotification(ctx, n))
			return n
		}
		cases := []struct {
			name      string
			n         *notify.Notification
			archived  bool // in history afterwards
			remaining bool // still in notifications afterwards
		}{
			{"default retention, 8 days, live", mk(def.ID, notify.KeyTypeLive, 8*day), true, false},
			{"default retention, 8 days, team", mk(def.ID, notify.KeyTypeTeam, 8*day), true, false},
			{"default retention, 8 days, test", mk(def.ID, notify.KeyTypeSimulate, 8*day), false, false},
			{"default retention, 6 days", mk(def.ID, notify.KeyTypeLive, 6*day), false, true},
			{"3-day retention, 4 days", mk(short.ID, notify.KeyTypeLive, 4*day), true, false},
			{"3-day retention, 2 days", mk(short.ID, notify.KeyTypeLive, 2*day), false, true},
			{"no service, 8 days", mk(orphan, notify.KeyTypeLive, 8*day), true, false},
			{"no service, 6 days", mk(orphan, notify.KeyTypeLive, 6*day), false, true},
		}
		// Several batches for the default-retention service.
		for range 5 {
			mk(def.ID, notify.KeyTypeLive, 9*day)
		}

		moved, err := st.ArchiveNotifications(ctx, now, 2)
		require.NoError(t, err)
		assert.Equal(t, 10, moved)

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
		moved, err = st.ArchiveNotifications(ctx, now, 2)
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
