package gormstore

import (
	"testing"

	notify "github.com/notifykit/notify"
	"github.com/notifykit/notify/store/storetest"
)

// TestConformanceSQLite runs the Store conformance suite on a temp SQLite
// file per test.
func TestConformanceSQLite(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) notify.Store { return newSQLite(t) })
}

// TestConformancePostgres runs the suite on PostgreSQL, one schema per test,
// when NOTIFY_TEST_POSTGRES_DSN is set.
func TestConformancePostgres(t *testing.T) {
	t.Parallel()
	pgDSN(t)
	storetest.Run(t, func(t *testing.T) notify.Store { return newPostgres(t) })
}
