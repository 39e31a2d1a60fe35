// Package gormstore is the notify.Store on a real database through gorm:
// PostgreSQL (gorm.io/driver/postgres, pgx underneath) for production and
// SQLite (modernc.org/sqlite, pure Go, no cgo) for a laptop or a
// small single-machine deployment.
//
// # Opening
//
// There are two constructors, one per database, because each needs its own
// connection set-up:
//
//	st, err := gormstore.OpenPostgres(ctx, "postgres://notify@127.0.0.1/notify?sslmode=disable", gormstore.Options{})
//	st, err := gormstore.OpenSQLite(ctx, "notify.db", gormstore.Options{})
//	defer st.Close()
//
// Both run the schema migrations before returning. Options holds the pool
// settings (default: 3 connections per CPU, at least 4) and a gorm logger
// (default: silent).
//
// # Schema and migrations
//
// The schema is plain SQL per dialect, in an ordered list of versioned steps
// (see SchemaVersion). On start-up the steps not yet recorded in
// schema_migrations are applied in one transaction together with their
// records, so an existing database upgrades in place and an up-to-date one is
// left alone; nothing is ever dropped or rewritten by reflection. On
// PostgreSQL the transaction first takes an advisory lock keyed by the
// current schema, so several processes starting at once on an empty database
// all come up: the first migrates, the others wait and find nothing to do.
// On SQLite the migration transaction holds the database's write lock.
//
// Tables: services, team_members, guest_list, api_keys (the secret column
// holds only the encrypted secret), templates and templates_history (every
// edit writes a version; notifications point at (template_id,
// template_version)), notifications, notification_history, inbound_sms,
// settings and jobs. Times are UTC with microsecond precision: timestamptz on
// PostgreSQL, integer Unix microseconds on SQLite. Personalisation and
// permissions are JSON text. documents keeps the files sent by email
// (documents.go): ciphertext and metadata only, never a key.
//
// # Indexes
//
//   - ix_notifications_service_created (service_id, created_at, id) with
//     key_type and queue: the daily count (which skips simulate keys and
//     research mode) and listings across key types. The count is an
//     index-only range scan, never a table scan.
//   - ix_notifications_service_key_created (service_id, key_type,
//     created_at DESC, id DESC): GET /v2/notifications, newest first with no
//     sort step.
//   - ix_notifications_status_created (status, created_at): the sweeper.
//   - ix_notifications_client_reference (service_id, client_reference),
//     partial on non-null references.
//   - ix_notifications_provider_reference, partial: receipts without our id.
//   - ux_notifications_job_row, unique (job_id, job_row_number).
//
// TestPostgresExplain (EXPLAIN on 20,000 rows) and TestSQLiteQueryPlan
// (EXPLAIN QUERY PLAN) check that the hot queries use them.
//
// Team members, guest list entries, API keys and templates reference their
// service, and template versions their template (creating one for an
// unknown parent gives ErrNotFound). Notifications carry no foreign keys, so
// the hot insert checks no other table and archiving deletes freely.
//
// # Hot paths
//
// Creating a notification is one INSERT (one round trip). Claims
// (ClaimNotification) and status transitions (TransitionNotification) are
// one conditional UPDATE … RETURNING each; only when it matches no row does
// a second query tell ErrConflict from ErrNotFound. On PostgreSQL pgx caches
// prepared statements per connection, so after a statement's first use each
// of these is one round trip (TestPostgresRoundTrips counts them). On
// SQLite each connection keeps, by their text, up to 128 statements it has
// compiled, so that SQLite parses and plans a statement once per
// connection, not on every run.
//
// When a context ends mid-statement on PostgreSQL the store asks the server
// to cancel the statement (pgconn's CancelRequestContextWatcherHandler)
// instead of only dropping the connection, so an update that was waiting on
// a lock does not apply after its caller was told it failed.
//
// # SQLite concurrency
//
// SQLite allows one writer at a time. The store keeps one writer connection
// (so writers of this process queue in the Go pool instead of failing with
// SQLITE_BUSY), which begins IMMEDIATE transactions (so a transaction never
// has to upgrade a read lock, which would fail at once against another
// process), and a pool of read-only connections that read beside it in WAL
// mode. busy_timeout (Options.BusyTimeout) covers other processes sharing
// the file. synchronous=NORMAL by default (Options.SQLiteSynchronousFull for
// FULL). The writer does not checkpoint the WAL on commit: a goroutine with
// its own connection runs PASSIVE checkpoints every 250 ms, which block
// neither the writer nor the readers.
//
// # Errors
//
// Unique violations (PostgreSQL 23505, SQLite UNIQUE / PRIMARY KEY) wrap
// notify.ErrDuplicate; missing rows wrap notify.ErrNotFound; failed
// conditional updates wrap notify.ErrConflict; a done context wraps
// ctx.Err(); a closed store wraps notify.ErrClosed. Every error starts with
// "gormstore: {operation}:".
//
// # Retention
//
// ArchiveNotifications moves a service's notifications of one type older than
// a cut-off into notification_history (live and team ones, without
// recipient or personalisation) and deletes test ones; the Notifier's
// retention pass (notify.Notifier.RunRetention, run by the server's
// workers) calls it with each service's retention, which
// service_data_retention keeps per type.
package gormstore
