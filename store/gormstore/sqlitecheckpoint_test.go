package gormstore

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

// TestSQLiteCheckpointsBesideTheWriter: the writer never checkpoints on
// commit; the checkpointer copies the WAL into the database soon after
// writes stop, and stops with the Store.
func TestSQLiteCheckpointsBesideTheWriter(t *testing.T) {
	ctx := context.Background()
	st, err := OpenSQLite(ctx, sqlitePath(t), Options{})
	require.NoError(t, err)
	closed := false
	t.Cleanup(func() {
		if !closed {
			_ = st.Close()
		}
	})
	var auto int
	require.NoError(t, st.w.WithContext(ctx).Raw(`PRAGMA wal_autocheckpoint`).Row().Scan(&auto))
	assert.Zero(t, auto, "the writer leaves checkpoints to the checkpointer")

	svc := &notify.Service{ID: uuid.New(), Name: "S"}
	require.NoError(t, st.CreateService(ctx, svc))
	tmpl := &notify.Template{ID: uuid.New(), ServiceID: svc.ID, Type: notify.SMS, Name: "T", Content: "Hi", Version: 1}
	require.NoError(t, st.CreateTemplate(ctx, tmpl))
	for range 40 {
		batch := make([]*notify.Notification, 16)
		for i := range batch {
			batch[i] = benchNotification(svc.ID, tmpl.ID, uuid.Nil)
		}
		require.Nil(t, st.CreateNotifications(ctx, batch))
	}
	require.Eventually(t, func() bool {
		return st.ck.log.Load() > 0 && st.ck.copied.Load() == st.ck.log.Load()
	}, 5*time.Second, 20*time.Millisecond, "the whole WAL is copied into the database")

	n, err := st.CountNotifications(ctx, svc.ID, time.Now().Add(-time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 640, n)

	require.NoError(t, st.Close())
	closed = true
	runs := st.ck.runs.Load()
	time.Sleep(3 * sqliteCheckpointEvery)
	assert.Equal(t, runs, st.ck.runs.Load(), "no checkpoint after Close")
}
