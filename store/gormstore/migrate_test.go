package gormstore

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	notify "github.com/notifykit/notify"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// opener opens a store on one database location, migrated up to target
// (0: latest).
type opener func(t *testing.T, target int) (*Store, error)

func sqliteOpener(t *testing.T) opener {
	path := filepath.Join(t.TempDir(), "migrate.db")
	return func(t *testing.T, target int) (*Store, error) {
		return openSQLite(context.Background(), path, Options{}, target)
	}
}

func postgresOpener(t *testing.T) opener {
	dsn := pgSchemaDSN(t)
	return func(t *testing.T, target int) (*Store, error) {
		return openPostgres(context.Background(), dsn, Options{MaxOpenConns: 2}, target)
	}
}

func migrationBackends(t *testing.T, f func(t *testing.T, open opener)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		f(t, sqliteOpener(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		pgDSN(t)
		f(t, postgresOpener(t))
	})
}

func migrationRows(t *testing.T, st *Store) []int {
	t.Helper()
	var versions []int
	require.NoError(t, st.r.Raw(`SELECT version FROM schema_migrations ORDER BY version`).Scan(&versions).Error)
	return versions
}

func allVersions() []int {
	out := make([]int, len(migrations))
	for i, m := range migrations {
		out[i] = m.version
	}
	return out
}

func TestMigrationsAreOrdered(t *testing.T) {
	t.Parallel()
	for i, m := range migrations {
		assert.Equal(t, i+1, m.version, "versions must be 1, 2, 3… in order")
		assert.NotEmpty(t, m.name)
		assert.NotEmpty(t, m.postgres, "version %d has no PostgreSQL steps", m.version)
		assert.NotEmpty(t, m.sqlite, "version %d has no SQLite steps", m.version)
	}
	assert.Equal(t, len(migrations), SchemaVersion())
}

func TestMigrateFromEmptyThenAgain(t *testing.T) {
	t.Parallel()
	migrationBackends(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		st, err := open(t, 0)
		require.NoError(t, err)
		v, err := st.CurrentSchemaVersion(ctx)
		require.NoError(t, err)
		assert.Equal(t, SchemaVersion(), v)
		assert.Equal(t, allVersions(), migrationRows(t, st))
		svc := &notify.Service{ID: uuid.New(), Name: "kept", CreatedAt: time.Now()}
		require.NoError(t, st.CreateService(ctx, svc))
		require.NoError(t, st.Close())

		// A second start is a no-op: same records, data kept.
		st, err = open(t, 0)
		require.NoError(t, err)
		t.Cleanup(func() { _ = st.Close() })
		assert.Equal(t, allVersions(), migrationRows(t, st))
		got, err := st.GetService(ctx, svc.ID)
		require.NoError(t, err)
		assert.Equal(t, "kept", got.Name)
	})
}

func TestMigrateUpgradesPreviousSchema(t *testing.T) {
	t.Parallel()
	migrationBackends(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		prev := SchemaVersion() - 1
		require.Positive(t, prev)
		old, err := open(t, prev)
		require.NoError(t, err)
		assert.Equal(t, allVersions()[:prev], migrationRows(t, old))
		svc := &notify.Service{ID: uuid.New(), Name: "before upgrade"}
		// Written as the previous build wrote them: only the columns it had.
		require.NoError(t, old.w.Exec(`INSERT INTO services (id, name, message_limit, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?)`, svc.ID.String(), svc.Name, 50, old.ts(time.Now()), old.ts(time.Now())).Error)
		n := &notify.Notification{ID: uuid.New(), ServiceID: svc.ID, TemplateID: uuid.New(), TemplateVersion: 1,
			KeyType: notify.KeyTypeLive, Type: notify.SMS, To: "07700900001", NormalisedTo: "447700900001",
			Body: "hello", Status: notify.StatusCreated, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
		require.NoError(t, old.w.Exec(`INSERT INTO notifications (id, service_id, template_id, template_version,
			key_type, notification_type, recipient, normalised_recipient, body, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, n.ID.String(), svc.ID.String(), n.TemplateID.String(), 1,
			string(n.KeyType), string(n.Type), n.To, n.NormalisedTo, n.Body, string(n.Status), old.ts(n.CreatedAt)).Error)
		require.NoError(t, old.Close())

		st, err := open(t, 0)
		require.NoError(t, err)
		t.Cleanup(func() { _ = st.Close() })
		assert.Equal(t, allVersions(), migrationRows(t, st))
		got, err := st.GetNotification(ctx, n.ID)
		require.NoError(t, err)
		assert.Equal(t, n, got)
		// The new step's column exists, with its default for old rows.
		claimed, err := st.ClaimNotification(ctx, n.ID, time.Now(), time.Now().Add(time.Minute))
		require.NoError(t, err)
		assert.Equal(t, 1, claimed.DeliveryAttempts)
		// The per-channel limits of an old service take its mode's defaults.
		gotSvc, err := st.GetService(ctx, svc.ID)
		require.NoError(t, err)
		assert.Equal(t, 50, gotSvc.MessageLimit)
		assert.Zero(t, gotSvc.SMSMessageLimit)
		assert.Zero(t, gotSvc.EmailMessageLimit)
		assert.Zero(t, gotSvc.InternationalSMSMessageLimit)
	})
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	migrationBackends(t, func(t *testing.T, open opener) {
		st, err := open(t, 0)
		require.NoError(t, err)
		require.NoError(t, st.w.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			SchemaVersion()+1, "from the future", st.ts(time.Now())).Error)
		require.NoError(t, st.Close())
		_, err = open(t, 0)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "newer than this build")
	})
}

// TestConcurrentStartup starts several stores at once on one empty
// database, as several processes would: all must come up.
func TestConcurrentStartup(t *testing.T) {
	t.Parallel()
	migrationBackends(t, func(t *testing.T, open opener) {
		const n = 6
		var wg sync.WaitGroup
		stores := make([]*Store, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { stores[i], errs[i] = open(t, 0) })
		}
		wg.Wait()
		for i := range n {
			require.NoError(t, errs[i], "store %d", i)
			t.Cleanup(func() { _ = stores[i].Close() })
		}
		assert.Equal(t, allVersions(), migrationRows(t, stores[0]))
		ctx := context.Background()
		for i, st := range stores {
			require.NoError(t, st.Ping(ctx), "store %d", i)
		}
	})
}
