package gormstore

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

const pgEnv = "NOTIFY_TEST_POSTGRES_DSN"

// sqliteDSN returns a fresh database file for one test.
func sqlitePath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "notify.db")
}

// newSQLite opens a store on a fresh SQLite file, closed on cleanup.
func newSQLite(t testing.TB) *Store {
	t.Helper()
	st, err := OpenSQLite(context.Background(), sqlitePath(t), Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// pgDSN returns the PostgreSQL DSN or skips the test loudly.
func pgDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(pgEnv)
	if dsn == "" {
		t.Skip(pgEnv + " not set: skipping PostgreSQL tests")
	}
	return dsn
}

// pgSchemaDSN creates an empty schema for one test, dropped on cleanup, and
// returns a DSN whose search_path points at it.
func pgSchemaDSN(t testing.TB) string {
	t.Helper()
	dsn := pgDSN(t)
	admin, err := gorm.Open(postgres.Open(dsn), &gorm.Config{Logger: logger.Discard})
	require.NoError(t, err)
	sqlDB, err := admin.DB()
	require.NoError(t, err)
	schema := "t_" + strings.ReplaceAll(uuid.NewString(), "-", "")
	require.NoError(t, admin.Exec("CREATE SCHEMA "+schema).Error)
	t.Cleanup(func() {
		_ = admin.Exec("DROP SCHEMA " + schema + " CASCADE").Error
		_ = sqlDB.Close()
	})
	return withSearchPath(t, dsn, schema)
}

func withSearchPath(t testing.TB, dsn, schema string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		require.NoError(t, err)
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return fmt.Sprintf("%s search_path=%s", dsn, schema)
}

// newPostgres opens a store in a fresh schema, closed on cleanup.
func newPostgres(t testing.TB) *Store {
	t.Helper()
	st, err := OpenPostgres(context.Background(), pgSchemaDSN(t), Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// backends runs f against SQLite and, when configured, PostgreSQL.
func backends(t *testing.T, f func(t *testing.T, newStore func(t testing.TB) *Store)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		f(t, newSQLite)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		pgDSN(t)
		f(t, newPostgres)
	})
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
